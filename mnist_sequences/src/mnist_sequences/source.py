"""Where the digit images come from: an MNIST split indexed by class, loaded once.

:class:`DigitSource` holds the (N, 28, 28) uint8 images and, for each class 0-9, the
indices of its images, so that drawing "a random image of class d" for a whole batch is one
vectorised lookup: ``order[start[d] + randint(count[d])]`` (sampling with replacement,
uniform among all images of the class).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

import numpy as np
from imagecore.mnist import MnistSplit, load_mnist

log = logging.getLogger(__name__)

DIGIT_SIZE = 28


@dataclass(frozen=True, eq=False)
class DigitSource:
    """Images of the ten digit classes, indexed for fast uniform sampling.

    Parameters
    ----------
    images
        (N, 28, 28) uint8, white strokes (255) on black (0), as in MNIST.
    labels
        (N,) integer class of each image, 0-9. Every class must have at least one image.
    name
        A short description (e.g. ``"mnist-train"``), recorded in layouts and manifests.
    """

    images: np.ndarray
    labels: np.ndarray
    name: str = "custom"
    order: np.ndarray = field(init=False, repr=False)
    starts: np.ndarray = field(init=False, repr=False)
    counts: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        images = np.asarray(self.images)
        labels = np.asarray(self.labels)
        if images.ndim != 3 or images.shape[1:] != (DIGIT_SIZE, DIGIT_SIZE) or images.dtype != np.uint8:
            raise ValueError(f"images must be (N, 28, 28) uint8, got {images.shape} {images.dtype}")
        if labels.shape != (images.shape[0],):
            raise ValueError(f"labels must be ({images.shape[0]},), got {labels.shape}")
        if labels.size and (labels.min() < 0 or labels.max() > 9):
            raise ValueError("labels must be digits 0-9")
        counts = np.bincount(labels.astype(np.int64), minlength=10)
        if np.any(counts == 0):
            raise ValueError(
                f"every digit 0-9 needs at least one image; missing: {np.flatnonzero(counts == 0).tolist()}"
            )
        order = np.argsort(labels, kind="stable").astype(np.int64)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        object.__setattr__(self, "images", images)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "order", order)
        object.__setattr__(self, "starts", starts)
        object.__setattr__(self, "counts", counts.astype(np.int64))

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @classmethod
    def from_mnist(
        cls, split: str = "train", root: str | os.PathLike[str] | None = None, *, download: bool = False
    ) -> DigitSource:
        """Load an MNIST split through :func:`imagecore.mnist.load_mnist` (md5-verified, cached).

        ``download=True`` first fetches missing files from the official mirrors (needs internet).

        Raises
        ------
        imagecore.config.DataNotFoundError
            The MNIST files are not found; the message says how to get them.
        """
        return cls.from_split(load_mnist(split, root, download=download))  # type: ignore[arg-type]

    @classmethod
    def from_split(cls, split: MnistSplit) -> DigitSource:
        """Wrap an already loaded :class:`imagecore.mnist.MnistSplit`."""
        return cls(split.images, split.labels, name=f"mnist-{split.split}")

    def sample_indices(self, digits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """For each entry of ``digits`` (any shape, values 0-9), the index of a random image of that class."""
        digits = np.asarray(digits, dtype=np.int64)
        within = rng.integers(0, self.counts[digits])
        return self.order[self.starts[digits] + within]
