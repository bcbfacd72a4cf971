"""Models of the model step, chosen by name.

>>> sorted(available_models())
['category_cnn', 'fashionnet']
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from fashion_pipeline.models.base import ImageModel


class UnknownModelError(ValueError):
    """The model name is not registered."""


def _fashionnet(**options: Any) -> ImageModel:
    from fashion_pipeline.models.fashionnet import FashionNetModel

    return FashionNetModel(**options)


def _category_cnn(**options: Any) -> ImageModel:
    from fashion_pipeline.models.category_cnn import CategoryModel

    return CategoryModel(**options)


MODEL_REGISTRY: dict[str, tuple[Callable[..., ImageModel], str]] = {
    "fashionnet": (_fashionnet, "FashionNet (DeepFashion, Liu et al. 2016): 50 categories, 1,000 attributes, "
                                "8 landmarks; random weights unless a state_dict is given"),
    "category_cnn": (_category_cnn, "small CNN trained here on the catalogue: masterCategory and articleType"),
}

_cache: dict[tuple[str, tuple[tuple[str, Any], ...]], ImageModel] = {}
_lock = threading.Lock()


def available_models() -> dict[str, str]:
    """Name -> one-line description."""
    return {name: desc for name, (_, desc) in MODEL_REGISTRY.items()}


def register_model(name: str, factory: Callable[..., ImageModel], description: str) -> None:
    """Add a model factory (``factory(**options) -> ImageModel``) under a new name."""
    if name in MODEL_REGISTRY:
        raise ValueError(f"model {name!r} is already registered")
    MODEL_REGISTRY[name] = (factory, description)


def load_model(name: str, **options: Any) -> ImageModel:
    """Build (once per process and options) and return the named model.

    Parameters
    ----------
    name
        A key of :func:`available_models`.
    **options
        Passed to the model, e.g. ``weights="path.pt"``, ``width_mult=0.0625, input_size=64``.

    Raises
    ------
    UnknownModelError
        The name is not registered.
    """
    if name not in MODEL_REGISTRY:
        raise UnknownModelError(f"unknown model {name!r}; available: {', '.join(sorted(MODEL_REGISTRY))}")
    key = (name, tuple(sorted((k, v) for k, v in options.items())))
    with _lock:
        if key not in _cache:
            _cache[key] = MODEL_REGISTRY[name][0](**options)
        return _cache[key]
