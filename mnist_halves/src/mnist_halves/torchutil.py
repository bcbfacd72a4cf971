"""Small torch helpers (seeding, device, threads).

These belong in ``imagecore.torch`` once it exists; they live here until then.
"""

from __future__ import annotations

import os
import random

import numpy as np
import torch


def seed_everything(seed: int) -> torch.Generator:
    """Seed python, numpy and torch; return a torch generator seeded the same way."""
    random.seed(seed)
    np.random.seed(seed % (2**32))  # noqa: NPY002 - seeds legacy global users too
    torch.manual_seed(seed)
    gen = torch.Generator()
    gen.manual_seed(seed)
    return gen


def pick_device(name: str | None = None) -> torch.device:
    """Return ``name`` as a device, else CUDA when available, else CPU."""
    if name:
        return torch.device(name)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def set_threads(n: int | None) -> None:
    """Limit torch intra-op threads (``None``: leave torch's default, capped by ``os.cpu_count()``)."""
    if n is None:
        n = os.cpu_count() or 1
    torch.set_num_threads(max(1, int(n)))
