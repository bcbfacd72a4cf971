"""Perceptual hashing: FINd, imagehash adapters behind one registry, and Hamming tools.

>>> from PIL import Image
>>> h = perceptual_hash(Image.new("L", (32, 32)), "phash")
>>> len(str(h))
16
"""

from __future__ import annotations

from typing import Any

from imagecore.hashing.adapters import HASH_METHODS, hash_bits, perceptual_hash
from imagecore.hashing.hamming import (
    hamming_distance,
    hamming_matrix,
    hashes_to_array,
    hex_to_hash,
    pairwise_hamming,
    popcount,
)

__all__ = [
    "HASH_METHODS",
    "find_hash",
    "find_hashes",
    "hamming_distance",
    "hamming_matrix",
    "hash_bits",
    "hashes_to_array",
    "hex_to_hash",
    "pairwise_hamming",
    "perceptual_hash",
    "popcount",
]


def __getattr__(name: str) -> Any:
    # FINd lives in its own module (imagecore.hashing.find); import it on first use.
    if name in ("find_hash", "find_hashes"):
        from imagecore.hashing import find

        return getattr(find, name)
    raise AttributeError(f"module 'imagecore.hashing' has no attribute {name!r}")
