"""CLI commands of the jobs: ``job submit|status|results|resume``, ``process``, ``worker``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``job``, ``process`` and ``worker`` to the ``fashion-pipeline`` parser."""
    from fashion_pipeline.cli import add_query_options

    job = subparsers.add_parser("job", help="batch jobs: transform and/or score query results")
    jsub = job.add_subparsers(dest="job_command", required=True)
    p = jsub.add_parser("submit", help="submit a job (query options choose the products)")
    add_query_options(p)
    _step_options(p)
    p.add_argument("--all", action="store_true", help="every match of the query (ignore --limit/--offset)")
    p.add_argument("--output", help="output directory or s3://bucket/prefix (default: the store, outputs/<job>/)")
    p.add_argument("--chunk-size", type=int, default=64)
    p.add_argument("--backend", choices=["inprocess", "celery"], help="default: FASHION_JOB_BACKEND")
    p.add_argument("--wait", action="store_true", help="block until the job has finished")
    p.set_defaults(func=cmd_submit)
    p = jsub.add_parser("status", help="a job's state as JSON")
    p.add_argument("job_id")
    p.set_defaults(func=cmd_status)
    p = jsub.add_parser("results", help="a job's per-image records as JSON lines")
    p.add_argument("job_id")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--status", choices=["ok", "error"])
    p.set_defaults(func=cmd_results)
    p = jsub.add_parser("resume", help="re-dispatch the unfinished chunks of a job (idempotent)")
    p.add_argument("job_id")
    p.add_argument("--backend", choices=["inprocess", "celery"])
    p.add_argument("--wait", action="store_true")
    p.set_defaults(func=cmd_resume)

    p = subparsers.add_parser("process", help="one-off: transform and/or score one image file or product id")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--image", type=Path, help="an image file")
    src.add_argument("--id", type=int, dest="product_id", help="a product id (image read from the store)")
    _step_options(p)
    p.add_argument("--out", type=Path, help="write the output image here")
    p.set_defaults(func=cmd_process)

    p = subparsers.add_parser("worker", help="run a Celery worker for jobs (broker: FASHION_REDIS_URL)")
    p.add_argument("--concurrency", type=int, default=2)
    p.add_argument("--pool", default="prefork", choices=["prefork", "solo", "threads"])
    p.add_argument("--loglevel", default="INFO")
    p.set_defaults(func=cmd_worker)


def _step_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--steps", default="default",
                   help="transform steps: 'default' (crop 80-100%% + fit 256), 'none', or a JSON list")
    p.add_argument("--model", help="model step: category_cnn or fashionnet (default: none)")
    p.add_argument("--model-options", help='JSON, e.g. \'{"width_mult": 0.25, "input_size": 128}\'')
    p.add_argument("--top-k", type=int, default=5)
    p.add_argument("--transform-seed", type=int, default=0, help="job seed of the random crops")


def _steps(args: argparse.Namespace) -> tuple[list[Any] | None, dict[str, Any] | None]:
    from fashion_pipeline.cli import CliError
    from fashion_pipeline.transforms import DEFAULT_STEPS

    text = args.steps.strip()
    if text.lower() == "default":
        transform: list[Any] | None = list(DEFAULT_STEPS)
    elif text.lower() in ("none", "[]"):
        transform = None
    else:
        try:
            transform = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CliError(f"--steps is not JSON: {exc}") from None
    model = None
    if args.model:
        try:
            options = json.loads(args.model_options) if args.model_options else {}
        except json.JSONDecodeError as exc:
            raise CliError(f"--model-options is not JSON: {exc}") from None
        model = {"name": args.model, "options": options, "top_k": args.top_k}
    return transform, model


def _spec_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        e = errors()[0]
        loc = ".".join(str(x) for x in e.get("loc", ()))
        return f"invalid job: {loc + ': ' if loc else ''}{e.get('msg', '')}"
    return f"invalid job: {exc}"


def _job_json(job: Any) -> dict[str, Any]:
    from fashion_pipeline.api.routes_jobs import JobOut

    return JobOut.from_row(job).model_dump(mode="json")


