"""Meme-like image edits, one class per edit.

Each transform is configured in ``__init__`` (parameter ranges) and called as
``t(img, rng) -> (edited_img, params)`` where ``rng`` is a :class:`numpy.random.Generator`; the same
generator state gives the same output. ``params`` records the drawn values. ``save`` on a transform
says how the result is encoded (most are JPEG quality 90; ``JpegQuality`` picks its own quality;
``Screenshot`` is PNG, as screenshots are).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFont, ImageOps

WORDS = (
    "when you", "finally", "nobody", "me", "my code", "that moment", "one does not simply", "such wow",
    "every time", "i have no idea", "what i do", "brace yourselves", "is coming", "not sure if",
    "or just", "shut up and", "take my money", "y u no", "all the things", "much", "very", "so",
    "friday", "monday again", "works on my machine", "deploy", "tests pass", "coffee", "sleep", "hashes",
)

Params = dict[str, object]


def _caption_text(rng: np.random.Generator) -> str:
    k = int(rng.integers(2, 5))
    return " ".join(WORDS[int(i)] for i in rng.integers(0, len(WORDS), k)).upper()


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int) -> list[str]:
    lines: list[str] = []
    cur = ""
    for word in text.split():
        trial = f"{cur} {word}".strip()
        if cur and draw.textlength(trial, font=font) > width:
            lines.append(cur)
            cur = word
        else:
            cur = trial
    if cur:
        lines.append(cur)
    return lines


def draw_caption(img: Image.Image, text: str, where: str, size_frac: float = 0.11) -> Image.Image:
    """Draw meme-style text (white, black outline, centred, wrapped) at the ``"top"`` or ``"bottom"``."""
    out = img.convert("RGB").copy()
    w, h = out.size
    size = max(8, int(h * size_frac))
    font = ImageFont.load_default(size=size)
    draw = ImageDraw.Draw(out)
    lines = _wrap(draw, text, font, int(w * 0.94))[:3]
    line_h = int(size * 1.15)
    y = int(h * 0.02) if where == "top" else h - int(h * 0.03) - line_h * len(lines)
    for line in lines:
        tw = draw.textlength(line, font=font)
        draw.text(((w - tw) / 2, y), line, font=font, fill="white", stroke_width=max(1, size // 12), stroke_fill="black")
        y += line_h
    return out


@dataclass
class Transform:
    """Base class: ``tag`` names the edit in labels; ``fmt`` and ``quality`` say how it is saved."""

    tag: ClassVar[str] = "identity"
    fmt: ClassVar[str] = "JPEG"

    def __call__(self, img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, Params]:
        return img.copy(), {}

    def quality(self, params: Params) -> int:
        """JPEG quality used when saving (ignored for PNG)."""
        return 90


@dataclass
class Caption(Transform):
    """Caption text at ``where`` = ``"top"``, ``"bottom"`` or ``"both"`` (different text each variant)."""

    where: str = "bottom"
    size_frac: tuple[float, float] = (0.08, 0.13)

    @property
    def tag(self) -> str:  # type: ignore[override]
        return f"caption_{self.where}"

    def __call__(self, img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, Params]:
        frac = float(rng.uniform(*self.size_frac))
        out = img
        texts = []
        for where in (("top", "bottom") if self.where == "both" else (self.where,)):
            text = _caption_text(rng)
            texts.append(text)
            out = draw_caption(out, text, where, frac)
        return out, {"text": " / ".join(texts), "size_frac": round(frac, 3)}


@dataclass
class JpegQuality(Transform):
    """Re-encode as JPEG at a quality drawn from ``q`` (inclusive)."""

    tag: ClassVar[str] = "jpeg"
    q: tuple[int, int] = (20, 90)

    def __call__(self, img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, Params]:
        return img.copy(), {"quality": int(rng.integers(self.q[0], self.q[1] + 1))}

    def quality(self, params: Params) -> int:
        return int(params["quality"])  # type: ignore[call-overload]


@dataclass
class Rescale(Transform):
    """Resize by a factor drawn from ``factor`` (bicubic)."""

    tag: ClassVar[str] = "rescale"
    factor: tuple[float, float] = (0.4, 1.6)

    def __call__(self, img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, Params]:
        f = float(rng.uniform(*self.factor))
        w, h = img.size
        return img.resize((max(8, round(w * f)), max(8, round(h * f))), Image.Resampling.BICUBIC), {"factor": round(f, 3)}


@dataclass
class Crop(Transform):
    """Crop a fraction drawn from ``frac`` off each side independently (2-10% by default)."""

    tag: ClassVar[str] = "crop"
    frac: tuple[float, float] = (0.02, 0.10)

    def __call__(self, img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, Params]:
        w, h = img.size
        f = rng.uniform(*self.frac, size=4)
        box = (round(w * f[0]), round(h * f[1]), w - round(w * f[2]), h - round(h * f[3]))
        return img.crop(box), {"left_top_right_bottom": [round(float(x), 3) for x in f]}


@dataclass
class Border(Transform):
    """Pad with a flat colour band of ``frac`` of the size on every side."""

    tag: ClassVar[str] = "border"
    frac: tuple[float, float] = (0.04, 0.15)

    def __call__(self, img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, Params]:
        f = float(rng.uniform(*self.frac))
        colour = [(255, 255, 255), (0, 0, 0), tuple(int(c) for c in rng.integers(0, 256, 3))][int(rng.integers(0, 3))]
        pad = max(1, round(min(img.size) * f))
        return ImageOps.expand(img, border=pad, fill=colour), {"frac": round(f, 3), "colour": list(colour)}


@dataclass
class BrightnessContrast(Transform):
    """Scale brightness and contrast by factors drawn from ``brightness`` and ``contrast``."""

    tag: ClassVar[str] = "brightness_contrast"
    brightness: tuple[float, float] = (0.7, 1.3)
    contrast: tuple[float, float] = (0.7, 1.3)

    def __call__(self, img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, Params]:
        b, c = float(rng.uniform(*self.brightness)), float(rng.uniform(*self.contrast))
        out = ImageEnhance.Contrast(ImageEnhance.Brightness(img).enhance(b)).enhance(c)
        return out, {"brightness": round(b, 3), "contrast": round(c, 3)}


@dataclass
class Rotate(Transform):
    """Rotate by an angle of magnitude drawn from ``degrees`` (random sign), same canvas, black fill."""

    tag: ClassVar[str] = "rotate"
    degrees: tuple[float, float] = (2.0, 6.0)

    def __call__(self, img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, Params]:
        a = float(rng.uniform(*self.degrees)) * (1 if rng.random() < 0.5 else -1)
        return img.rotate(a, resample=Image.Resampling.BILINEAR, fillcolor=(0, 0, 0)), {"degrees": round(a, 2)}


@dataclass
class Mirror(Transform):
    """Flip left-right."""

    tag: ClassVar[str] = "mirror"

    def __call__(self, img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, Params]:
        return ImageOps.mirror(img), {}


@dataclass
class Screenshot(Transform):
    """Screenshot-like re-scaling: shrink (nearest/bilinear), enlarge for a high-DPI screen, add a
    flat status-bar strip at the top, save as PNG."""

    tag: ClassVar[str] = "screenshot"
    fmt: ClassVar[str] = "PNG"
    down: tuple[float, float] = (0.5, 0.8)
    up: tuple[float, float] = (1.2, 2.0)

    def __call__(self, img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, Params]:
        w, h = img.size
        d, u = float(rng.uniform(*self.down)), float(rng.uniform(*self.up))
        small = img.resize((max(8, round(w * d)), max(8, round(h * d))), Image.Resampling.NEAREST)
        big = small.resize((max(8, round(w * d * u)), max(8, round(h * d * u))), Image.Resampling.BILINEAR)
        bar = max(2, round(big.size[1] * 0.05))
        canvas = Image.new("RGB", (big.size[0], big.size[1] + bar), (245, 245, 245))
        canvas.paste(big, (0, bar))
        return canvas, {"down": round(d, 3), "up": round(u, 3), "bar_px": bar}


@dataclass
class CaptionJpeg(Transform):
    """A typical re-share: new bottom caption, then JPEG quality drawn from ``q``."""

    tag: ClassVar[str] = "caption_jpeg"
    q: tuple[int, int] = (30, 70)

    def __call__(self, img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, Params]:
        out, p = Caption("bottom")(img, rng)
        p["quality"] = int(rng.integers(self.q[0], self.q[1] + 1))
        return out, p

    def quality(self, params: Params) -> int:
        return int(params["quality"])  # type: ignore[call-overload]


#: The default pipeline: one variant per transform in every family.
DEFAULT_TRANSFORMS: tuple[Transform, ...] = (
    Caption("top"), Caption("bottom"), Caption("both"), CaptionJpeg(), JpegQuality(), Rescale(), Crop(),
    Border(), BrightnessContrast(), Rotate(), Mirror(), Screenshot(),
)


def encode(img: Image.Image, t: Transform, params: Params) -> bytes:
    """Encode an edited image the way transform ``t`` says (JPEG at its quality, or PNG)."""
    buf = io.BytesIO()
    if t.fmt == "PNG":
        img.convert("RGB").save(buf, format="PNG", optimize=False)
    else:
        img.convert("RGB").save(buf, format="JPEG", quality=t.quality(params))
    return buf.getvalue()
