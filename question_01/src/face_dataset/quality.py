"""Estimate the JPEG quality factor from the quantisation tables."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

# The IJG (libjpeg) base tables of Annex K of the JPEG standard, natural (row-major) order.
_LUMA = np.array(
    [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
     14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
     18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
     49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99],
    dtype=np.float64,
)  # fmt: skip
_CHROMA = np.array(
    [17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
     24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99]
    + [99] * 32,
    dtype=np.float64,
)  # fmt: skip


def ijg_table(base: np.ndarray, quality: int) -> np.ndarray:
    """The IJG table for ``quality`` (1..100), as libjpeg's ``jpeg_quality_scaling`` builds it."""
    scale = 5000 / quality if quality < 50 else 200 - 2 * quality
    return np.clip(np.floor((base * scale + 50) / 100), 1, 255)


_CANDIDATES = {q: (ijg_table(_LUMA, q), ijg_table(_CHROMA, q)) for q in range(1, 101)}


def estimate_jpeg_quality(img: Image.Image) -> float:
    """Estimate the IJG quality (1..100) that produced a JPEG's quantisation tables.

    The tables are compared with the standard IJG tables scaled to every quality; the best
    match (smallest mean absolute difference over the luminance and, when present, the first
    chrominance table) wins. Encoders that use the IJG tables give the exact quality; others
    give the nearest equivalent.

    Parameters
    ----------
    img
        An image opened by Pillow (before any conversion, so ``img.quantization`` is kept).

    Returns
    -------
    float
        The estimated quality, or ``nan`` when the image is not a JPEG / has no tables.

    Examples
    --------
    >>> import io
    >>> buf = io.BytesIO(); Image.new("RGB", (16, 16)).save(buf, "JPEG", quality=75)
    >>> estimate_jpeg_quality(Image.open(buf))
    75.0
    """
    tables = getattr(img, "quantization", None)
    if not tables or 0 not in tables:
        return math.nan
    luma = np.asarray(tables[0], dtype=np.float64)
    chroma = np.asarray(tables[1], dtype=np.float64) if 1 in tables else None
    if luma.size != 64:
        return math.nan
    best_q, best_err = 0, math.inf
    for q, (lt, ct) in _CANDIDATES.items():
        err = float(np.abs(luma - lt).sum())
        if chroma is not None and chroma.size == 64:
            err += float(np.abs(chroma - ct).sum())
        if err < best_err:
            best_q, best_err = q, err
    return float(best_q)
