"""Command-line entry point ``fashion-pipeline``.

Subcommands: ``ingest``, ``serve``, ``query``, ``stats``, ``show``, ``verify``, ``db-upgrade``,
``s3-server``; part 2 adds its own through ``register(subparsers)`` hooks in
:data:`PLUGIN_MODULES`. Every subcommand reads :class:`~fashion_pipeline.config.Settings`
from ``FASHION_*`` environment variables. Handlers are ``handler(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

#: Modules that may add subcommands: each exposes ``register(subparsers) -> None``.
PLUGIN_MODULES = ("fashion_pipeline.jobs.cli", "fashion_pipeline.models.cli", "fashion_pipeline.transforms.cli")

FILTER_OPTIONS = ("gender", "masterCategory", "subCategory", "articleType", "baseColour", "season", "usage")


class CliError(Exception):
    """A user error: printed as one line on stderr, exit code 2."""


# --------------------------------------------------------------------------- handlers
def cmd_ingest(args: argparse.Namespace) -> int:
    from fashion_pipeline.config import get_settings
    from fashion_pipeline.ingest import ingest

    settings = get_settings()
    if args.workers:
        settings.ingest_workers = args.workers
    report = ingest(settings, styles_path=args.styles, images_dir=args.images, images_csv=args.images_csv,
                    limit=args.limit, progress=not args.no_progress)
    if args.json:
        print(json.dumps(report.to_dict()))
    else:
        print(report.summary())
        print(f"database: {_safe_url(settings.database_url)}   store: {_store_desc(settings)}")
    return 0 if report.ok else 1


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from fashion_pipeline.api.app import create_app
    from fashion_pipeline.config import get_settings

    settings = get_settings()
    print(f"serving on http://{args.host}:{args.port}  (docs: /docs)  database: {_safe_url(settings.database_url)}  "
          f"store: {_store_desc(settings)}", file=sys.stderr)
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level=args.log_level, access_log=False)
    return 0


def spec_from_args(args: argparse.Namespace) -> Any:
    """Build a :class:`~fashion_pipeline.query.QuerySpec` from CLI options (``--spec`` JSON wins)."""
    from fashion_pipeline.query import QuerySpec

    if getattr(args, "spec", None):
        try:
            return QuerySpec.model_validate_json(args.spec)
        except ValueError as exc:
            raise CliError(_first_error(exc)) from None
    data: dict[str, Any] = {name: getattr(args, name) for name in FILTER_OPTIONS if getattr(args, name)}
    for name in ("year_min", "year_max", "text", "ids", "sort", "limit", "offset", "sample", "seed"):
        value = getattr(args, name, None)
        if value is not None:
            data[name] = value
    try:
        return QuerySpec.model_validate(data)
    except ValueError as exc:
        raise CliError(_first_error(exc)) from None


def cmd_query(args: argparse.Namespace) -> int:
    from fashion_pipeline.config import get_settings
    from fashion_pipeline.db.session import init_db, session_factory
    from fashion_pipeline.query import run_query

    spec = spec_from_args(args)
    settings = get_settings()
    init_db(settings)
    with session_factory(settings)() as session:
        result = run_query(session, spec)
    if args.format == "json":
        print(result.model_dump_json())
    elif args.format == "jsonl":
        for item in result.items:
            print(item.model_dump_json(exclude_none=True))
        print(json.dumps({"total": result.total}), file=sys.stderr)
    else:
        cols = ["id", "gender", "masterCategory", "subCategory", "articleType", "baseColour", "season", "year",
                "usage", "productDisplayName"]
        rows = [[_cell(getattr(item, c)) for c in cols] for item in result.items]
        print(_table(cols, rows))
        print(f"{len(result.items)} of {result.total} matching products")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from fashion_pipeline.config import get_settings
    from fashion_pipeline.db.session import init_db, session_factory
    from fashion_pipeline.query import stats

    spec = spec_from_args(args)
    by = [p.strip() for item in args.by for p in item.split(",") if p.strip()]
    settings = get_settings()
    init_db(settings)
    with session_factory(settings)() as session:
        try:
            counts = stats(session, by, spec)
        except ValueError as exc:
            raise CliError(str(exc)) from None
    if args.format == "json":
        print(json.dumps({"by": by, "total": sum(c["count"] for c in counts), "counts": counts}))
    else:
        print(_table([*by, "count"], [[_cell(c[k]) for k in [*by, "count"]] for c in counts]))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from fashion_pipeline.config import get_settings, get_store
    from fashion_pipeline.db.session import init_db, session_factory
    from fashion_pipeline.query import QuerySpec, run_query

    settings = get_settings()
    init_db(settings)
    with session_factory(settings)() as session:
        result = run_query(session, QuerySpec(ids=[args.id], limit=1))
    if not result.items:
        raise CliError(f"no product with id {args.id}")
    item = result.items[0]
    item.image_url = get_store(settings).presign(item.image_key, expires=settings.presign_expires)
    print(item.model_dump_json(indent=2))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from fashion_pipeline.config import get_settings
    from fashion_pipeline.db.session import init_db
    from fashion_pipeline.ingest import reconcile

    settings = get_settings()
    init_db(settings)
    orphans, missing = reconcile(settings)
    print(json.dumps({"orphan_objects": orphans, "rows_missing_object": missing}) if args.json else
          f"orphan objects (no row): {len(orphans)}\nrows whose object is missing: {len(missing)}")
    for key in orphans[:20] if not args.json else []:
        print(f"  orphan: {key}")
    for pid in missing[:20] if not args.json else []:
        print(f"  missing object for id {pid}")
    return 0 if not orphans and not missing else 1


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from fashion_pipeline.config import get_settings
    from fashion_pipeline.db.session import init_db

    settings = get_settings()
    init_db(settings, args.revision)
    print(f"database {_safe_url(settings.database_url)} at {args.revision}")
    return 0


def cmd_s3_server(args: argparse.Namespace) -> int:
    import time

    from imagecore.storage.s3server import S3Server

    with S3Server(args.host, args.port) as srv:
        print(f"S3 server on {srv.endpoint_url} (moto, in memory: state is lost when it stops; Ctrl-C to stop)\n"
              f"use it with: FASHION_STORAGE=s3 FASHION_S3_ENDPOINT_URL={srv.endpoint_url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


# --------------------------------------------------------------------------- helpers
def _cell(value: Any, width: int = 40) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _store_desc(settings: Any) -> str:
    if settings.storage == "local":
        return f"local {settings.local_store_dir}"
    return f"s3://{settings.s3_bucket}/{settings.s3_prefix} at {settings.s3_endpoint_url or 'AWS'}"


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            first = errors()[0]
            loc = ".".join(str(p) for p in first.get("loc", ()))
            return f"invalid query: {loc + ': ' if loc else ''}{first.get('msg', '')}"
        except Exception:  # noqa: S110 - fall back to str()
            pass
    return f"invalid query: {exc}"


def add_query_options(parser: argparse.ArgumentParser, *, paging: bool = True) -> None:
    """Add the QuerySpec options (filters; paging/sorting when ``paging``) to a parser."""
    for name in FILTER_OPTIONS:
        parser.add_argument(f"--{name}", action="append", metavar="VALUE",
                            help=f"{name} equals VALUE (repeat or comma-separate for any-of)")
    parser.add_argument("--year-min", dest="year_min", type=int)
    parser.add_argument("--year-max", dest="year_max", type=int)
    parser.add_argument("--text", help="case-insensitive substring of productDisplayName")
    parser.add_argument("--ids", help="comma-separated product ids")
    if paging:
        parser.add_argument("--sort", help="columns, '-' prefix for descending (default id)")
        parser.add_argument("--limit", type=int, default=20)
        parser.add_argument("--offset", type=int)
        parser.add_argument("--sample", type=int, help="reproducible random sample of N rows")
        parser.add_argument("--seed", type=int)
    parser.add_argument("--spec", help="the whole QuerySpec as JSON (other query options are then ignored)")


def optional_import(module_name: str) -> Any:
    """Import a part-2 plug-in module; None when it does not exist (a broken one is logged, not fatal)."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module_name.startswith(exc.name):
            return None
        logging.getLogger(__name__).warning("plug-in %s not loaded: %s", module_name, exc)
    except Exception as exc:
        logging.getLogger(__name__).warning("plug-in %s not loaded: %s", module_name, exc)
    return None


