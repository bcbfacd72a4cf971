"""The model step: models chosen by name from a registry, batched CPU inference.

- ``fashionnet``: FashionNet (DeepFashion) implemented here on a VGG16 with torchvision names.
- ``category_cnn``: a small CNN trained here on the catalogue (masterCategory, articleType).
"""

from __future__ import annotations

from fashion_pipeline.models.base import UNTRAINED, ImageModel
from fashion_pipeline.models.registry import UnknownModelError, available_models, load_model, register_model

__all__ = ["UNTRAINED", "ImageModel", "UnknownModelError", "available_models", "load_model", "register_model"]
