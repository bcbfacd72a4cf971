"""Hamming-radius and k-NN search over packed binary codes.

All indexes take packed ``uint8`` codes of shape ``(n, bits // 8)`` (the FAISS binary layout and
what :func:`finhash.compare.methods.pack_bits` returns) and answer the same two queries:

* ``range_search(queries, radius) -> RangeResult``: every database code with Hamming distance
  ``<= radius`` (inclusive; FAISS's own range search is strict, this wrapper adds 1), sorted by
  (distance, id) per query;
* ``knn(queries, k) -> (distances, ids)``: the ``k`` nearest. The exact indexes agree on the
  distances; the numpy scan breaks ties by smaller id, FAISS may pick other ids tied at the k-th
  distance. ``IndexBinaryMultiHash`` k-NN only sees candidates that share a hash bucket (within
  ``nflip`` bits) and is therefore approximate; missing neighbours are ``-1``.

Examples
--------
>>> import numpy as np
>>> db = np.array([[0, 0], [0, 1], [255, 255]], np.uint8)
>>> r = make_index("numpy", db).range_search(np.array([[0, 0]], np.uint8), 1)
>>> r.ids[r.lims[0]:r.lims[1]].tolist(), r.distances.tolist()
([0, 1], [0, 1])
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass
class RangeResult:
    """FAISS-style range result: query ``i`` owns ``ids[lims[i]:lims[i+1]]`` and ``distances`` alike."""

    lims: np.ndarray
    ids: np.ndarray
    distances: np.ndarray

    def neighbours(self, i: int) -> list[tuple[int, int]]:
        """``(distance, id)`` pairs of query ``i``, sorted."""
        s = slice(int(self.lims[i]), int(self.lims[i + 1]))
        return list(zip(self.distances[s].tolist(), self.ids[s].tolist(), strict=True))


class HammingIndex(Protocol):
    """What every index offers."""

    name: str
    ntotal: int

    def range_search(self, queries: np.ndarray, radius: int) -> RangeResult: ...

    def knn(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...


def _check(codes: np.ndarray, nbytes: int | None = None) -> np.ndarray:
    c = np.ascontiguousarray(codes, dtype=np.uint8)
    if c.ndim != 2:
        raise ValueError(f"codes must be 2-D (n, bytes), got shape {c.shape}")
    if nbytes is not None and c.shape[1] != nbytes:
        raise ValueError(f"codes have {c.shape[1]} bytes, index has {nbytes}")
    return c


#: Below this many queries FAISS runs single-threaded: OpenMP start-up and spin-waiting cost more
#: than they save on small batches (measured 100x slower on a loaded 2-core machine).
SMALL_BATCH = 256


@contextmanager
def _faiss_threads(n_queries: int) -> Iterator[None]:
    import faiss

    if n_queries >= SMALL_BATCH:
        yield
        return
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _sort_range(lims: np.ndarray, ids: np.ndarray, dist: np.ndarray) -> RangeResult:
    lims = np.asarray(lims, np.int64)
    q = np.repeat(np.arange(len(lims) - 1), np.diff(lims))
    order = np.lexsort((ids, dist, q))
    return RangeResult(lims.astype(np.int64), ids[order].astype(np.int64), dist[order].astype(np.int64))


class NumpyIndex:
    """Exhaustive scan: XOR against every code and popcount (``np.bitwise_count``), in blocks.

    Parameters
    ----------
    codes
        ``(n, bytes)`` uint8 database codes.
    block_elems
        Queries are processed in blocks so that ``block * n`` stays near this number.
    """

    name = "numpy"

    def __init__(self, codes: np.ndarray, block_elems: int = 1 << 22) -> None:
        c = _check(codes)
        self.nbytes = c.shape[1]
        pad = (-self.nbytes) % 8
        self._words = np.ascontiguousarray(np.pad(c, ((0, 0), (0, pad)))).view(np.uint64)
        self.ntotal = len(c)
        self.block_elems = block_elems

    def _qwords(self, queries: np.ndarray) -> np.ndarray:
        q = _check(queries, self.nbytes)
        return np.ascontiguousarray(np.pad(q, ((0, 0), (0, (-self.nbytes) % 8)))).view(np.uint64)

    def _blocks(self, qw: np.ndarray):  # type: ignore[no-untyped-def]
        step = max(1, self.block_elems // max(1, self.ntotal))
        for s in range(0, len(qw), step):
            qb = qw[s : s + step]
            d = np.zeros((len(qb), self.ntotal), np.uint16)
            for w in range(qw.shape[1]):
                d += np.bitwise_count(qb[:, w, None] ^ self._words[None, :, w])
            yield s, d

    def distances(self, queries: np.ndarray) -> np.ndarray:
        """Full ``(q, n)`` distance matrix (for small sets and tests)."""
        return np.concatenate([d for _, d in self._blocks(self._qwords(queries))]).astype(np.int64)

    def range_search(self, queries: np.ndarray, radius: int) -> RangeResult:
        """All codes within ``radius`` (inclusive) of each query."""
        qw = self._qwords(queries)
        counts, ids, dist = [], [], []
        for _, d in self._blocks(qw):
            r, c = np.nonzero(d <= radius)
            counts.append(np.bincount(r, minlength=len(d)))
            ids.append(c)
            dist.append(d[r, c])
        lims = np.concatenate([[0], np.cumsum(np.concatenate(counts))]) if counts else np.zeros(1, np.int64)
        return _sort_range(lims, np.concatenate(ids) if ids else np.zeros(0, np.int64),
                           np.concatenate(dist) if dist else np.zeros(0, np.int64))

    def knn(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest codes per query (ties by smaller id)."""
        qw = self._qwords(queries)
        k_eff = min(k, self.ntotal)
        D = np.full((len(qw), k), -1, np.int64)
        ids = np.full((len(qw), k), -1, np.int64)
        for s, d in self._blocks(qw):
            part = np.argpartition(d, k_eff - 1, axis=1)[:, :k_eff] if k_eff < self.ntotal else np.tile(np.arange(self.ntotal), (len(d), 1))
            # argpartition does not break ties by id: widen to every code at the k-th distance
            kth = np.take_along_axis(d, part, 1).max(axis=1)
            for j in range(len(d)):
                cand = np.flatnonzero(d[j] <= kth[j])
                order = np.lexsort((cand, d[j, cand]))[:k_eff]
                ids[s + j, :k_eff] = cand[order]
                D[s + j, :k_eff] = d[j, cand[order]]
        return D, ids


