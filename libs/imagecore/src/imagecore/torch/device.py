"""Device choice."""

from __future__ import annotations

import os

import torch

DEVICE_ENV = "IMAGECORE_DEVICE"


def choose_device(prefer: str | None = None) -> torch.device:
    """Pick a device: ``prefer``, else ``$IMAGECORE_DEVICE``, else CUDA, MPS or CPU, whichever exists.

    Raises
    ------
    ValueError
        The requested device is not available.
    """
    name = prefer or os.environ.get(DEVICE_ENV)
    if name:
        device = torch.device(name)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device {name!r} requested but CUDA is not available")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def set_threads(n: int | None = None) -> int:
    """Limit torch's intra-op threads to ``n`` (``None``: one per CPU core); returns the number set.

    On a shared machine a process that takes every core slows everyone down; systems pass
    their ``threads`` setting here.
    """
    count = max(1, int(n if n is not None else (os.cpu_count() or 1)))
    torch.set_num_threads(count)
    return count
