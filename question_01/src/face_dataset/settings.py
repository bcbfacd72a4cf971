"""The one settings object of ``face_dataset`` (environment prefix ``FACE_DATASET_``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _env(name: str, default: str) -> str:
    return os.environ.get(f"FACE_DATASET_{name}", default)


@dataclass(frozen=True)
class Settings:
    """Defaults of the builder; each can be set with an environment variable.

    Attributes
    ----------
    min_size
        ``FACE_DATASET_MIN_SIZE``: smallest accepted width and height in pixels (default 64).
    max_pixels
        ``FACE_DATASET_MAX_PIXELS``: decompression-bomb limit (default 40,000,000).
    near_dup_threshold
        ``FACE_DATASET_NEAR_DUP_THRESHOLD``: pHash Hamming distance (of 64 bits) at or below which
        two images are near-duplicates (default 3).
    workers
        ``FACE_DATASET_WORKERS``: processes for metadata extraction (default: CPU count, at most 4).
    hash_method
        ``FACE_DATASET_HASH``: ``"phash"`` (default) or ``"find"``.
    """

    min_size: int = field(default_factory=lambda: int(_env("MIN_SIZE", "64")))
    max_pixels: int = field(default_factory=lambda: int(_env("MAX_PIXELS", "40000000")))
    near_dup_threshold: int = field(default_factory=lambda: int(_env("NEAR_DUP_THRESHOLD", "3")))
    workers: int = field(default_factory=lambda: int(_env("WORKERS", str(min(4, os.cpu_count() or 1)))))
    hash_method: str = field(default_factory=lambda: _env("HASH", "phash"))


def get_settings() -> Settings:
    """Read the settings from the environment (a fresh object each call)."""
    return Settings()
