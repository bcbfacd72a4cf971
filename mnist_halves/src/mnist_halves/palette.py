"""The grey-level palette prior: both halves of a digit were anti-aliased together.

MNIST's grey levels come from the anti-aliasing that scaled each bilevel NIST digit into
its 20 x 20 box: a pixel's value is (a rounding of) the share of the pixel its stroke
covers, and the set of shares that can occur depends on that digit's scale factor and
position. So every digit has its own *palette* of grey levels, and its two halves draw
from the same one: some digits use only {64, 128, 191, 255}, most use a few dozen of the
254 intermediate values. How much two halves' palettes overlap (Jaccard index of their
sets of grey levels 1..254) is therefore evidence for a pair that no CNN on the pixel
grid reads easily, and it is strongest exactly where shape fails: the halves of a thin
"1" carry few pixels but their grey levels still have to match.

The score is ``weight * jaccard`` added to every candidate pair's score; the weight is
chosen on the validation digits (:func:`mnist_halves.train_joint.choose_weight`).
A palette costs one (N, 254) boolean mask per side, packed into 32 bytes per half.
"""

from __future__ import annotations

import numpy as np

#: Grey levels that take part: 0 (background) and 255 (full ink) are in almost every half.
LEVELS = slice(1, 255)


def palettes(halves: np.ndarray) -> np.ndarray:
    """Packed sets of the grey levels 1..254 each half uses: (N, 32) uint8 bit masks.

    Parameters
    ----------
    halves
        (N, H, W) uint8 halves (or any uint8 images).
    """
    n = len(halves)
    present = np.zeros((n, 256), bool)
    if n:
        present[np.arange(n)[:, None], halves.reshape(n, -1)] = True
    return np.packbits(present[:, LEVELS], axis=1)


def palette_similarity(
    left: np.ndarray, right: np.ndarray, rows: np.ndarray, cols: np.ndarray, chunk: int = 262_144
) -> np.ndarray:
    """Jaccard index of the palettes of pairs ``(rows[p], cols[p])``, float32 in [0, 1].

    ``left`` and ``right`` are packed palettes from :func:`palettes`. Two halves that use
    no intermediate grey level at all score 0.
    """
    out = np.empty(len(rows), np.float32)
    size_l = np.bitwise_count(left).sum(1, dtype=np.int32)
    size_r = np.bitwise_count(right).sum(1, dtype=np.int32)
    for s in range(0, len(rows), chunk):
        r, c = rows[s : s + chunk], cols[s : s + chunk]
        inter = np.bitwise_count(left[r] & right[c]).sum(1, dtype=np.int32)
        union = size_l[r] + size_r[c] - inter
        out[s : s + chunk] = inter / np.maximum(union, 1)
    return out
