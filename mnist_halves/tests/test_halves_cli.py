"""CLI end to end on tiny puzzles, and its error handling."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mnist_halves.cli import main
from mnist_halves.settings import SHIPPED_MODEL


@pytest.fixture()
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mnist_dir: Path) -> Path:
    """Point the cache at a temp folder (so no user model is picked up)."""
    monkeypatch.setenv("IMAGECORE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("MNIST_HALVES_MODEL", raising=False)
    return tmp_path


def test_cli_make_restore_evaluate(env: Path, mnist_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pz = env / "pz.npz"
    assert (
        main(
            [
                "make-puzzle",
                "--split",
                "test",
                "--seed",
                "1",
                "--n",
                "120",
                "--out",
                str(pz),
                "--mnist-dir",
                str(mnist_dir),
            ]
        )
        == 0
    )
    assert pz.exists() and (env / "pz.truth.npz").exists()
    out = env / "pairs.csv"
    assert main(["restore", "--puzzle", str(pz), "--out", str(out), "--k", "16"]) == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "left_index,right_index,score" and len(lines) == 121
    capsys.readouterr()
    assert main(["evaluate", "--pairs", str(out), "--truth", str(env / "pz.truth.npz")]) == 0
    text = capsys.readouterr().out
    assert "overall:" in text and "digit" in text
    acc = float(text.split("=")[1].split("%")[0])
    assert acc >= 70.0


def test_cli_npy_inputs_unequal_and_heuristic(env: Path, mnist_dir: Path) -> None:
    pz = env / "u.npz"
    assert main(["make-puzzle", "--n", "60", "--drop-left", "4", "--out", str(pz), "--mnist-dir", str(mnist_dir)]) == 0
    with np.load(pz) as z:
        np.save(env / "L.npy", z["left"])
        np.save(env / "R.npy", z["right"])
    out = env / "u.csv"
    assert (
        main(
            [
                "restore",
                "--left",
                str(env / "L.npy"),
                "--right",
                str(env / "R.npy"),
                "--out",
                str(out),
                "--method",
                "heuristic",
                "--assign",
                "greedy",
            ]
        )
        == 0
    )
    rows = out.read_text().splitlines()[1:]
    assert len(rows) == 60 and sum(r.startswith("-1,") for r in rows) == 4


def test_cli_pooled(env: Path, mnist_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pz = env / "pool.npz"
    assert main(["make-puzzle", "--n", "100", "--pooled", "--out", str(pz), "--mnist-dir", str(mnist_dir)]) == 0
    out = env / "pool.csv"
    assert main(["restore", "--pooled", "--puzzle", str(pz), "--out", str(out), "--k", "16"]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--pairs", str(out), "--truth", str(env / "pool.truth.npz")]) == 0
    assert "/100 " in capsys.readouterr().out


def _err(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    err = capsys.readouterr().err
    return code, err


def test_cli_errors(env: Path, mnist_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    np.save(env / "bad.npy", np.zeros((3, 28, 28), np.uint8))
    np.save(env / "nan.npy", np.full((3, 28, 14), np.nan))
    np.save(env / "empty.npy", np.zeros((0, 28, 14), np.uint8))
    np.save(env / "ok.npy", np.zeros((3, 28, 14), np.uint8))
    np.savez(env / "nokeys.npz", x=np.zeros(3))
    cases = [
        (
            ["restore", "--left", str(env / "bad.npy"), "--right", str(env / "ok.npy"), "--out", str(env / "o.csv")],
            "shape",
        ),
        (
            ["restore", "--left", str(env / "nan.npy"), "--right", str(env / "ok.npy"), "--out", str(env / "o.csv")],
            "NaN",
        ),
        (
            ["restore", "--left", str(env / "empty.npy"), "--right", str(env / "ok.npy"), "--out", str(env / "o.csv")],
            "empty",
        ),
        (["restore", "--puzzle", str(env / "nokeys.npz"), "--out", str(env / "o.csv")], "missing array"),
        (["restore", "--puzzle", str(env / "absent.npz"), "--out", str(env / "o.csv")], "not found"),
        (["restore", "--out", str(env / "o.csv")], "give --puzzle"),
        (["restore", "--pooled", "--puzzle", str(env / "nokeys.npz"), "--out", str(env / "o.csv")], "halves"),
        (
            [
                "restore",
                "--puzzle",
                str(env / "nokeys.npz"),
                "--model",
                str(env / "nomodel.pt"),
                "--out",
                str(env / "o.csv"),
            ],
            "missing array",
        ),
        (["evaluate", "--pairs", str(env / "none.csv"), "--truth", str(env / "none.npz")], "not found"),
        (["make-puzzle", "--n", "0", "--out", str(env / "z.npz"), "--mnist-dir", str(mnist_dir)], "--n"),
    ]
    for argv, msg in cases:
        code, err = _err(argv, capsys)
        assert code == 2, argv
        assert msg in err and "Traceback" not in err, (argv, err)
    # mismatched puzzle and truth: pairs from a 20-digit puzzle against a 10-digit truth file
    main(["make-puzzle", "--n", "20", "--out", str(env / "a.npz"), "--mnist-dir", str(mnist_dir)])
    main(["make-puzzle", "--n", "10", "--out", str(env / "b.npz"), "--mnist-dir", str(mnist_dir)])
    main(["restore", "--puzzle", str(env / "a.npz"), "--out", str(env / "a.csv"), "--method", "heuristic"])
    capsys.readouterr()
    code, err = _err(["evaluate", "--pairs", str(env / "a.csv"), "--truth", str(env / "b.truth.npz")], capsys)
    assert code == 2 and "does not match" in err
    # a missing model file is a clear error too
    code, err = _err(
        ["restore", "--puzzle", str(env / "a.npz"), "--model", str(env / "nomodel.pt"), "--out", str(env / "o.csv")],
        capsys,
    )
    assert code == 2 and "model file not found" in err


def test_cli_missing_data_exits_3(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _err(["make-puzzle", "--out", str(env / "x.npz"), "--mnist-dir", str(env / "nowhere")], capsys)
    assert code == 3 and "not found" in err


def test_cli_train_tiny(env: Path, mnist_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMAGECORE_DATA_DIR", str(mnist_dir.parent))
    out = env / "tiny.pt"
    argv = [
        "train",
        "--out",
        str(out),
        "--epochs",
        "1",
        "--batch",
        "64",
        "--n-train",
        "128",
        "--val-size",
        "64",
        "--hard-k",
        "4",
        "--quiet",
    ]
    assert main(argv) == 0
    assert out.exists() and out.with_suffix(".ckpt").exists()


def test_console_script_runs(env: Path) -> None:
    """The installed ``mnist-halves`` script answers bad input with one line and exit 2."""
    exe = shutil.which("mnist-halves") or str(Path(sys.executable).with_name("mnist-halves"))
    e = {**os.environ, "IMAGECORE_CACHE_DIR": str(env / "cache")}
    r = subprocess.run(
        [exe, "restore", "--puzzle", str(env / "nope.npz"), "--out", str(env / "s.csv")],
        capture_output=True,
        text=True,
        env=e,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr and r.stderr.count("\n") == 1
    assert "puzzle file not found" in r.stderr


def test_shipped_model_is_small() -> None:
    assert SHIPPED_MODEL.exists() and SHIPPED_MODEL.stat().st_size < 5_000_000
    assert SHIPPED_MODEL.with_suffix(".json").exists()
