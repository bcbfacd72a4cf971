"""The package's one settings object (environment variables prefixed ``MNIST_HALVES_``).

=============================  ==========================================================
``MNIST_HALVES_MODEL``         model file to use/write (default: ``<cache>/model.pt``)
``MNIST_HALVES_TOP_K``         candidates kept per half and direction (default 32)
``MNIST_HALVES_THREADS``       torch threads (default: all cores)
``IMAGECORE_DATA_DIR``         data root with ``mnist/`` (imagecore's setting)
``IMAGECORE_CACHE_DIR``        cache root; the cache folder is ``<root>/mnist_halves``
=============================  ==========================================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from imagecore.config import cache_dir

ENV_PREFIX = "MNIST_HALVES_"

#: The small model shipped with the package (trained on the MNIST training set only).
SHIPPED_MODEL = Path(__file__).parent / "models" / "default.pt"


def _env_int(name: str, default: int | None) -> int | None:
    raw = os.environ.get(ENV_PREFIX + name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{ENV_PREFIX}{name} must be an integer, got {raw!r}") from exc


@dataclass
class Settings:
    """Runtime settings; build with :meth:`from_env`."""

    model: Path | None = None
    top_k: int = 32
    threads: int | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> Settings:
        """Read ``MNIST_HALVES_*`` variables."""
        model = os.environ.get(ENV_PREFIX + "MODEL")
        return cls(
            model=Path(model).expanduser() if model else None,
            top_k=_env_int("TOP_K", 32) or 32,
            threads=_env_int("THREADS", None),
        )

    def cached_model_path(self) -> Path:
        """Where ``train`` writes and ``restore`` first looks: the setting, else the cache folder."""
        return self.model if self.model is not None else cache_dir("mnist_halves") / "model.pt"

    def resolve_model(self) -> Path | None:
        """The model ``restore`` uses: cached/configured path if present, else the shipped one, else None."""
        cached = self.cached_model_path()
        if cached.exists():
            return cached
        if SHIPPED_MODEL.exists():
            return SHIPPED_MODEL
        return None
