"""Where time and memory go: cProfile, line-level profiles and tracemalloc, per variant.

For each variant this writes to the output folder:

- ``<variant>.cprofile.txt`` and ``.cprofile.json``: function-level time (``cProfile``);
- ``<variant>.lines.txt``: line-level time of the variant's hot functions (``line_profiler``;
  numba's compiled kernels are opaque to it, so for numba the per-stage split comes from
  timing its two kernels separately, written to ``numba.stages.json``; for torch the
  operator-level table of ``torch.profiler`` is written to ``torch.ops.txt``);
- ``<variant>.memory.json``: tracemalloc peak and the top allocation sites;

plus ``profile_summary.json`` and the plot ``p1_profile.png`` (share of time per function).
"""

from __future__ import annotations

import cProfile
import io
import json
import logging
import pstats
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from finhash.variants import Variant, get_variant

logger = logging.getLogger(__name__)


def sample_images(n: int, size: int) -> list[Image.Image]:
    """``n`` decoded RGB test images: golden 224 px photos resized to ``size`` if available, else noise."""
    try:
        from imagecore.io import open_image

        from finhash.golden import load_golden

        rows = [g for g in load_golden() if g.name.startswith("sq224_")][:n]
        imgs = [open_image(r.path, mode="RGB") for r in rows]
        if size != 224:
            imgs = [im.resize((size, size), Image.Resampling.BICUBIC) for im in imgs]
        if len(imgs) == n:
            return imgs
    except FileNotFoundError:
        logger.info("golden data absent: profiling on random images")
    rng = np.random.default_rng(0)
    return [Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)) for _ in range(n)]


def _hot_functions(name: str) -> list[Callable[..., Any]]:
    if name == "baseline":
        from finhash.baseline import FINDBaseline

        return [
            FINDBaseline.from_image,
            FINDBaseline.fill_float_luma,
            FINDBaseline.box_filter,
            FINDBaseline.decimate,
            FINDBaseline.dct64_to_16,
            FINDBaseline.torben_median,
            FINDBaseline.dct_to_hash,
        ]
    if name == "numpy":
        from imagecore.hashing import find

        return [find.prepare_image, find.luma, find.box_at_samples, find.dct_16x16, find.hash_from_dct]
    if name == "numpy-integral":
        from finhash.variants import numpy_integral

        return [numpy_integral.NumpyIntegralVariant.hash_arrays, numpy_integral.box_at_samples_integral]
    if name == "numba":
        from finhash.variants import numba_kernel

        return [numba_kernel.hash_bits]
    if name == "torch":
        from finhash.variants import torch_batch

        return [torch_batch.hash_bits_batch]
    return []


def _cprofile(run: Callable[[], object], top: int = 25) -> tuple[str, list[dict[str, Any]]]:
    prof = cProfile.Profile()
    prof.enable()
    run()
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    rows = []
    for (filename, line, func), (cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{Path(filename).name}:{line}({func})",
                "ncalls": nc,
                "primitive_calls": cc,
                "tottime_s": tt,
                "cumtime_s": ct,
            }
        )
    rows.sort(key=lambda r: r["tottime_s"], reverse=True)
    return buf.getvalue(), rows[:top]


def _line_profile(run: Callable[[], object], funcs: Sequence[Callable[..., Any]]) -> str:
    from line_profiler import LineProfiler

    lp = LineProfiler()
    for f in funcs:
        lp.add_function(f)
    lp.runcall(run)
    buf = io.StringIO()
    lp.print_stats(stream=buf, output_unit=1e-3, stripzeros=True)
    return buf.getvalue()


def _memory(run: Callable[[], object], top: int = 10) -> dict[str, Any]:
    tracemalloc.start(5)
    try:
        run()
        current, peak = tracemalloc.get_traced_memory()
        snap = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    return {
        "peak_kib": peak / 1024,
        "current_kib": current / 1024,
        "top_sites": [
            {"site": str(stat.traceback[0]), "kib": stat.size / 1024, "count": stat.count}
            for stat in snap.statistics("lineno")[:top]
        ],
        "note": "tracemalloc sees Python and numpy allocations, not torch's own CPU allocator",
    }


