"""``python -m face_classifier.demo [--small]``: train a small model, zip held-out faces, predict.

``--small`` trains a tiny network on about 160 faces for a few seconds (a smoke run: expect
chance-level accuracy); without it the model trains for 5 minutes on every face.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from imagecore.config import DataNotFoundError, dataset_dir

from .predict import predict
from .train import TrainConfig, train
from .zipexport import export_zip


def main(argv: list[str] | None = None) -> int:
    """Run the demo; exit 3 when the faces data set is absent."""
    p = argparse.ArgumentParser(prog="python -m face_classifier.demo")
    p.add_argument("--small", action="store_true", help="tiny model, ~160 faces, finishes in well under a minute")
    p.add_argument("--out", default=None, help="keep the outputs here (default: a temporary folder)")
    args = p.parse_args(argv)
    try:
        root = dataset_dir("faces")
    except DataNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 3
    t0 = time.perf_counter()
    cfg = (
        TrainConfig(limit=160, crop=64, width=8, batch_size=16, max_epochs=2, time_budget_min=0.25, threads=2)
        if args.small
        else TrainConfig(time_budget_min=5.0)
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.out) if args.out else Path(tmp)
        summary = train(root, out / "model", cfg, progress=not args.small)
        n = export_zip(out / "model" / "split.csv", out / "test_faces.zip", ("test",))
        result = predict(out / "model", out / "test_faces.zip", out / "predictions.csv", progress=not args.small)
        report = {
            "train": {k: summary[k] for k in ("epochs", "best_val_auc", "seconds")},
            "zip_images": n,
            "scored": result["scored"],
            "accuracy": result.get("accuracy"),
            "auc": result.get("auc"),
            "confusion": result.get("confusion"),
            "predictions": str(out / "predictions.csv") if args.out else "(temporary)",
            "seconds": round(time.perf_counter() - t0, 1),
        }
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
