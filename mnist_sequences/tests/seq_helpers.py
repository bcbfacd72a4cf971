"""Plain helpers for the mnist_sequences tests (importable by name; conftest is not)."""

from __future__ import annotations

import numpy as np

from mnist_sequences import DigitSource


def assert_layout_matches(image: np.ndarray, layout, source: DigitSource) -> None:
    """Every digit cell equals its source image; every other pixel is black."""
    covered = np.zeros(image.shape, dtype=bool)
    for d, x, w, idx in zip(layout.digits, layout.x, layout.widths, layout.mnist_indices, strict=True):
        assert w == 28
        assert int(source.labels[idx]) == d
        expected = source.images[idx].astype(np.float32) / np.float32(255)
        np.testing.assert_array_equal(image[:, x : x + 28], expected)
        covered[:, x : x + 28] = True
    assert not image[~covered].any(), "pixels outside the digit cells must be black"
