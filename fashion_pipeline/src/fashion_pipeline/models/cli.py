"""CLI commands of the model step: ``train-category-model``, ``models``, ``predict``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the model commands to the ``fashion-pipeline`` parser."""
    p = subparsers.add_parser("train-category-model", help="train the small category CNN on the catalogue")
    p.add_argument("--output", type=Path, default=None,
                   help="checkpoint path (default: <cache>/models/category_cnn.pt; the packaged one is "
                        "fashion_pipeline/models/category_cnn.pt)")
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=4e-3)
    p.add_argument("--width", type=int, default=8)
    p.add_argument("--input-size", type=int, default=48, help="side of the square input (images are fitted, then resized)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=None, help="use only the first N products (quick runs)")
    p.set_defaults(func=_train)

    p = subparsers.add_parser("models", help="list the models of the model step")
    p.set_defaults(func=_list)

    p = subparsers.add_parser("predict", help="run a model on image files and print JSON")
    p.add_argument("images", nargs="+", type=Path)
    p.add_argument("--model", default="category_cnn")
    p.add_argument("--weights", default=None, help="state_dict / checkpoint file")
    p.add_argument("--top-k", type=int, default=5)
    p.set_defaults(func=_predict)


def _train(args: argparse.Namespace) -> int:
    import logging

    from imagecore.config import DataNotFoundError, cache_dir

    from fashion_pipeline.config import get_settings
    from fashion_pipeline.models.train import load_catalogue_images, train_category_model

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = get_settings()
    if not Path(settings.styles_path).is_file() or not Path(settings.images_dir).is_dir():
        print(f"fashion-pipeline: catalogue not found ({settings.styles_path}, {settings.images_dir}); "
              "set IMAGECORE_DATA_DIR or FASHION_STYLES_PATH / FASHION_IMAGES_DIR", file=sys.stderr)
        return 3
    try:
        cache = None if args.limit else cache_dir("fashion_pipeline") / "train_64.npz"
        data = load_catalogue_images(Path(settings.styles_path), Path(settings.images_dir), cache=cache, limit=args.limit)
    except (DataNotFoundError, FileNotFoundError) as exc:
        print(f"fashion-pipeline: {exc}", file=sys.stderr)
        return 3
    output = args.output or cache_dir("fashion_pipeline") / "models" / "category_cnn.pt"
    card = train_category_model(data, output, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                                width=args.width, seed=args.seed, threads=args.threads,
                                input_size=args.input_size)
    print(json.dumps({k: card[k] for k in ("n_train", "n_held_out", "held_out_accuracy", "majority_baseline",
                                           "train_seconds")}, indent=2))
    print(f"wrote {output} and {Path(output).with_suffix('.json')}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from fashion_pipeline.models import available_models

    for name, desc in available_models().items():
        print(f"{name:<14} {desc}")
    return 0


def _predict(args: argparse.Namespace) -> int:
    import numpy as np
    from imagecore.io import ImageError, open_image

    from fashion_pipeline.models import UnknownModelError, load_model

    try:
        options = {"weights": args.weights} if args.weights else {}
        model = load_model(args.model, **options)
        images = [np.asarray(open_image(p, mode="RGB")) for p in args.images]
    except (UnknownModelError, ImageError, FileNotFoundError, ValueError) as exc:
        print(f"fashion-pipeline: {exc}", file=sys.stderr)
        return 2
    for path, res in zip(args.images, model.predict(images, top_k=args.top_k), strict=True):
        print(json.dumps({"image": str(path), **res}))
    return 0
