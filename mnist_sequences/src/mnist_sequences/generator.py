"""The generator: lay out, draw and render digit sequences, one at a time or in batches.

Rendering is vectorised for the whole batch: the digit images are gathered with one fancy
index (``images[indices]``), converted to float once, optionally augmented as one stack, and
written into a preallocated ``(B, 28, W)`` array by **one** scatter through a strided
"window" view of the output (every possible top-left corner is a (28, 28) window; the
chosen windows never overlap because spacing is non-negative).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from imagecore.config import DATA_DIR_ENV
from imagecore.mnist import MnistSplit
from PIL import Image

from mnist_sequences.augment import Augmentation
from mnist_sequences.layout import (
    SequenceLayout,
    check_fits,
    sample_gaps_conditioned,
    validate_digits,
    validate_options,
    validate_spacing,
    validate_width,
)
from mnist_sequences.source import DIGIT_SIZE, DigitSource

log = logging.getLogger(__name__)

RngLike = np.random.Generator | np.random.SeedSequence | int | None
SourceLike = str | DigitSource | MnistSplit | tuple[np.ndarray, np.ndarray]
_UNSET: Any = object()


def as_rng(rng: RngLike, default: np.random.Generator | None = None) -> np.random.Generator:
    """A numpy Generator from a Generator, a SeedSequence, an int seed, or None (``default`` or fresh)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return default if default is not None else np.random.default_rng()
    if isinstance(rng, bool) or not isinstance(rng, int | np.integer | np.random.SeedSequence):
        raise ValueError(f"rng must be a numpy Generator, an int seed or None, got {rng!r}")
    return np.random.default_rng(rng)


class GeneratedSequence(NamedTuple):
    """One image and its layout; unpacks as ``image, layout = generator.generate(...)``."""

    image: np.ndarray
    layout: SequenceLayout


@dataclass(frozen=True)
class BatchLayout:
    """Layouts of a batch as arrays (rows = images, columns = digit positions, padded with -1).

    Attributes
    ----------
    digits, x, y, widths, heights, mnist_indices
        ``(B, L)`` int64; entries past a row's length are -1.
    gaps
        ``(B, L - 1)`` int64; -1 past a row's length.
    lengths
        ``(B,)`` number of digits of each row.
    scale
        ``(B,)`` float64 scale factor of each row (1.0 unless ``overflow="scale"`` shrank it).
    image_width
        Width of the images.
    source
        Name of the digit source.
    """

    digits: np.ndarray
    x: np.ndarray
    y: np.ndarray
    widths: np.ndarray
    heights: np.ndarray
    gaps: np.ndarray
    mnist_indices: np.ndarray
    lengths: np.ndarray
    scale: np.ndarray
    image_width: int
    source: str

    def __len__(self) -> int:
        return int(self.lengths.shape[0])

    def __getitem__(self, i: int) -> SequenceLayout:
        n = int(self.lengths[i])

        def row(a: np.ndarray, k: int = n) -> tuple[int, ...]:
            return tuple(a[i, :k].tolist())

        return SequenceLayout(
            digits=row(self.digits),
            x=row(self.x),
            widths=row(self.widths),
            gaps=row(self.gaps, n - 1),
            mnist_indices=row(self.mnist_indices),
            image_width=self.image_width,
            y=row(self.y),
            heights=row(self.heights),
            scale=float(self.scale[i]),
            source=self.source,
        )

    @property
    def labels(self) -> list[str]:
        """Each row's digits as a string."""
        return ["".join(map(str, self.digits[i, : self.lengths[i]])) for i in range(len(self))]


class Batch(NamedTuple):
    """A batch of images ``(B, 28, W)`` and their :class:`BatchLayout`."""

    images: np.ndarray
    layout: BatchLayout


class _Padded(NamedTuple):
    """Already valid ragged sequences: digits (B, L) padded with -1 and their lengths (internal)."""

    digits: np.ndarray
    lengths: np.ndarray


