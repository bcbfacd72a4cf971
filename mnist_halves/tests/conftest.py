"""Shared fixtures for the mnist_halves tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mnist_halves.model import HalvesNet, load_model
from mnist_halves.settings import SHIPPED_MODEL


@pytest.fixture(scope="session")
def train_digits(mnist_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """MNIST training digits and labels (read-only arrays)."""
    from imagecore.mnist import load_mnist

    d = load_mnist("train", root=mnist_dir)
    return np.asarray(d.images), np.asarray(d.labels)


@pytest.fixture(scope="session")
def heldout_digits(train_digits: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """300 training digits from the validation part the shipped model never trained on."""
    x, y = train_digits
    return x[55000:55300], y[55000:55300]


@pytest.fixture(scope="session")
def shipped_model() -> HalvesNet:
    """The model shipped with the package."""
    if not SHIPPED_MODEL.exists():
        pytest.fail(f"shipped model missing: {SHIPPED_MODEL}")
    return load_model(SHIPPED_MODEL)
