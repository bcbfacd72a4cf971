"""Image loading into memory and the torch Dataset used for training and scoring."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import cv2
import numpy as np
import torch
from imagecore.io import open_image
from PIL import Image
from torch.utils.data import Dataset
from tqdm import tqdm

log = logging.getLogger(__name__)

#: Side every image is brought to before scoring (the training faces are 256x256).
IMAGE_SIZE = 256


def standardize(img: Image.Image | np.ndarray, size: int = IMAGE_SIZE) -> np.ndarray:
    """Return a uint8 (size, size, 3) RGB array: images of another size are resized
    (shorter side to ``size``, area interpolation) and centre-cropped; exact-size ones pass untouched.
    """
    arr = np.asarray(img.convert("RGB") if isinstance(img, Image.Image) else img, dtype=np.uint8)
    h, w = arr.shape[:2]
    if (h, w) == (size, size):
        return arr
    scale = size / min(h, w)
    nh, nw = max(size, round(h * scale)), max(size, round(w * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    resized = np.asarray(cv2.resize(arr, (nw, nh), interpolation=interp), dtype=np.uint8)
    top, left = (nh - size) // 2, (nw - size) // 2
    return np.ascontiguousarray(resized[top : top + size, left : left + size])


def load_images(paths: Sequence[str], size: int = IMAGE_SIZE, progress: bool = True) -> np.ndarray:
    """Decode images (safely, via :func:`imagecore.io.open_image`) into one (N,size,size,3) uint8 array."""
    out = np.empty((len(paths), size, size, 3), dtype=np.uint8)
    for i, p in enumerate(tqdm(paths, desc="decode", disable=not progress, leave=False)):
        out[i] = standardize(open_image(p, mode="RGB"), size)
    return out


def to_tensor(batch: np.ndarray) -> torch.Tensor:
    """uint8 (B,H,W,3) or (H,W,3) -> float (B,3,H,W) / (3,H,W) in [0,1]."""
    t = torch.from_numpy(np.ascontiguousarray(batch))
    return t.permute(*(0, 3, 1, 2) if t.ndim == 4 else (2, 0, 1)).float().div_(255.0)


class ArrayDataset(Dataset):
    """Images held in memory, labels, and an optional albumentations transform."""

    def __init__(self, images: np.ndarray, labels: Sequence[int], transform: Callable | None = None) -> None:
        if len(images) != len(labels):
            raise ValueError("images and labels differ in length")
        self.images = images
        self.labels = np.asarray(labels, dtype=np.float32)
        self.transform = transform

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        img = self.images[i]
        if self.transform is not None:
            img = self.transform(image=img)["image"]
        return to_tensor(img), torch.tensor(self.labels[i])
