"""Compiled kernel (numba ``@njit``, ``cache=True``): the whole hash in one compiled function.

Bit-exact by construction: the kernel performs the reference's scalar operations in the
reference's order; numba leaves ``fastmath`` off, so LLVM neither reassociates the sums nor
fuses multiply-adds. Speed comes from

- compiled loops (no interpreter, no boxing of floats); luma via exact per-channel lookup
  tables (``0.299 * v`` for every byte ``v``), which rounds exactly like the reference's products;
- the box filter evaluated only at the 64x64 decimation points, with the 64 windows of a
  sample row advanced together (independent accumulators, so the loop pipelines/vectorises
  while each window is still summed pixel by pixel in row-major order);
- the DCT as two loop nests whose inner loop runs over independent outputs;
- one allocation-light pass, no temporaries the size of the image.

Compile time (first call in a fresh process without a cache) is reported separately by the
benchmarks; ``cache=True`` stores the machine code next to this file for later processes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import imagehash
import numpy as np
from imagecore.hashing.find import DCT_MATRIX, LUMA_B, LUMA_G, LUMA_GREY, LUMA_R, sample_plan
from numba import njit

from finhash.variants.base import Variant

_DCT = np.ascontiguousarray(DCT_MATRIX)
_DCT_T = np.ascontiguousarray(DCT_MATRIX.T)


@njit(cache=True, nogil=True)
def _luma_padded(
    pix: np.ndarray, out: np.ndarray, half_r: int, half_c: int, lut_r: np.ndarray, lut_g: np.ndarray, lut_b: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    # lut_x[v] == coefficient * float(v) exactly, so lut_r[r] + lut_g[g] + lut_b[b] rounds
    # exactly like 0.299 * r + 0.587 * g + 0.114 * b evaluated left to right.
    # ``out`` has a zero border of half_r rows / half_c columns; only the interior is written.
    rows, cols = pix.shape[0], pix.shape[1]
    for i in range(rows):
        o = out[i + half_r]
        p = pix[i]
        for j in range(cols):
            o[j + half_c] = lut_r[p[j, 0]] + lut_g[p[j, 1]] + lut_b[p[j, 2]]
    return out


@njit(cache=True, nogil=True)
def _luma_padded_grey(
    pix: np.ndarray, out: np.ndarray, half_r: int, half_c: int, lut: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    rows, cols = pix.shape[0], pix.shape[1]
    for i in range(rows):
        o = out[i + half_r]
        p = pix[i]
        for j in range(cols):
            o[j + half_c] = lut[p[j]]
    return out


@njit(cache=True, nogil=True)
def _hash_from_padded(
    padded: np.ndarray,
    row_index: np.ndarray,
    col_index: np.ndarray,
    counts: np.ndarray,
    dct: np.ndarray,
    dct_t: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    n_r = row_index.shape[1]
    n_c = col_index.shape[1]
    block = np.empty((64, 64))
    acc = np.empty(64)
    starts = col_index[:, 0].copy()
    for i in range(64):
        acc[:] = 0.0
        for a in range(n_r):
            row = padded[row_index[i, a]]
            for b in range(n_c):
                for j in range(64):
                    acc[j] += row[starts[j] + b]
        for j in range(64):
            block[i, j] = acc[j] / counts[i, j]
    # tmp[i, j] = sum_k dct[i, k] * block[k, j]
    tmp = np.zeros((16, 64))
    for i in range(16):
        for k in range(64):
            d = dct[i, k]
            for j in range(64):
                tmp[i, j] += d * block[k, j]
    # out[i, j] = sum_k tmp[i, k] * dct[j, k]
    coeffs = np.zeros((16, 16))
    for i in range(16):
        for k in range(64):
            t = tmp[i, k]
            for j in range(16):
                coeffs[i, j] += t * dct_t[k, j]
    flat = np.sort(coeffs.ravel())
    median = flat[127]
    bits = np.zeros((16, 16), dtype=np.bool_)
    for i in range(16):
        for j in range(16):
            if coeffs[i, j] > median:
                bits[15 - i, 15 - j] = True
    return bits


_local = threading.local()
_MAX_BUFFERS = 4


def padded_buffer(rows: int, cols: int, half_r: int, half_c: int) -> np.ndarray:
    """A zero-bordered float64 luma buffer, reused per thread and image size.

    Reuse avoids allocating (and the kernel zero-filling) ~0.4 MB per 224x224 image, which
    matters end to end, where the decoder has just evicted the caches. The interior is fully
    rewritten by every call; the border stays zero.
    """
    cache: dict[tuple[int, int, int, int], np.ndarray] | None = getattr(_local, "buffers", None)
    if cache is None:
        cache = _local.buffers = {}
    key = (rows, cols, half_r, half_c)
    buf = cache.get(key)
    if buf is None:
        if len(cache) >= _MAX_BUFFERS:
            cache.pop(next(iter(cache)))
        buf = cache[key] = np.zeros((rows + 2 * half_r, cols + 2 * half_c))
    return buf


def hash_bits(pixels: np.ndarray) -> np.ndarray:
    """FINd bits ``(16, 16)`` of one prepared uint8 array (``(H, W, 3)`` or ``(H, W)``)."""
    rows, cols = pixels.shape[0], pixels.shape[1]
    row_index, col_index, counts, half_r, half_c = sample_plan(rows, cols)
    pix = np.ascontiguousarray(pixels)
    padded = padded_buffer(rows, cols, half_r, half_c)
    if pix.ndim == 3:
        _luma_padded(pix, padded, half_r, half_c, LUMA_R, LUMA_G, LUMA_B)
    else:
        _luma_padded_grey(pix, padded, half_r, half_c, LUMA_GREY)
    return _hash_from_padded(padded, row_index, col_index, counts, _DCT, _DCT_T)


def compile_seconds() -> float:
    """Time to make the kernels callable in this process (compile, or load the cache)."""
    t0 = time.perf_counter()
    rng = np.random.default_rng(0)
    hash_bits(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8))
    hash_bits(rng.integers(0, 256, (8, 8), dtype=np.uint8))
    return time.perf_counter() - t0


class NumbaVariant(Variant):
    """numba-compiled kernel, one image at a time (bit-exact)."""

    name = "numba"
    exact = True
    description = "numba @njit(cache=True): luma + box filter at samples + DCT + median in compiled loops"

    def hash_arrays(self, arrays: Sequence[np.ndarray]) -> list[imagehash.ImageHash]:
        """Hash prepared arrays."""
        return [imagehash.ImageHash(hash_bits(a)) for a in arrays]
