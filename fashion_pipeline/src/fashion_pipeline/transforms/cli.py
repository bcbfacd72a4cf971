"""CLI commands of the transform step: ``transform`` (one file) and ``transforms`` (list steps)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``transform`` and ``transforms`` to the ``fashion-pipeline`` parser."""
    p = subparsers.add_parser("transform", help="apply the transform steps to one image file")
    p.add_argument("input", type=Path)
    p.add_argument("output", type=Path)
    p.add_argument("--steps", default="default", help="'default' (crop 80-100%% + fit 256) or a JSON list of steps")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_transform)
    p = subparsers.add_parser("transforms", help="list the transform steps and their parameters")
    p.set_defaults(func=cmd_list)


def cmd_transform(args: argparse.Namespace) -> int:
    from imagecore.io import ImageError, open_image

    from fashion_pipeline.cli import CliError
    from fashion_pipeline.transforms import DEFAULT_STEPS, TransformPipeline, TransformStepError

    try:
        steps = list(DEFAULT_STEPS) if args.steps == "default" else json.loads(args.steps)
        pipe = TransformPipeline(steps)
        img = open_image(args.input)
        out = pipe(img, seed=args.seed)
    except json.JSONDecodeError as exc:
        raise CliError(f"--steps is not JSON: {exc}") from None
    except (TransformStepError, ImageError, FileNotFoundError, ValueError, TypeError) as exc:
        raise CliError(str(exc)) from None
    args.output.parent.mkdir(parents=True, exist_ok=True)
    out.to_pil().save(args.output)
    print(json.dumps({"input": str(args.input), "output": str(args.output), "seed": out.seed, "steps": out.params}))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from fashion_pipeline.transforms import available_steps

    for name, info in available_steps().items():
        props = ", ".join(f"{k}={v.get('default')!r}" for k, v in info["params"].get("properties", {}).items())
        print(f"{name:<20} {info['description']}\n{'':<20} params: {props}")
    return 0
