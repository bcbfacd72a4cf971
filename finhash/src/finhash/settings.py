"""Settings of the finhash system (one object; environment variables prefixed ``FINHASH_``).

``FINHASH_GOLDEN_DIR``   folder with ``find_golden.csv`` and ``golden_images/``
                         (default: ``$IMAGECORE_DATA_DIR/finhash``)
``FINHASH_RESULTS_DIR``  where benchmark and profile outputs go
                         (default: ``finhash/benchmarks/results`` of the source tree)
``FINHASH_METHOD``       default variant of ``finhash hash`` (default ``numba``)
``FINHASH_WORKERS``      default number of processes for batch hashing (default: all cores)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from imagecore.config import dataset_dir

ENV_PREFIX = "FINHASH_"
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # .../finhash (source checkout)


def _env(name: str) -> str | None:
    value = os.environ.get(ENV_PREFIX + name)
    return value if value else None


@dataclass(frozen=True)
class Settings:
    """Resolved settings (read the environment with :func:`get_settings`)."""

    golden_dir: Path | None = None
    results_dir: Path = field(default_factory=lambda: PACKAGE_ROOT / "benchmarks" / "results")
    method: str = "numba"
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)

    def golden(self) -> Path:
        """The golden data folder; raises :class:`imagecore.config.DataNotFoundError` if absent."""
        return dataset_dir("finhash", self.golden_dir)


def get_settings() -> Settings:
    """Settings from ``FINHASH_*`` environment variables (unset ones take the defaults)."""
    kwargs: dict[str, object] = {}
    if (v := _env("GOLDEN_DIR")) is not None:
        kwargs["golden_dir"] = Path(v).expanduser()
    if (v := _env("RESULTS_DIR")) is not None:
        kwargs["results_dir"] = Path(v).expanduser()
    if (v := _env("METHOD")) is not None:
        kwargs["method"] = v
    if (v := _env("WORKERS")) is not None:
        kwargs["workers"] = max(1, int(v))
    return Settings(**kwargs)  # type: ignore[arg-type]
