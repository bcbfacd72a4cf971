"""Part-1 subcommands of ``finhash``: ``hash``, ``profile``, ``bench``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from finhash.settings import get_settings
from finhash.variants import variant_names


def add_hash(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``finhash hash FILE... [--method M] [--workers N]``: print ``hex,filename`` lines."""
    settings = get_settings()
    p = subparsers.add_parser(
        "hash",
        help="print the FINd hash of image files as 'hex,filename' lines",
        description="Hash image files (directories expand to their images). Unreadable files are "
        "reported on stderr and the batch continues; the exit code is 1 if any failed.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="image files or folders")
    p.add_argument("--method", choices=variant_names(), default=settings.method, help="variant (default %(default)s)")
    p.add_argument("--workers", type=int, default=1, help="processes (default 1; 0 = all cores)")
    p.add_argument("--max-pixels", type=int, default=None, help="decompression-bomb limit (default 64 Mpx)")
    p.set_defaults(func=run_hash)


def run_hash(args: argparse.Namespace) -> int:
    """Hash files, print results in input order; failures go to stderr."""
    from imagecore.io import DEFAULT_MAX_PIXELS

    from finhash.parallel import expand_paths, hash_files

    paths = expand_paths(args.files)
    if not paths:
        print("finhash hash: error: no image files given", file=sys.stderr)
        return 2
    workers = args.workers if args.workers > 0 else get_settings().workers
    max_pixels = args.max_pixels if args.max_pixels is not None else DEFAULT_MAX_PIXELS
    failures = 0
    for result in hash_files(paths, method=args.method, workers=workers, max_pixels=max_pixels):
        if result.ok:
            print(f"{result.hex},{result.path}", flush=False)
        else:
            failures += 1
            print(f"finhash hash: error: {result.error}", file=sys.stderr)
    sys.stdout.flush()
    if failures:
        print(f"finhash hash: {failures} of {len(paths)} file(s) failed", file=sys.stderr)
    return 1 if failures else 0


def add_profile(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``finhash profile``: cProfile, line-level profile and tracemalloc peak per variant."""
    p = subparsers.add_parser(
        "profile",
        help="profile variants (cProfile, line_profiler, tracemalloc) and save text/JSON/plots",
    )
    p.add_argument("--method", action="append", choices=variant_names(), help="variant (repeatable; default: all)")
    p.add_argument("--images", type=int, default=None, help="images per variant (default: 3 baseline, 50 others)")
    p.add_argument("--size", type=int, default=224, help="square image size in px (default %(default)s)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: <results>/profile)")
    p.set_defaults(func=run_profile)


def run_profile(args: argparse.Namespace) -> int:
    """Run the profilers and print where the files went."""
    from finhash.profiling import profile_all

    out = args.out or get_settings().results_dir / "profile"
    summary = profile_all(args.method or variant_names(), out_dir=out, n_images=args.images, size=args.size)
    for name, info in summary.items():
        print(f"{name:15s} {info['ms_per_image']:10.3f} ms/image  peak {info['tracemalloc_peak_kib']:9.1f} KiB")
    print(f"profiles written to {out}")
    return 0


def add_bench(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``finhash bench``: speed-ups, end-to-end vs decode floor, batch throughput, scaling."""
    p = subparsers.add_parser("bench", help="run the benchmarks (table + JSON + plots)")
    p.add_argument("--small", action="store_true", help="bounded quick run (a few minutes on 2 busy cores)")
    p.add_argument(
        "--only",
        action="append",
        choices=["speedup", "end_to_end", "batch", "scaling_n", "scaling_size", "compile"],
        help="run only these parts (repeatable)",
    )
    p.add_argument("--out", type=Path, default=None, help="output folder (default: finhash/benchmarks/results)")
    p.set_defaults(func=run_bench)


def run_bench(args: argparse.Namespace) -> int:
    """Run the benchmark suite."""
    from finhash.bench import run

    run(small=args.small, parts=args.only, out_dir=args.out)
    return 0
