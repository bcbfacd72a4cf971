"""``finhash memeset``: build the meme-like benchmark; check a meme-generator folder or zip."""

from __future__ import annotations

import argparse

from finhash.compare._cli_util import guarded


@guarded
def run_build(args: argparse.Namespace) -> int:
    """Build the benchmark."""
    from finhash.memeset.build import build_memeset
    from finhash.memeset.loaders import load_memeset

    if args.families < 1:
        raise ValueError("--families must be at least 1")
    labels = build_memeset(args.out, args.families, seed=args.seed, data_root=args.data_root, progress=not args.quiet)
    ds = load_memeset(labels.parent)
    print(f"wrote {len(ds)} images in {ds.n_families} families: {labels}")
    return 0


@guarded
def run_check(args: argparse.Namespace) -> int:
    """Check the meme-generator folder (and optionally its zip's md5)."""
    from pathlib import Path

    from finhash.memeset.loaders import DAS_ZIP_MD5, LabelledSetError, load_meme_generator, verify_das_zip

    if args.zip:
        if not Path(args.zip).is_file():
            raise FileNotFoundError(f"{args.zip}: no such file")
        good = verify_das_zip(args.zip)
        print(f"{args.zip}: md5 {'matches' if good else 'does NOT match'} {DAS_ZIP_MD5}")
        if not good:
            return 1
    if args.folder:
        try:
            ds = load_meme_generator(args.folder, strict=args.strict)
        except LabelledSetError as exc:
            raise ValueError(str(exc)) from None
        print(f"{args.folder}: {len(ds)} images in {ds.n_families} families")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``memeset`` to the ``finhash`` CLI."""
    p = subparsers.add_parser("memeset", help="build the meme-like benchmark; check the meme-generator data")
    sub = p.add_subparsers(dest="memeset_command", metavar="ACTION", required=True)
    b = sub.add_parser("build", help="build families of edited real photos (reproducible from --seed)")
    b.add_argument("out", help="output folder (images/ + labels.csv)")
    b.add_argument("--families", type=int, default=240)
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--data-root", help="data root with faces/real and fashion/images (default $IMAGECORE_DATA_DIR)")
    b.add_argument("--quiet", action="store_true")
    b.set_defaults(func=run_build)
    c = sub.add_parser("check", help="check the Library of Congress meme-generator folder / das_images.zip")
    c.add_argument("--folder", help="unzipped das_images folder (family = first four digits of each file name)")
    c.add_argument("--zip", help="das_images.zip, to check its md5")
    c.add_argument("--strict", action="store_true", help="require all 55,972 images in 1,034 families")
    c.set_defaults(func=run_check)