def _as_digit_matrix(sequences: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``sequences`` -> (digits (B, L) int64 padded with -1, lengths (B,))."""
    if isinstance(sequences, _Padded):
        return sequences.digits.astype(np.int64, copy=False), sequences.lengths.astype(np.int64, copy=False)
    if isinstance(sequences, np.ndarray) and sequences.ndim == 2 and sequences.dtype.kind in "iu":
        if sequences.shape[0] == 0 or sequences.shape[1] == 0:
            raise ValueError(f"sequences is empty (shape {sequences.shape})")
        if sequences.min() < 0 or sequences.max() > 9:
            bad = np.unique(sequences[(sequences < 0) | (sequences > 9)]).tolist()
            raise ValueError(f"digits must be in 0-9, got {bad}")
        return sequences.astype(np.int64, copy=False), np.full(sequences.shape[0], sequences.shape[1], np.int64)
    if isinstance(sequences, str | bytes):
        raise ValueError("sequences must be a list of digit lists, not a string")
    rows = [validate_digits(s) for s in sequences]
    if not rows:
        raise ValueError("sequences is empty")
    lengths = np.array([len(r) for r in rows], dtype=np.int64)
    mat = np.full((len(rows), int(lengths.max())), -1, dtype=np.int64)
    for i, r in enumerate(rows):
        mat[i, : len(r)] = r
    return mat, lengths


def _load_source(source: SourceLike, root: str | os.PathLike[str] | None, download: bool = False) -> DigitSource:
    if isinstance(source, DigitSource):
        return source
    if isinstance(source, MnistSplit):
        return DigitSource.from_split(source)
    if isinstance(source, str):
        if source not in ("train", "test"):
            raise ValueError(f"source split must be 'train' or 'test', got {source!r}")
        return DigitSource.from_mnist(source, root, download=download)
    if isinstance(source, tuple) and len(source) == 2:
        return DigitSource(np.asarray(source[0]), np.asarray(source[1]))
    raise ValueError(
        f"source must be 'train', 'test', a DigitSource, an MnistSplit or (images, labels), got {type(source)}"
    )


class SequenceGenerator:
    """Generate images of digit sequences from a digit source loaded once.

    Parameters
    ----------
    source
        ``"train"`` (default) or ``"test"`` (an MNIST split, located through ``root`` or
        ``$IMAGECORE_DATA_DIR/mnist``), a :class:`~mnist_sequences.source.DigitSource`, an
        :class:`imagecore.mnist.MnistSplit`, or an ``(images, labels)`` pair.
    root
        Folder with the MNIST files when ``source`` is a split name.
    seed
        Seed (int, SeedSequence or Generator) of the generator's own random stream, used
        when a call passes no ``rng``.
    augment
        Default :class:`~mnist_sequences.augment.Augmentation` for every call (None: off).
    align, overflow
        Default width policy (see :mod:`mnist_sequences.layout`).
    download
        Download missing MNIST files from the official mirrors first (needs internet).

    Examples
    --------
    >>> gen = SequenceGenerator(source=(images, labels), seed=0)  # doctest: +SKIP
    >>> image, layout = gen.generate([3, 5, 0], (2, 8), 120)      # doctest: +SKIP
    >>> image.shape, layout.x                                     # doctest: +SKIP
    ((28, 120), (9, 41, 75))
    """

    def __init__(
        self,
        source: SourceLike = "train",
        *,
        root: str | os.PathLike[str] | None = None,
        seed: RngLike = None,
        augment: Augmentation | None = None,
        align: str = "center",
        overflow: str = "resample",
        download: bool = False,
    ) -> None:
        validate_options(align, overflow)
        self.source = _load_source(source, root, download)
        self.rng = as_rng(seed)
        self.augment = augment
        self.align = align
        self.overflow = overflow

    def __repr__(self) -> str:
        return f"SequenceGenerator(source={self.source.name!r}, images={len(self.source)})"

    def generate(
        self,
        digits: Iterable[int],
        spacing_range: Sequence[int],
        image_width: int,
        *,
        rng: RngLike = None,
        align: str | None = None,
        overflow: str | None = None,
        augment: Augmentation | None = _UNSET,
    ) -> GeneratedSequence:
        """One image ``(28, image_width)`` float32 in [0, 1] and its :class:`SequenceLayout`.

        Parameters are those of :func:`mnist_sequences.generate_numbers_sequence`; ``rng``
        defaults to the generator's own stream.

        Raises
        ------
        ValueError
            Invalid digits, spacing or width, or a request that cannot fit.
        """
        align = self.align if align is None else align
        overflow = self.overflow if overflow is None else overflow
        augment = self.augment if augment is _UNSET else augment
        seq = validate_digits(digits)
        spacing = validate_spacing(spacing_range)
        width = validate_width(image_width)
        validate_options(align, overflow)
        check_fits(len(seq), spacing, width, overflow)
        gen = as_rng(rng, self.rng)
        if augment is None:
            return _render_one(self.source, seq, spacing[0], spacing[1], width, align, overflow, gen)
        batch = self.generate_batch([seq], spacing, width, rng=gen, align=align, overflow=overflow, augment=augment)
        return GeneratedSequence(batch.images[0], batch.layout[0])

    def sample_batch(
        self,
        count: int,
        length: int | tuple[int, int],
        spacing_range: Sequence[int],
        image_width: int,
        *,
        rng: RngLike = None,
        **options: Any,
    ) -> Batch:
        """``count`` random digit strings (length uniform in ``length=(min, max)``, digits uniform 0-9), rendered.

        Keyword options are those of :meth:`generate_batch`.
        """
        count = validate_width(count)
        lo, hi = (length, length) if isinstance(length, int | np.integer) else length
        lo, hi = int(lo), int(hi)
        if not 1 <= lo <= hi:
            raise ValueError(f"length must be an int >= 1 or (min, max) with 1 <= min <= max, got {length!r}")
        gen = as_rng(rng, self.rng)
        lengths = gen.integers(lo, hi + 1, count)
        digits = gen.integers(0, 10, size=(count, hi))
        digits[np.arange(hi)[None, :] >= lengths[:, None]] = -1
        sequences: Any = digits if lo == hi else _Padded(digits[:, : int(lengths.max())], lengths)
        return self.generate_batch(sequences, spacing_range, image_width, rng=gen, **options)

    def generate_batch(
        self,
        sequences: Any,
        spacing_range: Sequence[int],
        image_width: int,
        *,
        rng: RngLike = None,
        align: str | None = None,
        overflow: str | None = None,
        augment: Augmentation | None = _UNSET,
        dtype: Any = np.float32,
    ) -> Batch:
        """Render many sequences at once.

        Parameters
        ----------
        sequences
            A ``(B, L)`` integer array (fast path) or a list of digit lists (lengths may differ).
        spacing_range, image_width
            As in :func:`mnist_sequences.generate_numbers_sequence`.
        rng
            Random source (Generator or int seed); default: the generator's own stream.
        align, overflow
            Width policy; default: the generator's.
        augment
            :class:`Augmentation` or None; default: the generator's.
        dtype
            ``numpy.float32`` (default, values in [0, 1]) or ``numpy.uint8`` (0-255, for export).

        Returns
        -------
        Batch
            ``images`` (B, 28, image_width) and ``layout`` (:class:`BatchLayout`).

        Raises
        ------
        ValueError
            Invalid input or a request that cannot fit (the message states the numbers).
        """
        align = self.align if align is None else align
        overflow = self.overflow if overflow is None else overflow
        augment = self.augment if augment is _UNSET else augment
        validate_options(align, overflow)
        dtype = np.dtype(dtype)
        if dtype not in (np.dtype(np.float32), np.dtype(np.uint8)):
            raise ValueError(f"dtype must be float32 or uint8, got {dtype}")
        lo, hi = validate_spacing(spacing_range)
        width = validate_width(image_width)
        digits, lengths = _as_digit_matrix(sequences)
        for n in np.unique(lengths):
            check_fits(int(n), (lo, hi), width, overflow)
        gen = as_rng(rng, self.rng)
        return _render(self.source, digits, lengths, lo, hi, width, align, overflow, augment, gen, dtype)


def _render(
    source: DigitSource,
    digits: np.ndarray,
    lengths: np.ndarray,
    lo: int,
    hi: int,
    width: int,
    align: str,
    overflow: str,
    augment: Augmentation | None,
    rng: np.random.Generator,
    dtype: np.dtype,
) -> Batch:
    size = DIGIT_SIZE
    b, lmax = digits.shape
    pos = np.arange(lmax)
    valid = pos[None, :] < lengths[:, None]
    ragged = not bool(valid.all())
    # 1. which MNIST image for each digit (uniform within its class, with replacement)
    indices = source.sample_indices(np.where(valid, digits, 0), rng)
    # 2. gaps, i.i.d. uniform on [lo, hi]
    gaps = rng.integers(lo, hi + 1, size=(b, max(lmax - 1, 0)))
    if ragged:
        gaps[pos[None, 1:] >= lengths[:, None]] = 0
    total = size * lengths + gaps.sum(axis=1)
    over = np.flatnonzero(total > width)
    scaled = np.zeros(b, dtype=bool)
    if over.size:
        if overflow == "resample":
            for i in over:
                n = int(lengths[i])
                gaps[i, : n - 1] = sample_gaps_conditioned(rng, n - 1, lo, hi, width - size * n)
            total[over] = size * lengths[over] + gaps[over].sum(axis=1)
        elif overflow == "scale":
            scaled[over] = True
        else:  # "error" was checked up front: cannot happen
            raise AssertionError("layout does not fit")
    # 3. x offsets: strip positions + left padding from the alignment policy
    xs = np.zeros((b, lmax), dtype=np.int64)
    if lmax > 1:
        xs[:, 1:] = np.cumsum(gaps + size, axis=1)
    slack = np.maximum(width - total, 0)
    if align == "center":
        pad = slack // 2
    elif align == "left":
        pad = np.zeros(b, dtype=np.int64)
    elif align == "right":
        pad = slack
    else:
        pad = rng.integers(0, slack + 1)
    strip_x = xs.copy()
    xs += pad[:, None]
    # 4. pixels: one gather, one conversion, optional augmentation, one scatter
    flat_rows, flat_cols = np.nonzero(valid)
    chosen = indices[flat_rows, flat_cols]
    patches: np.ndarray = source.images[chosen]
    any_scaled = bool(scaled.any())
    float_out = dtype == np.float32 or augment is not None or any_scaled
    # Plain float output: scatter the uint8 pixels (cast on the fly) and divide the output once,
    # which saves a float copy of the patches (same values: float32(v) / 255 either way).
    late_divide = float_out and augment is None and not any_scaled
    if float_out and not late_divide:
        patches = patches.astype(np.float32)
        patches /= np.float32(255.0)
        if augment is not None:
            patches = augment.apply_digits(patches, rng)
    out = np.zeros((b, size, width), dtype=np.float32 if float_out else np.uint8)
    keep = ~scaled[flat_rows]
    if keep.any():
        flat = out.reshape(-1)
        windows = np.lib.stride_tricks.as_strided(
            flat,
            shape=(flat.size - (size - 1) * width - (size - 1), size, size),
            strides=(flat.itemsize, flat.itemsize * width, flat.itemsize),
            writeable=True,
        )
        starts = flat_rows[keep] * (size * width) + xs[flat_rows[keep], flat_cols[keep]]
        windows[starts] = patches[keep] if not keep.all() else patches
    if late_divide:
        np.divide(out, np.float32(255.0), out=out)
    ys = np.zeros((b, lmax), dtype=np.int64)
    ws = np.full((b, lmax), size, dtype=np.int64)
    hs = np.full((b, lmax), size, dtype=np.int64)
    factor = np.ones(b)
    for i in np.flatnonzero(scaled):
        n = int(lengths[i])
        row, x_i, w_i, y0, new_h, factor[i] = _shrink_row(patches[flat_rows == i], strip_x[i, :n], int(total[i]), width)
        out[i] = row
        xs[i, :n], ws[i, :n], ys[i, :n], hs[i, :n] = x_i, w_i, y0, new_h
    if augment is not None:
        augment.apply_images(out, rng)
    if float_out and dtype == np.uint8 and not late_divide:
        out = np.rint(np.clip(out, 0.0, 1.0) * 255.0).astype(np.uint8)
    # 5. layout arrays, -1 where a row has no digit
    invalid = ~valid
    for arr in (xs, ys, ws, hs, indices):
        arr[invalid] = -1
    gaps_out = gaps.astype(np.int64)
    if ragged and lmax > 1:
        gaps_out[pos[None, 1:] >= lengths[:, None]] = -1
    layout = BatchLayout(
        digits=digits,
        x=xs,
        y=ys,
        widths=ws,
        heights=hs,
        gaps=gaps_out,
        mnist_indices=indices.astype(np.int64),
        lengths=lengths,
        scale=factor,
        image_width=width,
        source=source.name,
    )
    return Batch(out, layout)


def _shrink_row(
    patches: np.ndarray, strip_x: np.ndarray, total: int, width: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int, float]:
    """``overflow="scale"``: draw the natural-width strip, shrink it uniformly to ``width``, centre it vertically.

    Returns the (28, width) row, the digits' new x offsets and widths, the top offset, the new
    height and the scale factor.
    """
    size = DIGIT_SIZE
    strip = np.zeros((size, total), dtype=np.float32)
    for patch, x0 in zip(patches, strip_x, strict=True):
        strip[:, x0 : x0 + size] = patch
    s = width / float(total)
    new_h = max(1, round(size * s))
    small = np.asarray(Image.fromarray(strip, mode="F").resize((width, new_h), Image.Resampling.BOX))
    y0 = (size - new_h) // 2
    row = np.zeros((size, width), dtype=np.float32)
    row[y0 : y0 + new_h] = np.clip(small, 0.0, 1.0)
    xs = np.rint(strip_x * s).astype(np.int64)
    ws = np.minimum(np.rint((strip_x + size) * s).astype(np.int64), width) - xs
    return row, xs, ws, y0, new_h, s


def _render_one(
    source: DigitSource,
    seq: tuple[int, ...],
    lo: int,
    hi: int,
    width: int,
    align: str,
    overflow: str,
    rng: np.random.Generator,
) -> GeneratedSequence:
    """Fast path of :func:`_render` for one sequence without augmentation.

    Makes the same random draws in the same order as :func:`_render` with a batch of one, so
    both give the same image for the same seed; it only skips the batch bookkeeping.
    """
    size = DIGIT_SIZE
    n = len(seq)
    indices = source.sample_indices(np.asarray(seq)[None, :], rng)[0]
    gaps = rng.integers(lo, hi + 1, size=(1, max(n - 1, 0)))[0]
    total = size * n + int(gaps.sum())
    scaled = False
    if total > width:
        if overflow == "resample":
            gaps = sample_gaps_conditioned(rng, n - 1, lo, hi, width - size * n)
            total = size * n + int(gaps.sum())
        else:
            scaled = True
    strip_x = np.zeros(n, dtype=np.int64)
    if n > 1:
        strip_x[1:] = np.cumsum(gaps + size)
    slack = max(width - total, 0)
    if align == "center":
        pad = slack // 2
    elif align == "left":
        pad = 0
    elif align == "right":
        pad = slack
    else:
        pad = int(rng.integers(0, np.array([slack + 1]))[0])
    patches = source.images[indices]
    if scaled:
        image, xs, ws, y0, new_h, factor = _shrink_row(
            patches.astype(np.float32) / np.float32(255.0), strip_x, total, width
        )
        x_t, w_t, y_t, h_t = tuple(xs.tolist()), tuple(ws.tolist()), (y0,) * n, (new_h,) * n
    else:
        image = np.zeros((size, width), dtype=np.float32)
        x_list = (strip_x + pad).tolist()
        for patch, x0 in zip(patches, x_list, strict=True):
            image[:, x0 : x0 + size] = patch
        np.divide(image, np.float32(255.0), out=image)
        factor = 1.0
        x_t, w_t, y_t, h_t = tuple(x_list), (size,) * n, (0,) * n, (size,) * n
    layout = SequenceLayout(
        digits=seq,
        x=x_t,
        widths=w_t,
        gaps=tuple(gaps.tolist()),
        mnist_indices=tuple(indices.tolist()),
        image_width=width,
        y=y_t,
        heights=h_t,
        scale=factor,
        source=source.name,
    )
    return GeneratedSequence(image, layout)


# -- function API with a module-level cache: MNIST is loaded once per (split, root) ----------
_CACHE: dict[tuple[str, str | None, str | None], SequenceGenerator] = {}
_LOCK = threading.Lock()


def get_generator(
    split: str = "train", root: str | os.PathLike[str] | None = None, *, download: bool = False
) -> SequenceGenerator:
    """The shared :class:`SequenceGenerator` for an MNIST split (created on first use, then reused).

    The cache key is the split, the ``root`` given and ``$IMAGECORE_DATA_DIR``, so changing the
    variable (or passing another ``root``) gets another generator.
    """
    key = (split, None if root is None else os.fspath(root), os.environ.get(DATA_DIR_ENV))
    with _LOCK:
        gen = _CACHE.get(key)
        if gen is None:
            gen = SequenceGenerator(split, root=root, download=download)
            _CACHE[key] = gen
            log.debug("loaded digit source %s", gen)
        return gen


def generate_numbers_sequence(
    digits: Iterable[int],
    spacing_range: Sequence[int],
    image_width: int,
    *,
    rng: RngLike = None,
    split: str = "train",
    root: str | os.PathLike[str] | None = None,
    align: str = "center",
    overflow: str = "resample",
    augment: Augmentation | None = None,
) -> np.ndarray:
    """Image of a sequence of MNIST digits.

    Parameters
    ----------
    digits
        List-like of integers 0-9, left to right, e.g. ``[3, 5, 0]``.
    spacing_range
        ``(min, max)``: each gap between consecutive digits is an integer drawn independently
        and uniformly from ``min..max`` pixels (inclusive).
    image_width
        Width of the output image in pixels.
    rng
        numpy Generator or int seed; the same seed gives the same image. None: fresh randomness.
    split
        MNIST split the digits come from: ``"train"`` (default) or ``"test"``.
    root
        Folder with the MNIST files; default ``$IMAGECORE_DATA_DIR/mnist``.
    align
        Where padding goes when the digits and gaps are narrower than the image:
        ``"center"`` (default), ``"left"``, ``"right"`` or ``"random"``.
    overflow
        What happens when a draw is wider than the image: ``"resample"`` (default; gaps drawn
        conditioned on fitting), ``"error"`` (refuse requests whose widest draw does not fit)
        or ``"scale"`` (shrink the strip to fit; distorts digits). See :mod:`mnist_sequences.layout`.
    augment
        Optional :class:`~mnist_sequences.augment.Augmentation`.

    Returns
    -------
    numpy.ndarray
        ``(28, image_width)`` float32 in [0, 1]; 0 is black, 1 white (white strokes on black).

    Raises
    ------
    ValueError
        Digits outside 0-9 or empty, negative spacing, ``min > max``, non-positive width, or
        a request that cannot fit (the message states the numbers).
    imagecore.config.DataNotFoundError
        MNIST is not found; the message says how to get it.

    Examples
    --------
    >>> img = generate_numbers_sequence([3, 5, 0], (2, 8), 120, rng=0)  # doctest: +SKIP
    >>> img.shape, img.dtype
    ((28, 120), dtype('float32'))
    """
    seq = validate_digits(digits)
    spacing = validate_spacing(spacing_range)
    width = validate_width(image_width)
    validate_options(align, overflow)
    check_fits(len(seq), spacing, width, overflow)
    gen = get_generator(split, root)
    return gen.generate(seq, spacing, width, rng=rng, align=align, overflow=overflow, augment=augment).image


def generate_batch(
    sequences: Any,
    spacing_range: Sequence[int],
    image_width: int,
    *,
    rng: RngLike = None,
    split: str = "train",
    root: str | os.PathLike[str] | None = None,
    **options: Any,
) -> np.ndarray:
    """Images ``(B, 28, image_width)`` of many sequences at once (see :meth:`SequenceGenerator.generate_batch`)."""
    return get_generator(split, root).generate_batch(sequences, spacing_range, image_width, rng=rng, **options).images
