"""FINd, the 256-bit perceptual hash: the production implementation (vectorised numpy).

The algorithm (the course's reference ``FINd.py``, with its non-square defects corrected):

1. thumbnail to at most 512x512 (``PIL.Image.thumbnail``, Pillow defaults), in the
   image's own mode, then convert to RGB;
2. luma ``0.299 R + 0.587 G + 0.114 B`` in float64;
3. box filter: mean over a window ``[i - h, i + h)`` clipped at the borders, with
   ``h = (ceil(dim / 64) + 2) // 2`` (vertical from the row count, horizontal from the column
   count), divided by the number of pixels actually summed;
4. decimate to 64x64 at ``int((i + 0.5) * dim / 64)``;
5. ``B = D A D^T`` with the 16x64 matrix ``D[i, j] = cos(pi / 128 * (i + 1) * (2 j + 1))``;
6. bit ``(15 - i, 15 - j)`` set where ``B[i, j]`` exceeds the median of the 256 values
   (Torben's median, which is the 128th smallest value).

Bit-exactness
-------------
The hash compares floating-point values with each other, so on degenerate images (a flat
image has all-zero DCT coefficients up to rounding noise) the result depends on the exact
rounding of every operation. This implementation therefore performs *the same floating-point
operations in the same order* as the reference, only vectorised across pixels:

- luma is ``(0.299 * r + 0.587 * g) + 0.114 * b`` via exact per-channel lookup tables;
- the box filter is evaluated only at the 4096 decimation points (the only ones used) by
  adding the window's pixels one offset at a time in row-major order (zero padding outside
  the image adds exact zeros), then dividing by the clipped count;
- each DCT entry is a left-to-right sum of rounded products, as in the reference's loops
  (a BLAS ``matmul`` would reorder the sums and may use FMA);
- the median is ``np.partition(values, 127)[127]``, exactly what Torben's algorithm returns
  for 256 values.

Examples
--------
>>> from PIL import Image
>>> h = find_hash(Image.new("RGB", (64, 48), (10, 200, 30)))
>>> len(str(h)), h.hash.shape
(64, (16, 16))
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from typing import Literal

import imagehash
import numpy as np
from PIL import Image

from imagecore.io import DEFAULT_MAX_PIXELS, ImageError, ImageSource, describe_source, normalize_mode, open_image

logger = logging.getLogger(__name__)

__all__ = [
    "THUMBNAIL_SIZE",
    "box_at_samples",
    "box_from_padded",
    "dct_16x16",
    "find_hash",
    "find_hashes",
    "hash_from_dct",
    "iter_find_hashes",
    "luma",
    "padded_luma",
    "prepare_image",
]

THUMBNAIL_SIZE = 512
GRID = 64
DCT_SIZE = 16

LUMA_COEFFS = (0.299, 0.587, 0.114)
_V = np.arange(256, dtype=np.float64)
#: Exact per-channel products (Python float arithmetic is IEEE double, as is numpy's).
LUMA_R = LUMA_COEFFS[0] * _V
LUMA_G = LUMA_COEFFS[1] * _V
LUMA_B = LUMA_COEFFS[2] * _V
#: Luma of a grey pixel (r = g = b = v), same rounding order as for RGB.
LUMA_GREY = (LUMA_R + LUMA_G) + LUMA_B

#: The 16x64 DCT matrix, computed with the same scalar expression as the reference.
DCT_MATRIX = np.array(
    [[math.cos((math.pi / 2 / 64.0) * (i + 1) * (2 * j + 1)) for j in range(GRID)] for i in range(DCT_SIZE)],
    dtype=np.float64,
)
_HIGH_BIT_MODES = ("I", "F")


# --------------------------------------------------------------------------------------
# steps
# --------------------------------------------------------------------------------------
def prepare_image(image: Image.Image) -> Image.Image:
    """Thumbnail to at most 512x512 and return an ``RGB`` or ``L`` image.

    The thumbnail runs in the image's own mode before the conversion, as in the reference
    (this matters for palette and RGBA images). High-bit-depth modes (``I;16``, ``I``, ``F``)
    are first rescaled to 8-bit grey by :func:`imagecore.io.normalize_mode`.
    """
    if image.mode.startswith("I;16") or image.mode in _HIGH_BIT_MODES:
        image = normalize_mode(image, "L")
    if image.width > THUMBNAIL_SIZE or image.height > THUMBNAIL_SIZE:
        image = image.copy()
        image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    if image.mode in ("RGB", "L"):
        return image
    return image.convert("RGB")


def luma(pixels: np.ndarray, *, rgb: bool | None = None) -> np.ndarray:
    """Float64 luma of a ``(H, W, 3)`` RGB or ``(H, W)`` grey uint8 array (or a stack of them).

    ``(0.299 * r + 0.587 * g) + 0.114 * b`` per pixel, the reference's expression and rounding.
    For grey input this equals the luma of the RGB image with ``r = g = b``.

    Parameters
    ----------
    pixels
        uint8 pixels.
    rgb
        Whether the last axis holds R, G, B. ``None`` infers it for a single image
        (``ndim == 3``); pass it for stacks, where ``(N, H, 3)`` would be ambiguous.
    """
    if pixels.dtype != np.uint8:
        raise TypeError(f"expected uint8 pixels, got {pixels.dtype}")
    if rgb is None:
        rgb = pixels.ndim == 3
    if rgb and pixels.shape[-1] != 3:
        raise ValueError(f"expected 3 channels in the last axis, got shape {pixels.shape}")
    if rgb:
        values = pixels.astype(np.float64)
        out = values[..., 0] * LUMA_COEFFS[0]
        out += values[..., 1] * LUMA_COEFFS[1]
        out += values[..., 2] * LUMA_COEFFS[2]
        return out
    return LUMA_GREY[pixels]


def window_size(dimension: int) -> int:
    """Box-filter window length ``ceil(dimension / 64)``."""
    return (dimension + GRID - 1) // GRID


@lru_cache(maxsize=256)
def sample_plan(rows: int, cols: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Padded-gather indices and divisors for the box filter at the 64x64 decimation points.

    Returns
    -------
    (row_index, col_index, counts, half_rows, half_cols)
        ``row_index`` (64, 2*half_rows) and ``col_index`` (64, 2*half_cols) index the
        zero-padded luma; ``counts`` (64, 64) is the number of in-image pixels per window.
    """
    half_r = (window_size(rows) + 2) // 2
    half_c = (window_size(cols) + 2) // 2
    ri = np.array([int(((i + 0.5) * rows) / GRID) for i in range(GRID)], dtype=np.intp)
    ci = np.array([int(((j + 0.5) * cols) / GRID) for j in range(GRID)], dtype=np.intp)
    # padded index of offset d in [-half, half) is (i + half) + d = i + (0 .. 2*half-1)
    row_index = ri[:, None] + np.arange(2 * half_r, dtype=np.intp)[None, :]
    col_index = ci[:, None] + np.arange(2 * half_c, dtype=np.intp)[None, :]
    n_r = np.minimum(rows, ri + half_r) - np.maximum(0, ri - half_r)
    n_c = np.minimum(cols, ci + half_c) - np.maximum(0, ci - half_c)
    counts = (n_r[:, None] * n_c[None, :]).astype(np.float64)
    for arr in (row_index, col_index, counts):
        arr.setflags(write=False)
    return row_index, col_index, counts, half_r, half_c


