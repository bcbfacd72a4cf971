"""Augmentation for handwritten digits, vectorised over a stack of digits.

Every option is a field of :class:`Augmentation` (configured once, then called on a batch with
a random generator, in the albumentations manner). All geometric options (elastic distortion,
rotation, shear, scale, vertical jitter) are fused into **one** bilinear resampling of the
whole ``(D, 28, 28)`` stack; the elastic fields of the whole stack are smoothed with two
matrix products (a 28 x 28 Gaussian matrix on each axis) instead of one ``gaussian_filter``
call per digit. Stroke thickness is a grey-level morphological dilation / erosion (3 x 3
cross), and noise is added to the final image.

Defaults follow common practice for 28 x 28 MNIST: elastic ``alpha = 34``, ``sigma = 4``
(Simard, Steinkraus & Platt, ICDAR 2003), rotation up to 10 degrees, shear up to 10 degrees,
scale 0.9-1.1, dilation by 0 or 1 pixel, vertical jitter up to 2 pixels, Gaussian noise
with standard deviation 0.02 (clipped to [0, 1]).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from mnist_sequences.source import DIGIT_SIZE

#: Digits resampled per chunk (keeps temporaries in the CPU cache).
_CHUNK = 256


@dataclass(frozen=True)
class Augmentation:
    """Random transformations of digits; each field is one option, 0 (or (0, 0)) turns it off.

    Parameters
    ----------
    elastic_alpha
        Strength of the elastic distortion in pixels (Simard et al. 2003 use 34 on 28 x 28).
    elastic_sigma
        Standard deviation (pixels) of the Gaussian that smooths the random displacement field.
    rotation
        Maximum absolute rotation in degrees; each digit draws uniformly in ``[-rotation, rotation]``.
    shear
        Maximum absolute horizontal shear angle in degrees.
    scale
        ``(min, max)`` uniform zoom factor (1.0 = unchanged), about the digit's centre.
    thickness
        ``(min, max)`` integer number of 1-pixel dilations (positive) or erosions (negative),
        drawn uniformly per digit. ``(0, 1)`` thickens about half the digits.
    jitter
        Maximum absolute vertical shift in pixels (integer, uniform per digit); MNIST digits
        have a 4-pixel black margin, so up to 4 loses no ink.
    noise
        Standard deviation of additive Gaussian noise on the final image (clipped to [0, 1]).
    """

    elastic_alpha: float = 34.0
    elastic_sigma: float = 4.0
    rotation: float = 10.0
    shear: float = 10.0
    scale: tuple[float, float] = (0.9, 1.1)
    thickness: tuple[int, int] = (0, 1)
    jitter: int = 2
    noise: float = 0.02

    def __post_init__(self) -> None:
        if self.elastic_alpha < 0 or self.elastic_sigma <= 0:
            raise ValueError("elastic_alpha must be >= 0 and elastic_sigma > 0")
        if self.rotation < 0 or self.shear < 0 or self.noise < 0 or self.jitter < 0:
            raise ValueError("rotation, shear, noise and jitter must be >= 0")
        if not 0 < self.scale[0] <= self.scale[1]:
            raise ValueError(f"scale must be (min, max) with 0 < min <= max, got {self.scale}")
        if self.thickness[0] > self.thickness[1]:
            raise ValueError(f"thickness must be (min, max) with min <= max, got {self.thickness}")

    @classmethod
    def none(cls) -> Augmentation:
        """Every option off (identity)."""
        return cls(0.0, 4.0, 0.0, 0.0, (1.0, 1.0), (0, 0), 0, 0.0)

    @classmethod
    def elastic_only(cls, alpha: float = 34.0, sigma: float = 4.0) -> Augmentation:
        """Only the elastic distortion (what the benchmark measures)."""
        return replace(cls.none(), elastic_alpha=alpha, elastic_sigma=sigma)

    @property
    def geometric(self) -> bool:
        """True when some option moves pixels (needs the resampling pass)."""
        return bool(self.elastic_alpha or self.rotation or self.shear or self.scale != (1.0, 1.0) or self.jitter)

    def apply_digits(self, digits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Transform a ``(D, 28, 28)`` float32 stack in [0, 1]; returns a new float32 stack."""
        out = np.asarray(digits, dtype=np.float32)
        if out.ndim != 3 or out.shape[0] == 0:
            return out.copy()
        if self.geometric:
            out = self._resample(out, rng)
        if self.thickness != (0, 0):
            out = self._thickness(out, rng)
        return out

    def apply_images(self, images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Image-level options (noise) on a ``(B, H, W)`` float32 stack, in place when possible."""
        if self.noise:
            noise = rng.standard_normal(size=images.shape, dtype=np.float32)
            noise *= np.float32(self.noise)
            images += noise
            np.clip(images, 0.0, 1.0, out=images)
        return images

    # -- internals -------------------------------------------------------------------------
    def _resample(self, digits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n = digits.shape[0]
        size = DIGIT_SIZE
        centre = np.float32((size - 1) / 2.0)
        # All random draws first (whole stack at once), so results do not depend on chunking.
        theta = np.deg2rad(rng.uniform(-self.rotation, self.rotation, n)) if self.rotation else np.zeros(n)
        shear = np.tan(np.deg2rad(rng.uniform(-self.shear, self.shear, n))) if self.shear else np.zeros(n)
        zoom = rng.uniform(self.scale[0], self.scale[1], n) if self.scale != (1.0, 1.0) else np.ones(n)
        shift = (
            np.asarray(rng.integers(-self.jitter, self.jitter + 1, size=n), dtype=np.float32)
            if self.jitter
            else np.zeros(n, dtype=np.float32)
        )
        noise = None
        if self.elastic_alpha:
            noise = rng.random(size=(2, n, size, size), dtype=np.float32)
        # Inverse affine map (output -> input) per digit: src = A^-1 (p - c) + c, with the forward
        # A = R @ Shear @ Zoom, R = [[c, -s], [s, c]], Shear = [[1, k], [0, 1]] (x += k y).
        cos, sin = np.cos(theta), np.sin(theta)
        a = np.empty((n, 2, 2))
        a[:, 0, 0] = cos * zoom
        a[:, 0, 1] = (cos * shear - sin) * zoom
        a[:, 1, 0] = sin * zoom
        a[:, 1, 1] = (sin * shear + cos) * zoom
        inv = np.linalg.inv(a).astype(np.float32)[:, :, :, None, None]
        grid = np.arange(size, dtype=np.float32) - centre
        gx = grid[None, None, :]
        gy = grid[None, :, None]
        g = _gaussian_matrix(size, float(self.elastic_sigma)) if noise is not None else None
        out = np.empty_like(digits)
        for lo in range(0, n, _CHUNK):  # chunks keep the temporaries in cache
            hi = min(lo + _CHUNK, n)
            m = inv[lo:hi]
            src_x = m[:, 0, 0] * gx + m[:, 0, 1] * gy + centre
            src_y = m[:, 1, 0] * gx + m[:, 1, 1] * gy + (centre - shift[lo:hi, None, None])
            if noise is not None and g is not None:
                k = hi - lo
                f = noise[:, lo:hi]  # uniform [0, 1): map to [-1, 1) after smoothing (G rows sum to 1)
                f = f.reshape(-1, size) @ g.T  # smooth along x
                f = np.matmul(g, f.reshape(2 * k, size, size))  # smooth along y
                f = f * np.float32(2.0 * self.elastic_alpha) - np.float32(self.elastic_alpha)
                src_x += f[:k]
                src_y += f[k:]
            out[lo:hi] = bilinear_sample(digits[lo:hi], src_x, src_y)
        return out

    def _thickness(self, digits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        lo, hi = self.thickness
        steps = rng.integers(lo, hi + 1, digits.shape[0])
        out = digits.copy()
        for k in np.unique(steps):
            if k == 0:
                continue
            sel = np.flatnonzero(steps == k)
            block = digits[sel]
            for _ in range(abs(int(k))):
                block = _morph(block, dilate=k > 0)
            out[sel] = block
        return out


def _morph(stack: np.ndarray, *, dilate: bool) -> np.ndarray:
    """Grey dilation (max) or erosion (min) with a 3 x 3 cross, zero outside the image."""
    pad = np.pad(stack, ((0, 0), (1, 1), (1, 1)))
    op = np.maximum if dilate else np.minimum
    out = stack.copy()
    for dy, dx in ((0, 1), (2, 1), (1, 0), (1, 2)):
        op(out, pad[:, dy : dy + stack.shape[1], dx : dx + stack.shape[2]], out=out)
    return out


@lru_cache(maxsize=16)
def _gaussian_matrix(size: int, sigma: float) -> np.ndarray:
    """``G`` with ``G @ v`` = 1-D Gaussian smoothing of ``v`` (reflect boundary, truncated at 4 sigma)."""
    radius = int(4.0 * sigma + 0.5)
    taps = np.arange(-radius, radius + 1)
    weights = np.exp(-0.5 * (taps / sigma) ** 2)
    weights /= weights.sum()
    g = np.zeros((size, size))
    for i in range(size):
        j: np.ndarray = i + taps
        # scipy's "reflect" (d c b a | a b c d | d c b a), applied until inside
        for _ in range(4):
            j = np.where(j < 0, -j - 1, j)
            j = np.where(j >= size, 2 * size - j - 1, j)
        np.add.at(g[i], j, weights)
    return g.astype(np.float32)


def bilinear_sample(stack: np.ndarray, src_x: np.ndarray, src_y: np.ndarray) -> np.ndarray:
    """Sample ``stack`` (D, H, W) at float coordinates (D, H', W'), zero outside; vectorised.

    Coordinates are clamped to ``[-1, W]`` / ``[-1, H]`` first: there the image is padded with
    zeros, so clamping changes nothing and removes all bounds checks from the gathers.
    """
    n, h, w = stack.shape
    ph, pw = h + 3, w + 3  # one zero row/column before, two after
    padded = np.zeros((n, ph, pw), dtype=np.float32)
    padded[:, 1 : h + 1, 1 : w + 1] = stack
    flat = padded.reshape(-1)
    sx = np.clip(src_x, -1.0, float(w), dtype=np.float32)
    sy = np.clip(src_y, -1.0, float(h), dtype=np.float32)
    x0f = np.floor(sx)
    y0f = np.floor(sy)
    sx -= x0f  # now the weights
    sy -= y0f
    itype = np.int32 if flat.size < 2**31 - 1 else np.int64
    idx = (y0f.astype(itype) + 1) * pw + (x0f.astype(itype) + 1)
    idx += (np.arange(n, dtype=itype) * (ph * pw))[:, None, None]
    a = flat.take(idx)
    b = flat.take(idx + 1)
    top = a + (b - a) * sx
    idx += pw
    a = flat.take(idx)
    b = flat.take(idx + 1)
    bottom = a + (b - a) * sx
    out = top + (bottom - top) * sy
    np.clip(out, 0.0, 1.0, out=out)
    return out
