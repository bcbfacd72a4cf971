"""Process-parallel batch hashing of files with any variant.

Each worker process builds its variant once (numba loads its cached machine code, torch its
kernels) and then hashes whole chunks of files: open + decode (``imagecore.io.open_image``:
EXIF, modes, bomb limit) + hash. A file that cannot be read becomes an error record naming
it; the batch goes on.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from imagecore.io import DEFAULT_MAX_PIXELS, ImageError, open_image

from finhash.variants import Variant, get_variant

logger = logging.getLogger(__name__)

_WORKER_VARIANT: Variant | None = None
_WORKER_MAX_PIXELS: int | None = DEFAULT_MAX_PIXELS


@dataclass(frozen=True)
class HashResult:
    """Outcome for one file: ``hex`` or ``error`` is set."""

    path: str
    hex: str | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the file was hashed."""
        return self.error is None


def hash_file(path: str, variant: Variant, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> HashResult:
    """Open, decode and hash one file; read errors become an error record."""
    try:
        img = open_image(path, max_pixels=max_pixels)
        return HashResult(path, str(variant.hash_image(img)))
    except ImageError as exc:
        return HashResult(path, None, str(exc))
    except OSError as exc:
        msg = str(exc)
        return HashResult(path, None, msg if path in msg else f"{path}: {msg}")


def _init_worker(method: str, max_pixels: int | None) -> None:
    global _WORKER_VARIANT, _WORKER_MAX_PIXELS
    _WORKER_VARIANT = get_variant(method)
    _WORKER_VARIANT.warm_up()
    _WORKER_MAX_PIXELS = max_pixels


def _work(path: str) -> HashResult:
    assert _WORKER_VARIANT is not None
    return hash_file(path, _WORKER_VARIANT, _WORKER_MAX_PIXELS)


def hash_files(
    paths: Sequence[str | os.PathLike[str]],
    *,
    method: str = "numba",
    workers: int = 1,
    chunksize: int | None = None,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
) -> Iterator[HashResult]:
    """Hash files in input order, with ``workers`` processes.

    Parameters
    ----------
    paths
        Image files.
    method
        Variant name (see :func:`finhash.variants.variant_names`).
    workers
        Processes; ``1`` runs in this process (no start-up cost).
    chunksize
        Files per task; default splits the work into about 4 tasks per worker.
    max_pixels
        Decompression-bomb limit per image.

    Yields
    ------
    HashResult
        One per path, in order.
    """
    names = [os.fspath(p) for p in paths]
    if workers <= 1 or len(names) <= 1:
        variant = get_variant(method)
        for name in names:
            yield hash_file(name, variant, max_pixels)
        return
    if chunksize is None:
        chunksize = max(1, math.ceil(len(names) / (4 * workers)))
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(method, max_pixels)) as pool:
        yield from pool.map(_work, names, chunksize=chunksize)


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm")


def expand_paths(args: Sequence[str]) -> list[str]:
    """Files as given; directories expand to their image files (sorted, not recursive)."""
    out: list[str] = []
    for arg in args:
        p = Path(arg)
        if p.is_dir():
            out.extend(str(f) for f in sorted(p.iterdir()) if f.suffix.lower() in IMAGE_SUFFIXES)
        else:
            out.append(arg)
    return out
