"""Validation, spacing draws and the width policy: where each digit goes.

Width policy
------------
The natural width of a sequence of ``n`` digits is ``28 n + sum(gaps)``.

* **Narrower than** ``image_width``: the strip is padded with black (0). ``align`` says where
  the padding goes: ``"center"`` (default; an odd pixel goes right), ``"left"`` (digits start
  at x = 0), ``"right"``, or ``"random"`` (left padding uniform in ``0..slack``).
* **Wider than** ``image_width`` (``overflow``):

  - ``"resample"`` (default): the gaps are drawn from the i.i.d. uniform distribution
    *conditioned on fitting*, exactly (dynamic programming over the gap sums, no rejection
    loop). When even the widest draw (all gaps = max) fits, this is plain i.i.d. uniform.
  - ``"error"``: the request must fit for every draw, i.e. ``28 n + max (n - 1) <= width``;
    otherwise :class:`ValueError` up front (gaps are then always i.i.d. uniform).
  - ``"scale"``: gaps stay i.i.d. uniform; the whole strip is shrunk uniformly (both axes,
    aspect kept) to fit and centred vertically. This distorts digits, so it is opt-in.

In every policy but ``"scale"``, a request whose *minimum* spacing alone does not fit
(``28 n + min (n - 1) > width``) raises :class:`ValueError` stating the numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np

from mnist_sequences.source import DIGIT_SIZE

Align = Literal["center", "left", "right", "random"]
Overflow = Literal["resample", "error", "scale"]
ALIGNS = ("center", "left", "right", "random")
OVERFLOWS = ("resample", "error", "scale")


def _as_int(value: Any, what: str) -> int:
    """``value`` as a Python int; ValueError for bools, non-integral floats and non-numbers."""
    if isinstance(value, bool | np.bool_):
        raise ValueError(f"{what} must be an integer, got {value!r}")
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return int(value)
    raise ValueError(f"{what} must be an integer, got {value!r}")


def validate_digits(digits: Iterable[Any]) -> tuple[int, ...]:
    """Check a digit sequence: a non-empty list-like of integers 0-9.

    Raises
    ------
    ValueError
        Empty, not list-like, or an entry that is not an integer in 0-9.
    """
    if isinstance(digits, str | bytes):
        raise ValueError(f"digits must be a list of integers 0-9, not a string {digits!r} (use list(map(int, s)))")
    try:
        items = list(np.asarray(digits).ravel()) if isinstance(digits, np.ndarray) else list(digits)
    except TypeError:
        raise ValueError(f"digits must be a list-like of integers 0-9, got {digits!r}") from None
    if not items:
        raise ValueError("digits is empty: give at least one digit")
    out = tuple(_as_int(d, "each digit") for d in items)
    bad = [d for d in out if not 0 <= d <= 9]
    if bad:
        raise ValueError(f"digits must be in 0-9, got {bad}")
    return out


def validate_spacing(spacing_range: Sequence[Any]) -> tuple[int, int]:
    """Check ``(min, max)``: integers with ``0 <= min <= max``.

    Raises
    ------
    ValueError
        Not a pair, not integers, negative, or ``min > max``.
    """
    try:
        lo, hi = spacing_range
    except (TypeError, ValueError):
        raise ValueError(f"spacing_range must be a pair (min, max), got {spacing_range!r}") from None
    lo, hi = _as_int(lo, "minimum spacing"), _as_int(hi, "maximum spacing")
    if lo < 0:
        raise ValueError(f"minimum spacing must be >= 0, got {lo}")
    if lo > hi:
        raise ValueError(f"minimum spacing {lo} is greater than maximum spacing {hi}")
    return lo, hi


def validate_width(image_width: Any) -> int:
    """Check ``image_width``: a positive integer."""
    width = _as_int(image_width, "image_width")
    if width <= 0:
        raise ValueError(f"image_width must be positive, got {width}")
    return width


def validate_options(align: str, overflow: str) -> None:
    """Check the policy names."""
    if align not in ALIGNS:
        raise ValueError(f"align must be one of {ALIGNS}, got {align!r}")
    if overflow not in OVERFLOWS:
        raise ValueError(f"overflow must be one of {OVERFLOWS}, got {overflow!r}")


def check_fits(n_digits: int, spacing: tuple[int, int], width: int, overflow: str) -> None:
    """Raise ValueError when ``n_digits`` cannot be laid out in ``width`` under ``overflow``."""
    if overflow == "scale":
        return
    lo, hi = spacing
    gaps = n_digits - 1
    need = DIGIT_SIZE * n_digits + lo * gaps
    if need > width:
        raise ValueError(
            f"cannot fit {n_digits} digits in image_width {width}: {n_digits} x {DIGIT_SIZE} px + "
            f"{gaps} gaps x minimum spacing {lo} px = {need} px; widen the image, lower the minimum "
            "spacing, or pass overflow='scale'"
        )
    widest = DIGIT_SIZE * n_digits + hi * gaps
    if overflow == "error" and widest > width:
        raise ValueError(
            f"with overflow='error' every draw must fit: {n_digits} x {DIGIT_SIZE} px + {gaps} gaps x "
            f"maximum spacing {hi} px = {widest} px > image_width {width}; use overflow='resample' "
            "(default) or 'scale', or change the numbers"
        )


def sample_gaps_conditioned(rng: np.random.Generator, n_gaps: int, lo: int, hi: int, budget: int) -> np.ndarray:
    """Draw ``n_gaps`` integer gaps i.i.d. uniform on ``[lo, hi]`` conditioned on ``sum <= budget``.

    Exact: with ``C[k][s]`` the number of k-gap vectors (shifted to ``[0, hi - lo]``) whose sum is at
    most ``s``, each gap is drawn in turn with probability proportional to the number of ways
    the remaining gaps can still fit. Needs ``n_gaps * lo <= budget``.
    """
    if n_gaps == 0:
        return np.zeros(0, dtype=np.int64)
    span = hi - lo
    room = budget - n_gaps * lo
    if room < 0:
        raise ValueError(f"{n_gaps} gaps of at least {lo} px do not fit in {budget} px")
    if span * n_gaps <= room:
        return rng.integers(lo, hi + 1, size=n_gaps)
    counts = _fit_counts(n_gaps, span, room)
    gaps = np.empty(n_gaps, dtype=np.int64)
    left = room
    for j in range(n_gaps):
        rest = n_gaps - 1 - j  # gaps still to draw after this one
        top = min(span, left)
        weights = counts[rest, left - np.arange(top + 1)]
        pick = int(np.searchsorted(np.cumsum(weights), rng.random() * weights.sum(), side="right"))
        pick = min(pick, top)
        gaps[j] = lo + pick
        left -= pick
    return gaps


@lru_cache(maxsize=256)
def _fit_counts(n_gaps: int, span: int, room: int) -> np.ndarray:
    """``C[k, s]``: number of k-vectors in ``[0, span]^k`` with sum <= s (rows rescaled; float64, read-only)."""
    counts = np.empty((n_gaps, room + 1), dtype=np.float64)
    counts[0] = 1.0
    for k in range(1, n_gaps):
        csum = np.cumsum(counts[k - 1])
        shifted = np.concatenate([np.zeros(span + 1), csum])[: room + 1]
        counts[k] = csum - shifted
        counts[k] /= counts[k].max()  # only ratios within a row are used; keeps the scale bounded
    counts.setflags(write=False)
    return counts


@dataclass(frozen=True)
class SequenceLayout:
    """Where each digit of one generated image sits.

    Attributes
    ----------
    digits
        The requested digits, left to right.
    x
        Left x offset (pixels) of each digit's box in the output image.
    widths
        Width of each digit's box (28, or less with ``overflow="scale"``).
    y, heights
        Top offset and height of each box (0 and 28 unless scaled).
    gaps
        Spacing drawn between consecutive digits, in source pixels (before any scaling).
    mnist_indices
        Index into the source split of the image used for each digit.
    image_width
        Width of the output image.
    scale
        Uniform scale factor applied to the strip (1.0 unless ``overflow="scale"`` shrank it).
    source
        Name of the digit source (e.g. ``"mnist-train"``).
    """

    digits: tuple[int, ...]
    x: tuple[int, ...]
    widths: tuple[int, ...]
    gaps: tuple[int, ...]
    mnist_indices: tuple[int, ...]
    image_width: int
    y: tuple[int, ...] = ()
    heights: tuple[int, ...] = ()
    scale: float = 1.0
    source: str = "mnist-train"

    def __post_init__(self) -> None:
        if not self.y:
            object.__setattr__(self, "y", (0,) * len(self.digits))
        if not self.heights:
            object.__setattr__(self, "heights", (DIGIT_SIZE,) * len(self.digits))

    @property
    def label(self) -> str:
        """The digits as a string, e.g. ``"350"``."""
        return "".join(map(str, self.digits))

    def boxes(self) -> list[tuple[int, int, int, int]]:
        """Bounding boxes ``(x0, y0, x1, y1)`` (exclusive ends) of the digit cells, for detection labels."""
        return [(x, y, x + w, y + h) for x, y, w, h in zip(self.x, self.y, self.widths, self.heights, strict=True)]

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python form (JSON-serialisable)."""
        return {
            "label": self.label,
            "digits": list(self.digits),
            "x": list(self.x),
            "y": list(self.y),
            "widths": list(self.widths),
            "heights": list(self.heights),
            "gaps": list(self.gaps),
            "mnist_indices": list(self.mnist_indices),
            "image_width": self.image_width,
            "scale": self.scale,
            "source": self.source,
        }
