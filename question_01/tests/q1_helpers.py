"""Plain helpers for the question_01 tests (importable by name; conftest is not)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter


def make_image(seed: int, size: int = 96, mode: str = "RGB") -> Image.Image:
    """A smooth random colour image; different seeds give perceptually different images."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, size=(8, 8, 3), dtype=np.uint8)
    img = Image.fromarray(small, "RGB").resize((size, size), Image.Resampling.BICUBIC)
    img = img.filter(ImageFilter.GaussianBlur(1))
    return img.convert(mode) if mode != "RGB" else img


def jpeg_bytes(img: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()
