"""Settings from MNIST_SEQ_* variables, the grid helper, and the demo."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mnist_sequences.demo import main as demo_main
from mnist_sequences.grid import make_grid
from PIL import Image

from mnist_sequences import Settings, save_grid


def test_settings_from_env():
    s = Settings.from_env({"MNIST_SEQ_SPLIT": "test", "MNIST_SEQ_MNIST_ROOT": "/x/mnist", "MNIST_SEQ_OUT_DIR": "/o"})
    assert s.split == "test" and s.mnist_root == Path("/x/mnist") and s.out_dir == Path("/o")
    assert Settings.from_env({}) == Settings()
    with pytest.raises(ValueError, match="MNIST_SEQ_SPLIT"):
        Settings.from_env({"MNIST_SEQ_SPLIT": "valid"})


def test_grid_tiles_images_with_labels(tmp_path):
    images = np.zeros((5, 28, 60), dtype=np.float32)
    images[:, 10:18, 20:40] = 1.0
    path = save_grid(images, ["1", "22", "333", "4", "5"], tmp_path / "g.png", cols=2)
    with Image.open(path) as img:
        assert img.mode == "L" and img.size == (2 * (120 + 4) + 4, 3 * (56 + 16 + 4) + 4)
    with pytest.raises(ValueError, match="labels"):
        make_grid(images, ["1"])
    with pytest.raises(ValueError, match="B >= 1"):
        make_grid(np.zeros((0, 28, 28)), [])


def test_demo_small_writes_its_outputs(mnist_dir, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("IMAGECORE_DATA_DIR", str(mnist_dir.parent))
    assert demo_main(["--small", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "grid-augmented.png" in out and "manifest.csv" in out
    assert (tmp_path / "sequence-350.png").is_file() and (tmp_path / "dataset" / "manifest.csv").is_file()


def test_demo_without_data_exits_3(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("IMAGECORE_DATA_DIR", str(tmp_path / "none"))
    monkeypatch.delenv("MNIST_SEQ_MNIST_ROOT", raising=False)
    assert demo_main(["--small", "--out", str(tmp_path / "o")]) == 3
    assert "make data" in capsys.readouterr().err
