"""Seeding of python, numpy and torch."""

from __future__ import annotations

import os
import random

import numpy as np
import torch


def seed_everything(seed: int, *, deterministic: bool = False) -> np.random.Generator:
    """Seed ``random``, numpy's legacy global state and torch; return a fresh numpy Generator.

    Parameters
    ----------
    seed
        The seed.
    deterministic
        Also ask torch for deterministic algorithms (slower on GPU).
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 - some libraries still read the legacy state
    torch.manual_seed(seed)
    os.environ.setdefault("PYTHONHASHSEED", str(seed))
    if deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
    return np.random.default_rng(seed)


def seeded_generator(seed: int) -> torch.Generator:
    """A torch Generator seeded with ``seed`` (for DataLoader shuffling)."""
    gen = torch.Generator()
    gen.manual_seed(seed)
    return gen
