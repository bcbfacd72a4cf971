"""Command line: ``generate-numbers-sequence`` (also ``python -m mnist_sequences``).

Sub-commands (the first is the default when none is named)::

    generate-numbers-sequence [generate] --digits 3 5 0 --min-spacing 2 --max-spacing 8 --image-width 120
    generate-numbers-sequence dataset --count 100000 --length 3..8 --format npz --out-dir data/seq --workers 2
    generate-numbers-sequence grid --count 16 --length 3..8 --output grid.png

Bad arguments print one line on stderr and exit with code 2; missing MNIST exits with 3.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

PROG = "generate-numbers-sequence"
EXIT_USAGE = 2
EXIT_DATA = 3
COMMANDS = ("generate", "dataset", "grid")


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line (no usage block, no traceback)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


class UsageError(ValueError):
    """A bad argument found after parsing."""


def _length(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*(?:(?:\.\.|-|:)\s*(\d+))?\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"length must be N or MIN..MAX, got {text!r}")
    lo = int(m.group(1))
    hi = int(m.group(2)) if m.group(2) else lo
    return lo, hi


def _add_layout(p: argparse.ArgumentParser, *, width: int | None) -> None:
    p.add_argument("--min-spacing", type=int, default=2, help="minimum gap between digits in pixels (default 2)")
    p.add_argument("--max-spacing", type=int, default=8, help="maximum gap between digits in pixels (default 8)")
    p.add_argument("--image-width", type=int, default=width, required=width is None, help="output width in pixels")
    p.add_argument("--seed", type=int, default=None, help="random seed (same seed, same output)")
    p.add_argument(
        "--split", choices=("train", "test"), default=None, help="MNIST split (default train, or MNIST_SEQ_SPLIT)"
    )
    p.add_argument(
        "--mnist-root", type=Path, default=None, help="folder with the MNIST files (default $IMAGECORE_DATA_DIR/mnist)"
    )
    p.add_argument("--download", action="store_true", help="download missing MNIST files first (needs internet)")
    p.add_argument(
        "--align",
        choices=("center", "left", "right", "random"),
        default="center",
        help="where padding goes (default center)",
    )
    p.add_argument(
        "--overflow",
        choices=("resample", "error", "scale"),
        default="resample",
        help="when a draw is wider than the image: resample gaps to fit (default), error, or scale down",
    )
    aug = p.add_argument_group("augmentation (off unless --augment or one of these is given)")
    aug.add_argument("--augment", action="store_true", help="turn on all augmentations with their defaults")
    aug.add_argument(
        "--elastic", type=float, metavar="ALPHA", help="elastic distortion strength (default with --augment: 34)"
    )
    aug.add_argument("--elastic-sigma", type=float, default=4.0, help="elastic smoothing sigma (default 4)")
    aug.add_argument("--rotation", type=float, metavar="DEG", help="max rotation in degrees (default 10)")
    aug.add_argument("--shear", type=float, metavar="DEG", help="max shear in degrees (default 10)")
    aug.add_argument(
        "--thickness", type=int, nargs=2, metavar=("MIN", "MAX"), help="dilations(+)/erosions(-) range (default 0 1)"
    )
    aug.add_argument("--jitter", type=int, metavar="PX", help="max vertical jitter in pixels (default 2)")
    aug.add_argument("--noise", type=float, metavar="STD", help="Gaussian noise std (default 0.02)")


def build_parser() -> dict[str, argparse.ArgumentParser]:
    """One parser per sub-command."""
    gen = _Parser(
        prog=PROG,
        description="Save a PNG image of a sequence of MNIST digits and print its path.",
        epilog=f"Other commands: '{PROG} dataset --help' (bulk labelled export), '{PROG} grid --help' (inspection grid).",
    )
    what = gen.add_mutually_exclusive_group(required=True)
    what.add_argument("--digits", type=int, nargs="+", help="digits, e.g. --digits 3 5 0")
    what.add_argument("--sequence", help="digits as one string, e.g. --sequence 350")
    _add_layout(gen, width=None)
    gen.add_argument("--output", "-o", type=Path, help="PNG path (default: sequence-<digits>.png in --out-dir)")
    gen.add_argument("--out-dir", type=Path, default=Path("."), help="folder for the default file name (default .)")

    ds = _Parser(prog=f"{PROG} dataset", description="Write N labelled sequence images and a manifest.csv.")
    ds.add_argument("--count", type=int, required=True, help="number of images")
    ds.add_argument("--length", type=_length, default=(3, 8), help="digits per image: N or MIN..MAX (default 3..8)")
    _add_layout(ds, width=256)
    ds.add_argument(
        "--format", choices=("png", "npz", "tar"), default="npz", help="png files, npz shards or tar shards"
    )
    ds.add_argument("--out-dir", type=Path, required=True, help="output folder")
    ds.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    ds.add_argument("--chunk-size", type=int, default=1000, help="images per chunk / shard (default 1000)")
    ds.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    grid = _Parser(prog=f"{PROG} grid", description="Save a grid of random labelled examples as one PNG.")
    grid.add_argument("--count", type=int, default=12, help="number of examples (default 12)")
    grid.add_argument("--length", type=_length, default=(3, 8), help="digits per image: N or MIN..MAX (default 3..8)")
    _add_layout(grid, width=256)
    grid.add_argument("--cols", type=int, default=1, help="columns (default 1)")
    grid.add_argument("--output", "-o", type=Path, default=Path("sequences-grid.png"), help="PNG path")
    return {"generate": gen, "dataset": ds, "grid": grid}


def _augmentation(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from mnist_sequences.augment import Augmentation

    given = {
        "elastic_alpha": args.elastic,
        "rotation": args.rotation,
        "shear": args.shear,
        "thickness": tuple(args.thickness) if args.thickness else None,
        "jitter": args.jitter,
        "noise": args.noise,
    }
    given = {k: v for k, v in given.items() if v is not None}
    if not args.augment and not given:
        return None
    base = Augmentation() if args.augment else Augmentation.none()
    return replace(base, elastic_sigma=args.elastic_sigma, **given)


def _split(args: argparse.Namespace) -> tuple[str, Path | None]:
    from mnist_sequences.settings import Settings

    settings = Settings.from_env()
    return args.split or settings.split, args.mnist_root or settings.mnist_root


def _cmd_generate(args: argparse.Namespace) -> int:
    from imagecore.io import save_image, to_uint8

    from mnist_sequences.generator import get_generator

    if args.sequence is not None:
        if not re.fullmatch(r"\d+", args.sequence):
            raise UsageError(f"--sequence must contain only digits 0-9, got {args.sequence!r}")
        digits = [int(c) for c in args.sequence]
    else:
        digits = args.digits
    split, root = _split(args)
    augment = _augmentation(args)
    # validate before loading MNIST so that bad numbers fail fast
    from mnist_sequences.layout import check_fits, validate_digits, validate_spacing, validate_width

    seq = validate_digits(digits)
    spacing = validate_spacing((args.min_spacing, args.max_spacing))
    width = validate_width(args.image_width)
    check_fits(len(seq), spacing, width, args.overflow)
    gen = get_generator(split, root, download=args.download)
    image, _ = gen.generate(
        seq, spacing, width, rng=args.seed, align=args.align, overflow=args.overflow, augment=augment
    )
    label = "".join(map(str, seq))
    path = args.output or args.out_dir / f"sequence-{label}.png"
    if path.suffix.lower() != ".png":
        raise UsageError(f"--output must end in .png, got {path}")
    save_image(to_uint8(image), path)
    print(path)
    return 0


def _cmd_dataset(args: argparse.Namespace) -> int:
    from mnist_sequences.export import export_dataset
    from mnist_sequences.generator import get_generator

    split, root = _split(args)
    if args.download:
        get_generator(split, root, download=True)
    result = export_dataset(
        args.out_dir,
        args.count,
        length=args.length,
        spacing_range=(args.min_spacing, args.max_spacing),
        image_width=args.image_width,
        fmt=args.format,
        seed=0 if args.seed is None else args.seed,
        workers=args.workers,
        chunk_size=args.chunk_size,
        augment=_augmentation(args),
        split=split,
        root=root,
        align=args.align,
        overflow=args.overflow,
        progress=not args.no_progress,
    )
    print(result.manifest)
    print(f"{result.count} images ({result.format}) in {result.seconds:.1f} s -> {result.out_dir}", file=sys.stderr)
    return 0


def _cmd_grid(args: argparse.Namespace) -> int:
    from mnist_sequences.generator import get_generator
    from mnist_sequences.grid import save_grid

    split, root = _split(args)
    gen = get_generator(split, root, download=args.download)
    batch = gen.sample_batch(
        args.count,
        args.length,
        (args.min_spacing, args.max_spacing),
        args.image_width,
        rng=args.seed,
        align=args.align,
        overflow=args.overflow,
        augment=_augmentation(args),
    )
    if args.output.suffix.lower() != ".png":
        raise UsageError(f"--output must end in .png, got {args.output}")
    print(save_grid(batch.images, batch.layout.labels, args.output, cols=args.cols))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``generate-numbers-sequence``; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = "generate"
    if argv and argv[0] in COMMANDS:
        command = argv.pop(0)
    parser = build_parser()[command]
    args = parser.parse_args(argv)
    from imagecore.config import DataNotFoundError
    from imagecore.mnist import ChecksumError

    try:
        return {"generate": _cmd_generate, "dataset": _cmd_dataset, "grid": _cmd_grid}[command](args)
    except DataNotFoundError as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return EXIT_DATA
    except ChecksumError as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return EXIT_DATA
    except ValueError as exc:  # includes UsageError
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except RuntimeError as exc:  # e.g. no mirror could serve a download
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return EXIT_DATA
    except OSError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
