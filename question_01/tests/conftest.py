"""Fixtures of the question_01 tests: synthetic images written to tmp folders."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter


def make_image(seed: int, size: int = 96, mode: str = "RGB") -> Image.Image:
    """A smooth random colour image; different seeds give perceptually different images."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, size=(8, 8, 3), dtype=np.uint8)
    img = Image.fromarray(small, "RGB").resize((size, size), Image.Resampling.BICUBIC)
    img = img.filter(ImageFilter.GaussianBlur(1))
    return img.convert(mode) if mode != "RGB" else img


@pytest.fixture
def write_image(tmp_path: Path) -> Callable[..., Path]:
    """Factory: write_image(name, seed, fmt="JPEG", size=96, mode="RGB", **save) -> path under tmp_path."""

    def write(name: str, seed: int = 0, fmt: str = "JPEG", size: int = 96, mode: str = "RGB", **save) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        make_image(seed, size, mode).save(path, format=fmt, **save)
        return path

    return write


@pytest.fixture
def image_folders(write_image: Callable[..., Path], tmp_path: Path) -> dict[str, Path]:
    """Two labelled folders of 12 distinct images each (JPEG real, PNG fake) plus one exact duplicate."""
    for i in range(12):
        write_image(f"src/real/r{i:02d}.jpg", seed=i, quality=80)
        write_image(f"src/fake/f{i:02d}.png", seed=100 + i, fmt="PNG")
    (tmp_path / "src/fake/f00_copy.png").write_bytes((tmp_path / "src/fake/f00.png").read_bytes())
    return {"real": tmp_path / "src/real", "fake": tmp_path / "src/fake"}


def jpeg_bytes(img: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()
