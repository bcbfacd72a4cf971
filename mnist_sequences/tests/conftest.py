"""Fixtures of the mnist_sequences tests: a synthetic digit source (no data needed) and real MNIST."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from seq_helpers import assert_layout_matches  # noqa: F401 - used by fixtures

from mnist_sequences import DigitSource, SequenceGenerator


@pytest.fixture(scope="session")
def synthetic_source() -> DigitSource:
    """10 classes x 7 images of random uint8 noise (1..255, so every pixel is distinguishable from padding)."""
    rng = np.random.default_rng(1234)
    labels = np.repeat(np.arange(10, dtype=np.uint8), 7)
    rng.shuffle(labels)
    images = rng.integers(1, 256, size=(labels.size, 28, 28), dtype=np.uint8)
    return DigitSource(images, labels, name="synthetic")


@pytest.fixture(scope="session")
def synth_gen(synthetic_source: DigitSource) -> SequenceGenerator:
    return SequenceGenerator(synthetic_source, seed=0)


@pytest.fixture(scope="session")
def mnist_gen(mnist_dir: Path) -> SequenceGenerator:
    """Generator over the real MNIST train split (skips, or fails under IMAGECORE_REQUIRE_DATA=1, when absent)."""
    return SequenceGenerator("train", root=mnist_dir, seed=0)


