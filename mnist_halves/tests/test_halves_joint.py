"""The third stage: whole-digit re-scoring, its helpers, a tiny training run and its use in restore."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from mnist_halves.evaluate import score_pairs
from mnist_halves.joint import JointNet, combine, joint_scores, rejoin, top_per_half
from mnist_halves.model import HalvesNet, load_model
from mnist_halves.puzzle import make_puzzle
from mnist_halves.restore import restore
from mnist_halves.train_joint import JointConfig, mine_impostors, train_joint


def test_rejoin_puts_halves_side_by_side() -> None:
    left = np.full((2, 28, 14), 255, np.uint8)
    right = np.zeros((3, 28, 14), np.uint8)
    right[2] = 51
    x = rejoin(left, right, np.array([1, 0]), np.array([2, 0]))
    assert x.shape == (2, 1, 28, 28)
    assert float(x[0, 0, 5, 3]) == 1.0 and float(x[0, 0, 5, 20]) == pytest.approx(0.2)
    assert float(x[1, 0, :, 14:].sum()) == 0.0


def test_top_per_half_keeps_best_of_either_side() -> None:
    rows = np.array([0, 0, 0, 1, 1, 2])
    cols = np.array([0, 1, 2, 1, 2, 2])
    score = np.array([5.0, 4.0, 1.0, 3.0, 2.0, 0.5])
    keep = top_per_half(rows, cols, score, 1)
    # left 0 -> (0,0); left 1 -> (1,1); left 2 -> (2,2); right 0 -> (0,0); right 1 -> (0,1); right 2 -> (1,2)
    assert keep.tolist() == [True, True, False, True, True, True]
    assert not top_per_half(rows, cols, score, 0).any()
    assert top_per_half(rows, cols, score, 9).all()


def test_combine_floors_pairs_not_rescored() -> None:
    head = np.array([1.0, 2.0, 3.0], np.float32)
    picked = np.array([True, False, True])
    out = combine(head, np.array([0.5, -1.0], np.float32), picked, weight=2.0)
    assert out.tolist() == [2.0, 0.0, 1.0]  # floor = min joint = -1 -> 2 + 2 * -1
    assert combine(head, None, picked, 1.0).tolist() == head.tolist()


def test_joint_scores_are_per_pair_and_chunk_independent() -> None:
    torch.manual_seed(0)
    net = JointNet(8).eval()
    rng = np.random.default_rng(0)
    left = rng.integers(0, 256, (5, 28, 14), dtype=np.uint8)
    right = rng.integers(0, 256, (5, 28, 14), dtype=np.uint8)
    rows, cols = rng.integers(0, 5, 11), rng.integers(0, 5, 11)
    a = joint_scores(net, left, right, rows, cols, chunk=3)
    b = joint_scores(net, left, right, rows, cols, chunk=100)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_mined_impostors_are_never_the_true_partner(
    shipped_model: HalvesNet, train_digits: tuple[np.ndarray, np.ndarray]
) -> None:
    x, _ = train_digits
    imp_r, imp_l = mine_impostors(shipped_model, x[55000:55400], negatives=3, k=8, rng=np.random.default_rng(0))
    assert imp_r.shape == imp_l.shape == (400, 3)
    assert not (imp_r == np.arange(400)[:, None]).any() and not (imp_l == np.arange(400)[:, None]).any()


def test_tiny_third_stage_run_saves_and_restores(
    tmp_path: Path, shipped_model: HalvesNet, train_digits: tuple[np.ndarray, np.ndarray]
) -> None:
    x, y = train_digits
    base = copy.deepcopy(shipped_model)
    base.joint = None
    base.cfg.joint_width = 0
    cfg = JointConfig(epochs=1, n_train=256, val_size=200, batch_groups=64, negatives=3, width=8,
                      threads=1, weights=(1.0, 2.0), palette_weights=(0.0, 16.0))  # fmt: skip
    out = tmp_path / "j.pt"
    train_joint(base, x, cfg, out, progress=False)
    again = load_model(out)
    assert again.joint is not None and again.cfg.joint_width == 8 and again.cfg.joint_weight in (1.0, 2.0)
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["joint_stage"]["validation"]["val_n"] == 200
    p = make_puzzle(x[55000:55150], y[55000:55150], seed=5)
    assert p.right_of_left is not None
    res = restore(p.left, p.right, model=again, k=8)
    assert "joint_s" in res.timings and res.timings["joint_pairs"] > 0
    assert len(set(res.right_index.tolist())) == 150
    off = restore(p.left, p.right, model=again, k=8, joint_top_m=0)
    assert "joint_s" not in off.timings
    assert score_pairs(res.left_index, res.right_index, p.right_of_left).accuracy >= 0.5


def test_ensemble_averages_members_and_checks_towers(tmp_path: Path, shipped_model: HalvesNet) -> None:
    from mnist_halves.cli import main
    from mnist_halves.model import save_model
    from mnist_halves.train_joint import ensemble_joint_stages

    a, b = copy.deepcopy(shipped_model), copy.deepcopy(shipped_model)
    torch.manual_seed(1)
    a.joint, b.joint = JointNet(8, 3).eval(), JointNet(8, 3).eval()
    a.cfg.joint_width = b.cfg.joint_width = 8
    a.cfg.joint_seam = b.cfg.joint_seam = 3
    a.cfg.joint_members = b.cfg.joint_members = 1
    x = torch.rand(5, 1, 28, 28)
    with torch.no_grad():
        want = (a.joint(x) + b.joint(x)) / 2
    pa, pb = save_model(a, tmp_path / "a.pt"), save_model(b, tmp_path / "b.pt")
    assert main(["ensemble", "--out", str(tmp_path / "e.pt"), str(pa), str(pb)]) == 0
    merged = load_model(tmp_path / "e.pt")
    assert merged.cfg.joint_members == 2 and merged.joint is not None
    with torch.no_grad():
        torch.testing.assert_close(merged.joint(x), want, rtol=1e-5, atol=1e-5)
    c = copy.deepcopy(b)
    with torch.no_grad():
        c.left.emb.bias.add_(1.0)
    with pytest.raises(ValueError, match="other towers"):
        ensemble_joint_stages([copy.deepcopy(a), c])
    with pytest.raises(ValueError, match="at least two"):
        ensemble_joint_stages([a])
    assert main(["ensemble", "--out", str(tmp_path / "x.pt"), str(pa), str(tmp_path / "missing.pt")]) == 2


def test_scheduled_lr_warms_up_anneals_and_stops_on_budget() -> None:
    from mnist_halves.train import scheduled_lr

    assert scheduled_lr(1.0, 0, 100, 0.0, None) == pytest.approx(1 / 30)
    assert scheduled_lr(1.0, 29, 100, 0.0, None) == pytest.approx(0.5 * (1 + np.cos(np.pi * 0.29)))
    assert scheduled_lr(1.0, 99, 100, 0.0, None) == pytest.approx(0.0, abs=1e-3)
    # wall time further along than steps: the cosine follows the budget, then stops
    assert scheduled_lr(1.0, 50, 1000, 5.0, 10.0) == pytest.approx(0.5)
    assert scheduled_lr(1.0, 50, 1000, 10.0, 10.0) is None


def test_bad_third_stage_requests_fail_clearly(tmp_path: Path, shipped_model: HalvesNet, mnist_dir: Path) -> None:
    from mnist_halves.cli import main
    from mnist_halves.joint import JointEnsemble

    # --joint-only has nothing to build on without --init-from: exit 2, no training
    argv = ["train", "--joint-only", "--out", str(tmp_path / "m.pt"), "--mnist-dir", str(mnist_dir), "--quiet"]
    assert main(argv) == 2
    assert not (tmp_path / "m.pt").exists()
    # an averaged third stage cannot be resumed as one network
    ens = copy.deepcopy(shipped_model)
    ens.joint = JointEnsemble([JointNet(8, 3), JointNet(8, 3)])
    cfg = JointConfig(epochs=1, n_train=64, val_size=32, resume=True, threads=1)
    with pytest.raises(ValueError, match="ensemble"):
        train_joint(ens, np.zeros((96, 28, 28), np.uint8), cfg, tmp_path / "e.pt", progress=False)
