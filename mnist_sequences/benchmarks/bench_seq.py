"""Benchmarks of mnist_sequences: batch throughput, single-call latency, elastic augmentation, bulk export.

Run: ``IMAGECORE_DATA_DIR=... python mnist_sequences/benchmarks/bench_seq.py [--quick]``

Single-core numbers (OMP/MKL/OpenBLAS threads set to 1 before numpy loads). Prints a table,
writes ``benchmarks/results/bench_seq.json`` and ``bench_seq.png``, and states the machine.
Baselines run in the same process, so compare ratios: the machine is shared and noisy.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import importlib.metadata  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
DOCS = HERE.parent / "docs"


def best_rate(fn: Callable[[], object], items: int, repeats: int) -> tuple[float, float]:
    """Best items per second over ``repeats`` runs of ``fn``: (per wall-clock second, per CPU second).

    The CPU-time rate (``time.process_time``) is what one core delivers when the process has it;
    on a shared, overloaded machine the wall-clock rate also counts time spent waiting for a core.
    """
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(items / (time.perf_counter() - t0))
        cpu.append(items / max(time.process_time() - c0, 1e-9))
    return max(wall), max(cpu)


def naive_concat(images: np.ndarray, labels: np.ndarray, seqs: np.ndarray, lo: int, hi: int, width: int, rng) -> list:
    """The usual public solution: per sequence, pick images and np.concatenate them with gap columns."""
    by_class = [np.flatnonzero(labels == d) for d in range(10)]
    out = []
    for seq in seqs:
        parts = []
        for k, d in enumerate(seq):
            if k:
                parts.append(np.zeros((28, rng.integers(lo, hi + 1)), np.float32))
            parts.append(images[rng.choice(by_class[d])].astype(np.float32) / 255)
        strip = np.concatenate(parts, axis=1)
        pad = width - strip.shape[1]
        out.append(np.pad(strip, ((0, 0), (pad // 2, pad - pad // 2))))
    return out


def scipy_elastic(digits: np.ndarray, alpha: float, sigma: float, rng) -> np.ndarray:
    """Per-digit elastic distortion with scipy (gaussian_filter + map_coordinates), the common recipe."""
    from scipy.ndimage import gaussian_filter, map_coordinates

    yy, xx = np.mgrid[0:28, 0:28]
    out = np.empty_like(digits)
    for i, img in enumerate(digits):
        dx = gaussian_filter(rng.uniform(-1, 1, (28, 28)), sigma) * alpha
        dy = gaussian_filter(rng.uniform(-1, 1, (28, 28)), sigma) * alpha
        out[i] = map_coordinates(img, [yy + dy, xx + dx], order=1, mode="constant")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", "--small", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument("--no-export", action="store_true", help="skip the bulk export benchmark")
    parser.add_argument("--plot-only", action="store_true", help="redraw the plot from the last JSON")
    args = parser.parse_args(argv)
    if args.plot_only:
        report = json.loads((RESULTS / "bench_seq.json").read_text())
        _print_table(report["results"], report["machine"])
        _plot(report["results"], RESULTS / "bench_seq.png")
        shutil.copy(RESULTS / "bench_seq.png", DOCS / "bench_seq.png")
        return 0
    from mnist_sequences import (
        Augmentation,
        SequenceGenerator,
        export_dataset,
        generate_numbers_sequence,
        get_generator,
    )

    repeats = 3 if args.quick else 5
    batch = 5_000 if args.quick else 20_000
    n_export = 2_000 if args.quick else 10_000
    t0 = time.perf_counter()
    gen = get_generator("train")
    load_s = time.perf_counter() - t0
    src = gen.source
    rng = np.random.default_rng(0)
    results: dict[str, dict] = {}

    # 1. batch API, 5-digit sequences, width 200, no augmentation
    seqs = rng.integers(0, 10, size=(batch, 5))
    gen.generate_batch(seqs[:100], (2, 8), 200, rng=0)  # warm-up
    best, med = best_rate(lambda: gen.generate_batch(seqs, (2, 8), 200, rng=1), batch, repeats)
    best8, med8 = best_rate(lambda: gen.generate_batch(seqs, (2, 8), 200, rng=1, dtype=np.uint8), batch, repeats)
    nb = 2_000
    nbest, nmed = best_rate(lambda: naive_concat(src.images, src.labels, seqs[:nb], 2, 8, 200, rng), nb, repeats)
    results["batch_5digits_w200"] = {
        "float32_seq_per_s": best,
        "float32_cpu_seq_per_s": med,
        "uint8_seq_per_s": best8,
        "uint8_cpu_seq_per_s": med8,
        "naive_concat_seq_per_s": nbest,
        "naive_cpu_seq_per_s": nmed,
        "speedup_vs_naive": best / nbest,
        "speedup_vs_naive_cpu": med / nmed,
        "target_seq_per_s": 50_000,
        "batch_size": batch,
    }

    # 2. single call latency
    digits = [3, 5, 0, 1, 9]
    times, cpu_times = [], []
    for i in range(2_000):
        t, c = time.perf_counter(), time.process_time()
        generate_numbers_sequence(digits, (2, 8), 200, rng=i)
        times.append(time.perf_counter() - t)
        cpu_times.append(time.process_time() - c)
    from imagecore.idx import read_idx
    from imagecore.mnist import locate_mnist_file

    reload_times = []
    for _ in range(3):  # what a solution that re-reads the MNIST files on every call pays
        t = time.perf_counter()
        images, labels = read_idx(locate_mnist_file("train-images")), read_idx(locate_mnist_file("train-labels"))
        SequenceGenerator((images, labels)).generate(digits, (2, 8), 200, rng=0)
        reload_times.append(time.perf_counter() - t)
    results["single_call"] = {
        "median_us": statistics.median(times) * 1e6,
        "p90_us": float(np.percentile(times, 90)) * 1e6,
        "cpu_median_us": statistics.median(cpu_times) * 1e6,
        "reload_mnist_per_call_median_us": statistics.median(reload_times) * 1e6,
        "mnist_load_s_first": load_s,
    }

    # 3. elastic augmentation (alpha 34, sigma 4), digits per second
    n_el = 5_000 if args.quick else 20_000
    stack = src.images[:n_el].astype(np.float32) / 255
    elastic = Augmentation.elastic_only()
    ebest, emed = best_rate(lambda: elastic.apply_digits(stack, np.random.default_rng(0)), n_el, repeats)
    n_sc = 1_000
    sbest, smed = best_rate(lambda: scipy_elastic(stack[:n_sc], 34.0, 4.0, np.random.default_rng(0)), n_sc, repeats)
    full = Augmentation()
    fbest, fmed = best_rate(lambda: full.apply_digits(stack, np.random.default_rng(0)), n_el, repeats)
    abest, amed = best_rate(
        lambda: gen.generate_batch(seqs[: batch // 4], (2, 8), 200, rng=1, augment=full), batch // 4, repeats
    )
    results["elastic"] = {
        "vectorised_digits_per_s": ebest,
        "vectorised_cpu_digits_per_s": emed,
        "scipy_per_digit_digits_per_s": sbest,
        "scipy_cpu_digits_per_s": smed,
        "speedup_vs_scipy": ebest / sbest,
        "speedup_vs_scipy_cpu": emed / smed,
        "target_digits_per_s": 5_000,
        "all_augmentations_digits_per_s": fbest,
        "all_augmentations_cpu_digits_per_s": fmed,
        "augmented_batch_seq_per_s": abest,
        "augmented_batch_cpu_seq_per_s": amed,
    }

    # 4. bulk export, images per second (5-digit images... lengths 3..8, width 256)
    export: dict[str, float] = {}
    if not args.no_export:
        tmp = Path(tempfile.mkdtemp(prefix="bench_seq_"))
        try:
            for fmt in ("png", "npz", "tar"):
                for workers in (1, 2):
                    out = tmp / f"{fmt}{workers}"
                    res = export_dataset(
                        out,
                        n_export,
                        length=(3, 8),
                        image_width=256,
                        fmt=fmt,
                        seed=0,
                        workers=workers,
                        chunk_size=1000,
                        progress=False,
                    )
                    export[f"{fmt}_workers{workers}_img_per_s"] = n_export / res.seconds
                    shutil.rmtree(out)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    results["export"] = {**export, "count": n_export}

    machine = {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "processor": platform.processor(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "torch": importlib.metadata.version("torch") if _has("torch") else None,
        "threads": 1,
        "load_average_1_5_15": [round(v, 2) for v in os.getloadavg()],
        "quick": args.quick,
        "when": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }
    report = {"machine": machine, "results": results}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_seq.json").write_text(json.dumps(report, indent=2))
    _print_table(results, machine)
    _plot(results, RESULTS / "bench_seq.png")
    DOCS.mkdir(exist_ok=True)
    shutil.copy(RESULTS / "bench_seq.png", DOCS / "bench_seq.png")
    print(f"\nwrote {RESULTS / 'bench_seq.json'} and {RESULTS / 'bench_seq.png'} (copied to docs/)")
    return 0


def _has(dist: str) -> bool:
    try:
        importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _print_table(results: dict, machine: dict) -> None:
    b, s, e, x = results["batch_5digits_w200"], results["single_call"], results["elastic"], results["export"]
    rows = [
        (
            "batch API, 5 digits, w=200, float32",
            f"{b['float32_seq_per_s']:,.0f} seq/s",
            f"{b['float32_cpu_seq_per_s']:,.0f} seq/s",
            "target >= 50,000",
        ),
        ("batch API, uint8 output", f"{b['uint8_seq_per_s']:,.0f} seq/s", f"{b['uint8_cpu_seq_per_s']:,.0f} seq/s", ""),
        (
            "naive per-sequence np.concatenate",
            f"{b['naive_concat_seq_per_s']:,.0f} seq/s",
            f"{b['naive_cpu_seq_per_s']:,.0f} seq/s",
            f"batch x{b['speedup_vs_naive']:.0f} (CPU x{b['speedup_vs_naive_cpu']:.0f})",
        ),
        (
            "generate_numbers_sequence latency",
            f"{s['median_us']:,.0f} us median",
            f"{s['cpu_median_us']:,.0f} us",
            f"p90 {s['p90_us']:,.0f} us",
        ),
        ("same, re-reading MNIST every call", f"{s['reload_mnist_per_call_median_us'] / 1000:,.0f} ms", "", ""),
        (
            "elastic (alpha 34, sigma 4), vectorised",
            f"{e['vectorised_digits_per_s']:,.0f} digits/s",
            f"{e['vectorised_cpu_digits_per_s']:,.0f} digits/s",
            "target >= 5,000",
        ),
        (
            "elastic, per-digit scipy",
            f"{e['scipy_per_digit_digits_per_s']:,.0f} digits/s",
            f"{e['scipy_cpu_digits_per_s']:,.0f} digits/s",
            f"vectorised x{e['speedup_vs_scipy']:.0f} (CPU x{e['speedup_vs_scipy_cpu']:.0f})",
        ),
        (
            "all augmentations (defaults)",
            f"{e['all_augmentations_digits_per_s']:,.0f} digits/s",
            f"{e['all_augmentations_cpu_digits_per_s']:,.0f} digits/s",
            "",
        ),
        (
            "batch API + all augmentations",
            f"{e['augmented_batch_seq_per_s']:,.0f} seq/s",
            f"{e['augmented_batch_cpu_seq_per_s']:,.0f} seq/s",
            "5 digits, incl. image noise",
        ),
    ]
    for key, value in x.items():
        if key != "count":
            fmt, workers = key.split("_")[:2]
            n = workers.replace("workers", "")
            rows.append((f"export {fmt}, {n} process(es)", f"{value:,.0f} img/s", "", "3-8 digits, w=256, wall clock"))
    print(
        f"machine: {machine['cpu_count']} CPUs, Python {machine['python']}, numpy {machine['numpy']}, "
        f"torch {machine['torch']}, 1 thread, {machine['platform']}, load average {machine['load_average_1_5_15']}"
    )
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    head = ("measure", "per wall second", "per CPU second")
    widths = [max(w, len(h)) for w, h in zip(widths, head, strict=True)]
    print(f"{head[0]:<{widths[0]}}  {head[1]:>{widths[1]}}  {head[2]:>{widths[2]}}  note")
    print("-" * (sum(widths) + 30))
    for name, wall, cpu, note in rows:
        print(f"{name:<{widths[0]}}  {wall:>{widths[1]}}  {cpu:>{widths[2]}}  {note}")


def _plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    b, e, x = results["batch_5digits_w200"], results["elastic"], results["export"]
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))

    def paired(ax, names, wall, cpu, target, title):  # type: ignore[no-untyped-def]
        pos = np.arange(len(names))
        ax.barh(pos - 0.2, wall, height=0.4, color="C0", label="per wall second")
        ax.barh(pos + 0.2, cpu, height=0.4, color="C1", label="per CPU second")
        ax.set_yticks(pos, names)
        ax.axvline(target, color="C3", ls="--", label=f"target {target:,}")
        ax.set_xscale("log")
        ax.set_title(title)
        ax.legend(loc="lower right", fontsize=8)

    paired(
        axes[0],
        ["naive concat", "batch float32", "batch uint8"],
        [b["naive_concat_seq_per_s"], b["float32_seq_per_s"], b["uint8_seq_per_s"]],
        [b["naive_cpu_seq_per_s"], b["float32_cpu_seq_per_s"], b["uint8_cpu_seq_per_s"]],
        50_000,
        "5-digit sequences / s, 1 thread",
    )
    paired(
        axes[1],
        ["scipy per digit", "vectorised elastic", "all augmentations"],
        [e["scipy_per_digit_digits_per_s"], e["vectorised_digits_per_s"], e["all_augmentations_digits_per_s"]],
        [e["scipy_cpu_digits_per_s"], e["vectorised_cpu_digits_per_s"], e["all_augmentations_cpu_digits_per_s"]],
        5_000,
        "augmented digits / s, 1 thread",
    )
    ax = axes[2]
    keys = [k for k in x if k != "count"]
    if keys:
        ax.barh([k.replace("_img_per_s", "").replace("_workers", " x") for k in keys], [x[k] for k in keys], color="C2")
    ax.set_title("bulk export images / s (wall clock)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    raise SystemExit(main())
