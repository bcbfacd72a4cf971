"""``python -m finhash.demo [--small]``: hash golden images with every variant, check the bits.

Then runs part 2's demo (``finhash.compare.demo.run(small)``) when that module exists.
Exit code 3 with the data-not-found message when the golden data is absent.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time

from imagecore.config import DataNotFoundError
from imagecore.io import open_image

from finhash.golden import load_golden
from finhash.variants import get_variant


def hashing_demo(small: bool) -> bool:
    """Hash a few golden images with every variant; print timings and agreement."""
    rows = load_golden()
    picks = [g for g in rows if g.name.startswith(("sq224_", "land", "port", "mnist", "big700", "pal", "rgba"))]
    by_kind: dict[str, list] = {}
    for g in picks:
        by_kind.setdefault(g.name.split("_")[0], []).append(g)
    chosen = [g for group in by_kind.values() for g in group[: (1 if small else 3)]]
    images = [open_image(g.path) for g in chosen]
    ok = True
    print(f"FINd on {len(chosen)} golden images ({', '.join(by_kind)})")
    for name in ("baseline", "numpy", "numba", "torch"):
        variant = get_variant(name)
        variant.warm_up()
        # the baseline is slow: the two smallest images only
        order = sorted(range(len(chosen)), key=lambda i: chosen[i].width * chosen[i].height)
        idx = order[:2] if name == "baseline" else list(range(len(chosen)))
        subset = [chosen[i] for i in idx]
        t0 = time.perf_counter()
        got = [str(variant.hash_image(images[i])) for i in idx]
        dt = (time.perf_counter() - t0) / len(subset)
        good = sum(h == g.corrected for h, g in zip(got, subset, strict=True))
        ok &= good == len(subset)
        print(f"  {name:9s} {1e3 * dt:9.2f} ms/image  bit-exact {good}/{len(subset)}")
    g = chosen[0]
    print(f"  e.g. {get_variant('numpy').hash_image(images[0])},{g.name}")
    return ok


def main(argv: list[str] | None = None) -> int:
    """Run the demo; 0 on success, 1 on a mismatch, 3 when data is absent."""
    parser = argparse.ArgumentParser(prog="python -m finhash.demo", description=__doc__)
    parser.add_argument("--small", action="store_true", help="a quick run (CI smoke test)")
    args = parser.parse_args(argv)
    try:
        ok = hashing_demo(args.small)
    except DataNotFoundError as exc:
        print(str(exc), file=sys.stderr)
        return 3
    try:
        part2 = importlib.import_module("finhash.compare.demo")
    except ImportError as exc:
        if getattr(exc, "name", None) not in ("finhash.compare.demo", "finhash.compare"):
            raise
        part2 = None
    if part2 is not None and callable(getattr(part2, "run", None)):
        result = part2.run(small=args.small)
        if isinstance(result, int) and result != 0:
            return result
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
