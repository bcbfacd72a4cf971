"""Part 1's FINd benchmark results, for the first part of the report.

Part 1's ``finhash bench`` writes JSON to ``finhash/benchmarks/results/``. This module finds those
files (every ``*.json`` there that is not one of part 2's ``p2_*`` files), and can ask part 1's
benchmark module to run when none are there and it offers a callable.
"""

from __future__ import annotations

import importlib
import inspect
import json
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def find_results(results_dir: Path) -> dict[str, Any]:
    """Load part 1's benchmark JSON files from ``results_dir`` (``{file stem: content}``)."""
    out: dict[str, Any] = {}
    if not results_dir.is_dir():
        return out
    for p in sorted(results_dir.glob("*.json")):
        if p.name.startswith("p2_"):
            continue
        try:
            out[p.stem] = json.loads(p.read_text())
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable part-1 result %s: %s", p, exc)
    return out


def run_part1_bench(small: bool, out_dir: Path | None = None) -> bool:
    """Run part 1's benchmark if ``finhash.bench`` offers ``run(small=..., out_dir=...)`` (or ``run()``).

    Returns
    -------
    bool
        Whether a benchmark ran.
    """
    try:
        mod = importlib.import_module("finhash.bench")
    except ImportError:
        log.info("finhash.bench not available; part 1 numbers come from existing JSON only")
        return False
    fn = getattr(mod, "run", None)
    if not callable(fn):
        return False
    try:
        params = inspect.signature(fn).parameters
        kwargs: dict[str, Any] = {}
        if "small" in params:
            kwargs["small"] = small
        if "out_dir" in params and out_dir is not None:
            kwargs["out_dir"] = out_dir
        fn(**kwargs)
    except Exception as exc:  # part 1's bench failing must not sink the comparison report
        log.warning("part 1 benchmark failed: %s", exc)
        return False
    return True
