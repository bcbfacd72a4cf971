"""Perceptual hashes for the dataset builder.

Hashing lives in :mod:`imagecore.hashing` (shared with question_02, finhash and others):
``perceptual_hash(img, method)`` with ``method`` in ``phash`` (64-bit, the default here),
``find`` (256-bit FINd), ``ahash``, ``dhash``, ``whash``, ``pdq``; ``hamming_matrix`` gives
pairwise Hamming distances between hex hashes. This module re-exports them under the names
the builder uses.
"""

from __future__ import annotations

from imagecore.hashing import HASH_METHODS, hamming_matrix, perceptual_hash

METHODS = tuple(HASH_METHODS)

__all__ = ["METHODS", "hamming_matrix", "perceptual_hash"]
