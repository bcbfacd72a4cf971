"""Command-line entry point ``classifier-report``: ``report`` and ``baseline``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from classifier_report.errors import ReportInputError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="classifier-report", description="Analyse a real-vs-fake face classifier.")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("report", help="write the Markdown report + plots for a predictions CSV")
    r.add_argument("--predictions", type=Path, required=True, help="CSV filename,prob_fake[,label][,split]")
    r.add_argument("--metadata", type=Path, required=True, help="question_01 metadata.parquet or its dataset folder")
    r.add_argument("--train-list", type=Path,
                   help="CSV with the filename column of the training images (rows with split != train are ignored)")
    r.add_argument("--images", type=Path, help="dataset folder holding the images (for robustness; default: metadata's folder)")
    r.add_argument("--model", type=Path, help="baseline model.pkl from `classifier-report baseline` (trusted file)")
    r.add_argument("--score-cmd", help="external scorer, e.g. 'face-classifier predict --images {images} --out {out}'")
    r.add_argument("--robustness-max", type=int, default=300, help="images re-scored per perturbation")
    r.add_argument("--out", type=Path, required=True, help="report folder")
    r.add_argument("--title", default="Classifier report")
    r.add_argument("--no-plots", action="store_true", help="skip the PNG figures")
    b = sub.add_parser("baseline", help="train the spectrum + logistic-regression baseline and predict a validation split")
    b.add_argument("--dataset", type=Path, required=True, help="question_01 dataset folder")
    b.add_argument("--out", type=Path, required=True, help="folder for predictions.csv, train.csv, model.pkl")
    b.add_argument("--holdout-generator", action="append", default=[], help="never train on this generator; repeatable")
    b.add_argument("--val-fraction", type=float, default=0.3)
    b.add_argument("--seed", type=int, default=0)
    return p


def _metadata_path(path: Path) -> Path:
    parquet = path / "metadata.parquet" if path.is_dir() else path
    if not parquet.is_file():
        raise ReportInputError(f"{parquet}: metadata parquet not found")
    return parquet


def run_report(args: argparse.Namespace) -> Path:
    """The ``report`` sub-command as a function (returns the report path)."""
    import numpy as np
    import pandas as pd

    from classifier_report.predictions import join_metadata, read_predictions
    from classifier_report.report import build_report
    from classifier_report.robustness import command_scorer, robustness_table
    from classifier_report.settings import get_settings

    settings = get_settings()
    parquet = _metadata_path(args.metadata)
    meta = pd.read_parquet(parquet)
    preds = read_predictions(args.predictions)
    train_meta = None
    if "split" in preds.columns and (preds["split"] == "train").any():
        train_meta = join_metadata(preds[preds["split"] == "train"], meta)
        preds = preds[preds["split"] != "train"]
    if args.train_list:
        tl = pd.read_csv(args.train_list)
        if "filename" not in tl.columns:
            raise ReportInputError(f"{args.train_list}: needs a filename column")
        if "split" in tl.columns:  # a split file (e.g. question_03's split.csv): keep the training rows
            tl = tl[tl["split"].astype(str) == "train"]
        train_meta = join_metadata(tl[["filename"]].assign(prob_fake=0.0), meta, strict=False)
    joined = join_metadata(preds, meta)
    notes = f"Predictions: `{args.predictions.name}`; metadata: `{parquet}`."
    if train_meta is not None and "image_id" in joined.columns:
        in_train = joined["image_id"].isin(set(train_meta["image_id"])).to_numpy()
        if in_train.all():
            raise ReportInputError("every prediction is for a training image; nothing left to evaluate")
        if in_train.any():
            joined = joined[~in_train].reset_index(drop=True)
            notes += f" {int(in_train.sum())} predictions of training images were left out of the evaluation."
    robust = None
    if args.model or args.score_cmd:
        from classifier_report.baseline import SpectrumClassifier, load_images

        root = args.images or parquet.parent
        rng = np.random.default_rng(settings.seed)
        idx = np.arange(len(joined))
        if len(idx) > args.robustness_max:
            idx = np.sort(rng.choice(idx, args.robustness_max, replace=False))
        sub = joined.iloc[idx]
        images = load_images(root, sub["path"].astype(str).tolist())
        if args.model:
            model = SpectrumClassifier.load(args.model)

            def scorer(ims, names):  # type: ignore[no-untyped-def]
                return model.score_images(ims)
        else:
            scorer = command_scorer(args.score_cmd)
        robust = robustness_table(images, sub["path"].astype(str).tolist(), sub["y_true"].to_numpy(), scorer,
                                  threshold=settings.threshold, groups=sub["generator"].astype(str).to_numpy())  # fmt: skip
    res = build_report(joined, args.out, train_meta=train_meta, shortcut_meta=meta, robustness=robust,
                       settings=settings, title=args.title, plots=not args.no_plots,
                       notes=notes)  # fmt: skip
    return res.markdown


def run_baseline(args: argparse.Namespace) -> Path:
    """The ``baseline`` sub-command as a function (returns the predictions path)."""
    import pandas as pd

    from classifier_report.baseline import train_baseline

    parquet = _metadata_path(args.dataset)
    meta = pd.read_parquet(parquet)
    missing = [g for g in args.holdout_generator if g not in set(meta["generator"].astype(str))]
    if missing:
        raise ReportInputError(f"unknown generator(s) {missing}; have {sorted(set(meta['generator'].astype(str)))}")
    run = train_baseline(meta, parquet.parent, val_fraction=args.val_fraction,
                         holdout_generators=args.holdout_generator, seed=args.seed)  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    run.predictions.to_csv(args.out / "predictions.csv", index=False)
    pd.DataFrame({"filename": run.train["path"].astype(str)}).to_csv(args.out / "train.csv", index=False)
    run.model.save(args.out / "model.pkl")
    return args.out / "predictions.csv"


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; 0 ok, 1 bad input."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        if args.cmd == "report":
            print(f"report written to {run_report(args)}")
        else:
            print(f"baseline predictions written to {run_baseline(args)}")
        return 0
    except (ReportInputError, FileNotFoundError, ValueError) as exc:
        print(f"classifier-report: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
