"""The MNIST geometry prior: which left/right pairs can form an MNIST digit at all.

MNIST digits were made by scaling each NIST digit to fit a 20 x 20 box (aspect ratio kept)
and translating it by whole pixels so that its centre of mass sits at the centre of the
28 x 28 field. Two facts follow, both measured on the 10,000 test digits:

* the centre of mass of every digit lies in ``[13.5, 14.5]`` along both axes (pixel
  centres at integer coordinates);
* the longer side of its ink bounding box is 20 pixels (99.97% of digits; 3 have 19),
  and neither side is longer.

Both depend on the pair only through a few numbers per half (ink mass, first moments,
ink extents), so a whole block of pairs is checked with broadcasting. On the test
puzzle the prior keeps about 410 of the 10,000 right halves per left half (4%) and keeps
the true partner for 99.97% of halves. It is used as a large score penalty, never as a
hard exclusion: a half with no admissible partner still gets its best inadmissible one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_halves.puzzle import CUT

#: Centre of mass window (both axes) and longest bounding-box side of an MNIST digit.
COM_LOW, COM_HIGH, BOX = 13.5, 14.5, 20
#: Score penalty of a pair the prior rules out (pair-head logits are O(10)).
PENALTY = 1000.0

_ROWS = np.arange(28, dtype=np.float64)
_COLS = np.arange(CUT, dtype=np.float64)


@dataclass
class HalfGeometry:
    """Per-half numbers in whole-digit coordinates (right halves have columns 14-27).

    ``first_row``/``first_col`` are 99 and ``last_row``/``last_col`` -99 for a blank half,
    so the union of extents is a plain min/max.
    """

    mass: np.ndarray
    sum_x: np.ndarray
    sum_y: np.ndarray
    first_row: np.ndarray
    last_row: np.ndarray
    first_col: np.ndarray
    last_col: np.ndarray

    def __len__(self) -> int:
        return int(self.mass.size)

    def take(self, idx: np.ndarray | slice) -> HalfGeometry:
        """The geometry of a subset of halves."""
        return HalfGeometry(*(getattr(self, f)[idx] for f in self.__dataclass_fields__))


def half_geometry(halves: np.ndarray, side: str) -> HalfGeometry:
    """Ink mass, first moments and ink extents of (N, 28, 14) halves.

    Parameters
    ----------
    halves
        uint8 (or float) halves, (N, 28, 14).
    side
        ``"left"`` (columns 0-13 of the digit) or ``"right"`` (columns 14-27).

    Examples
    --------
    >>> h = np.zeros((1, 28, 14), np.uint8); h[0, 3:23, 10] = 255
    >>> g = half_geometry(h, "right")
    >>> float(g.sum_x[0] / g.mass[0]), int(g.first_row[0]), int(g.last_col[0])
    (24.0, 3, 24)
    """
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    x = np.asarray(halves, dtype=np.float64)
    offset = 0 if side == "left" else CUT
    col_mass = x.sum(axis=1)  # (N, 14)
    row_mass = x.sum(axis=2)  # (N, 28)
    mass = col_mass.sum(axis=1)
    sum_x = col_mass @ (_COLS + offset)
    sum_y = row_mass @ _ROWS
    rows_ink, cols_ink = row_mass > 0, col_mass > 0
    any_ink = rows_ink.any(axis=1)
    first_row = np.where(any_ink, rows_ink.argmax(axis=1), 99)
    last_row = np.where(any_ink, 27 - rows_ink[:, ::-1].argmax(axis=1), -99)
    first_col = np.where(any_ink, cols_ink.argmax(axis=1) + offset, 99)
    last_col = np.where(any_ink, CUT - 1 - cols_ink[:, ::-1].argmax(axis=1) + offset, -99)
    return HalfGeometry(mass, sum_x, sum_y, first_row, last_row, first_col, last_col)


def _margins(g: HalfGeometry) -> tuple[np.ndarray, ...]:
    """Per-half terms whose pairwise *sums* are >= 0 exactly when the pair's centre of mass is in the window.

    ``(sum_x_l + sum_x_r) / (m_l + m_r) >= COM_LOW``  <=>  ``(sum_x_l - COM_LOW m_l) + (sum_x_r - COM_LOW m_r) >= 0``
    (masses are positive), and likewise for the upper bound and for y; so a block needs only
    additions and comparisons, in float32 (the error is far below a pixel's mass).
    """
    m = g.mass
    return tuple(
        v.astype(np.float32)
        for v in (g.sum_x - COM_LOW * m, COM_HIGH * m - g.sum_x, g.sum_y - COM_LOW * m, COM_HIGH * m - g.sum_y)
    )


def _admissible(gl: HalfGeometry, gr: HalfGeometry, outer: bool) -> np.ndarray:
    """The rule for all pairs (``outer``: a block) or for aligned pairs (elementwise)."""

    def pair(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (a[:, None], b[None, :]) if outer else (a, b)

    ok = None
    for ml, mr in zip(_margins(gl), _margins(gr), strict=True):
        a, b = pair(ml, mr)
        term = (a + b) >= 0
        ok = term if ok is None else ok & term
    assert ok is not None
    ext = [pair(getattr(gl, f).astype(np.int16), getattr(gr, f).astype(np.int16)) for f in _EXTENTS]
    (fr_l, fr_r), (lr_l, lr_r), (fc_l, fc_r), (lc_l, lc_r) = ext
    height = np.maximum(lr_l, lr_r) - np.minimum(fr_l, fr_r) + 1
    width = np.maximum(lc_l, lc_r) - np.minimum(fc_l, fc_r) + 1
    longest = np.maximum(height, width)
    return ok & (longest == BOX)


_EXTENTS = ("first_row", "last_row", "first_col", "last_col")


def admissible_block(gl: HalfGeometry, gr: HalfGeometry) -> np.ndarray:
    """Boolean (len(gl), len(gr)) matrix: True where left i and right j can form an MNIST digit."""
    return _admissible(gl, gr, outer=True)


def admissible_pairs(gl: HalfGeometry, gr: HalfGeometry, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Boolean vector: is pair (rows[p], cols[p]) admissible."""
    return _admissible(gl.take(rows), gr.take(cols), outer=False)


def penalty(admissible: np.ndarray) -> np.ndarray:
    """Score offsets (0 or ``-PENALTY``) for an admissibility mask, float32."""
    return np.where(admissible, 0.0, -PENALTY).astype(np.float32)
