"""Demo: ingest into a loopback S3 server + SQLite, run three example queries, then part 2's demo.

``python -m fashion_pipeline.demo [--small]``. The demo exercises the real boto3 HTTP path
against an in-process S3 (moto) server on 127.0.0.1; its SQLite database lives in
``<data_dir>/demo/`` and is recreated on every run (the S3 server's state is in memory).
The persistent embedded default (``fashion-pipeline ingest``/``serve``/``query``) uses a local
object directory instead; see README.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import shutil
import sys
import time

from imagecore.config import DataNotFoundError, dataset_dir

from fashion_pipeline.config import Settings, get_store
from fashion_pipeline.db.session import session_factory
from fashion_pipeline.ingest import ingest
from fashion_pipeline.query import QuerySpec, run_query, stats

SMALL_ROWS = 300

EXAMPLES: list[tuple[str, QuerySpec]] = [
    ("Men's footwear from 2013 on", QuerySpec(gender=["Men"], masterCategory=["Footwear"], year_min=2013, limit=5)),
    ("'watch' in the name, newest first", QuerySpec(text="watch", sort="-year,id", limit=5)),
    ("reproducible random sample of 5 summer products (seed 7)",
     QuerySpec(season=["Summer"], sample=5, seed=7, limit=5)),
]


def run(small: bool = False) -> int:
    """Run the demo; returns an exit code."""
    try:
        fashion = dataset_dir("fashion")
    except DataNotFoundError as exc:
        print(exc)
        return 3
    from imagecore.storage.s3server import S3Server

    base = Settings()
    demo_dir = base.data_dir / "demo"
    shutil.rmtree(demo_dir, ignore_errors=True)
    with S3Server() as srv:
        settings = Settings(
            data_dir=demo_dir, storage="s3", s3_endpoint_url=srv.endpoint_url, s3_bucket="fashion-demo",
            styles_path=fashion / "styles.csv", images_dir=fashion / "images",
        )
        print(f"S3 server (moto) on {srv.endpoint_url}; database {settings.database_url}")
        t0 = time.perf_counter()
        report = ingest(settings, limit=SMALL_ROWS if small else None, progress=not small)
        print(report.summary())
        again = ingest(settings, limit=SMALL_ROWS if small else None, progress=False)
        print(f"re-run (idempotent): {again.ingested} new, {again.already_present} already present, "
              f"{again.uploaded} uploads")
        with session_factory(settings)() as session:
            for title, spec in EXAMPLES:
                result = run_query(session, spec)
                print(f"\nquery: {title}  ->  {result.total} matching")
                for item in result.items:
                    print(f"  {item.id:>6}  {item.year or '':>4}  {item.articleType or '':<16} {item.productDisplayName}")
            top = stats(session, ["masterCategory"])
        print("\ncounts by masterCategory: " + ", ".join(f"{c['masterCategory']}={c['count']}" for c in top))
        if report.ingested or report.already_present:
            url = get_store(settings).presign(settings.image_key(_first_id(settings)), expires=600)
            print(f"presigned URL of one image: {url[:90]}...")
        plugin = _optional("fashion_pipeline.jobs.demo")
        if plugin is not None and hasattr(plugin, "run"):
            print("\n--- part 2: jobs demo ---")
            plugin.run(settings, small)
        print(f"\nfashion_pipeline demo done in {time.perf_counter() - t0:.1f} s")
    return 0 if report.ok else 1


def _first_id(settings: Settings) -> int:
    with session_factory(settings)() as session:
        return run_query(session, QuerySpec(limit=1)).items[0].id


def _optional(name: str):  # type: ignore[no-untyped-def]
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and name.startswith(exc.name):
            return None
        raise


def main(argv: list[str] | None = None) -> int:
    """``python -m fashion_pipeline.demo [--small]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help=f"ingest only {SMALL_ROWS} rows (<= 60 s)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    return run(small=args.small)


if __name__ == "__main__":
    sys.exit(main())
