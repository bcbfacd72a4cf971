"""The per-image work shared by batch jobs and one-off requests: decode, transform, model, encode."""

from __future__ import annotations

import hashlib
import io
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from fashion_pipeline.models import ImageModel, load_model
from fashion_pipeline.transforms import TransformPipeline, derive_seed

CONTENT_TYPES = {"jpeg": "image/jpeg", "png": "image/png"}
EXTENSIONS = {"jpeg": "jpg", "png": "png"}


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes, source: str = "<bytes>") -> np.ndarray:
    """Decode image bytes safely (imagecore) to uint8 HxW (grayscale) or HxWx3 (everything else)."""
    from imagecore.io import open_image

    img = open_image(data)
    if img.mode in ("L", "1", "I;16", "I", "F"):
        return np.asarray(open_image(img, mode="L"))
    return np.asarray(open_image(img, mode="RGB"))


def encode(image: np.ndarray, fmt: str = "jpeg", quality: int = 90) -> bytes:
    """Encode a uint8 array as JPEG or PNG."""
    buf = io.BytesIO()
    pil = Image.fromarray(image)
    if fmt == "jpeg":
        pil.save(buf, format="JPEG", quality=quality)
    else:
        pil.save(buf, format="PNG")
    return buf.getvalue()


@dataclass
class Processed:
    """One image's outcome: the encoded output (if transformed), the record, or an error."""

    key: int | str
    ok: bool
    record: dict[str, Any] = field(default_factory=dict)
    image: np.ndarray | None = None
    encoded: bytes | None = None
    error: str | None = None


@dataclass
class StageTimer:
    """Seconds and item counts per stage (read, decode, transform, model, encode, write)."""

    seconds: dict[str, float] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)

    def add(self, stage: str, seconds: float, n: int = 1) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds
        self.items[stage] = self.items.get(stage, 0) + n

    def merge(self, other: dict[str, Any]) -> None:
        for stage, s in other.get("seconds", {}).items():
            self.add(stage, s, other.get("items", {}).get(stage, 0))

    def to_dict(self) -> dict[str, Any]:
        return {"seconds": {k: round(v, 6) for k, v in self.seconds.items()}, "items": dict(self.items)}


class Processor:
    """Transform and/or score images; used by job chunks and by ``POST /process``.

    Parameters
    ----------
    transform
        Transform steps (list of dicts / StepSpec) or ``None``.
    model
        ``{"name", "options", "top_k", "batch_size"}`` (a :class:`~fashion_pipeline.jobs.spec.ModelStep`
        dump) or ``None``.
    seed
        Job seed; image ``key`` is transformed with ``derive_seed(seed, key)``.
    image_format, jpeg_quality
        Encoding of transformed images.
    """

    def __init__(self, transform: list[Any] | None, model: dict[str, Any] | None, *, seed: int = 0,
                 image_format: str = "jpeg", jpeg_quality: int = 90) -> None:
        from fashion_pipeline.models.base import apply_torch_threads

        apply_torch_threads()  # one core per worker process: scale out with processes
        self.pipeline = TransformPipeline(transform) if transform else None
        self.model_step = model
        self.model: ImageModel | None = (
            load_model(model["name"], **model.get("options", {})) if model is not None else None
        )
        self.seed = seed
        self.image_format = image_format
        self.jpeg_quality = jpeg_quality

    def describe(self) -> dict[str, Any]:
        """Steps with every parameter, model info (for manifests)."""
        return {
            "transform": self.pipeline.describe() if self.pipeline else None,
            "model": {**(self.model_step or {}), **self.model.info()} if self.model else None,
            "seed": self.seed,
            "image_format": self.image_format,
        }

    def run(self, items: list[tuple[int | str, np.ndarray]], timer: StageTimer | None = None) -> list[Processed]:
        """Process decoded images ``[(key, array)]``; per-image failures become ``ok=False`` results."""
        timer = timer or StageTimer()
        out: list[Processed] = []
        for key, arr in items:
            p = Processed(key=key, ok=True)
            if self.pipeline is not None:
                t0 = time.perf_counter()
                try:
                    seed = derive_seed(self.seed, key)
                    res = self.pipeline(arr, seed=seed)
                    p.image = res.image
                    p.record["transform"] = {"seed": seed, "steps": res.params}
                except Exception as exc:  # a bad image must not sink the chunk
                    p.ok, p.error = False, f"transform failed: {type(exc).__name__}: {exc}"
                timer.add("transform", time.perf_counter() - t0)
                if p.ok and p.image is not None:
                    t0 = time.perf_counter()
                    p.encoded = encode(p.image, self.image_format, self.jpeg_quality)
                    h, w = p.image.shape[:2]
                    p.record["output_image"] = {"sha256": sha256(p.encoded), "bytes": len(p.encoded),
                                                "width": int(w), "height": int(h),
                                                "content_type": CONTENT_TYPES[self.image_format]}
                    timer.add("encode", time.perf_counter() - t0)
            else:
                p.image = arr
            out.append(p)
        if self.model is not None:
            ready = [p for p in out if p.ok]
            bs = int(self.model_step.get("batch_size", 16)) if self.model_step else 16
            top = int(self.model_step.get("top_k", 5)) if self.model_step else 5
            for s in range(0, len(ready), bs):
                batch = ready[s : s + bs]
                t0 = time.perf_counter()
                try:
                    preds = self.model.predict([p.image for p in batch], top_k=top)  # type: ignore[misc]
                    for p, pred in zip(batch, preds, strict=True):
                        p.record["model"] = pred
                except Exception as exc:
                    for p in batch:
                        p.ok, p.error = False, f"model failed: {type(exc).__name__}: {exc}"
                timer.add("model", time.perf_counter() - t0, len(batch))
        return out
