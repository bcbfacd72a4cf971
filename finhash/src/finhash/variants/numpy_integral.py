"""Textbook vectorised numpy: integral image, matrix DCT, partition median.

The fastest way to *write* the algorithm in numpy, but not bit-exact in general: the
integral image forms window sums as differences of large prefix sums and ``D @ A @ D.T``
lets BLAS reorder (and fuse) the DCT sums, so every value differs from the reference's by a
few ulps. That never matters on typical images (all 234 golden images agree), but on
degenerate ones (flat or nearly flat images, whose DCT coefficients are pure rounding noise)
the bits differ. Kept to show that trade-off; the exact variants are the production ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import imagehash
import numpy as np
from imagecore.hashing.find import DCT_MATRIX, luma, sample_plan

from finhash.variants.base import Variant


def box_at_samples_integral(lum: np.ndarray) -> np.ndarray:
    """Window means at the 64x64 decimation points from an integral image (approximate)."""
    rows, cols = lum.shape
    _ri, _ci, counts, half_r, half_c = sample_plan(rows, cols)
    integral = np.zeros((rows + 1, cols + 1))
    np.cumsum(np.cumsum(lum, axis=0), axis=1, out=integral[1:, 1:])
    ri = np.array([int(((i + 0.5) * rows) / 64) for i in range(64)])
    ci = np.array([int(((j + 0.5) * cols) / 64) for j in range(64)])
    r0 = np.maximum(ri - half_r, 0)[:, None]
    r1 = np.minimum(ri + half_r, rows)[:, None]
    c0 = np.maximum(ci - half_c, 0)[None, :]
    c1 = np.minimum(ci + half_c, cols)[None, :]
    sums = integral[r1, c1] - integral[r0, c1] - integral[r1, c0] + integral[r0, c0]
    return sums / counts


class NumpyIntegralVariant(Variant):
    """Integral-image box filter + BLAS DCT (fast to write, exact only on typical images)."""

    name = "numpy-integral"
    exact = False
    description = "numpy: integral-image box filter, D @ A @ D.T, partition median (ulp-level differences)"

    def hash_arrays(self, arrays: Sequence[np.ndarray]) -> list[imagehash.ImageHash]:
        """Hash prepared arrays one by one."""
        out = []
        for arr in arrays:
            block = box_at_samples_integral(luma(arr))
            coeffs = DCT_MATRIX @ block @ DCT_MATRIX.T
            median = np.partition(coeffs.ravel(), 127)[127]
            out.append(imagehash.ImageHash((coeffs > median)[::-1, ::-1]))
        return out
