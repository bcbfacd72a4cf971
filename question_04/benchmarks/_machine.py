"""Machine description printed and stored by every benchmark."""

from __future__ import annotations

import os
import platform


def machine() -> dict:
    """CPU count, load, python/torch/duckdb versions and platform."""
    import duckdb
    import torch

    return {
        "cpus": os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "duckdb": duckdb.__version__,
        "platform": platform.platform(),
    }
