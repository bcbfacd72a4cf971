"""One settings object for face_shards (environment prefix ``FACESHARDS_``).

``FACESHARDS_SHARD_MB``       target shard size in MiB (default 64)
``FACESHARDS_SHARD_SAMPLES``  most samples per shard (default 10000)
``FACESHARDS_SHUFFLE``        loader shuffle-buffer size in samples (default 1000)
``FACESHARDS_PREFETCH``       shards fetched ahead per worker (default 2)
``FACESHARDS_SEED``           seed of shard order and shuffle buffer (default 0)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _num(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    """Package settings; each field can be overridden by a ``FACESHARDS_*`` variable."""

    shard_mb: float = field(default_factory=lambda: _num("FACESHARDS_SHARD_MB", 64))
    shard_samples: int = field(default_factory=lambda: int(_num("FACESHARDS_SHARD_SAMPLES", 10_000)))
    shuffle: int = field(default_factory=lambda: int(_num("FACESHARDS_SHUFFLE", 1000)))
    prefetch: int = field(default_factory=lambda: int(_num("FACESHARDS_PREFETCH", 2)))
    seed: int = field(default_factory=lambda: int(_num("FACESHARDS_SEED", 0)))


def get_settings() -> Settings:
    """Read the settings from the environment."""
    return Settings()
