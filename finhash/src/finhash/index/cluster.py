"""All-pairs clustering of codes at a Hamming radius, and scores against true families."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from finhash.index.hamming import make_index

#: Labels: a sequence or an array.
Labels = Sequence[object] | np.ndarray


def cluster_codes(codes: np.ndarray, radius: int, *, backend: str = "faiss_flat") -> np.ndarray:
    """Connected components of the graph "Hamming distance <= radius" over all codes.

    Every code is queried against all codes (a self-join through the index), edges are the pairs
    found, and each connected component is one cluster (single linkage).

    Returns
    -------
    numpy.ndarray
        ``(n,)`` cluster label per code, ``0 .. n_clusters - 1``.
    """
    codes = np.ascontiguousarray(codes, np.uint8)
    n = len(codes)
    if n == 0:
        return np.zeros(0, np.int64)
    r = make_index(backend, codes).range_search(codes, radius)
    rows = np.repeat(np.arange(n), np.diff(r.lims))
    g = coo_matrix((np.ones(len(rows), np.int8), (rows, r.ids)), shape=(n, n)).tocsr()
    _, labels = connected_components(g, directed=False)
    return labels.astype(np.int64)


def purity(labels_true: Labels, labels_pred: Labels) -> float:
    """Share of items whose cluster's majority true family is their own (1 = no cluster mixes families)."""
    t = np.unique(np.asarray(labels_true), return_inverse=True)[1]
    p = np.unique(np.asarray(labels_pred), return_inverse=True)[1]
    if len(t) == 0:
        return float("nan")
    m = coo_matrix((np.ones(len(t)), (p, t))).tocsr()
    return float(m.max(axis=1).toarray().sum() / len(t))


@dataclass
class ClusterScore:
    """Scores of a clustering against the true families."""

    ari: float
    purity: float
    inverse_purity: float
    n_clusters: int
    n_families: int

    def to_dict(self) -> dict[str, float]:
        """JSON-friendly dict."""
        return dict(self.__dict__)


def _comb2(x: np.ndarray) -> float:
    x = x.astype(np.float64)
    return float((x * (x - 1) / 2).sum())


def adjusted_rand_index(labels_true: Labels, labels_pred: Labels) -> float:
    """Adjusted Rand index (Hubert and Arabie), from the contingency table; equals scikit-learn's.

    Examples
    --------
    >>> adjusted_rand_index([0, 0, 1, 1], [1, 1, 0, 0])
    1.0
    """
    t = np.unique(np.asarray(labels_true), return_inverse=True)[1]
    p = np.unique(np.asarray(labels_pred), return_inverse=True)[1]
    n = len(t)
    if n < 2:
        return 1.0
    cont = coo_matrix((np.ones(n), (t, p))).tocsr()
    sum_ij = _comb2(cont.data)
    a, b = _comb2(np.asarray(cont.sum(axis=1)).ravel()), _comb2(np.asarray(cont.sum(axis=0)).ravel())
    expected = a * b / (n * (n - 1) / 2)
    max_index = (a + b) / 2
    if max_index == expected:  # both clusterings trivial (all one cluster or all singletons)
        return 1.0
    return float((sum_ij - expected) / (max_index - expected))


def score_clustering(labels_true: Labels, labels_pred: Labels) -> ClusterScore:
    """Adjusted Rand index, purity and inverse purity (= purity with the roles swapped: how whole
    each family is kept)."""
    return ClusterScore(
        ari=adjusted_rand_index(labels_true, labels_pred),
        purity=purity(labels_true, labels_pred),
        inverse_purity=purity(labels_pred, labels_true),
        n_clusters=len(set(np.asarray(labels_pred).tolist())),
        n_families=len(set(np.asarray(labels_true).tolist())),
    )
