"""Perceptual hashes behind one small function (pHash now, FINd when imagecore has it)."""

from __future__ import annotations

import logging

import imagehash
import numpy as np
from PIL import Image

log = logging.getLogger(__name__)

METHODS = ("phash", "find")


def perceptual_hash(img: Image.Image, method: str = "phash") -> imagehash.ImageHash:
    """Perceptual hash of an image.

    Parameters
    ----------
    img
        A PIL image (any mode).
    method
        ``"phash"``: imagehash's 64-bit DCT hash. ``"find"``: the 256-bit FINd hash from
        ``imagecore.hashing.find``; falls back to pHash with a warning while FINd is not implemented.

    Returns
    -------
    imagehash.ImageHash
        ``str(h)`` is the hex string, ``h1 - h2`` the Hamming distance.

    Raises
    ------
    ValueError
        Unknown method.

    Examples
    --------
    >>> h = perceptual_hash(Image.new("L", (32, 32)))
    >>> len(str(h)), h - h
    (16, 0)
    """
    if method not in METHODS:
        raise ValueError(f"unknown hash method {method!r}; expected one of {', '.join(METHODS)}")
    if method == "find":
        try:
            from imagecore.hashing.find import find_hash

            return find_hash(img)
        except NotImplementedError:
            log.warning("FINd is not implemented in imagecore yet; using pHash")
    return imagehash.phash(img)


def hex_to_bits(hexes: list[str]) -> np.ndarray:
    """Unpack equal-length hex hashes into a ``(n, bits)`` boolean matrix."""
    if not hexes:
        return np.zeros((0, 0), dtype=bool)
    raw = np.array([list(bytes.fromhex(h)) for h in hexes], dtype=np.uint8)
    return np.unpackbits(raw, axis=1).astype(bool)


def hamming_matrix(a: list[str], b: list[str] | None = None) -> np.ndarray:
    """Pairwise Hamming distances between hex hashes (``b`` defaults to ``a``)."""
    A = hex_to_bits(a).astype(np.int32)
    B = A if b is None else hex_to_bits(b).astype(np.int32)
    if A.size == 0 or B.size == 0:
        return np.zeros((len(a), len(a) if b is None else len(b)), dtype=np.int32)
    # |a xor b| = |a| + |b| - 2 a.b
    return A.sum(1)[:, None] + B.sum(1)[None, :] - 2 * (A @ B.T)
