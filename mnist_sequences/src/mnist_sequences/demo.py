"""Demo: ``python -m mnist_sequences.demo [--small] [--out DIR]``.

Writes a few example sequences (PNG), a labelled grid of augmented examples, and a small
bulk dataset (npz shards + manifest.csv) to ``--out`` (default ``$MNIST_SEQ_OUT_DIR`` or
``imagecore.config.cache_dir("mnist_sequences")/demo``) and prints their paths.
Exit code 3 (with the message) when MNIST is absent.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

MISSING_DATA = 3


def main(argv: list[str] | None = None) -> int:
    """Run the demo; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m mnist_sequences.demo", description=__doc__)
    parser.add_argument("--small", action="store_true", help="fewer images (smoke run)")
    parser.add_argument("--out", type=Path, default=None, help="output folder")
    args = parser.parse_args(argv)

    from imagecore.config import DataNotFoundError, cache_dir
    from imagecore.io import save_image, to_uint8

    from mnist_sequences import Augmentation, SequenceGenerator, export_dataset, save_grid
    from mnist_sequences.settings import Settings

    settings = Settings.from_env()
    out = args.out or settings.out_dir or cache_dir("mnist_sequences") / "demo"
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    try:
        gen = SequenceGenerator(settings.split, root=settings.mnist_root, seed=0)
    except DataNotFoundError as exc:
        print(exc, file=sys.stderr)
        return MISSING_DATA
    print(f"digit source: {gen}")
    for digits, spacing, width in (
        ([3, 5, 0], (2, 8), 120),
        ([1, 2, 3, 4, 5], (0, 12), 200),
        ([2, 0, 2, 6], (4, 4), 160),
    ):
        image, layout = gen.generate(digits, spacing, width, rng=len(digits))
        path = save_image(to_uint8(image), out / f"sequence-{layout.label}.png")
        print(f"{path}  x={list(layout.x)} gaps={list(layout.gaps)} mnist={list(layout.mnist_indices)}")
    batch = gen.sample_batch(8, (3, 7), (2, 8), 224, rng=1)
    print(save_grid(batch.images, batch.layout.labels, out / "grid-plain.png"))
    batch = gen.sample_batch(8, (3, 7), (2, 8), 224, rng=1, augment=Augmentation())
    print(save_grid(batch.images, batch.layout.labels, out / "grid-augmented.png"))
    count = 2000 if args.small else 20000
    result = export_dataset(
        out / "dataset",
        count,
        length=(3, 8),
        image_width=256,
        fmt="npz",
        seed=0,
        root=settings.mnist_root,
        split=settings.split,
        progress=not args.small,
    )
    print(f"{result.manifest}  ({result.count} images in {result.files} shards, {result.seconds:.1f} s)")
    print(f"demo done in {time.perf_counter() - t0:.1f} s -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
