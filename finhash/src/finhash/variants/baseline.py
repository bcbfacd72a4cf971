"""The pure-Python baseline as a variant (the 1x of every speed-up)."""

from __future__ import annotations

from collections.abc import Sequence

import imagehash
import numpy as np
from PIL import Image

from finhash.baseline import FINDBaseline
from finhash.variants.base import Variant


class BaselineVariant(Variant):
    """Pure Python, the reference's loops (defects corrected)."""

    name = "baseline"
    exact = True
    description = "pure Python, reference loop structure (getpixel luma, full-image box filter, triple-loop DCT)"

    def __init__(self) -> None:
        self._impl = FINDBaseline()

    def hash_image(self, image: Image.Image) -> imagehash.ImageHash:
        """Hash like the reference: thumbnail in the image's mode, getpixel luma, loops."""
        if image.mode.startswith("I;16") or image.mode in ("I", "F"):
            from imagecore.io import normalize_mode

            image = normalize_mode(image, "L")
        return self._impl.from_image(image)

    def hash_arrays(self, arrays: Sequence[np.ndarray]) -> list[imagehash.ImageHash]:
        """Hash prepared arrays (converted back to PIL images)."""
        return [self._impl.from_image(Image.fromarray(a)) for a in arrays]