BUILTIN_COMMANDS = ("ingest", "serve", "query", "stats", "show", "verify", "db-upgrade", "s3-server")


def build_parser(*, plugins: bool = True) -> argparse.ArgumentParser:
    """The argument parser with every subcommand (part 2's included when importable and ``plugins``)."""
    parser = argparse.ArgumentParser(
        prog="fashion-pipeline",
        description="Ingest fashion product images into object storage + a database; query them (CLI, REST API).",
        epilog="Settings come from FASHION_* environment variables (see fashion_pipeline/README.md).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("ingest", help="upload images + write product rows (idempotent, resumable)")
    p.add_argument("--styles", help="styles.csv (default FASHION_STYLES_PATH or $IMAGECORE_DATA_DIR/fashion)")
    p.add_argument("--images", help="folder of <id>.jpg (default FASHION_IMAGES_DIR)")
    p.add_argument("--images-csv", dest="images_csv", help="optional images.csv (filename,link)")
    p.add_argument("--limit", type=int, help="only the first N catalogue rows that have an image")
    p.add_argument("--workers", type=int, help="parallel upload threads")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--no-progress", dest="no_progress", action="store_true")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("serve", help="run the REST API (uvicorn)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--log-level", dest="log_level", default="info")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("query", help="query products; print a table, JSON or JSON lines")
    add_query_options(p)
    p.add_argument("--format", choices=("table", "json", "jsonl"), default="table")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("stats", help="counts by column(s), for histograms")
    p.add_argument("--by", action="append", default=None, required=True, help="column(s) to group by")
    add_query_options(p, paging=False)
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("show", help="one product as JSON with a presigned image URL")
    p.add_argument("id", type=int)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("verify", help="report orphan objects and rows whose object is missing")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("db-upgrade", help="apply database migrations (Alembic)")
    p.add_argument("--revision", default="head")
    p.set_defaults(func=cmd_db_upgrade)

    p = sub.add_parser("s3-server", help="run a loopback S3 server (moto, in memory) in the foreground")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=9000)
    p.set_defaults(func=cmd_s3_server)

    for module_name in PLUGIN_MODULES if plugins else ():
        module = optional_import(module_name)
        if module is None:
            continue
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 partial failure, 2 bad input, 3 data missing)."""
    argv = sys.argv[1:] if argv is None else argv
    command = next((a for a in argv if not a.startswith("-")), None)
    # plug-in modules (part 2) may import heavy libraries: load them only when needed
    parser = build_parser(plugins=command not in BUILTIN_COMMANDS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from imagecore.config import DataNotFoundError
    from imagecore.storage import StorageError
    from pydantic import ValidationError
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return int(args.func(args))
    except CliError as exc:
        print(f"fashion-pipeline: {exc}", file=sys.stderr)
        return 2
    except DataNotFoundError as exc:
        print(f"fashion-pipeline: {exc}", file=sys.stderr)
        return 3
    except (FileNotFoundError, ValueError, ValidationError) as exc:
        print(f"fashion-pipeline: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    except (StorageError, SQLAlchemyError, OSError) as exc:
        print(f"fashion-pipeline: {type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("fashion-pipeline: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