def _numba_stages(images: Sequence[Image.Image]) -> dict[str, float]:
    from imagecore.hashing.find import prepare_image, sample_plan

    from finhash.variants import numba_kernel as nk

    arrays = [np.ascontiguousarray(np.asarray(prepare_image(im))) for im in images]
    t_prep = time.process_time()
    for im in images:
        np.asarray(prepare_image(im))
    t_prep = time.process_time() - t_prep
    plans = [sample_plan(a.shape[0], a.shape[1]) for a in arrays]
    buffers = [nk.padded_buffer(a.shape[0], a.shape[1], p[3], p[4]).copy() for a, p in zip(arrays, plans, strict=True)]
    t0 = time.process_time()
    padded = [
        nk._luma_padded(a, buf, p[3], p[4], nk.LUMA_R, nk.LUMA_G, nk.LUMA_B)
        if a.ndim == 3
        else nk._luma_padded_grey(a, buf, p[3], p[4], nk.LUMA_GREY)
        for a, buf, p in zip(arrays, buffers, plans, strict=True)
    ]
    t1 = time.process_time()
    for pad, p in zip(padded, plans, strict=True):
        nk._hash_from_padded(pad, p[0], p[1], p[2], nk._DCT, nk._DCT_T)
    t2 = time.process_time()
    n = len(arrays)
    return {
        "prepare_and_asarray_ms": 1e3 * t_prep / n,
        "luma_kernel_ms": 1e3 * (t1 - t0) / n,
        "box_dct_median_kernel_ms": 1e3 * (t2 - t1) / n,
    }


def profile_variant(name: str, images: Sequence[Image.Image], out_dir: Path) -> dict[str, Any]:
    """Profile one variant on ``images``; write its files; return a summary."""
    variant: Variant = get_variant(name)
    variant.warm_up()

    def run() -> None:
        for im in images:
            variant.hash_image(im)

    t0 = time.process_time()  # CPU time: robust on a shared machine (variants are single-threaded)
    run()
    elapsed = time.process_time() - t0
    text, rows = _cprofile(run)
    (out_dir / f"{name}.cprofile.txt").write_text(text)
    (out_dir / f"{name}.cprofile.json").write_text(json.dumps(rows, indent=2))
    lines = _line_profile(run, _hot_functions(name))
    (out_dir / f"{name}.lines.txt").write_text(lines)
    memory = _memory(lambda: variant.hash_image(images[0]))
    (out_dir / f"{name}.memory.json").write_text(json.dumps(memory, indent=2))
    extra: dict[str, Any] = {}
    if name == "numba":
        extra["stages"] = _numba_stages(images)
        (out_dir / "numba.stages.json").write_text(json.dumps(extra["stages"], indent=2))
    if name == "torch":
        from torch.profiler import profile

        with profile() as prof:
            variant.hash_images(list(images))
        (out_dir / "torch.ops.txt").write_text(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=20))
    return {
        "n_images": len(images),
        "ms_per_image": 1e3 * elapsed / len(images),
        "tracemalloc_peak_kib": memory["peak_kib"],
        "top_functions": rows[:8],
        **extra,
    }


def profile_all(
    names: Sequence[str], *, out_dir: Path, n_images: int | None = None, size: int = 224
) -> dict[str, dict[str, Any]]:
    """Profile several variants; write per-variant files, a summary JSON and a plot."""
    out_dir.mkdir(parents=True, exist_ok=True)
    n_fast = n_images or 50
    n_base = min(n_images or 3, 3)
    images = sample_images(n_fast, size)
    summary = {}
    for name in names:
        imgs = images[:n_base] if name == "baseline" else images
        logger.info("profiling %s on %d images", name, len(imgs))
        summary[name] = profile_variant(name, imgs, out_dir)
    (out_dir / "profile_summary.json").write_text(json.dumps({"size": size, "variants": summary}, indent=2))
    plot_profile(summary, out_dir / "p1_profile.png")
    return summary


def plot_profile(summary: dict[str, dict[str, Any]], path: Path) -> Path:
    """Horizontal bars: share of own time of the top functions, one panel per variant."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(summary)
    fig, axes = plt.subplots(n, 1, figsize=(8, 1.9 * n + 0.5), squeeze=False)
    for ax, (name, info) in zip(axes[:, 0], summary.items(), strict=True):
        rows = info["top_functions"][:6]
        total = sum(r["tottime_s"] for r in info["top_functions"]) or 1.0
        labels = [r["function"][-48:] for r in rows]
        ax.barh(labels, [100 * r["tottime_s"] / total for r in rows], color="#2a7")
        ax.invert_yaxis()
        ax.set_title(
            f"{name}: {info['ms_per_image']:.3g} ms/image, peak {info['tracemalloc_peak_kib']:.0f} KiB", fontsize=9
        )
        ax.tick_params(labelsize=7)
        ax.set_xlabel("% of own time (cProfile)", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
