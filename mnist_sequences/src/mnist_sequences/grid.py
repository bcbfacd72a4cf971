"""Inspection: a grid of generated images with their labels, saved as one PNG."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from imagecore.io import save_image, to_uint8
from PIL import Image, ImageDraw, ImageFont


def make_grid(images: np.ndarray, labels: Sequence[str], *, cols: int = 1, zoom: int = 2, pad: int = 4) -> Image.Image:
    """Tile ``images`` (B, H, W) float in [0, 1] (or uint8) with each label written above its image.

    Returns
    -------
    PIL.Image.Image
        Grey image: a light background, each tile black with white strokes, label in dark text.
    """
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[0] == 0:
        raise ValueError(f"images must be (B, H, W) with B >= 1, got {images.shape}")
    if len(labels) != images.shape[0]:
        raise ValueError(f"{images.shape[0]} images but {len(labels)} labels")
    if cols < 1 or zoom < 1:
        raise ValueError("cols and zoom must be >= 1")
    u8 = images if images.dtype == np.uint8 else to_uint8(images)
    b, h, w = u8.shape
    font = ImageFont.load_default(size=12)
    text_h = 16
    text_w = max(int(font.getlength(str(label))) for label in labels)
    cell_w, cell_h = max(w * zoom, text_w) + pad, h * zoom + text_h + pad
    rows = -(-b // cols)
    canvas = Image.new("L", (cols * cell_w + pad, rows * cell_h + pad), 235)
    draw = ImageDraw.Draw(canvas)
    for i in range(b):
        r, c = divmod(i, cols)
        x0, y0 = pad + c * cell_w, pad + r * cell_h
        draw.text((x0, y0), str(labels[i]), fill=0, font=font)
        tile = Image.fromarray(u8[i]).resize((w * zoom, h * zoom), Image.Resampling.NEAREST)
        canvas.paste(tile, (x0, y0 + text_h))
    return canvas


def save_grid(
    images: np.ndarray, labels: Sequence[str], path: str | os.PathLike[str], *, cols: int = 1, zoom: int = 2
) -> Path:
    """Save :func:`make_grid` of ``images`` and ``labels`` to ``path`` (PNG); returns the path."""
    return save_image(make_grid(images, labels, cols=cols, zoom=zoom), path)
