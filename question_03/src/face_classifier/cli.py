"""Command-line entry point ``face-classifier`` (train / evaluate / predict)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from imagecore.config import DataNotFoundError

from .settings import get_settings


def _parser() -> argparse.ArgumentParser:
    s = get_settings()
    p = argparse.ArgumentParser(prog="face-classifier", description="Real-vs-fake face CNN: train, evaluate, predict.")
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train a model on a face data set folder")
    t.add_argument("--dataset", required=True, help="question_01 output folder or raw faces/ folder (labels.csv)")
    t.add_argument("--out", required=True, help="output folder (model.pt, split.csv, history.json)")
    t.add_argument("--recipe", default="robust", choices=["robust", "none"], help="augmentation recipe")
    t.add_argument("--minutes", type=float, default=45.0, help="wall-clock training budget")
    t.add_argument("--epochs", type=int, default=200, help="maximum epochs")
    t.add_argument("--crop", type=int, default=64, help="training crop side (native resolution)")
    t.add_argument("--batch-size", type=int, default=32)
    t.add_argument("--lr", type=float, default=2e-3)
    t.add_argument("--width", type=int, default=16)
    t.add_argument("--no-highpass", action="store_true", help="drop the fixed noise-residual stem")
    t.add_argument("--aug-p", type=float, default=0.3, help="probability of blur and of JPEG re-compression")
    t.add_argument("--input-size", type=int, default=None, help="whole-face mode: resize faces to this side first")
    t.add_argument("--limit", type=int, default=None, help="use only about this many images (smoke runs)")
    t.add_argument("--init-weights", default=None, help="optional weights to start from")
    t.add_argument("--seed", type=int, default=s.seed)
    t.add_argument("--threads", type=int, default=s.threads)
    e = sub.add_parser("evaluate", help="test/unseen/robustness metrics of a trained model")
    e.add_argument("--model", required=True, help="model.pt or the training output folder")
    e.add_argument("--out", required=True, help="folder for metrics.json and plots")
    e.add_argument("--bootstrap", type=int, default=1000)
    e.add_argument("--threads", type=int, default=s.threads)
    r = sub.add_parser("predict", help="score a zip or folder of face images")
    r.add_argument("--model", required=True, help="model.pt or the training output folder")
    r.add_argument("--input", required=True, help="a .zip or a folder of images")
    r.add_argument("--out", required=True, help="predictions CSV (filename,prob_fake,label)")
    r.add_argument(
        "--metrics", default=None, help="metrics JSON path (default: <out>.metrics.json) when ground truth exists"
    )
    r.add_argument("--threshold", type=float, default=0.5)
    r.add_argument("--batch-size", type=int, default=32)
    r.add_argument("--threads", type=int, default=s.threads)
    z = sub.add_parser("export-zip", help="zip a split of a training run (real/ fake/ folders) for predict")
    z.add_argument("--model", required=True, help="training output folder (holds split.csv)")
    z.add_argument("--split", action="append", default=None, help="split(s) to include (default: test)")
    z.add_argument("--jpeg-quality", type=int, default=None, help="re-encode as JPEG at this quality")
    z.add_argument("--out", required=True)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.cmd == "train":
            from .train import TrainConfig, train

            cfg = TrainConfig(
                recipe=args.recipe,
                crop=args.crop,
                aug_p=args.aug_p,
                width=args.width,
                highpass=not args.no_highpass,
                batch_size=args.batch_size,
                lr=args.lr,
                max_epochs=args.epochs,
                time_budget_min=args.minutes,
                seed=args.seed,
                threads=args.threads,
                limit=args.limit,
                input_size=args.input_size,
                init_weights=args.init_weights,
            )
            if not Path(args.dataset).is_dir():
                raise DataNotFoundError(f"{args.dataset}: no such data set folder")
            print(json.dumps(train(args.dataset, args.out, cfg), indent=1))
        elif args.cmd == "evaluate":
            from .evaluate import evaluate_model

            print(
                json.dumps(
                    evaluate_model(args.model, args.out, n_boot=args.bootstrap, threads=args.threads)["summary"],
                    indent=1,
                )
            )
        elif args.cmd == "predict":
            from .predict import predict

            result = predict(
                args.model,
                args.input,
                args.out,
                metrics_path=args.metrics,
                threshold=args.threshold,
                batch_size=args.batch_size,
                threads=args.threads,
            )
            print(json.dumps(result, indent=1))
        elif args.cmd == "export-zip":
            from .torchutil import resolve_model_path
            from .zipexport import export_zip

            split_csv = resolve_model_path(args.model).parent / "split.csv"
            n = export_zip(split_csv, args.out, tuple(args.split or ["test"]), args.jpeg_quality)
            print(json.dumps({"images": n, "zip": args.out}))
    except DataNotFoundError as exc:
        print(f"face-classifier: {exc}", file=sys.stderr)
        return 3
    except (FileNotFoundError, ValueError, OSError) as exc:
        print(f"face-classifier: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
