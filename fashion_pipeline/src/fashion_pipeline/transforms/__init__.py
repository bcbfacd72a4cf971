"""The transform step: a seeded albumentations pipeline built from a list of named steps.

The default pipeline is the brief's: a random crop whose width and height are each drawn
independently from 80-100 % of the original, then a fit into a 256x256 square (aspect ratio
kept, padded with white by default; ``mode="stretch"`` resizes without padding).

Examples
--------
>>> import numpy as np
>>> from fashion_pipeline.transforms import TransformPipeline
>>> pipe = TransformPipeline.default()
>>> out = pipe(np.zeros((80, 60, 3), np.uint8), seed=7)
>>> out.image.shape
(256, 256, 3)
>>> [p["name"] for p in out.params]
['random_crop', 'fit']
"""

from __future__ import annotations

from fashion_pipeline.transforms.pipeline import (
    DEFAULT_STEPS,
    TransformPipeline,
    TransformResult,
    derive_seed,
)
from fashion_pipeline.transforms.steps import (
    STEP_REGISTRY,
    StepSpec,
    TransformStepError,
    available_steps,
)

__all__ = [
    "DEFAULT_STEPS",
    "STEP_REGISTRY",
    "StepSpec",
    "TransformPipeline",
    "TransformResult",
    "TransformStepError",
    "available_steps",
    "derive_seed",
]