def cmd_submit(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from fashion_pipeline.cli import CliError, spec_from_args
    from fashion_pipeline.config import get_settings
    from fashion_pipeline.db.session import init_db
    from fashion_pipeline.jobs.backends import submit_job
    from fashion_pipeline.jobs.spec import JobSpec

    query = spec_from_args(args)
    transform, model = _steps(args)
    try:
        spec = JobSpec.model_validate({"query": query, "all_results": args.all, "transform": transform, "model": model,
                                       "output": args.output, "seed": args.transform_seed,
                                       "chunk_size": args.chunk_size})
    except (ValidationError, ValueError) as exc:
        raise CliError(_spec_error(exc)) from None
    settings = get_settings()
    init_db(settings)
    job = submit_job(settings, spec, backend=args.backend, wait=args.wait)
    print(json.dumps(_job_json(job), indent=2))
    return 0 if job.status != "failed" else 1


def cmd_status(args: argparse.Namespace) -> int:
    from fashion_pipeline.cli import CliError
    from fashion_pipeline.config import get_settings
    from fashion_pipeline.jobs.service import JobNotFoundError, get_job

    try:
        print(json.dumps(_job_json(get_job(get_settings(), args.job_id)), indent=2))
    except JobNotFoundError as exc:
        raise CliError(str(exc)) from None
    return 0


def cmd_results(args: argparse.Namespace) -> int:
    from fashion_pipeline.cli import CliError
    from fashion_pipeline.config import get_settings
    from fashion_pipeline.jobs.service import JobNotFoundError, job_results

    try:
        _, items = job_results(get_settings(), args.job_id, limit=args.limit, offset=args.offset, status=args.status)
    except JobNotFoundError as exc:
        raise CliError(str(exc)) from None
    for item in items:
        print(json.dumps(item))
    return 0


def cmd_resume(args: argparse.Namespace) -> int:
    from fashion_pipeline.cli import CliError
    from fashion_pipeline.config import get_settings
    from fashion_pipeline.jobs.backends import get_backend
    from fashion_pipeline.jobs.service import JobNotFoundError, get_job

    settings = get_settings()
    try:
        job = get_job(settings, args.job_id)
    except JobNotFoundError as exc:
        raise CliError(str(exc)) from None
    get_backend(settings, args.backend or job.backend).dispatch(settings, job.id, wait=args.wait)
    print(json.dumps(_job_json(get_job(settings, job.id)), indent=2))
    return 0


def cmd_process(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from fashion_pipeline.cli import CliError
    from fashion_pipeline.config import get_settings
    from fashion_pipeline.jobs.oneoff import ProductNotFoundError, process_one
    from fashion_pipeline.jobs.spec import ModelStep
    from fashion_pipeline.transforms import TransformStepError

    transform, model = _steps(args)
    try:
        model_step = ModelStep(**model) if model else None
        image = args.image.read_bytes() if args.image else None
        encoded, record = process_one(get_settings(), image=image, product_id=args.product_id, transform=transform,
                                      model=model_step, seed=args.transform_seed)
    except (ValidationError, TransformStepError, ProductNotFoundError, ValueError, OSError) as exc:
        raise CliError(_spec_error(exc) if isinstance(exc, ValidationError) else str(exc)) from None
    if args.out and encoded is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(encoded)
        record["written_to"] = str(args.out)
    print(json.dumps(record, indent=2))
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from fashion_pipeline.jobs.celery_app import make_celery
    from fashion_pipeline.jobs.spec import JobSettings

    app = make_celery()
    queue = JobSettings().celery_queue
    argv = ["worker", f"--concurrency={args.concurrency}", f"--pool={args.pool}", f"--loglevel={args.loglevel}",
            "-Q", queue, "--without-gossip", "--without-mingle"]
    print(f"celery worker on queue {queue!r}, broker {app.conf.broker_url}", file=sys.stderr)
    app.worker_main(argv)
    return 0
