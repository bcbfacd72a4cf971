"""Torch helpers shared by the systems that train models: device, seeding, a fit/evaluate
loop with progress bar, early stopping and checkpoints, and a Dataset over a pandas manifest.

Importing this module imports torch (CPU build here; CUDA where available).
"""

from __future__ import annotations

from imagecore.torch.data import ManifestDataset
from imagecore.torch.device import choose_device, set_threads
from imagecore.torch.seed import seed_everything, seeded_generator
from imagecore.torch.train import EpochStats, FitResult, evaluate, fit

__all__ = [
    "EpochStats",
    "FitResult",
    "ManifestDataset",
    "choose_device",
    "evaluate",
    "fit",
    "seed_everything",
    "seeded_generator",
    "set_threads",
]
