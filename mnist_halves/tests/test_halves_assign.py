"""Assignment solvers on constructed score matrices."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from mnist_halves.assign import dense_assignment, dense_from_candidates, greedy, sparse_assignment


def _all_edges(m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r, c = np.nonzero(np.ones_like(m, dtype=bool))
    return r, c, m[r, c]


def _brute_best(m: np.ndarray) -> float:
    return max(sum(m[i, p[i]] for i in range(len(m))) for p in itertools.permutations(range(m.shape[1])))


@pytest.mark.parametrize("seed", range(5))
def test_dense_and_sparse_reach_the_brute_force_optimum(seed: int) -> None:
    m = np.random.default_rng(seed).normal(size=(6, 6))
    best = _brute_best(m)
    r, c = dense_assignment(m)
    assert m[r, c].sum() == pytest.approx(best)
    r, c = sparse_assignment(*_all_edges(m), 6, 6)
    assert len(r) == 6 and len(set(c.tolist())) == 6
    assert m[r, c].sum() == pytest.approx(best)


def test_greedy_is_worse_than_global_on_a_trap() -> None:
    # greedy grabs the 10, forcing the two 0s; the optimum takes 9 + 9
    m = np.array([[10.0, 9.0], [9.0, 0.0]])
    r, c = greedy(*_all_edges(m), 2, 2)
    assert m[r, c].sum() == 10.0
    r, c = dense_assignment(m)
    assert m[r, c].sum() == 18.0
    r, c = sparse_assignment(*_all_edges(m), 2, 2)
    assert m[r, c].sum() == 18.0


def test_sparse_matches_only_along_candidate_edges() -> None:
    rows = np.array([0, 1, 2, 2])
    cols = np.array([1, 2, 0, 1])
    score = np.array([1.0, 1.0, 1.0, 5.0])
    r, c = sparse_assignment(rows, cols, score, 3, 3)
    assert sorted(zip(r.tolist(), c.tolist(), strict=False)) == [(0, 1), (1, 2), (2, 0)]


def test_sparse_without_full_matching_leaves_unmatched_or_fills() -> None:
    # both lefts only know right 0: one stays unmatched unless a fill function is given
    rows, cols, score = np.array([0, 1]), np.array([0, 0]), np.array([2.0, 1.0])
    r, c = sparse_assignment(rows, cols, score, 2, 2)
    assert r.tolist() == [0] and c.tolist() == [0]
    r, c = sparse_assignment(rows, cols, score, 2, 2, fill=lambda li, rj: np.zeros((len(li), len(rj))))
    assert sorted(zip(r.tolist(), c.tolist(), strict=False)) == [(0, 0), (1, 1)]


def test_unequal_counts_give_min_pairs() -> None:
    m = np.random.default_rng(3).normal(size=(3, 5))
    r, c = sparse_assignment(*_all_edges(m), 3, 5)
    assert len(r) == 3 and len(set(c.tolist())) == 3
    r2, c2 = dense_assignment(m)
    assert m[r, c].sum() == pytest.approx(m[r2, c2].sum())
    r, c = dense_assignment(m.T)
    assert len(r) == 3


def test_empty_inputs() -> None:
    e = np.zeros(0, np.int64)
    assert len(sparse_assignment(e, e, np.zeros(0), 0, 3)[0]) == 0
    assert len(greedy(e, e, np.zeros(0), 2, 2)[0]) == 0
    assert len(dense_assignment(np.zeros((0, 0)))[0]) == 0


def test_dense_from_candidates_prefers_candidates() -> None:
    base = np.array([[5.0, 0.0], [0.0, 5.0]])
    out = dense_from_candidates(np.array([0, 1]), np.array([1, 0]), np.array([0.1, 0.2]), base)
    r, c = dense_assignment(out)
    assert sorted(zip(r.tolist(), c.tolist(), strict=False)) == [(0, 1), (1, 0)]
