"""Boundary-continuity baseline (no learning).

For a left half ``L`` and a right half ``R`` the columns next to the cut should continue
each other. Each side predicts the other's boundary column by linear extrapolation
(``2*c13 - c12`` for the left, ``2*c0 - c1`` for the right), lightly smoothed along the
rows; the score is minus the squared error of both predictions plus the direct
difference. It is written as one dot product between per-half vectors, so the same
chunked top-k machinery as the learned model applies and no N x N matrix is needed.
"""

from __future__ import annotations

import numpy as np
import torch


def _smooth(cols: np.ndarray) -> np.ndarray:
    """[1,2,1]/4 smoothing along rows of (N,28) arrays."""
    p = np.pad(cols, ((0, 0), (1, 1)), mode="edge")
    return (p[:, :-2] + 2 * p[:, 1:-1] + p[:, 2:]) / 4.0


def boundary_vectors(left: np.ndarray, right: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-half vectors ``a`` (left) and ``b`` (right) with ``a @ b`` = boundary score.

    score(L, R) = -(|L13 - R0|^2 + |pL - R0|^2 + |L13 - pR|^2) with the predictions pL, pR.
    """
    lf = left.astype(np.float64) / 255.0
    rf = right.astype(np.float64) / 255.0
    l13, l12 = _smooth(lf[:, :, 13]), _smooth(lf[:, :, 12])
    r0, r1 = _smooth(rf[:, :, 0]), _smooth(rf[:, :, 1])
    pl = np.clip(2 * l13 - l12, 0, 1)
    pr = np.clip(2 * r0 - r1, 0, 1)
    fa = np.concatenate([l13, pl, l13], axis=1)  # left features
    fb = np.concatenate([r0, r0, pr], axis=1)  # matching right features
    na = (fa**2).sum(1, keepdims=True)
    nb = (fb**2).sum(1, keepdims=True)
    a = np.concatenate([2 * fa, -na, np.ones_like(na)], axis=1)
    b = np.concatenate([fb, np.ones_like(nb), -nb], axis=1)
    return torch.from_numpy(a.astype(np.float32)), torch.from_numpy(b.astype(np.float32))
