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
    for p in [*sorted(results_dir.glob("*.json")), results_dir / "profile" / "profile_summary.json"]:
        if p.name.startswith("p2_") or not p.is_file():
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


def _get(d: Any, *path: str) -> Any:
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d


VARIANTS = ("baseline", "numpy", "numpy-integral", "numba", "torch")


def summarise(files: dict[str, Any]) -> dict[str, Any]:
    """Headline numbers of part 1's benchmark (``None`` where a file or key is missing).

    Reads ``p1_speedup`` (ms per decoded 224x224 image, speed-up, bit-exactness), ``p1_end_to_end``
    (decode floor), ``p1_batch`` (files/s with 1 and 2 processes), ``p1_scaling_size`` (peak memory
    by image size), ``p1_scaling_n`` (extrapolation) and ``p1_compile`` (numba compile time).
    """
    sp, e2e, batch = files.get("p1_speedup", {}), files.get("p1_end_to_end", {}), files.get("p1_batch", {})
    size, scal, comp = files.get("p1_scaling_size", {}), files.get("p1_scaling_n", {}), files.get("p1_compile", {})
    out: dict[str, Any] = {"found": bool(files), "files": sorted(files)}
    out["ms"] = {v: _get(sp, "ms_per_image", v) for v in VARIANTS}
    out["speedup"] = {v: _get(sp, "speedup_vs_baseline", v) for v in VARIANTS}
    out["bit_exact"] = {v: _get(sp, "bit_exact_on_golden", v) for v in VARIANTS}
    out["decode_floor_ms"] = _get(e2e, "decode_floor_ms")
    out["e2e_ms"] = {v: _get(e2e, "ms_per_file", v) for v in VARIANTS}
    out["files_per_s"] = {v: {"1": _get(batch, "images_per_s", v, "1"), "2": _get(batch, "images_per_s", v, "2")} for v in VARIANTS}
    sizes = [str(s) for s in (size.get("sizes") or [])]
    out["sizes"] = sizes
    out["peak_kib"] = {v: {s: _get(size, "peak_kib", v, s) for s in sizes} for v in VARIANTS}
    out["size_ms"] = {v: {s: _get(size, "ms_per_image", v, s) for s in sizes} for v in VARIANTS}
    prof = files.get("profile_summary", {})
    for x in ("224", "512", "2000"):
        out[f"peak_kib_{x}"] = {v: out["peak_kib"][v].get(x) for v in VARIANTS}
        if x == str(prof.get("size")):  # fall back on part 1's profile (tracemalloc peak at its image size)
            for v in VARIANTS:
                if out[f"peak_kib_{x}"][v] is None:
                    out[f"peak_kib_{x}"][v] = _get(prof, "variants", v, "tracemalloc_peak_kib")
        out[f"size_ms_{x}"] = {v: out["size_ms"][v].get(x) for v in VARIANTS}
    out["core_hours_1B"] = {v: _get(scal, "extrapolation", v, "1B_core_hours") for v in VARIANTS}
    out["numba_compile_s"] = _get(comp, "numba_compile_cpu_s_cold_cache") or _get(comp, "numba_compile_s_cold_cache")
    out["numba_cache_load_s"] = _get(comp, "numba_load_cpu_s_warm_cache") or _get(comp, "numba_load_s_warm_cache")
    fast = {v: m for v, m in out["ms"].items() if m and v != "baseline" and out["bit_exact"].get(v)}
    out["best_exact"] = min(fast, key=fast.__getitem__) if fast else None
    out["best_exact_speedup"] = out["speedup"].get(out["best_exact"]) if out["best_exact"] else None
    out["best_exact_ms"] = out["ms"].get(out["best_exact"]) if out["best_exact"] else None
    return out


def tables(s: dict[str, Any]) -> dict[str, Any]:
    """Markdown-ready tables from :func:`summarise`."""

    def f(x: Any, spec: str = ".2f") -> str:
        return "n/a" if x is None else format(x, spec)

    if not s["found"]:
        note = {"header": ["part 1 benchmark"], "rows": [["not found: run `finhash bench` (part 1), then `finhash report --render-only`"]]}
        return {"p1_speed": note, "p1_memory": note}
    speed = {"header": ["variant", "ms / 224 px image", "speed-up", "bit-exact", "end-to-end ms / file", "files/s 1 proc", "files/s 2 proc"],
             "rows": [[v, f(s["ms"][v], ".3g"), f(s["speedup"][v], ".3g"), {True: "yes", False: "no", None: "n/a"}[s["bit_exact"][v]],
                       f(s["e2e_ms"][v], ".3g"), f(s["files_per_s"][v]["1"], ".0f"), f(s["files_per_s"][v]["2"], ".0f")]
                      for v in VARIANTS if s["ms"][v] is not None]}
    if s["sizes"]:
        mem = {"header": ["peak KiB per image (tracemalloc)", *(f"{x} px" for x in s["sizes"])],
               "rows": [[v, *(f(s["peak_kib"][v][x], ",.0f") for x in s["sizes"])] for v in VARIANTS if any(s["peak_kib"][v].values())]}
    else:  # only part 1's profile: peak at one size
        mem = {"header": ["peak KiB per image (tracemalloc)", "224 px"],
               "rows": [[v, f(s["peak_kib_224"][v], ",.0f")] for v in VARIANTS if s["peak_kib_224"][v] is not None] or [["n/a", "n/a"]]}
    return {"p1_speed": speed, "p1_memory": mem}
