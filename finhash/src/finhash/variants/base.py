"""The variant interface and registry."""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Sequence

import imagehash
import numpy as np
from imagecore.hashing.find import prepare_image
from PIL import Image

#: name -> (module, class); imported lazily so that ``numba``/``torch`` load only when used.
_REGISTRY: dict[str, tuple[str, str]] = {
    "baseline": ("finhash.variants.baseline", "BaselineVariant"),
    "numpy": ("finhash.variants.numpy_exact", "NumpyExactVariant"),
    "numpy-integral": ("finhash.variants.numpy_integral", "NumpyIntegralVariant"),
    "numba": ("finhash.variants.numba_kernel", "NumbaVariant"),
    "torch": ("finhash.variants.torch_batch", "TorchVariant"),
}


class Variant(ABC):
    """One FINd implementation.

    Attributes
    ----------
    name
        Registry name (``finhash hash --method NAME``).
    exact
        True when the variant reproduces the reference's floating-point operation order
        (bit-exact on every input, not only on typical images).
    """

    name: str = ""
    exact: bool = True
    description: str = ""

    def hash_image(self, image: Image.Image) -> imagehash.ImageHash:
        """Hash one decoded PIL image (thumbnail and mode conversion included)."""
        return self.hash_arrays([np.asarray(prepare_image(image))])[0]

    def hash_images(self, images: Sequence[Image.Image]) -> list[imagehash.ImageHash]:
        """Hash several decoded PIL images (batched where the variant can)."""
        return self.hash_arrays([np.asarray(prepare_image(im)) for im in images])

    @abstractmethod
    def hash_arrays(self, arrays: Sequence[np.ndarray]) -> list[imagehash.ImageHash]:
        """Hash prepared uint8 arrays ``(H, W, 3)`` or ``(H, W)`` with ``H, W <= 512``."""

    def warm_up(self) -> None:
        """Compile or load whatever the variant needs (numba JIT, torch kernels)."""
        rng = np.random.default_rng(0)
        self.hash_arrays([rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)])


def variant_names() -> list[str]:
    """Names of all variants, fastest-to-explain order."""
    return list(_REGISTRY)


def get_variant(name: str) -> Variant:
    """Instantiate a variant by name.

    Raises
    ------
    ValueError
        Unknown name (the message lists the valid ones).
    """
    try:
        module_name, class_name = _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown method {name!r}; choose from {', '.join(_REGISTRY)}") from None
    cls = getattr(importlib.import_module(module_name), class_name)
    variant: Variant = cls()
    return variant


def group_by_shape(arrays: Sequence[np.ndarray]) -> dict[tuple[int, ...], list[int]]:
    """Indices of arrays grouped by shape (batched variants stack each group)."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for i, arr in enumerate(arrays):
        groups.setdefault(arr.shape, []).append(i)
    return groups
