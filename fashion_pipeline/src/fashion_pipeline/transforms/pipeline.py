"""``TransformPipeline``: named steps -> one seeded albumentations ``Compose``.

Randomness is explicit: every call takes a seed, and :func:`derive_seed` turns a job seed and a
product id into that seed, so re-running a chunk of a job draws exactly the same crops (which is
what makes job chunks idempotent).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import albumentations as A
import imagecore  # noqa: F401  (sets NO_ALBUMENTATIONS_UPDATE)
import numpy as np
from PIL import Image

from fashion_pipeline.transforms.steps import StepSpec, StepType, _Params

#: The brief's pipeline: random crop (each side 80-100 %), then fit into 256x256 with white padding.
DEFAULT_STEPS: tuple[dict[str, Any], ...] = (
    {"name": "random_crop", "params": {"min_scale": 0.8, "max_scale": 1.0}},
    {"name": "fit", "params": {"size": 256, "mode": "pad", "fill": 255}},
)


def derive_seed(job_seed: int, key: str | int) -> int:
    """A 32-bit seed for one image, a pure function of the job seed and the image's key.

    Examples
    --------
    >>> derive_seed(0, 15970) == derive_seed(0, "15970")
    True
    >>> derive_seed(0, 15970) != derive_seed(1, 15970)
    True
    """
    digest = hashlib.blake2b(f"{int(job_seed)}:{key}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "little")


@dataclass
class TransformResult:
    """Output of one pipeline call: the image (uint8 HxW or HxWx3) and the parameters drawn."""

    image: np.ndarray
    seed: int
    params: list[dict[str, Any]] = field(default_factory=list)

    def to_pil(self) -> Image.Image:
        """The output as a PIL image (mode L or RGB)."""
        return Image.fromarray(self.image)


def _as_array(image: np.ndarray | Image.Image) -> np.ndarray:
    if isinstance(image, Image.Image):
        if image.mode not in ("L", "RGB"):
            from imagecore.io import normalize_mode

            image = normalize_mode(image, "RGB")
        image = np.asarray(image)
    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        raise TypeError(f"expected a uint8 image, got dtype {arr.dtype}")
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] != 3):
        raise ValueError(f"expected an HxW or HxWx3 image, got shape {arr.shape}")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"empty image of shape {arr.shape}")
    return arr


class TransformPipeline:
    """A list of named, validated steps applied with albumentations.

    Parameters
    ----------
    steps
        ``StepSpec`` objects or dicts ``{"name": ..., "params": {...}}``; see
        :func:`fashion_pipeline.transforms.available_steps`.

    Raises
    ------
    TransformStepError
        A step name is unknown or its parameters are invalid.
    """

    def __init__(self, steps: Sequence[StepSpec | dict[str, Any]]) -> None:
        specs = [s if isinstance(s, StepSpec) else StepSpec.model_validate(s) for s in steps]
        self._validated: list[tuple[StepType, _Params]] = [s.validated() for s in specs]
        self.steps: list[StepSpec] = [
            StepSpec(name=t.name, params=p.model_dump(mode="json")) for t, p in self._validated
        ]
        self._composes: dict[int, tuple[A.Compose, list[int]]] = {}

    @classmethod
    def default(cls) -> TransformPipeline:
        """The brief's pipeline (:data:`DEFAULT_STEPS`)."""
        return cls(list(DEFAULT_STEPS))

    def describe(self) -> list[dict[str, Any]]:
        """The steps with every parameter filled in (what a manifest records)."""
        return [s.model_dump() for s in self.steps]

    def _compose(self, channels: int) -> tuple[A.Compose, list[int]]:
        if channels not in self._composes:
            transforms: list[A.BasicTransform] = []
            owner: list[int] = []  # index of the step that built each transform
            for i, (step, params) in enumerate(self._validated):
                built = step.build(params, channels)
                transforms.extend(built)
                owner.extend([i] * len(built))
            self._composes[channels] = (A.Compose(transforms, save_applied_params=True), owner)
        return self._composes[channels]

    def __call__(self, image: np.ndarray | Image.Image, *, seed: int) -> TransformResult:
        """Apply the steps to one image with the given seed.

        Parameters
        ----------
        image
            uint8 array (HxW grayscale or HxWx3 RGB) or a PIL image; any size >= 1x1.
        seed
            Seed of every random draw; the same seed gives the same output.

        Returns
        -------
        TransformResult
            The output image (same number of channels as the input) and, per step, the
            parameters actually drawn.
        """
        arr = _as_array(image)
        channels = 1 if arr.ndim == 2 else 3
        compose, owner = self._compose(channels)
        compose.set_random_seed(int(seed))
        out = compose(image=arr)
        applied = out.get("applied_transforms", [])
        per_step: list[list[dict[str, Any]]] = [[] for _ in self._validated]
        j = 0  # applied transforms are a subsequence of the built ones, in order
        for name, params in applied:
            while j < len(owner) and type(compose.transforms[j]).__name__ != name:
                j += 1
            if j < len(owner):
                per_step[owner[j]].append(params)
                j += 1
        records = [
            {"name": step.name, **step.record(params, per_step[i])}
            for i, (step, params) in enumerate(self._validated)
        ]
        return TransformResult(image=np.ascontiguousarray(out["image"]), seed=int(seed), params=records)
