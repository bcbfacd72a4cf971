"""Command-line entry point ``face-dataset``: build, sample, pack, unpack, verify, schema."""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import replace
from pathlib import Path

from imagecore.config import DataNotFoundError, cache_dir, dataset_dir

from face_dataset.errors import FaceDatasetError

DEFAULT_CELLS = "label,generator,resolution_bucket"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="face-dataset", description="Build, sample and pack a real-vs-fake face dataset.")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="cmd", required=True)

    b = sub.add_parser("build", help="collect, validate, describe, de-duplicate and write a dataset folder")
    b.add_argument("--out", required=True, type=Path, help="output dataset folder")
    b.add_argument("--labels-csv", action="append", type=Path, default=[],
                   help="CSV with filename,label[,source,generator_if_known,licence,...]; repeatable. "
                        "Default when no source is given: $IMAGECORE_DATA_DIR/faces/labels.csv")
    b.add_argument("--folder", action="append", default=[], metavar="DIR:LABEL[:GENERATOR[:SOURCE]]",
                   help="every image under DIR with this label; repeatable")
    b.add_argument("--urls", type=Path, help="CSV url,label[,generator,source,licence] to download (needs internet)")
    b.add_argument("--data-dir", type=Path, help="explicit faces folder (wins over IMAGECORE_DATA_DIR)")
    b.add_argument("--extra-labels", type=Path, help="CSV filename,<label columns...> merged into the metadata")
    b.add_argument("--per-group", type=int, help="keep at most N random images per (label, generator) group")
    b.add_argument("--seed", type=int, default=0, help="seed of --per-group")
    b.add_argument("--min-size", type=int, help="minimum width/height in pixels")
    b.add_argument("--near-dup-threshold", type=int, help="pHash Hamming distance counted as near-duplicate")
    b.add_argument("--workers", type=int, help="metadata extraction processes")
    b.add_argument("--hash", choices=["phash", "find"], help="extra perceptual hash column (phash always kept)")
    b.add_argument("--allow-grayscale", action="store_true", help="accept single-channel images")
    b.add_argument("--no-faces", action="store_true", help="skip face detection")
    b.add_argument("--no-plots", action="store_true", help="skip the card's plots (faster)")
    b.add_argument("--overwrite", action="store_true", help="replace a non-empty --out folder")

    s = sub.add_parser("sample", help="uniform sample over label cells")
    s.add_argument("dataset", type=Path, help="dataset folder or metadata.parquet")
    s.add_argument("-n", "--n", type=int, required=True, help="rows to draw")
    s.add_argument("--by", default=DEFAULT_CELLS, help=f"comma-separated label columns (default {DEFAULT_CELLS})")
    s.add_argument("--replace", action="store_true", help="draw with replacement (i.i.d.)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--min-cell", type=int, default=1, help="leave out cells with fewer rows")
    s.add_argument("--out", type=Path, help="write the sample (.csv or .parquet)")

    pk = sub.add_parser("pack", help="pack a dataset folder into one .tar.gz or .zip")
    pk.add_argument("dataset", type=Path)
    pk.add_argument("--out", type=Path, required=True, help="archive path (.tar.gz, .tgz or .zip)")

    up = sub.add_parser("unpack", help="unpack an archive safely and verify its checksums")
    up.add_argument("archive", type=Path)
    up.add_argument("--dest", type=Path, required=True)

    v = sub.add_parser("verify", help="verify a dataset folder against checksums.sha256")
    v.add_argument("dataset", type=Path)

    sub.add_parser("schema", help="print the metadata schema (Markdown)")
    return p


def _build(args: argparse.Namespace) -> int:
    from face_dataset.build import build_dataset, subset_per_group
    from face_dataset.settings import get_settings
    from face_dataset.sources import from_folder, from_labels_csv, from_url_list, read_extra_labels

    settings = get_settings()
    overrides = {k: v for k, v in {"min_size": args.min_size, "near_dup_threshold": args.near_dup_threshold,
                                   "workers": args.workers, "hash_method": args.hash}.items() if v is not None}
    settings = replace(settings, **overrides)
    csvs = list(args.labels_csv)
    if not csvs and not args.folder and not args.urls:
        csvs = [dataset_dir("faces", args.data_dir) / "labels.csv"]
    cands = []
    for c in csvs:
        cands += from_labels_csv(c)
    for spec in args.folder:
        cands += from_folder(spec)
    if args.urls:
        cands += from_url_list(args.urls, cache_dir("face_dataset") / "downloads")
    if args.per_group:
        cands = subset_per_group(cands, args.per_group, seed=args.seed)
    extra = read_extra_labels(args.extra_labels) if args.extra_labels else None
    res = build_dataset(cands, args.out, settings=settings, extra_labels=extra, allow_grayscale=args.allow_grayscale,
                        detect=not args.no_faces, overwrite=args.overwrite, plots=not args.no_plots)  # fmt: skip
    counts = res.metadata.groupby(["label", "generator"]).size()
    print(f"built {res.out}: {len(res.metadata)} images ({', '.join(f'{a}/{b}={n}' for (a, b), n in counts.items())}); "
          f"{len(res.rejected)} rejected, {len(res.duplicates)} duplicates removed")  # fmt: skip
    return 0


def _load_metadata(path: Path):  # type: ignore[no-untyped-def]
    import pandas as pd

    parquet = path / "metadata.parquet" if path.is_dir() else path
    if not parquet.is_file():
        raise FaceDatasetError(f"{parquet}: no metadata.parquet")
    return pd.read_parquet(parquet)


def _sample(args: argparse.Namespace) -> int:
    from face_dataset.sampling import sample_uniform

    df = _load_metadata(args.dataset)
    res = sample_uniform(df, [c.strip() for c in args.by.split(",") if c.strip()], args.n, replace=args.replace,
                         seed=args.seed, min_cell=args.min_cell)  # fmt: skip
    print(res.report.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    print(f"chi-square vs uniform over non-exhausted cells: p = {res.chi2_pvalue:.3f}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        if args.out.suffix == ".parquet":
            res.sample.to_parquet(args.out, index=False)
        else:
            res.sample.to_csv(args.out, index=False)
        print(f"wrote {len(res.sample)} rows to {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 bad input/data, 3 data set missing)."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        if args.cmd == "build":
            return _build(args)
        if args.cmd == "sample":
            return _sample(args)
        if args.cmd == "pack":
            from face_dataset.pack import pack

            out = pack(args.dataset, args.out)
            print(f"packed {args.dataset} into {out} ({out.stat().st_size / 1e6:.1f} MB)")
        elif args.cmd == "unpack":
            from face_dataset.pack import unpack

            folder = unpack(args.archive, args.dest)
            print(f"unpacked into {folder}; all checksums verified")
        elif args.cmd == "verify":
            from face_dataset.build import verify_checksums

            print(f"{verify_checksums(args.dataset)} files verified")
        elif args.cmd == "schema":
            from face_dataset.schema import schema_markdown

            print(schema_markdown())
        return 0
    except DataNotFoundError as exc:
        print(f"face-dataset: {exc}", file=sys.stderr)
        return 3
    except (FaceDatasetError, FileNotFoundError, ValueError) as exc:
        print(f"face-dataset: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
