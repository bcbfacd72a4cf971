"""Command-line entry point ``mnist-halves``.

Sub-commands: ``make-puzzle``, ``restore``, ``evaluate``, ``train``, ``calibrate``, ``ensemble``. Bad input gives a
one-line message on stderr and exit code 2 (3 when the MNIST data is missing).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np
from imagecore.config import DataNotFoundError

EXIT_BAD_INPUT = 2
EXIT_NO_DATA = 3


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mnist-halves", description="Restore MNIST digits cut in half and shuffled.")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = p.add_subparsers(dest="command", required=True)

    mk = sub.add_parser("make-puzzle", help="cut and shuffle an MNIST split into a puzzle file")
    mk.add_argument("--split", choices=("train", "test"), default="test")
    mk.add_argument("--seed", type=int, default=0)
    mk.add_argument("--out", required=True, help="puzzle .npz (truth goes to <stem>.truth.npz)")
    mk.add_argument("--n", type=int, default=None, help="use only the first N digits of the split")
    mk.add_argument("--drop-left", type=int, default=0, help="remove this many left halves (unequal counts)")
    mk.add_argument("--drop-right", type=int, default=0, help="remove this many right halves (unequal counts)")
    mk.add_argument("--pooled", action="store_true", help="one pile of 2N halves with unknown sides (key 'halves')")
    mk.add_argument("--mnist-dir", default=None, help="folder with the MNIST files (default $IMAGECORE_DATA_DIR/mnist)")

    rs = sub.add_parser("restore", help="re-pair the halves of a puzzle")
    rs.add_argument("--puzzle", default=None, help="puzzle .npz with 'left' and 'right' (or 'halves' with --pooled)")
    rs.add_argument("--left", default=None, help="left halves .npy (N,28,14) uint8")
    rs.add_argument("--right", default=None, help="right halves .npy (M,28,14) uint8")
    rs.add_argument("--out", required=True, help="output CSV left_index,right_index,score")
    rs.add_argument("--method", choices=("heuristic", "embedding", "learned"), default="learned")
    rs.add_argument("--assign", choices=("greedy", "dense", "sparse"), default="sparse")
    rs.add_argument("--k", type=int, default=None, help="candidates per half and direction (default 32)")
    rs.add_argument("--model", default=None, help="model file (default: cache, else shipped model, else train)")
    rs.add_argument("--pooled", action="store_true", help="the puzzle is one pile of halves with unknown sides")
    rs.add_argument(
        "--no-prior", action="store_true", help="ignore the MNIST geometry prior (halves not made the MNIST way)"
    )
    rs.add_argument("--no-palette", action="store_true", help="ignore the grey-level palette prior")

    ev = sub.add_parser("evaluate", help="accuracy of a pairs CSV against the truth file")
    ev.add_argument("--pairs", required=True)
    ev.add_argument("--truth", required=True, help="<puzzle stem>.truth.npz written by make-puzzle")

    ca = sub.add_parser(
        "calibrate", help="re-choose a model's third-stage and palette weights on its validation digits"
    )
    ca.add_argument("--model", required=True, help="model file to calibrate")
    ca.add_argument("--out", required=True, help="model file to write")
    ca.add_argument("--val-size", type=int, default=5000, help="last training digits held out (as in training)")
    ca.add_argument("--mnist-dir", default=None, help="folder with the MNIST files")
    ca.add_argument("--joint-weights", type=float, nargs="+", default=None, help="third-stage weights to try")
    ca.add_argument("--palette-weights", type=float, nargs="+", default=None, help="palette weights to try")

    en = sub.add_parser("ensemble", help="average the third stages of models that share their towers")
    en.add_argument("--out", required=True, help="model file to write")
    en.add_argument("models", nargs="+", help="two or more model files")

    tr = sub.add_parser("train", help="train the compatibility model on the MNIST training set")
    tr.add_argument("--out", default=None, help="model file (default: $MNIST_HALVES_MODEL or <cache>/model.pt)")
    tr.add_argument("--checkpoint", default=None, help="resumable checkpoint (default: <out>.ckpt)")
    tr.add_argument("--epochs", type=int, default=6)
    tr.add_argument("--batch", type=int, default=512)
    tr.add_argument("--hard-k", type=int, default=16)
    tr.add_argument("--n-train", type=int, default=None, help="use only this many training digits (quick runs)")
    tr.add_argument("--val-size", type=int, default=5000, help="training digits held out as a validation puzzle")
    tr.add_argument("--threads", type=int, default=1)
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--max-minutes", type=float, default=None)
    tr.add_argument("--no-augment", action="store_true")
    tr.add_argument("--lr", type=float, default=2e-3)
    tr.add_argument(
        "--time-budget", type=float, default=None, help="minutes: anneal the LR over this wall time, then stop"
    )
    tr.add_argument("--init-from", default=None, help="start from this model's weights (fine-tuning phase)")
    tr.add_argument(
        "--no-prior", action="store_true", help="train against all in-batch negatives, not only MNIST-admissible ones"
    )
    tr.add_argument("--joint-epochs", type=int, default=6, help="epochs of the third stage (0: none)")
    tr.add_argument("--joint-width", type=int, default=16, help="third stage: channels of the whole-digit branch")
    tr.add_argument("--joint-seam", type=int, default=6, help="third stage: columns each side of the cut (0: none)")
    tr.add_argument("--joint-negatives", type=int, default=5, help="third stage: impostors per true pair")
    tr.add_argument("--joint-lr", type=float, default=2e-3)
    tr.add_argument("--joint-augment", action="store_true", help="third stage: affine augmentation (off by default)")
    tr.add_argument(
        "--joint-resume", action="store_true", help="continue training the third stage of --init-from's model"
    )
    tr.add_argument("--joint-time-budget", type=float, default=None, help="minutes for the third stage")
    tr.add_argument(
        "--joint-only", action="store_true", help="train only the third stage, on the model given by --init-from"
    )
    tr.add_argument("--quiet", action="store_true", help="no progress bar")
    tr.add_argument("--mnist-dir", default=None)
    return p


def _train(args: argparse.Namespace, settings: object) -> Path:
    from imagecore.mnist import load_mnist

    from mnist_halves.model import load_model
    from mnist_halves.settings import Settings
    from mnist_halves.train import TrainConfig, train
    from mnist_halves.train_joint import JointConfig, train_joint
    from mnist_halves.validation import validate

    assert isinstance(settings, Settings)
    if args.joint_only and not args.init_from:
        raise ValueError("--joint-only needs --init-from MODEL (the towers and pair head to build on)")
    out = Path(args.out) if args.out else settings.cached_model_path()
    ckpt = Path(args.checkpoint) if args.checkpoint else out.with_suffix(".ckpt")
    data = load_mnist("train", root=args.mnist_dir)
    cfg = TrainConfig(
        epochs=args.epochs, batch=args.batch, hard_k=args.hard_k, n_train=args.n_train, val_size=args.val_size,
        threads=args.threads, seed=args.seed, max_minutes=args.max_minutes, augment=not args.no_augment,
        lr=args.lr, time_budget_minutes=args.time_budget, init_from=args.init_from, prior=not args.no_prior,
    )  # fmt: skip
    if cfg.n_train is None and cfg.val_size >= len(data.images):
        raise ValueError("val-size leaves no training digits")
    if args.joint_only:
        model = load_model(args.init_from)
    else:
        model = train(data.images, data.labels, cfg, out, checkpoint=ckpt, validate=validate, progress=not args.quiet)
    if args.joint_epochs > 0:
        jcfg = JointConfig(
            epochs=args.joint_epochs, n_train=args.n_train, val_size=args.val_size, threads=args.threads,
            seed=args.seed, time_budget_minutes=args.joint_time_budget, augment=args.joint_augment,
            width=args.joint_width, seam=args.joint_seam, negatives=args.joint_negatives, lr=args.joint_lr,
            resume=args.joint_resume,
        )  # fmt: skip
        train_joint(model, data.images, jcfg, out, progress=not args.quiet)
    print(f"model saved to {out}")
    return out


def _load_model(args: argparse.Namespace, settings: object):  # type: ignore[no-untyped-def]
    from mnist_halves.settings import Settings

    assert isinstance(settings, Settings)
    path = Path(args.model) if args.model else settings.resolve_model()
    if path is None:
        print("no trained model found: training one first (see `mnist-halves train`)", file=sys.stderr)
        targs = _parser().parse_args(["train"])
        path = _train(targs, settings)
    if not path.exists():
        raise FileNotFoundError(f"model file not found: {path}")
    return _load_path(path)


def _cmd_make(args: argparse.Namespace) -> int:
    from imagecore.mnist import load_mnist

    from mnist_halves.pooled import make_pooled
    from mnist_halves.puzzle import Puzzle, make_puzzle, save_puzzle, truth_path

    data = load_mnist(args.split, root=args.mnist_dir)
    n = len(data.images) if args.n is None else args.n
    if n < 1 or n > len(data.images):
        raise ValueError(f"--n must be between 1 and {len(data.images)}, got {n}")
    digits, labels = np.asarray(data.images[:n]), np.asarray(data.labels[:n])
    if args.pooled:
        pp = make_pooled(digits, labels, args.seed)
        out = Path(args.out) if args.out.endswith(".npz") else Path(args.out + ".npz")
        out.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(out, halves=pp.halves)
        tp = truth_path(out)
        np.savez_compressed(
            tp, right_of_left=pp.right_of_left, label=pp.label, is_left=pp.is_left, n_right=np.int64(len(pp.halves))
        )
        print(f"pooled puzzle: {len(pp.halves)} halves -> {out}; truth -> {tp}")
        return 0
    p: Puzzle = make_puzzle(digits, labels, args.seed, args.drop_left, args.drop_right)
    written, tpath = save_puzzle(p, args.out)
    print(f"puzzle: {len(p.left)} left, {len(p.right)} right halves -> {written}; truth -> {tpath}")
    return 0


def _cmd_restore(args: argparse.Namespace, settings: object) -> int:
    from mnist_halves.pooled import restore_pooled
    from mnist_halves.puzzle import PuzzleError, check_halves, load_halves_npy, load_halves_npz
    from mnist_halves.restore import restore
    from mnist_halves.settings import Settings

    assert isinstance(settings, Settings)
    k = args.k if args.k is not None else settings.top_k
    t0 = time.perf_counter()
    if args.pooled:
        if not args.puzzle:
            raise PuzzleError("--pooled needs --puzzle with a 'halves' array")
        path = Path(args.puzzle)
        if not path.exists():
            raise PuzzleError(f"puzzle file not found: {path}")
        with np.load(path, allow_pickle=False) as z:
            if "halves" not in z.files:
                raise PuzzleError(f"{path}: a pooled puzzle needs a 'halves' array (has: {', '.join(z.files)})")
            halves = check_halves(z["halves"], "halves")
        model = _load_model(args, settings)
        res, is_left = restore_pooled(
            halves, model, scorer=args.method, assign=args.assign, k=k, prior=not args.no_prior,
            palette=not args.no_palette,
        )  # fmt: skip
        print(f"sides: {int(is_left.sum())} halves taken as left, {int((~is_left).sum())} as right")
    else:
        if args.puzzle and (args.left or args.right):
            raise PuzzleError("give either --puzzle or --left/--right, not both")
        if args.puzzle:
            left, right = load_halves_npz(args.puzzle)
        elif args.left and args.right:
            left, right = load_halves_npy(args.left, "left"), load_halves_npy(args.right, "right")
        else:
            raise PuzzleError("give --puzzle, or both --left and --right")
        check_halves(left, "left")
        model = None if args.method == "heuristic" else _load_model(args, settings)
        res = restore(
            left, right, model=model, scorer=args.method, assign=args.assign, k=k, prior=not args.no_prior,
            palette=not args.no_palette,
        )  # fmt: skip
    out = res.write_csv(args.out)
    print(
        f"restored {len(res.left_index)} pairs ({len(res.unmatched_left)} left and {len(res.unmatched_right)} right halves "
        f"unmatched) in {time.perf_counter() - t0:.1f} s -> {out}"
    )
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from imagecore.mnist import load_mnist

    from mnist_halves.train_joint import JointConfig, calibrate

    cfg = JointConfig(val_size=args.val_size, val_limit=args.val_size)
    if args.joint_weights:
        cfg.weights = tuple(args.joint_weights)
    if args.palette_weights:
        cfg.palette_weights = tuple(args.palette_weights)
    if min(cfg.weights + cfg.palette_weights) < 0:
        raise ValueError("weights must be >= 0")
    if not Path(args.model).exists():
        raise FileNotFoundError(f"model file not found: {args.model}")
    model = _load_path(Path(args.model))
    data = load_mnist("train", root=args.mnist_dir)
    chosen = calibrate(model, data.images, cfg, args.out)
    print(
        f"third-stage weight {chosen['joint_weight']:g}, palette weight {chosen['palette_weight']:g}: "
        f"{chosen['val_accuracy']:.2%} of {chosen['val_n']} validation pairs -> {args.out}"
    )
    return 0


def _cmd_ensemble(args: argparse.Namespace) -> int:
    from mnist_halves.model import save_model
    from mnist_halves.train_joint import ensemble_joint_stages

    models = []
    for path in args.models:
        if not Path(path).exists():
            raise FileNotFoundError(f"model file not found: {path}")
        models.append(_load_path(Path(path)))
    merged = ensemble_joint_stages(models)
    save_model(merged, args.out, merged.card)
    print(f"ensemble of {merged.cfg.joint_members} third stages saved to {args.out}")
    return 0


def _load_path(path: Path):  # type: ignore[no-untyped-def]
    from mnist_halves.model import load_model

    try:
        return load_model(path)
    except Exception as exc:
        raise ValueError(f"cannot load model {path}: {exc.__class__.__name__}") from exc


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from mnist_halves.evaluate import evaluate_files
    from mnist_halves.puzzle import load_truth

    score = evaluate_files(args.pairs, load_truth(args.truth))
    print(score.table())
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        from imagecore.torch import set_threads

        from mnist_halves.settings import Settings

        settings = Settings.from_env()
        set_threads(settings.threads)
        if args.command == "make-puzzle":
            return _cmd_make(args)
        if args.command == "restore":
            return _cmd_restore(args, settings)
        if args.command == "evaluate":
            return _cmd_evaluate(args)
        if args.command == "ensemble":
            return _cmd_ensemble(args)
        if args.command == "calibrate":
            return _cmd_calibrate(args)
        _train(args, settings)
        return 0
    except DataNotFoundError as exc:
        print(f"mnist-halves: {exc}", file=sys.stderr)
        return EXIT_NO_DATA
    except (ValueError, OSError, KeyError) as exc:
        print(f"mnist-halves: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("mnist-halves: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # last resort: one line, no traceback (use -v for details)
        if args.verbose:
            logging.exception("unexpected error")
        print(
            f"mnist-halves: unexpected error: {exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
