"""The pure-Python FINd baseline: the reference algorithm, loop for loop, defects corrected.

This is the 1x of every speed-up. It follows the structure of the original course program
(per-pixel ``getpixel`` luma, a full-image box filter with four nested loops, decimation,
two triple-loop matrix products for the 16x16 DCT, Torben's median, reversed bit layout) so
that profiles of it show where the original spends its time. It is deliberately slow.

``reference_defects=True`` reproduces the two defects of the original on non-square images
(row-major buffer indexed with the row count; window sizes swapped), which lets the tests
check the ``reference`` column of the golden file on landscape images too.
"""

from __future__ import annotations

import math

import imagehash
import numpy as np
from PIL import Image

LUMA_R = 0.299
LUMA_G = 0.587
LUMA_B = 0.114
THUMBNAIL_SIZE = 512
DECIMATED = 64
DCT_ROWS = 16


class FINDBaseline:
    """Pure-Python FINd hasher (the baseline).

    Parameters
    ----------
    reference_defects
        Reproduce the original program's box-filter defects (for comparison only).
    """

    def __init__(self, reference_defects: bool = False) -> None:
        self.reference_defects = reference_defects
        self.dct_matrix = self.compute_dct_matrix()

    @staticmethod
    def compute_dct_matrix() -> list[list[float]]:
        """The 16x64 DCT-II rows 1..16 (no DC row), unscaled."""
        matrix = []
        for i in range(DCT_ROWS):
            row = []
            for j in range(DECIMATED):
                row.append(math.cos((math.pi / 2 / 64.0) * (i + 1) * (2 * j + 1)))
            matrix.append(row)
        return matrix

    # -- entry points -------------------------------------------------------------------
    def from_file(self, path: str) -> imagehash.ImageHash:
        """Hash an image file (no EXIF handling, as in the reference)."""
        with Image.open(path) as img:
            img.load()
            return self.from_image(img)

    def from_image(self, img: Image.Image) -> imagehash.ImageHash:
        """Hash a PIL image."""
        img = img.copy()
        img.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
        num_cols, num_rows = img.size
        buffer1 = [0.0] * (num_rows * num_cols)
        buffer2 = [0.0] * (num_rows * num_cols)
        self.fill_float_luma(img, buffer1)
        return self.hash_from_float_luma(buffer1, buffer2, num_rows, num_cols)

    # -- steps --------------------------------------------------------------------------
    @staticmethod
    def fill_float_luma(img: Image.Image, luma: list[float]) -> None:
        """Per-pixel luma 0.299 R + 0.587 G + 0.114 B, row-major, float."""
        rgb = img.convert("RGB")
        num_cols, num_rows = img.size
        for i in range(num_rows):
            for j in range(num_cols):
                r, g, b = rgb.getpixel((j, i))  # type: ignore[misc]
                luma[i * num_cols + j] = LUMA_R * r + LUMA_G * g + LUMA_B * b

    def hash_from_float_luma(
        self, buffer1: list[float], buffer2: list[float], num_rows: int, num_cols: int
    ) -> imagehash.ImageHash:
        """Box filter, decimate, DCT, threshold: luma buffer to hash."""
        window_along_rows = self.box_filter_window_size(num_cols)
        window_along_cols = self.box_filter_window_size(num_rows)
        if self.reference_defects:
            self.box_filter_reference(buffer1, buffer2, num_rows, num_cols, window_along_rows, window_along_cols)
        else:
            self.box_filter(buffer1, buffer2, num_rows, num_cols, window_along_cols, window_along_rows)
        block64 = self.decimate(buffer2, num_rows, num_cols)
        block16 = self.dct64_to_16(block64)
        return self.dct_to_hash(block16)

    @staticmethod
    def box_filter_window_size(dimension: int) -> int:
        """Window length ceil(dimension / 64)."""
        return (dimension + DECIMATED - 1) // DECIMATED

    @staticmethod
    def box_filter(src: list[float], dst: list[float], rows: int, cols: int, row_window: int, col_window: int) -> None:
        """Mean over a window clipped at the borders (corrected: index ``k * cols + l``).

        ``row_window`` is the vertical extent (from the row count), ``col_window`` the
        horizontal one (from the column count).
        """
        half_row = (row_window + 2) // 2
        half_col = (col_window + 2) // 2
        for i in range(rows):
            for j in range(cols):
                total = 0.0
                kmin = max(0, i - half_row)
                kmax = min(rows, i + half_row)
                lmin = max(0, j - half_col)
                lmax = min(cols, j + half_col)
                for k in range(kmin, kmax):
                    for m in range(lmin, lmax):
                        total += src[k * cols + m]
                dst[i * cols + j] = total / ((kmax - kmin) * (lmax - lmin))

    @staticmethod
    def box_filter_reference(
        src: list[float], dst: list[float], rows: int, cols: int, row_window: int, col_window: int
    ) -> None:
        """The original's box filter with its two defects (index ``k * rows + l``; windows swapped)."""
        half_col = (col_window + 2) // 2
        half_row = (row_window + 2) // 2
        for i in range(rows):
            for j in range(cols):
                total = 0.0
                kmin = max(0, i - half_row)
                kmax = min(rows, i + half_row)
                lmin = max(0, j - half_col)
                lmax = min(cols, j + half_col)
                for k in range(kmin, kmax):
                    for m in range(lmin, lmax):
                        total += src[k * rows + m]
                dst[i * rows + j] = total / ((kmax - kmin) * (lmax - lmin))

    @staticmethod
    def decimate(src: list[float], rows: int, cols: int) -> list[list[float]]:
        """Sample 64x64 points at ``int((i + 0.5) * dim / 64)``."""
        out = []
        for i in range(DECIMATED):
            ini = int(((i + 0.5) * rows) / DECIMATED)
            row = []
            for j in range(DECIMATED):
                inj = int(((j + 0.5) * cols) / DECIMATED)
                row.append(src[ini * cols + inj])
            out.append(row)
        return out

    def dct64_to_16(self, block: list[list[float]]) -> list[list[float]]:
        """B = D A D^T with D the 16x64 DCT matrix, as two triple loops."""
        d = self.dct_matrix
        tmp = [[0.0] * DECIMATED for _ in range(DCT_ROWS)]
        for i in range(DCT_ROWS):
            for j in range(DECIMATED):
                total = 0.0
                for k in range(DECIMATED):
                    total += d[i][k] * block[k][j]
                tmp[i][j] = total
        out = [[0.0] * DCT_ROWS for _ in range(DCT_ROWS)]
        for i in range(DCT_ROWS):
            for j in range(DCT_ROWS):
                total = 0.0
                for k in range(DECIMATED):
                    total += tmp[i][k] * d[j][k]
                out[i][j] = total
        return out

    @staticmethod
    def torben_median(m: list[list[float]]) -> float:
        """Torben's median of a matrix (the value with n//2 elements at or below it)."""
        values = [v for row in m for v in row]
        n = len(values)
        midn = (n + 1) // 2
        lo = hi = values[0]
        for v in values:
            if v < lo:
                lo = v
            if v > hi:
                hi = v
        while True:
            guess = (lo + hi) / 2
            less = greater = equal = 0
            max_lt = lo
            min_gt = hi
            for v in values:
                if v < guess:
                    less += 1
                    if v > max_lt:
                        max_lt = v
                elif v > guess:
                    greater += 1
                    if v < min_gt:
                        min_gt = v
                else:
                    equal += 1
            if less <= midn and greater <= midn:
                break
            if less > greater:
                hi = max_lt
            else:
                lo = min_gt
        if less >= midn:
            return max_lt
        if less + equal >= midn:
            return guess
        return min_gt

    def dct_to_hash(self, block16: list[list[float]]) -> imagehash.ImageHash:
        """Bit (15-i, 15-j) is set where coefficient (i, j) exceeds the median."""
        median = self.torben_median(block16)
        bits = np.zeros((DCT_ROWS, DCT_ROWS), dtype=bool)
        for i in range(DCT_ROWS):
            for j in range(DCT_ROWS):
                if block16[i][j] > median:
                    bits[15 - i, 15 - j] = True
        return imagehash.ImageHash(bits)
