"""The `generate-numbers-sequence` command (in-process, plus one real subprocess run)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from mnist_sequences.cli import main
from PIL import Image


@pytest.fixture()
def data_env(monkeypatch, mnist_dir, tmp_path):
    monkeypatch.setenv("IMAGECORE_DATA_DIR", str(mnist_dir.parent))
    monkeypatch.delenv("MNIST_SEQ_MNIST_ROOT", raising=False)
    monkeypatch.delenv("MNIST_SEQ_SPLIT", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_writes_png_of_the_right_size_in_cwd_and_prints_path(data_env, capsys):
    assert (
        main(
            [
                "--digits",
                "3",
                "5",
                "0",
                "--min-spacing",
                "2",
                "--max-spacing",
                "6",
                "--image-width",
                "120",
                "--seed",
                "1",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out.strip()
    path = data_env / out
    assert path.name == "sequence-350.png" and path.parent == data_env
    with Image.open(path) as img:
        assert img.format == "PNG" and img.mode == "L" and img.size == (120, 28)
        arr = np.asarray(img)
    assert arr.dtype == np.uint8 and arr.max() == 255 and arr.min() == 0


def test_same_seed_same_png_and_matches_api(data_env, mnist_dir, capsys):
    from imagecore.io import to_uint8

    from mnist_sequences import generate_numbers_sequence

    args = ["--sequence", "2024", "--min-spacing", "0", "--max-spacing", "9", "--image-width", "140", "--seed", "5"]
    assert main([*args, "--output", "a.png"]) == 0
    assert main([*args, "-o", "b.png"]) == 0
    a, b = np.asarray(Image.open("a.png")), np.asarray(Image.open("b.png"))
    np.testing.assert_array_equal(a, b)
    expected = to_uint8(generate_numbers_sequence([2, 0, 2, 4], (0, 9), 140, rng=5, root=mnist_dir))
    np.testing.assert_array_equal(a, expected)


def test_out_dir_and_augment_options(data_env, capsys):
    code = main(
        ["--sequence", "77", "--image-width", "80", "--out-dir", "pics", "--augment", "--noise", "0", "--seed", "2"]
    )
    assert code == 0
    assert (data_env / "pics" / "sequence-77.png").is_file()


@pytest.mark.parametrize(
    "args",
    [
        ["--digits", "3", "12", "--image-width", "100"],
        ["--sequence", "3a5", "--image-width", "100"],
        ["--sequence", "35", "--image-width", "0"],
        ["--sequence", "35", "--image-width", "100", "--min-spacing", "5", "--max-spacing", "2"],
        ["--sequence", "35", "--image-width", "100", "--min-spacing", "-1"],
        ["--sequence", "3555", "--image-width", "100"],
        ["--sequence", "35", "--image-width", "abc"],
        ["--sequence", "35"],
        ["--digits", "3", "--sequence", "3", "--image-width", "100"],
        ["--sequence", "35", "--image-width", "100", "--output", "x.jpg"],
        ["dataset", "--count", "10"],
        ["grid", "--length", "x..y"],
    ],
)
def test_bad_arguments_exit_nonzero_with_one_line(data_env, capsys, args):
    with pytest.raises(SystemExit) as info:
        code = main(args)
        raise SystemExit(code)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error" in err and "Traceback" not in err


def test_missing_data_exits_3_with_the_message(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("IMAGECORE_DATA_DIR", str(tmp_path / "nowhere"))
    monkeypatch.chdir(tmp_path)
    assert main(["--sequence", "12", "--image-width", "80"]) == 3
    err = capsys.readouterr().err
    assert "not found" in err and "make data" in err and err.count("\n") == 1


def test_dataset_and_grid_commands(data_env, capsys):
    assert (
        main(
            [
                "dataset",
                "--count",
                "30",
                "--length",
                "2..4",
                "--image-width",
                "140",
                "--format",
                "png",
                "--out-dir",
                "ds",
                "--seed",
                "3",
                "--chunk-size",
                "16",
                "--no-progress",
            ]
        )
        == 0
    )
    assert len(list((data_env / "ds" / "images").glob("*.png"))) == 30
    assert (data_env / "ds" / "manifest.csv").is_file()
    assert (
        main(["grid", "--count", "4", "--length", "3", "--image-width", "120", "--output", "g.png", "--seed", "1"]) == 0
    )
    with Image.open(data_env / "g.png") as img:
        assert img.size[0] > 120 and img.size[1] > 4 * 28


def test_python_dash_m_runs_as_a_subprocess(mnist_dir, tmp_path):
    env = {**os.environ, "IMAGECORE_DATA_DIR": str(mnist_dir.parent)}
    res = subprocess.run(
        [sys.executable, "-m", "mnist_sequences", "--sequence", "42", "--image-width", "70", "--seed", "0"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert (tmp_path / res.stdout.strip()).is_file()
    bad = subprocess.run(
        [sys.executable, "-m", "mnist_sequences", "--sequence", "42", "--image-width", "-3"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and bad.stderr.count("\n") == 1


def test_download_flag_reaches_imagecore_and_failure_exits_3(monkeypatch, tmp_path, capsys):
    """No internet here: replace the network step by one that fails like a dead mirror would."""
    import imagecore.mnist

    calls = []

    def no_network(root=None, **kwargs):
        calls.append(root)
        raise RuntimeError("could not download train-images-idx3-ubyte.gz (train-images): mirror: unreachable")

    monkeypatch.setattr(imagecore.mnist, "download_mnist", no_network)
    monkeypatch.chdir(tmp_path)
    code = main(["--sequence", "12", "--image-width", "80", "--download", "--mnist-root", str(tmp_path / "m")])
    assert code == 3 and calls == [tmp_path / "m"]
    err = capsys.readouterr().err
    assert "could not download" in err and err.count("\n") == 1
