"""``RandomFractionCrop``: an albumentations transform cropping each side to a random fraction.

albumentations' own ``RandomCrop`` takes a fixed size in pixels and ``RandomResizedCrop`` ties
width and height through an area and an aspect ratio; the brief wants width and height each drawn
independently from a fraction range of the *original* size, which works on any input size
(never "crop larger than image").
"""

from __future__ import annotations

from typing import Any

import imagecore  # noqa: F401  (sets NO_ALBUMENTATIONS_UPDATE before albumentations is imported)
import numpy as np
from albumentations.core.transforms_interface import DualTransform


class RandomFractionCrop(DualTransform):
    """Crop a window whose width and height are independent random fractions of the input's.

    Parameters
    ----------
    min_scale, max_scale
        Each side of the crop is ``round(U(min_scale, max_scale) * side)`` pixels, at least 1.
    p
        Probability of applying the crop.
    """

    def __init__(self, min_scale: float = 0.8, max_scale: float = 1.0, p: float = 1.0) -> None:
        super().__init__(p=p)
        if not 0.0 < min_scale <= max_scale <= 1.0:
            raise ValueError(f"need 0 < min_scale <= max_scale <= 1, got {min_scale}, {max_scale}")
        self.min_scale = min_scale
        self.max_scale = max_scale

    def get_params_dependent_on_data(self, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        height, width = params["shape"][:2]
        scale_w = self.py_random.uniform(self.min_scale, self.max_scale)
        scale_h = self.py_random.uniform(self.min_scale, self.max_scale)
        crop_w = min(width, max(1, round(width * scale_w)))
        crop_h = min(height, max(1, round(height * scale_h)))
        x0 = self.py_random.randint(0, width - crop_w)
        y0 = self.py_random.randint(0, height - crop_h)
        return {"crop_box": (x0, y0, x0 + crop_w, y0 + crop_h), "scale_w": scale_w, "scale_h": scale_h}

    def apply(self, img: np.ndarray, crop_box: tuple[int, int, int, int] = (0, 0, 0, 0), **params: Any) -> np.ndarray:
        x0, y0, x1, y1 = crop_box
        return np.ascontiguousarray(img[y0:y1, x0:x1])

    def get_transform_init_args_names(self) -> tuple[str, ...]:
        return ("min_scale", "max_scale")