def padded_luma(pixels: np.ndarray, half_r: int, half_c: int, *, rgb: bool | None = None) -> np.ndarray:
    """:func:`luma` written straight into a zero border of ``half_r`` rows and ``half_c`` columns."""
    if pixels.dtype != np.uint8:
        raise TypeError(f"expected uint8 pixels, got {pixels.dtype}")
    if rgb is None:
        rgb = pixels.ndim == 3
    lead = pixels.shape[:-3] if rgb else pixels.shape[:-2]
    rows, cols = (pixels.shape[-3], pixels.shape[-2]) if rgb else (pixels.shape[-2], pixels.shape[-1])
    padded = np.zeros((*lead, rows + 2 * half_r, cols + 2 * half_c))
    inner = padded[..., half_r : half_r + rows, half_c : half_c + cols]
    if rgb:
        values = pixels.astype(np.float64)
        np.multiply(values[..., 0], LUMA_COEFFS[0], out=inner)
        inner += values[..., 1] * LUMA_COEFFS[1]
        inner += values[..., 2] * LUMA_COEFFS[2]
    else:
        inner[...] = LUMA_GREY[pixels]
    return padded


def box_from_padded(padded: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Window means at the 64x64 decimation points, from zero-padded luma (see :func:`box_at_samples`).

    For each window offset ``(a, b)`` in row-major order, the 64x64 pixels at that offset of
    every window are gathered and added to the running sums (zeros outside the image add
    nothing), so each window is summed in exactly the reference's order. Each step touches
    only 64 rows, so the working set stays in cache.
    """
    row_index, col_index, counts, half_r, half_c = sample_plan(rows, cols)
    total: np.ndarray | None = None
    for a in range(2 * half_r):
        band = padded[..., row_index[:, a], :]  # (..., 64, W + 2 half_c)
        for b in range(2 * half_c):
            values = band[..., col_index[:, b]]  # (..., 64, 64), a fresh array
            if total is None:
                total = values
            else:
                total += values
    assert total is not None
    return total / counts


def box_at_samples(lum: np.ndarray) -> np.ndarray:
    """Box-filtered luma at the 64x64 decimation points of a ``(..., H, W)`` luma array.

    Each window is summed pixel by pixel in row-major order, exactly as the reference's
    full-image filter does, so the values are bit-identical to decimating its output.
    """
    rows, cols = lum.shape[-2:]
    _ri, _ci, _counts, half_r, half_c = sample_plan(rows, cols)
    padded = np.zeros((*lum.shape[:-2], rows + 2 * half_r, cols + 2 * half_c))
    padded[..., half_r : half_r + rows, half_c : half_c + cols] = lum
    return box_from_padded(padded, rows, cols)


def dct_16x16(block: np.ndarray) -> np.ndarray:
    """``D A D^T`` for a ``(..., 64, 64)`` block, with the reference's summation order.

    Products are formed in one vectorised step; the sums then run over ``k`` in increasing
    order (left to right), as the reference's inner loops do.
    """
    d = DCT_MATRIX
    # tmp[i, j] = sum_k d[i, k] * a[k, j]: products (..., k, i, j), summed over k in order
    prod = d.T[:, :, None] * block[..., :, None, :]
    tmp = prod[..., 0, :, :].copy()
    for k in range(1, GRID):
        tmp += prod[..., k, :, :]
    # out[i, j] = sum_k tmp[i, k] * d[j, k]: products (..., k, i, j)
    prod2 = np.moveaxis(tmp, -1, -2)[..., :, :, None] * d.T[:, None, :]
    out = prod2[..., 0, :, :].copy()
    for k in range(1, GRID):
        out += prod2[..., k, :, :]
    return out


def hash_from_dct(coeffs: np.ndarray) -> np.ndarray:
    """Hash bits ``(..., 16, 16)`` from DCT coefficients: above the Torben median, reversed."""
    flat = coeffs.reshape(*coeffs.shape[:-2], DCT_SIZE * DCT_SIZE)
    median = np.partition(flat, 127, axis=-1)[..., 127]
    bits = coeffs > median[..., None, None]
    return bits[..., ::-1, ::-1]


def hash_pixels(pixels: np.ndarray, *, rgb: bool | None = None) -> np.ndarray:
    """Hash bits ``(..., 16, 16)`` of uint8 pixels ``(..., H, W[, 3])`` already at most 512 px.

    ``rgb`` as in :func:`luma` (give it for stacks of images).
    """
    if rgb is None:
        rgb = pixels.ndim == 3
    rows, cols = (pixels.shape[-3], pixels.shape[-2]) if rgb else (pixels.shape[-2], pixels.shape[-1])
    _ri, _ci, _counts, half_r, half_c = sample_plan(rows, cols)
    padded = padded_luma(pixels, half_r, half_c, rgb=rgb)
    return hash_from_dct(dct_16x16(box_from_padded(padded, rows, cols)))


# --------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------
def find_hash(image: ImageSource, *, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> imagehash.ImageHash:
    """The FINd hash of one image.

    Parameters
    ----------
    image
        A PIL image, a path, bytes or a binary file object. Files are decoded with
        :func:`imagecore.io.open_image` (EXIF orientation applied, any Pillow mode).
    max_pixels
        Decompression-bomb limit for files (see :func:`imagecore.io.open_image`).

    Returns
    -------
    imagehash.ImageHash
        256 bits (16x16); ``str()`` is 64 hex digits; ``h1 - h2`` is the Hamming distance.

    Raises
    ------
    imagecore.io.ImageDecodeError
        Not an image, truncated or corrupt (the message names the file).
    imagecore.io.ImageTooLargeError
        More than ``max_pixels`` pixels.
    FileNotFoundError
        The path does not exist.
    """
    if isinstance(image, Image.Image):
        img = image
        img.load()
    else:
        img = open_image(image, max_pixels=max_pixels)
    pixels = np.asarray(prepare_image(img))
    return imagehash.ImageHash(hash_pixels(pixels))


def _hash_one(item: tuple[int, ImageSource, int | None]) -> tuple[int, imagehash.ImageHash | None, str | None]:
    index, source, max_pixels = item
    try:
        return index, find_hash(source, max_pixels=max_pixels), None
    except ImageError as exc:
        return index, None, str(exc)
    except OSError as exc:  # missing or unreadable file
        message = str(exc)
        name = describe_source(source)
        return index, None, message if name in message else f"{name}: {message}"


def iter_find_hashes(
    sources: Iterable[ImageSource],
    *,
    workers: int | None = None,
    chunksize: int = 32,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
) -> Iterator[tuple[int, imagehash.ImageHash | None, str | None]]:
    """Hash many images, in input order, as ``(index, hash or None, error or None)``.

    A file that cannot be read yields an error message naming it; the batch continues.
    ``workers`` processes (default: all cores) share the work; small batches run in-process.
    """
    items = [(i, s, max_pixels) for i, s in enumerate(sources)]
    n_workers = (os.cpu_count() or 1) if workers is None else max(1, int(workers))
    n_workers = min(n_workers, max(1, math.ceil(len(items) / chunksize)))
    if n_workers <= 1:
        yield from map(_hash_one, items)
        return
    with ProcessPoolExecutor(max_workers=n_workers) as pool:
        yield from pool.map(_hash_one, items, chunksize=chunksize)


def find_hashes(
    sources: Sequence[ImageSource] | Iterable[ImageSource],
    *,
    workers: int | None = None,
    chunksize: int = 32,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
    on_error: Literal["raise", "skip"] = "raise",
) -> list[imagehash.ImageHash | None]:
    """FINd hashes of many images, using ``workers`` processes (default: all cores).

    Parameters
    ----------
    sources
        Paths (or bytes, or PIL images: those are pickled to the workers).
    workers
        Number of processes; ``1`` hashes in this process.
    chunksize
        Images per task sent to a worker.
    max_pixels
        Decompression-bomb limit per image.
    on_error
        ``"raise"``: the first unreadable image raises :class:`ValueError` naming it;
        ``"skip"``: its entry is ``None`` and a warning is logged.

    Returns
    -------
    list of imagehash.ImageHash or None
        One entry per source, in order.
    """
    out: list[imagehash.ImageHash | None] = []
    for _index, value, error in iter_find_hashes(sources, workers=workers, chunksize=chunksize, max_pixels=max_pixels):
        if error is not None:
            if on_error == "raise":
                raise ValueError(error)
            logger.warning("FINd: skipping %s", error)
            out.append(None)
        else:
            out.append(value)
    return out
