"""The grey-level palette prior: histograms, weighted Jaccard scores, its use in restore, and calibration."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
from mnist_halves.cli import main
from mnist_halves.model import HalvesNet, load_model
from mnist_halves.palette import palette_similarity, palettes
from mnist_halves.puzzle import make_puzzle
from mnist_halves.restore import restore


def _halves(*levels: list[int]) -> np.ndarray:
    out = np.zeros((len(levels), 28, 14), np.uint8)
    for i, lv in enumerate(levels):
        out[i].reshape(-1)[: len(lv)] = lv
    return out


def test_palettes_count_the_intermediate_grey_levels() -> None:
    h = _halves([0, 255], [1, 64, 64, 128, 254, 255], [])
    pal = palettes(h)  # column j <-> grey level j + 1
    assert pal.shape == (3, 254) and pal.dtype == np.uint16
    assert pal[0].sum() == 0  # background and full ink do not count
    assert {int(j) + 1: int(pal[1, j]) for j in np.flatnonzero(pal[1])} == {1: 1, 64: 2, 128: 1, 254: 1}
    assert pal[2].sum() == 0
    assert palettes(np.zeros((0, 28, 14), np.uint8)).shape == (0, 254)


def test_palette_similarity_is_the_weighted_jaccard_index() -> None:
    left = palettes(_halves([64, 128, 191], [10, 20], [255], [64, 64, 64]))
    right = palettes(_halves([64, 128, 200, 201], [10, 20], [0], [64]))
    rows, cols = np.array([0, 1, 0, 2, 2, 3, 3]), np.array([0, 1, 1, 2, 0, 3, 0])
    got = palette_similarity(left, right, rows, cols)
    assert got.dtype == np.float32
    # {64,128,191} vs {64,128,200,201}: 2 shared of 5; three 64s vs one: 1/3; vs {64,128,...}: 1/6
    np.testing.assert_allclose(got, [2 / 5, 1.0, 0.0, 0.0, 0.0, 1 / 3, 1 / 6], rtol=1e-6)
    np.testing.assert_array_equal(palette_similarity(left, right, rows, cols, chunk=2), got)
    assert len(palette_similarity(left, right, rows[:0], cols[:0])) == 0


def test_true_halves_share_more_grey_levels_than_impostors(heldout_digits: tuple[np.ndarray, np.ndarray]) -> None:
    """The property the prior rests on, measured on real MNIST digits."""
    x, _ = heldout_digits
    pl, pr = palettes(x[:, :, :14]), palettes(x[:, :, 14:])
    n = len(x)
    true = palette_similarity(pl, pr, np.arange(n), np.arange(n))
    shifted = palette_similarity(pl, pr, np.arange(n), (np.arange(n) + 1) % n)
    assert true.mean() > 1.5 * shifted.mean()
    assert (true > shifted).mean() > 0.7


def test_restore_adds_the_weighted_palette_score(
    shipped_model: HalvesNet, heldout_digits: tuple[np.ndarray, np.ndarray]
) -> None:
    x, y = heldout_digits
    p = make_puzzle(x[:200], y[:200], seed=3)
    model = copy.deepcopy(shipped_model)
    model.cfg.palette_weight = 0.0
    base = restore(p.left, p.right, model=model, k=8)
    model.cfg.palette_weight = 5.0
    off = restore(p.left, p.right, model=model, k=8, palette=False)
    np.testing.assert_array_equal(off.right_index, base.right_index)
    on = restore(p.left, p.right, model=model, k=8)
    bonus = 5.0 * palette_similarity(palettes(p.left), palettes(p.right), on.left_index, on.right_index)
    same = np.isin(on.left_index * 1000 + on.right_index, base.left_index * 1000 + base.right_index)
    assert same.sum() > 150
    order = np.argsort(base.left_index)
    base_score = base.score[order][np.searchsorted(base.left_index[order], on.left_index[same])]
    np.testing.assert_allclose(on.score[same], base_score + bonus[same], rtol=1e-5, atol=1e-4)
    assert len(set(on.right_index.tolist())) == 200


def test_calibrate_chooses_weights_on_validation_digits(
    tmp_path: Path,
    shipped_model: HalvesNet,
    mnist_dir: Path,
    train_digits: tuple[np.ndarray, np.ndarray],
    capsys: pytest.CaptureFixture[str],
) -> None:
    from mnist_halves.model import save_model

    src = save_model(copy.deepcopy(shipped_model), tmp_path / "m.pt")
    out = tmp_path / "cal.pt"
    argv = ["calibrate", "--model", str(src), "--out", str(out), "--val-size", "150", "--mnist-dir", str(mnist_dir),
            "--joint-weights", "1", "2", "--palette-weights", "0", "16"]  # fmt: skip
    assert main(argv) == 0
    assert "validation pairs" in capsys.readouterr().out
    cal = load_model(out)
    card = json.loads(out.with_suffix(".json").read_text())["calibration"]
    assert card["val_n"] == 150 and cal.cfg.palette_weight == card["palette_weight"] in (0.0, 16.0)
    assert len(card["val_sparse_by_weight"]) == 1 + 2 * 2
    assert cal.cfg.joint_weight == card["joint_weight"]
    assert card["val_accuracy"] == max(card["val_sparse_by_weight"].values())
    # the weights were tried without re-scoring: restore with the chosen ones gives the same accuracy
    val = make_puzzle(train_digits[0][-150:], np.zeros(150, np.int64), seed=0)
    assert val.right_of_left is not None
    res = restore(val.left, val.right, model=cal)
    assert (val.right_of_left[res.left_index] == res.right_index).mean() == pytest.approx(card["val_accuracy"])
    # bad requests: exit 2, nothing written
    assert main(["calibrate", "--model", str(tmp_path / "none.pt"), "--out", str(tmp_path / "x.pt")]) == 2
    bad = ["calibrate", "--model", str(src), "--out", str(tmp_path / "y.pt"), "--val-size", "1",
           "--mnist-dir", str(mnist_dir)]  # fmt: skip
    assert main(bad) == 2
    negative = [*argv[:4], str(tmp_path / "y.pt"), "--palette-weights", "-1"]
    assert main(negative) == 2
    assert not (tmp_path / "x.pt").exists() and not (tmp_path / "y.pt").exists()
