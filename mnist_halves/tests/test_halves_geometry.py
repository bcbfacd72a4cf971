"""The MNIST geometry prior: per-half numbers, the admissibility rule, and its use in candidates/restore."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from mnist_halves.evaluate import score_pairs
from mnist_halves.geometry import (
    PENALTY,
    admissible_block,
    admissible_pairs,
    half_geometry,
    penalty,
)
from mnist_halves.model import HalvesNet
from mnist_halves.puzzle import cut, make_puzzle
from mnist_halves.restore import restore
from mnist_halves.scoring import candidates_from_vectors, geometry_prior
from mnist_halves.train import batch_losses


def test_half_geometry_numbers() -> None:
    h = np.zeros((2, 28, 14), np.uint8)
    h[0, 4:24, 13] = 100  # a vertical bar in the last column, rows 4-23
    h[0, 10, 5] = 200
    g = half_geometry(h, "left")
    assert g.mass[0] == 20 * 100 + 200
    assert g.sum_x[0] == 20 * 100 * 13 + 200 * 5
    assert g.sum_y[0] == 100 * sum(range(4, 24)) + 200 * 10
    assert (g.first_row[0], g.last_row[0], g.first_col[0], g.last_col[0]) == (4, 23, 5, 13)
    # a blank half gets sentinel extents, so unions are plain min/max
    assert g.mass[1] == 0 and g.first_row[1] == 99 and g.last_row[1] == -99
    r = half_geometry(h, "right")
    assert (r.first_col[0], r.last_col[0]) == (19, 27)
    with pytest.raises(ValueError, match="side"):
        half_geometry(h, "top")


def test_true_pairs_admissible_and_random_pairs_mostly_not(train_digits: tuple[np.ndarray, np.ndarray]) -> None:
    x, _ = train_digits
    left, right = cut(x[55000:57000])
    gl, gr = half_geometry(left, "left"), half_geometry(right, "right")
    block = admissible_block(gl, gr)
    assert block.shape == (2000, 2000)
    assert block.diagonal().mean() >= 0.995  # measured 0.9996 on the held-out training digits
    assert block.mean() <= 0.10  # about 4% of all pairs survive
    idx = np.arange(2000)
    rng = np.random.default_rng(0)
    cols = rng.integers(0, 2000, 5000)
    rows = rng.integers(0, 2000, 5000)
    assert (admissible_pairs(gl, gr, rows, cols) == block[rows, cols]).all()
    assert (admissible_pairs(gl, gr, idx, idx) == block.diagonal()).all()


def test_blank_and_shifted_halves_are_handled() -> None:
    blank = np.zeros((3, 28, 14), np.uint8)
    gl, gr = half_geometry(blank, "left"), half_geometry(blank, "right")
    assert not admissible_block(gl, gr).any()  # no ink: no centre of mass, never admissible
    assert (penalty(np.array([True, False])) == np.array([0.0, -PENALTY], np.float32)).all()


def _brute_candidates(a: np.ndarray, b: np.ndarray, k: int, ok: np.ndarray | None) -> set[tuple[int, int]]:
    s = a @ b.T
    if ok is not None:
        s = s + np.where(ok, 0.0, -PENALTY)
    out = {(i, int(j)) for i in range(len(a)) for j in np.argsort(-s[i], kind="stable")[:k]}
    out |= {(int(i), j) for j in range(len(b)) for i in np.argsort(-s[:, j], kind="stable")[:k]}
    return out


@pytest.mark.parametrize("use_prior", [False, True])
def test_candidates_match_brute_force(train_digits: tuple[np.ndarray, np.ndarray], use_prior: bool) -> None:
    x, _ = train_digits
    left, right = cut(x[56000:56090])
    right = right[:75]  # unequal counts
    rng = np.random.default_rng(1)
    a = rng.normal(size=(90, 8)).astype(np.float32)
    b = rng.normal(size=(75, 8)).astype(np.float32)
    geo = geometry_prior(left, right) if use_prior else None
    ok = admissible_block(*geo) if geo is not None else None
    for k in (1, 3, 7):
        rows, cols = candidates_from_vectors(torch.from_numpy(a), torch.from_numpy(b), k, geo, chunk=16)
        got = set(zip(rows.tolist(), cols.tolist(), strict=True))
        assert len(got) == len(rows)  # unique
        assert got == _brute_candidates(a, b, k, ok)


def test_prior_lifts_accuracy_and_never_drops_halves(
    shipped_model: HalvesNet, train_digits: tuple[np.ndarray, np.ndarray]
) -> None:
    x, y = train_digits
    p = make_puzzle(x[57000:58000], y[57000:58000], seed=4)
    assert p.right_of_left is not None
    with_prior = restore(p.left, p.right, model=shipped_model, k=16)
    without = restore(p.left, p.right, model=shipped_model, k=16, prior=False)
    acc_with = score_pairs(with_prior.left_index, with_prior.right_index, p.right_of_left).accuracy
    acc_without = score_pairs(without.left_index, without.right_index, p.right_of_left).accuracy
    assert acc_with > acc_without + 0.02
    # digits moved 3 px down break the prior's centre-of-mass rule for every pair:
    # the penalty is uniform then, so all halves are still paired
    moved_l, moved_r = np.roll(p.left, 3, axis=1), np.roll(p.right, 3, axis=1)
    res = restore(moved_l, moved_r, model=shipped_model, k=8)
    assert len(res.left_index) == 1000 and len(res.unmatched_left) == 0
    for how in ("greedy", "dense"):
        r = restore(p.left[:200], p.right[:200], model=shipped_model, assign=how, k=8)
        assert len(set(r.right_index.tolist())) == 200


def test_losses_ignore_ruled_out_negatives() -> None:
    torch.manual_seed(0)
    model = HalvesNet()
    digits = torch.rand(6, 1, 28, 28)
    none_ok = torch.zeros(6, 6, dtype=torch.bool)  # only the true pairs remain
    losses = batch_losses(model, digits, hard_k=3, admissible=none_ok)
    assert float(losses["nce"]) == pytest.approx(0.0, abs=1e-6)
    assert float(losses["head"]) == pytest.approx(0.0, abs=1e-6)
    full = batch_losses(model, digits, hard_k=3, admissible=torch.ones(6, 6, dtype=torch.bool))
    plain = batch_losses(model, digits, hard_k=3)
    assert float(full["nce"]) > 0.1 and float(full["nce"]) == pytest.approx(float(plain["nce"]), rel=1e-5)
