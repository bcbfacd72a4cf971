"""Benchmarks of the FINd variants: speed-up, end-to-end vs decode floor, batch, scaling.

Every part writes ``<part>.json`` (and a PNG plot) to the results folder and prints a table.
All timings in one JSON come from one run on one machine, so compare them by ratios. Times
are the minimum over repeats (the least disturbed measurement on a shared machine).

Run: ``finhash bench [--small] [--only PART]`` or ``python finhash/benchmarks/p1_all.py``.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from imagecore.io import open_image
from PIL import Image

from finhash.golden import GoldenImage, load_golden
from finhash.settings import get_settings
from finhash.variants import Variant, get_variant

logger = logging.getLogger(__name__)

FAST_VARIANTS = ("numpy", "numpy-integral", "numba", "torch")
ALL_VARIANTS = ("baseline", *FAST_VARIANTS)
PARTS = ("compile", "speedup", "end_to_end", "batch", "scaling_n", "scaling_size")


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def machine_info() -> dict[str, Any]:
    """What the numbers were measured on."""
    import numba
    import PIL
    import torch

    try:
        load = os.getloadavg()
    except OSError:  # pragma: no cover - not on Linux
        load = (float("nan"),) * 3
    return {
        "cpu_count": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.is_available(),
        "pillow": PIL.__version__,
        "load_average_at_start": [round(x, 2) for x in load],
        "clock": "process CPU time (time.process_time), min over repeats, except batch throughput and "
        "process start-up (wall time)",
        "time": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


#: Single-process timings use the process's CPU time: on a shared, oversubscribed machine wall
#: time mostly measures the other tenants, CPU time the work (every variant runs one thread).
CLOCK = time.process_time


def best_time(fn: Callable[[], object], repeats: int, clock: Callable[[], float] | None = None) -> float:
    """Minimum time of ``fn()`` over ``repeats`` runs (seconds; process CPU time by default)."""
    clock = clock or CLOCK
    best = float("inf")
    for _ in range(max(1, repeats)):
        t0 = clock()
        fn()
        best = min(best, clock() - t0)
    return best


def peak_memory(fn: Callable[[], object]) -> int:
    """Peak bytes allocated through Python/numpy allocators while ``fn()`` runs (tracemalloc)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return max(0, peak - base)


def golden_224(n: int) -> list[GoldenImage]:
    """The first ``n`` golden 224x224 RGB photos."""
    rows = [g for g in load_golden() if g.name.startswith("sq224_")]
    return rows[:n]


def decoded(rows: Sequence[GoldenImage]) -> list[Image.Image]:
    """Decode files fully into memory (the input of the single-core speed-up)."""
    return [open_image(r.path) for r in rows]


def write_json(out_dir: Path, part: str, payload: dict[str, Any]) -> Path:
    """Write ``<out_dir>/<part>.json``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{part}.json"
    path.write_text(json.dumps(_nan_to_none(payload), indent=2, default=float))
    return path


def _nan_to_none(value: Any) -> Any:
    """Strict JSON: NaN (not measured) becomes null."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: _nan_to_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_nan_to_none(v) for v in value]
    return value


def _plt():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    print(f"\n== {title}")
    widths = [max(len(str(h)), *(len(_fmt(r[i])) for r in rows)) for i, h in enumerate(header)] if rows else []
    print("  ".join(str(h).rjust(w) for h, w in zip(header, widths, strict=False)))
    for r in rows:
        print("  ".join(_fmt(v).rjust(w) for v, w in zip(r, widths, strict=False)))


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 1e5 else f"{v:.3e}"
    return str(v)


