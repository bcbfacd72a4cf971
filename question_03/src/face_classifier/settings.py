"""One settings object for face_classifier (environment prefix ``FACECLS_``).

``FACECLS_SEED``         seed for splits, augmentation and weight init (default 20261121)
``FACECLS_THREADS``      torch intra-op threads (default 2)
``FACECLS_MAX_MEMBERS``  most members a prediction zip may hold (default 10000)
``FACECLS_MAX_UNZIPPED`` most uncompressed bytes a prediction zip may expand to (default 2 GiB)
``FACECLS_MAX_MEMBER``   most uncompressed bytes of one member (default 50 MiB)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    """Package settings; every field can be overridden by a ``FACECLS_*`` variable."""

    seed: int = field(default_factory=lambda: _int("FACECLS_SEED", 20261121))
    threads: int = field(default_factory=lambda: _int("FACECLS_THREADS", 2))
    max_members: int = field(default_factory=lambda: _int("FACECLS_MAX_MEMBERS", 10_000))
    max_unzipped: int = field(default_factory=lambda: _int("FACECLS_MAX_UNZIPPED", 2 * 1024**3))
    max_member: int = field(default_factory=lambda: _int("FACECLS_MAX_MEMBER", 50 * 1024**2))


def get_settings() -> Settings:
    """Read the settings from the environment (fresh each call)."""
    return Settings()
