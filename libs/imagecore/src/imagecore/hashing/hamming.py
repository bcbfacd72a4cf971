"""Hamming-distance tools over perceptual hashes (imagehash values, hex strings or packed bits)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import imagehash
import numpy as np

HashLike = imagehash.ImageHash | str | np.ndarray | bytes


def hex_to_hash(hex_str: str) -> imagehash.ImageHash:
    """Parse a hex string (any square bit count: 64, 256, ...) into an ``ImageHash``.

    Raises
    ------
    ValueError
        Not hex, or the bit count is not a perfect square.
    """
    hex_str = hex_str.strip().lower()
    try:
        value = int(hex_str, 16)
    except ValueError as exc:
        raise ValueError(f"not a hex hash: {hex_str!r}") from exc
    nbits = len(hex_str) * 4
    side = round(nbits**0.5)
    if side * side != nbits:
        raise ValueError(f"hash of {nbits} bits is not square")
    bits = np.array([(value >> (nbits - 1 - i)) & 1 for i in range(nbits)], dtype=bool)
    return imagehash.ImageHash(bits.reshape(side, side))


def _to_packed(h: HashLike) -> np.ndarray:
    if isinstance(h, imagehash.ImageHash):
        return np.packbits(h.hash.astype(bool).ravel())
    if isinstance(h, str):
        return np.frombuffer(bytes.fromhex(h.strip()), dtype=np.uint8)
    if isinstance(h, bytes):
        return np.frombuffer(h, dtype=np.uint8)
    arr = np.asarray(h)
    if arr.dtype == bool:
        return np.packbits(arr.ravel())
    return arr.astype(np.uint8, copy=False).ravel()


def hashes_to_array(hashes: Iterable[HashLike]) -> np.ndarray:
    """Pack hashes into an ``(N, nbytes)`` uint8 array (MSB first, the order of ``str(hash)``).

    Raises
    ------
    ValueError
        Hashes of different lengths.
    """
    rows = [_to_packed(h) for h in hashes]
    if not rows:
        return np.zeros((0, 0), dtype=np.uint8)
    widths = {len(r) for r in rows}
    if len(widths) != 1:
        raise ValueError(f"hashes have different lengths: {sorted(widths)} bytes")
    return np.stack(rows)


def popcount(arr: np.ndarray) -> np.ndarray:
    """Number of set bits per element of an unsigned integer array."""
    return np.bitwise_count(arr)


def hamming_distance(a: HashLike, b: HashLike) -> int:
    """Hamming distance between two hashes of the same length.

    Examples
    --------
    >>> hamming_distance("ff00", "0f00")
    4
    """
    pa, pb = _to_packed(a), _to_packed(b)
    if pa.shape != pb.shape:
        raise ValueError(f"hash lengths differ: {pa.size * 8} vs {pb.size * 8} bits")
    return int(np.bitwise_count(np.bitwise_xor(pa, pb)).sum())


def pairwise_hamming(a: np.ndarray, b: np.ndarray | None = None, *, block: int = 2048) -> np.ndarray:
    """All Hamming distances between packed hashes: ``(len(a), len(b))`` uint16.

    Works in blocks of ``block`` rows over 64-bit words, so memory stays bounded by
    ``block * len(b)`` distances per step.
    """
    a = np.ascontiguousarray(a, dtype=np.uint8)
    b = a if b is None else np.ascontiguousarray(b, dtype=np.uint8)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"hash widths differ: {a.shape[1]} vs {b.shape[1]} bytes")
    if a.shape[1] % 8 == 0:
        aw, bw = a.view(np.uint64), b.view(np.uint64)
    else:
        aw, bw = a, b
    out = np.empty((len(a), len(b)), dtype=np.uint16)
    for start in range(0, len(a), block):
        chunk = aw[start : start + block, None, :] ^ bw[None, :, :]
        out[start : start + block] = np.bitwise_count(chunk).sum(axis=2, dtype=np.uint16)
    return out


def hamming_matrix(a: Iterable[HashLike], b: Iterable[HashLike] | None = None) -> np.ndarray:
    """Pairwise Hamming distances between two lists of hashes (hex strings, ``ImageHash``...).

    ``b`` defaults to ``a``. Returns an ``(len(a), len(b))`` int32 matrix; empty lists give an
    empty matrix of the right shape.

    Examples
    --------
    >>> hamming_matrix(["ff", "0f"]).tolist()
    [[0, 4], [4, 0]]
    """
    a_list = list(a)
    b_list = a_list if b is None else list(b)
    if not a_list or not b_list:
        return np.zeros((len(a_list), len(b_list)), dtype=np.int32)
    packed_a = hashes_to_array(a_list)
    packed_b = packed_a if b is None else hashes_to_array(b_list)
    return pairwise_hamming(packed_a, packed_b).astype(np.int32)


def distances_to(query: HashLike, codes: np.ndarray) -> np.ndarray:
    """Hamming distances from one hash to each row of packed ``codes``."""
    q = _to_packed(query)
    return np.bitwise_count(codes ^ q[None, :]).sum(axis=1)


def nearest(query: HashLike, codes: np.ndarray, k: int = 1) -> Sequence[int]:
    """Indices of the ``k`` rows of ``codes`` nearest to ``query`` (ties by index)."""
    d = distances_to(query, codes)
    return np.argsort(d, kind="stable")[:k].tolist()
