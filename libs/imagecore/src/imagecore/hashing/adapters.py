"""One registry of perceptual-hash methods with the imagehash calling convention.

Each method is ``fn(image: PIL.Image, hash_size) -> imagehash.ImageHash``. FINd (256 bits)
comes from :mod:`imagecore.hashing.find`; PDQ from the optional ``pdqhash`` package.
"""

from __future__ import annotations

from collections.abc import Callable

import imagehash
import numpy as np
from PIL import Image

from imagecore.io import ImageSource, open_image

HashFn = Callable[[Image.Image, int], imagehash.ImageHash]


def _find(img: Image.Image, hash_size: int) -> imagehash.ImageHash:
    if hash_size != 16:
        raise ValueError("FINd has a fixed size of 16x16 = 256 bits")
    from imagecore.hashing.find import find_hash

    return find_hash(img)


def _pdq(img: Image.Image, hash_size: int) -> imagehash.ImageHash:
    if hash_size != 16:
        raise ValueError("PDQ has a fixed size of 16x16 = 256 bits")
    import pdqhash

    bits, _quality = pdqhash.compute(np.asarray(img.convert("RGB")))
    return imagehash.ImageHash(np.asarray(bits, dtype=bool).reshape(16, 16))


#: name -> (function, default hash_size). Bits = hash_size ** 2.
HASH_METHODS: dict[str, tuple[HashFn, int]] = {
    "ahash": (lambda im, s: imagehash.average_hash(im, hash_size=s), 8),
    "phash": (lambda im, s: imagehash.phash(im, hash_size=s), 8),
    "dhash": (lambda im, s: imagehash.dhash(im, hash_size=s), 8),
    "whash": (lambda im, s: imagehash.whash(im, hash_size=s), 8),
    "find": (_find, 16),
    "pdq": (_pdq, 16),
}


def perceptual_hash(image: ImageSource, method: str = "phash", hash_size: int | None = None) -> imagehash.ImageHash:
    """Hash an image (PIL image or path/bytes, opened safely) with a registered method.

    Parameters
    ----------
    image
        A PIL image, or anything :func:`imagecore.io.open_image` accepts.
    method
        One of :data:`HASH_METHODS`.
    hash_size
        Side of the bit square (8 -> 64 bits); default per method.

    Raises
    ------
    ValueError
        Unknown method or unsupported size.
    """
    if method not in HASH_METHODS:
        raise ValueError(f"unknown hash method {method!r}; choose from {', '.join(HASH_METHODS)}")
    fn, default_size = HASH_METHODS[method]
    img = image if isinstance(image, Image.Image) else open_image(image, mode="RGB")
    return fn(img, hash_size or default_size)


def hash_bits(method: str, hash_size: int | None = None) -> int:
    """Number of bits a method produces at a hash size."""
    size = hash_size or HASH_METHODS[method][1]
    return size * size