class FaissFlatIndex:
    """FAISS ``IndexBinaryFlat``: exhaustive, multi-threaded, SIMD popcount."""

    name = "faiss_flat"

    def __init__(self, codes: np.ndarray) -> None:
        import faiss

        c = _check(codes)
        self.nbytes = c.shape[1]
        self._ix = faiss.IndexBinaryFlat(8 * self.nbytes)
        self._ix.add(c)
        self.ntotal = len(c)

    def range_search(self, queries: np.ndarray, radius: int) -> RangeResult:
        """All codes within ``radius`` (inclusive)."""
        q = _check(queries, self.nbytes)
        with _faiss_threads(len(q)):
            lims, dist, ids = self._ix.range_search(q, int(radius) + 1)
        return _sort_range(lims, ids, dist)

    def knn(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Exact k-NN distances (at a tie on the k-th distance FAISS may pick other ids than the scan)."""
        q = _check(queries, self.nbytes)
        with _faiss_threads(len(q)):
            D, ids = self._ix.search(q, k)
        D, ids = D.astype(np.int64), ids.astype(np.int64)
        D[ids < 0] = -1
        return D, ids


class FaissMIHIndex:
    """FAISS ``IndexBinaryMultiHash`` (multi-index hashing).

    The code is cut into ``nhash`` substrings of ``bits // nhash`` bits; each is a hash-table key and
    a query probes every key within ``nflip`` bit flips. By the pigeonhole principle a code within
    radius ``r`` agrees with the query to within ``r // nhash`` bits on at least one substring, so
    range search is exact when ``nflip >= radius // nhash``; :meth:`range_search` raises ``nflip``
    to that bound by default.
    """

    name = "faiss_mih"

    def __init__(self, codes: np.ndarray, nhash: int = 16, nflip: int = 2) -> None:
        import faiss

        c = _check(codes)
        self.nbytes = c.shape[1]
        bits = 8 * self.nbytes
        if bits % nhash:
            raise ValueError(f"nhash={nhash} does not divide {bits} bits")
        self.nhash = nhash
        self._ix = faiss.IndexBinaryMultiHash(bits, nhash, bits // nhash)
        self._ix.nflip = nflip
        self._ix.add(c)
        self.ntotal = len(c)

    @property
    def nflip(self) -> int:
        """Bit flips probed per substring."""
        return int(self._ix.nflip)

    def range_search(self, queries: np.ndarray, radius: int, *, exact: bool = True) -> RangeResult:
        """Codes within ``radius`` (inclusive); ``exact`` sets ``nflip = max(nflip, radius // nhash)``."""
        if exact:
            self._ix.nflip = max(self.nflip, int(radius) // self.nhash)
        q = _check(queries, self.nbytes)
        with _faiss_threads(len(q)):
            lims, dist, ids = self._ix.range_search(q, int(radius) + 1)
        return _sort_range(lims, ids, dist)

    def knn(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Approximate k-NN among bucket candidates (``-1`` where fewer than ``k`` were found)."""
        q = _check(queries, self.nbytes)
        with _faiss_threads(len(q)):
            D, ids = self._ix.search(q, k)
        D, ids = D.astype(np.int64), ids.astype(np.int64)
        D[ids < 0] = -1
        return D, ids


BACKENDS = ("numpy", "faiss_flat", "faiss_mih")


def make_index(backend: str, codes: np.ndarray, **kwargs: int) -> NumpyIndex | FaissFlatIndex | FaissMIHIndex:
    """Build an index: ``backend`` is one of :data:`BACKENDS`.

    Raises
    ------
    ValueError
        Unknown backend.
    """
    if backend == "numpy":
        return NumpyIndex(codes, **kwargs)
    if backend == "faiss_flat":
        return FaissFlatIndex(codes)
    if backend == "faiss_mih":
        return FaissMIHIndex(codes, **kwargs)
    raise ValueError(f"unknown index backend {backend!r}; expected one of {', '.join(BACKENDS)}")
