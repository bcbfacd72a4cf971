"""What every model of the model step offers: batched inference on uint8 images -> JSON-safe dicts."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

#: Environment variable: torch intra-op threads for inference (default 1: one core per worker process;
#: scale out with processes, which is faster on shared or busy CPUs than threads fighting for cores).
TORCH_THREADS_ENV = "FASHION_TORCH_THREADS"

#: Label written into every output of a model that runs with random weights.
UNTRAINED = "untrained"

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def apply_torch_threads() -> int:
    """Set torch's and OpenCV's threads from ``FASHION_TORCH_THREADS`` (default 1); returns the value."""
    import os

    n = int(os.environ.get(TORCH_THREADS_ENV, "1") or 1)
    if n > 0 and torch.get_num_threads() != n:
        torch.set_num_threads(n)
    if n > 0:
        cv2.setNumThreads(n)
    return n


def to_rgb(image: np.ndarray) -> np.ndarray:
    """uint8 HxW or HxWx1/3/4 -> HxWx3 uint8."""
    arr = np.asarray(image)
    if arr.ndim == 2:
        return np.repeat(arr[:, :, None], 3, axis=2)
    if arr.ndim == 3 and arr.shape[2] == 1:
        return np.repeat(arr, 3, axis=2)
    if arr.ndim == 3 and arr.shape[2] == 4:
        return np.ascontiguousarray(arr[:, :, :3])
    if arr.ndim == 3 and arr.shape[2] == 3:
        return arr
    raise ValueError(f"expected an HxW or HxWxC image, got shape {arr.shape}")


def images_to_batch(
    images: Sequence[np.ndarray], size: int, mean: np.ndarray = IMAGENET_MEAN, std: np.ndarray = IMAGENET_STD
) -> torch.Tensor:
    """Resize each image to ``size`` x ``size`` (area interpolation), normalise, stack to (B, 3, S, S)."""
    out = np.empty((len(images), 3, size, size), dtype=np.float32)
    for i, img in enumerate(images):
        rgb = to_rgb(img)
        if rgb.shape[:2] != (size, size):
            interp = cv2.INTER_AREA if rgb.shape[0] >= size else cv2.INTER_LINEAR
            rgb = cv2.resize(rgb, (size, size), interpolation=interp)
        out[i] = ((rgb.astype(np.float32) / 255.0 - mean) / std).transpose(2, 0, 1)
    return torch.from_numpy(out)


def file_digest(path: str | Path) -> str:
    """First 12 hex digits of a file's sha256 (identifies the weights in every output)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:12]


def top_k(probs: np.ndarray, names: Sequence[str], k: int) -> list[dict[str, Any]]:
    """The ``k`` largest entries of ``probs`` as ``[{"name", "index", "score"}]``, best first."""
    k = max(0, min(k, probs.shape[0]))
    idx = np.argsort(-probs, kind="stable")[:k]
    return [{"name": names[i], "index": int(i), "score": round(float(probs[i]), 5)} for i in idx]


class ImageModel(ABC):
    """A model of the model step.

    Attributes
    ----------
    name
        Registry name.
    weights
        ``"untrained"`` or a label naming the weights file and its digest.
    input_size
        Images are resized to ``input_size`` x ``input_size``.
    """

    name: str
    weights: str
    input_size: int

    @abstractmethod
    def predict(self, images: Sequence[np.ndarray], *, top_k: int = 5) -> list[dict[str, Any]]:
        """One JSON-safe dict per image, each with ``"model"`` and ``"weights"`` keys."""

    def predict_batched(
        self, images: Sequence[np.ndarray], *, batch_size: int = 16, top_k: int = 5
    ) -> list[dict[str, Any]]:
        """:meth:`predict` in batches of ``batch_size``."""
        out: list[dict[str, Any]] = []
        for start in range(0, len(images), batch_size):
            out.extend(self.predict(images[start : start + batch_size], top_k=top_k))
        return out

    def info(self) -> dict[str, Any]:
        """Name, weights label and input size (recorded in job manifests)."""
        return {"model": self.name, "weights": self.weights, "input_size": self.input_size}
