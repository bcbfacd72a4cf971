"""``finhash compare``: accuracy and cost of every method on one labelled set."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from finhash.compare._cli_util import guarded, parse_methods


def load_set(kind: str, root: str | None, families: int | None, seed: int):  # type: ignore[no-untyped-def]
    """Load a labelled set by kind (``nearduplicates``, ``memeset``, ``meme-generator``)."""
    from finhash.memeset.loaders import LabelledSetError, load_meme_generator, load_memeset, load_nearduplicates

    try:
        if kind == "nearduplicates":
            ds = load_nearduplicates(root)
        elif kind == "memeset":
            if not root:
                raise ValueError("--root is required for a memeset (build one with `finhash memeset build`)")
            ds = load_memeset(root)
        else:
            if not root:
                raise ValueError("--root is required for the meme-generator folder (unzipped das_images.zip)")
            ds = load_meme_generator(root)
    except LabelledSetError as exc:
        raise ValueError(str(exc)) from None
    return ds.subset(families, random_state=seed) if families else ds


@guarded
def run_compare(args: argparse.Namespace) -> int:
    """Hash a labelled set with each method and print accuracy and per-image cost."""
    from finhash.compare.cost import per_image_ms
    from finhash.compare.hashing import hash_files
    from finhash.compare.methods import DEFAULT_METHODS, available_methods
    from finhash.compare.metrics import evaluate

    wanted = parse_methods(args.methods) or DEFAULT_METHODS
    ds = load_set(args.dataset, args.root, args.families, args.seed)
    ok, skipped = available_methods(wanted)
    for n, why in skipped.items():
        print(f"skipped {n}: {why}")
    table = hash_files(ds.paths, ok, processes=args.processes, progress=not args.quiet)
    fams = [f for p, f in zip(ds.paths, ds.families, strict=True) if p in set(table.paths)]
    tags = [t for p, t in zip(ds.paths, ds.transforms, strict=True) if p in set(table.paths)] if ds.transforms else None
    cost = per_image_ms(table)
    out = {}
    print(f"{ds.name}: {len(table.paths)} images, {len(set(fams))} families")
    print(f"{'method':10} {'AUC':>6} {'TPR@.1%':>8} {'TPR@1%':>7} {'bestF1':>7} {'thr':>4} {'hash ms':>8} {'decode ms':>9}")
    for m in ok:
        ev = evaluate(table.codes[m], fams, n_neg=args.negatives, transforms=tags, n_boot=args.bootstrap, random_state=args.seed)
        p = ev.point
        print(f"{m:10} {p['auc']:6.3f} {p['tpr@0.001']:8.3f} {p['tpr@0.01']:7.3f} {p['best_f1']:7.3f} {p['best_thr']:4d} "
              f"{cost[m]['hash_ms_median']:8.2f} {cost[m]['decode_ms_median']:9.2f}")
        out[m] = {**ev.to_dict(), "cost": cost[m]}
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(out, indent=1))
        print(f"wrote {args.json}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``compare`` to the ``finhash`` CLI."""
    p = subparsers.add_parser("compare", help="compare FINd with aHash/pHash/dHash/wHash/PDQ on a labelled image set",
                              description="Hash a labelled set with every method; print AUC, TPR at FPR 0.1%%/1%%, best F1 and cost.")
    p.add_argument("--dataset", choices=("nearduplicates", "memeset", "meme-generator"), default="nearduplicates")
    p.add_argument("--root", help="folder of the set (default for nearduplicates: $IMAGECORE_DATA_DIR/nearduplicates)")
    p.add_argument("--methods", help="comma-separated method names (default: all)")
    p.add_argument("--families", type=int, help="use a random subset of this many families")
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--negatives", type=int, default=200_000, help="between-family pairs sampled")
    p.add_argument("--bootstrap", type=int, default=0, help="bootstrap replicates for CIs (0 = none)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", help="write the full results here")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run_compare)
