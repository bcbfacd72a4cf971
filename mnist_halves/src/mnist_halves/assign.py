"""One-to-one assignment of left halves to right halves.

Three solvers over the same scores (higher = better):

* :func:`greedy` -- repeatedly take the best remaining pair (the baseline);
* :func:`dense_assignment` -- ``scipy.optimize.linear_sum_assignment`` on a full matrix;
* :func:`sparse_assignment` -- ``scipy.sparse.csgraph.min_weight_full_bipartite_matching``
  on the candidate graph only. A full matching need not exist in a sparse graph (and
  counts may differ), so every half also gets a costly "stay unmatched" edge to a private
  dummy, and dummies pair with each other along mirrored candidate edges; the augmented
  graph always has a perfect matching and its optimum matches as many real pairs as the
  graph allows, at best total score. Halves it leaves unmatched while partners remain are
  then paired by a small dense pass (``fill``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

log = logging.getLogger(__name__)

Pairs = tuple[np.ndarray, np.ndarray]


def greedy(rows: np.ndarray, cols: np.ndarray, score: np.ndarray, n_left: int, n_right: int) -> Pairs:
    """Greedy matching: best-scoring pair first, each half used at most once.

    Examples
    --------
    >>> r, c = greedy(np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([3.0, 2.0, 2.5]), 2, 2)
    >>> r.tolist(), c.tolist()
    ([0], [0])
    """
    order = np.argsort(-score, kind="stable")
    used_l = np.zeros(n_left, bool)
    used_r = np.zeros(n_right, bool)
    out_r, out_c = [], []
    for p in order:
        i, j = rows[p], cols[p]
        if not used_l[i] and not used_r[j]:
            used_l[i] = used_r[j] = True
            out_r.append(i)
            out_c.append(j)
    return np.asarray(out_r, np.int64), np.asarray(out_c, np.int64)


def dense_assignment(score: np.ndarray) -> Pairs:
    """Maximum-total-score one-to-one assignment on a full (n_left, n_right) matrix.

    Rectangular matrices are fine: min(n_left, n_right) pairs are returned.

    Examples
    --------
    >>> r, c = dense_assignment(np.array([[3.0, 2.0], [2.5, 0.0]]))
    >>> list(zip(r.tolist(), c.tolist()))
    [(0, 1), (1, 0)]
    """
    if score.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    r, c = linear_sum_assignment(score, maximize=True)
    return r.astype(np.int64), c.astype(np.int64)


def sparse_assignment(
    rows: np.ndarray,
    cols: np.ndarray,
    score: np.ndarray,
    n_left: int,
    n_right: int,
    fill: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> Pairs:
    """Maximum-score matching restricted to the candidate edges.

    Parameters
    ----------
    rows, cols, score
        Candidate edges (left index, right index, score; higher is better). Duplicates are not allowed.
    n_left, n_right
        Number of left and right halves.
    fill
        Optional ``fill(left_idx, right_idx) -> (len(left_idx), len(right_idx)) scores``
        used to pair the halves the candidate graph could not match (dense, but only on
        the leftovers). Without it they stay unmatched.

    Returns
    -------
    (rows, cols)
        Matched pairs; at most min(n_left, n_right).
    """
    if n_left == 0 or n_right == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    rows = np.asarray(rows, np.int64)
    cols = np.asarray(cols, np.int64)
    score = np.asarray(score, np.float64)
    if len(rows):
        # costs > 0 (explicit zeros would read as missing edges)
        cost = score.max() - score + 1.0
        big = 2.0 * (cost.max() + 1.0) * (min(n_left, n_right) + 1)
    else:
        cost = score
        big = 1.0
    eps = 1e-3
    nl, nr = n_left, n_right
    # node layout: row side = [real lefts (nl), dummy lefts (nr)]; col side = [real rights (nr), dummy rights (nl)]
    r_all = np.concatenate([rows, np.arange(nl), nl + np.arange(nr), nl + cols])
    c_all = np.concatenate([cols, nr + np.arange(nl), np.arange(nr), nr + rows])
    w_all = np.concatenate([cost, np.full(nl, big), np.full(nr, big), np.full(len(rows), eps)])
    graph = csr_matrix((w_all, (r_all, c_all)), shape=(nl + nr, nr + nl))
    r_idx, c_idx = min_weight_full_bipartite_matching(graph)
    keep = (r_idx < nl) & (c_idx < nr)
    out_r, out_c = r_idx[keep].astype(np.int64), c_idx[keep].astype(np.int64)
    if fill is not None:
        free_l = np.setdiff1d(np.arange(nl), out_r)
        free_r = np.setdiff1d(np.arange(nr), out_c)
        if len(free_l) and len(free_r):
            log.info("sparse graph left %d/%d halves unmatched; pairing them densely", len(free_l), len(free_r))
            r2, c2 = dense_assignment(fill(free_l, free_r))
            out_r = np.concatenate([out_r, free_l[r2]])
            out_c = np.concatenate([out_c, free_r[c2]])
    return out_r, out_c


def dense_from_candidates(rows: np.ndarray, cols: np.ndarray, score: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Overlay candidate scores on a dense base matrix (a copy), shifting them above every base value."""
    out = base.astype(np.float64, copy=True)
    if len(rows):
        shift = max(0.0, float(base.max()) - float(score.min()) + 1.0)
        out[rows, cols] = score + shift
    return out
