"""Fixtures of the question_01 tests: synthetic images written to tmp folders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from q1_helpers import jpeg_bytes, make_image  # noqa: F401 - used by fixtures


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