# --------------------------------------------------------------------------------------
# parts
# --------------------------------------------------------------------------------------
def _child_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_compile() -> dict[str, Any]:
    """numba compile time (fresh cache) vs cache load, and process start-up per variant (CPU s)."""
    code_compile = (
        "import time; t=time.process_time(); import finhash.variants.numba_kernel as k; "
        "t1=time.process_time(); s0=time.process_time(); k.compile_seconds(); print(t1-t, time.process_time()-s0)"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        cold = subprocess.run([sys.executable, "-c", code_compile], env=env, capture_output=True, text=True, check=True)
        warm = subprocess.run([sys.executable, "-c", code_compile], env=env, capture_output=True, text=True, check=True)
    imp_cold, compile_cold = (float(x) for x in cold.stdout.split())
    imp_warm, compile_warm = (float(x) for x in warm.stdout.split())
    startup: dict[str, float] = {}
    startup_wall: dict[str, float] = {}
    for name in ALL_VARIANTS:
        code = f"from finhash.variants import get_variant; v=get_variant({name!r}); v.warm_up()"
        c0, t0 = _child_cpu(), time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        startup[name] = _child_cpu() - c0
        startup_wall[name] = time.perf_counter() - t0
    result = {
        "numba_import_cpu_s": imp_warm,
        "numba_compile_cpu_s_cold_cache": compile_cold,
        "numba_load_cpu_s_warm_cache": compile_warm,
        "numba_import_cpu_s_cold": imp_cold,
        "process_startup_cpu_s": startup,
        "process_startup_wall_s": startup_wall,
        "note": "process start-up: a fresh python process that imports the variant and hashes one 32x32 image "
        "(numba from its on-disk cache); CPU seconds of the child (user + sys)",
    }
    _print_table(
        "compile / start-up (s)",
        ["what", "seconds"],
        [
            ["numba compile, empty cache (CPU s)", compile_cold],
            ["numba load, warm cache (CPU s)", compile_warm],
            *[[f"start-up {k}", v] for k, v in startup.items()],
        ],
    )
    return result


def bench_speedup(small: bool) -> dict[str, Any]:
    """Single-core time per decoded 224x224 image, per variant, and speed-up over the baseline."""
    n_fast, n_base = (10, 1) if small else (40, 3)
    rows = golden_224(n_fast)
    images = decoded(rows)
    expected = [r.corrected for r in rows]
    result: dict[str, Any] = {"image_size": [224, 224], "n_images": {}, "ms_per_image": {}, "bit_exact_on_golden": {}}
    for name in ALL_VARIANTS:
        variant = get_variant(name)
        variant.warm_up()
        imgs = images[:n_base] if name == "baseline" else images
        repeats = 1 if name == "baseline" else (3 if small else 7)
        got: list[str] = []

        def run(v: Variant = variant, ims: list[Image.Image] = imgs, out: list[str] = got) -> None:
            out[:] = [str(v.hash_image(im)) for im in ims]

        t = best_time(run, repeats)
        result["n_images"][name] = len(imgs)
        result["ms_per_image"][name] = 1e3 * t / len(imgs)
        result["bit_exact_on_golden"][name] = got == expected[: len(imgs)]
        if name == "torch":  # batched call on the same images
            tb = best_time(partial(variant.hash_images, imgs), repeats)
            result["ms_per_image"]["torch (batch)"] = 1e3 * tb / len(imgs)
            result["n_images"]["torch (batch)"] = len(imgs)
            result["bit_exact_on_golden"]["torch (batch)"] = [str(h) for h in variant.hash_images(imgs)] == expected
        if name == "numpy":
            tb = best_time(partial(variant.hash_images, imgs), repeats)
            result["ms_per_image"]["numpy (batch)"] = 1e3 * tb / len(imgs)
            result["n_images"]["numpy (batch)"] = len(imgs)
            result["bit_exact_on_golden"]["numpy (batch)"] = [str(h) for h in variant.hash_images(imgs)] == expected
    base = result["ms_per_image"]["baseline"]
    result["speedup_vs_baseline"] = {k: base / v for k, v in result["ms_per_image"].items()}
    _print_table(
        "single-core speed-up, decoded 224x224 images",
        ["variant", "ms/image", "speed-up", "bit-exact"],
        [
            [k, v, result["speedup_vs_baseline"][k], result["bit_exact_on_golden"][k]]
            for k, v in result["ms_per_image"].items()
        ],
    )
    return result


def bench_end_to_end(small: bool) -> dict[str, Any]:
    """Open + decode + hash per file vs the decode-only floor (open + convert to RGB).

    The floor and the variants are timed in turn within each repeat (interleaved), so slow
    phases of a shared machine hit them alike; each takes its minimum over the repeats.
    """
    from finhash.parallel import hash_file

    n = 20 if small else 120
    rows = golden_224(n)
    paths = [str(r.path) for r in rows]
    repeats = 3 if small else 7
    names = ("numpy", "numba", "torch", "baseline")
    variants = {name: get_variant(name) for name in names}
    for v in variants.values():
        v.warm_up()

    def floor() -> None:
        for p in paths:
            open_image(p, mode="RGB")

    def e2e(v: Variant, ps: list[str]) -> None:
        for p in ps:
            hash_file(p, v)

    best = {"floor": float("inf"), **{name: float("inf") for name in names}}
    for rep in range(repeats):
        best["floor"] = min(best["floor"], best_time(floor, 1) / len(paths))
        for name in names:
            if name == "baseline" and rep > 0:
                continue
            sub = paths[:2] if name == "baseline" else paths
            best[name] = min(best[name], best_time(partial(e2e, variants[name], sub), 1) / len(sub))
    t_floor = best["floor"]
    result: dict[str, Any] = {
        "n_files": len(paths),
        "decode_floor_ms": 1e3 * t_floor,
        "ms_per_file": {name: 1e3 * best[name] for name in names},
        "x_floor": {name: best[name] / t_floor for name in names},
        "repeats": repeats,
    }
    _print_table(
        "end-to-end per file (224x224 PNG) vs decode-only floor",
        ["variant", "ms/file", "x floor"],
        [["decode floor", result["decode_floor_ms"], 1.0]]
        + [[k, v, result["x_floor"][k]] for k, v in result["ms_per_file"].items()],
    )
    return result


def bench_batch(small: bool) -> dict[str, Any]:
    """Throughput of process-parallel file hashing with 1 and 2 processes (pool start-up included)."""
    from finhash.parallel import hash_files

    rows = golden_224(120)
    base_paths = [str(r.path) for r in rows]
    n = 120 if small else 480
    paths = (base_paths * (n // len(base_paths) + 1))[:n]
    result: dict[str, Any] = {
        "n_files": {},
        "images_per_s": {},
        "parallel_efficiency": {},
        "cpu_ms_per_image": {},
        "note": "images_per_s is wall-clock throughput including pool start-up; on an oversubscribed shared "
        "machine it cannot show the 2-process gain, so cpu_ms_per_image (parent + worker CPU time per "
        "image) is recorded too: with 2 idle cores, throughput(2) ~= 2 / cpu_ms_per_image",
    }
    workers_list = (1, 2)
    for name in ("numpy", "numba", "torch", "baseline"):
        ps = paths[:4] if name == "baseline" else paths
        result["n_files"][name] = len(ps)
        result["images_per_s"][name] = {}
        result["cpu_ms_per_image"][name] = {}
        for w in workers_list:
            c0, t0 = time.process_time() + _child_cpu(), time.perf_counter()
            out = list(hash_files(ps, method=name, workers=w))
            dt = time.perf_counter() - t0
            cpu = time.process_time() + _child_cpu() - c0
            assert all(r.ok for r in out)
            result["images_per_s"][name][str(w)] = len(ps) / dt
            result["cpu_ms_per_image"][name][str(w)] = 1e3 * cpu / len(ps)
        r1, r2 = result["images_per_s"][name]["1"], result["images_per_s"][name]["2"]
        result["parallel_efficiency"][name] = r2 / (2 * r1)
    _print_table(
        "batch throughput (files/s; open + decode + hash; pool start-up included)",
        ["variant", "files", "1 proc", "2 procs", "efficiency", "CPU ms/img 1p", "CPU ms/img 2p"],
        [
            [
                k,
                result["n_files"][k],
                v["1"],
                v["2"],
                result["parallel_efficiency"][k],
                result["cpu_ms_per_image"][k]["1"],
                result["cpu_ms_per_image"][k]["2"],
            ]
            for k, v in result["images_per_s"].items()
        ],
    )
    return result


def _stream(paths: Sequence[str], variant: Variant, batch: int) -> None:
    for start in range(0, len(paths), batch):
        variant.hash_images([open_image(p) for p in paths[start : start + batch]])


def bench_scaling_n(small: bool) -> dict[str, Any]:
    """Time and peak memory vs number of images (streamed in chunks of 32, one process)."""
    rows = golden_224(120)
    base_paths = [str(r.path) for r in rows]
    counts = (10, 100) if small else (10, 100, 1000, 10000)
    limits = {"baseline": 10, "torch": 1000 if small else 3000}
    result: dict[str, Any] = {"counts": list(counts), "seconds": {}, "peak_kib": {}, "ms_per_image": {}}
    for name in ALL_VARIANTS:
        variant = get_variant(name)
        variant.warm_up()
        result["seconds"][name] = {}
        result["peak_kib"][name] = {}
        for n in counts:
            if n > limits.get(name, 10**9):
                continue
            paths = (base_paths * (n // len(base_paths) + 1))[:n]
            t = best_time(partial(_stream, paths, variant, 32), 1)
            result["seconds"][name][str(n)] = t
            if n <= 100:
                mem_paths = paths[:10] if name == "baseline" else paths
                result["peak_kib"][name][str(n)] = peak_memory(partial(_stream, mem_paths, variant, 32)) / 1024
            logger.info("scaling_n %s n=%d %.2fs", name, n, t)
        largest = max(result["seconds"][name], key=int)
        result["ms_per_image"][name] = 1e3 * result["seconds"][name][largest] / int(largest)
    result["extrapolation"] = extrapolate(result["ms_per_image"])
    _print_table(
        "time vs number of images (s; open + decode + hash, 1 process)",
        ["variant", *[str(c) for c in counts], "ms/img"],
        [[k, *[v.get(str(c), "-") for c in counts], result["ms_per_image"][k]] for k, v in result["seconds"].items()],
    )
    _print_table(
        "extrapolated cost (open + decode + hash)",
        ["variant", "1M, 1 core (h)", "1B, 1 core (days)", "1B, 1000 cores (h)"],
        [
            [k, v["1M_core_hours"], v["1B_core_hours"] / 24, v["1B_core_hours"] / 1000]
            for k, v in result["extrapolation"].items()
        ],
    )
    return result


def extrapolate(ms_per_image: dict[str, float]) -> dict[str, dict[str, float]]:
    """Linear cost model: streaming hashing is O(n) in time and O(1) in working memory."""
    out = {}
    for name, ms in ms_per_image.items():
        out[name] = {
            "ms_per_image": ms,
            "1M_core_hours": ms * 1e6 / 1e3 / 3600,
            "1B_core_hours": ms * 1e9 / 1e3 / 3600,
            "hash_storage_1B_GB": 32 * 1e9 / 1e9,
        }
    return out


def bench_scaling_size(small: bool) -> dict[str, Any]:
    """Time and peak memory per decoded image vs image size (square, 64 .. 2000 px)."""
    src_rows = [g for g in load_golden() if g.name.startswith("big700_")]
    sources = [open_image(r.path, mode="RGB") for r in src_rows[:3]]
    sizes = (64, 224, 512, 2000) if small else (64, 128, 224, 512, 1024, 2000)
    result: dict[str, Any] = {"sizes": list(sizes), "ms_per_image": {}, "peak_kib": {}}
    for name in ALL_VARIANTS:
        variant = get_variant(name)
        variant.warm_up()
        result["ms_per_image"][name] = {}
        result["peak_kib"][name] = {}
        for s in sizes:
            if small and name == "baseline" and s > 224:
                continue  # seconds per image: only in the full run
            imgs = [im.resize((s, s), Image.Resampling.BICUBIC) for im in sources]
            if name == "baseline":
                imgs = imgs[:1]
            repeats = 1 if name == "baseline" else 3

            def run(v: Variant = variant, ims: list[Image.Image] = imgs) -> None:
                for im in ims:
                    v.hash_image(im)

            result["ms_per_image"][name][str(s)] = 1e3 * best_time(run, repeats) / len(imgs)
            if name == "baseline" and s > 224:
                # tracing every Python float of the baseline takes minutes at 512 px on this
                # machine; not measured (the README gives the analytic size of its two lists)
                result["peak_kib"][name][str(s)] = float("nan")
            else:
                result["peak_kib"][name][str(s)] = peak_memory(partial(variant.hash_image, imgs[0])) / 1024
            logger.info("scaling_size %s %d", name, s)
    _print_table(
        "ms per decoded image vs size (px, square; > 512 includes the thumbnail)",
        ["variant", *[str(s) for s in sizes]],
        [[k, *[v.get(str(s), "-") for s in sizes]] for k, v in result["ms_per_image"].items()],
    )
    _print_table(
        "peak traced memory (KiB) per image vs size",
        ["variant", *[str(s) for s in sizes]],
        [[k, *[v.get(str(s), "-") for s in sizes]] for k, v in result["peak_kib"].items()],
    )
    return result


# --------------------------------------------------------------------------------------
# plots
# --------------------------------------------------------------------------------------
def plot_all(results: dict[str, Any], out_dir: Path) -> list[Path]:
    """One PNG per part that has results; returns the files written."""
    plt = _plt()
    written: list[Path] = []
    if "speedup" in results:
        r = results["speedup"]
        names = list(r["ms_per_image"])
        fig, ax = plt.subplots(figsize=(7, 3.6))
        vals = [r["speedup_vs_baseline"][n] for n in names]
        ax.barh(names, vals, color=["#999" if n == "baseline" else "#2a7" for n in names])
        ax.set_xscale("log")
        ax.set_xlim(0.7, max(vals) * 8)
        ax.axvline(300, color="r", ls="--", lw=1, label="goal 300x")
        for i, v in enumerate(vals):
            ax.text(v, i, f" {v:.0f}x ({r['ms_per_image'][names[i]]:.3g} ms)", va="center", fontsize=8)
        ax.set_xlabel("speed-up over the pure-Python baseline (single core, decoded 224x224)")
        ax.legend(loc="lower right", fontsize=8)
        ax.invert_yaxis()
        fig.tight_layout()
        written.append(_save(fig, out_dir / "p1_speedup.png"))
    if "scaling_size" in results:
        r = results["scaling_size"]
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
        for name, series in r["ms_per_image"].items():
            xs = [int(s) for s in series]
            axes[0].plot(xs, list(series.values()), marker="o", label=name)
            mem = [r["peak_kib"][name].get(str(s)) for s in xs]
            axes[1].plot(xs, [m / 1024 if m is not None else float("nan") for m in mem], marker="o", label=name)
        for ax, label in zip(axes, ("ms per image", "peak traced memory (MiB)"), strict=True):
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("image side (px); thumbnail caps work at 512")
            ax.set_ylabel(label)
            ax.grid(True, which="both", alpha=0.3)
        axes[0].legend(fontsize=8)
        fig.tight_layout()
        written.append(_save(fig, out_dir / "p1_scaling_size.png"))
    if "scaling_n" in results:
        r = results["scaling_n"]
        fig, ax = plt.subplots(figsize=(6, 3.8))
        for name, series in r["seconds"].items():
            xs = [int(n) for n in series]
            ax.plot(xs, list(series.values()), marker="o", label=name)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("number of images (224x224 PNG files, 1 process)")
        ax.set_ylabel("seconds (open + decode + hash)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        written.append(_save(fig, out_dir / "p1_scaling_n.png"))
    if "end_to_end" in results:
        r = results["end_to_end"]
        names = list(r["x_floor"])
        fig, ax = plt.subplots(figsize=(6, 3))
        ax.barh(["decode floor", *names], [1.0, *[r["x_floor"][n] for n in names]], color="#48a")
        ax.axvline(1.5, color="r", ls="--", lw=1, label="goal 1.5x")
        ax.set_xscale("log")
        ax.set_xlabel("end-to-end time per file / decode-only time")
        ax.legend(fontsize=8)
        ax.invert_yaxis()
        fig.tight_layout()
        written.append(_save(fig, out_dir / "p1_end_to_end.png"))
    return written


def _save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


# --------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------
def replot(out_dir: Path | None = None) -> list[Path]:
    """Redraw the plots from the ``p1_<part>.json`` files in ``out_dir``."""
    out = Path(out_dir) if out_dir is not None else get_settings().results_dir
    results = {}
    for part in PARTS:
        path = out / f"p1_{part}.json"
        if path.is_file():
            results[part] = json.loads(path.read_text())
    return plot_all(results, out)


def run(small: bool = False, parts: Sequence[str] | None = None, out_dir: Path | None = None) -> dict[str, Any]:
    """Run the benchmark parts, write ``<part>.json`` + plots to ``out_dir``, return the results.

    Parameters
    ----------
    small
        A bounded quick run (fewer images and sizes).
    parts
        Subset of :data:`PARTS`; default all.
    out_dir
        Output folder; default ``Settings.results_dir``.
    """
    out = Path(out_dir) if out_dir is not None else get_settings().results_dir
    chosen = [p for p in PARTS if parts is None or p in parts]
    info = machine_info()
    print(
        f"machine: {info['cpu_count']} CPUs, {info['processor']}, python {info['python']}, "
        f"numpy {info['numpy']}, numba {info['numba']}, torch {info['torch']}, load {info['load_average_at_start']}"
    )
    funcs: dict[str, Callable[[], dict[str, Any]]] = {
        "compile": bench_compile,
        "speedup": lambda: bench_speedup(small),
        "end_to_end": lambda: bench_end_to_end(small),
        "batch": lambda: bench_batch(small),
        "scaling_n": lambda: bench_scaling_n(small),
        "scaling_size": lambda: bench_scaling_size(small),
    }
    results: dict[str, Any] = {}
    for part in chosen:
        t0 = time.perf_counter()
        payload = funcs[part]()
        payload = {"part": part, "small": small, "machine": info, "wall_s": time.perf_counter() - t0, **payload}
        results[part] = payload
        write_json(out, f"p1_{part}", payload)
    for path in plot_all(results, out):
        print(f"plot: {path}")
    print(f"results: {out}")
    return results
