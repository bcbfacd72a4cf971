"""The package's one settings object, read from environment variables prefixed ``MNIST_SEQ_``.

=========================  ============================================================
``MNIST_SEQ_SPLIT``        MNIST split digits are drawn from: ``train`` (default) or ``test``
``MNIST_SEQ_MNIST_ROOT``   explicit folder with the four MNIST IDX files; default
                           ``$IMAGECORE_DATA_DIR/mnist`` (see :mod:`imagecore.config`)
``MNIST_SEQ_OUT_DIR``      where the demo writes its outputs; default
                           ``imagecore.config.cache_dir("mnist_sequences")/demo``
=========================  ============================================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_PREFIX = "MNIST_SEQ_"


@dataclass(frozen=True)
class Settings:
    """Settings of :mod:`mnist_sequences`; build with :meth:`from_env`."""

    split: str = "train"
    mnist_root: Path | None = None
    out_dir: Path | None = None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read the ``MNIST_SEQ_*`` variables (``environ`` defaults to ``os.environ``)."""
        env = os.environ if environ is None else environ
        split = env.get(ENV_PREFIX + "SPLIT", "train").strip() or "train"
        if split not in ("train", "test"):
            raise ValueError(f"{ENV_PREFIX}SPLIT must be 'train' or 'test', got {split!r}")
        root = env.get(ENV_PREFIX + "MNIST_ROOT") or None
        out = env.get(ENV_PREFIX + "OUT_DIR") or None
        return cls(split=split, mnist_root=Path(root) if root else None, out_dir=Path(out) if out else None)
