"""Ingest throughput (images/s): loopback S3 (moto, real boto3 HTTP) with SQLite and with PostgreSQL,
plus the embedded local store, on the shared images. Also times an idempotent re-run.

    python fashion_pipeline/benchmarks/bench_ingest.py [--limit N] [--workers W]

Writes benchmarks/results/ingest.json and ingest.png. ``cpu_ms_per_image`` is the CPU time of this
process (ingest threads + the in-process S3 server) per image: on a shared, loaded machine it is a
steadier measure than wall-clock throughput.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from _common import DOCS, RESULTS, machine, postgres_available, table, temp_postgres, write_json
from fashion_pipeline.catalog import read_styles
from fashion_pipeline.config import Settings
from fashion_pipeline.db.session import dispose_engines
from fashion_pipeline.ingest import ingest
from imagecore.storage.s3server import S3Server


def run_case(name: str, settings: Settings, limit: int | None, catalog: object) -> dict[str, object]:
    cpu0 = time.process_time()
    first = ingest(settings, limit=limit, progress=False, catalog=catalog)  # type: ignore[arg-type]
    cpu = time.process_time() - cpu0
    again = ingest(settings, limit=limit, progress=False, catalog=catalog)  # type: ignore[arg-type]
    dispose_engines()
    assert first.ok and again.uploaded == 0, (first.summary(), again.summary())
    return {"case": name, "images": first.ingested, "seconds": round(first.seconds, 2),
            "images_per_s": round(first.images_per_second, 1),
            "cpu_ms_per_image": round(1000 * cpu / max(1, first.ingested), 2), "rerun_seconds": round(again.seconds, 2),
            "rerun_images_per_s": round(again.images_per_second, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="images per case (default: all)")
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    base = Settings()
    catalog = read_styles(base.styles_path)
    results = []
    with tempfile.TemporaryDirectory() as tmp, S3Server() as srv:
        common = {"styles_path": base.styles_path, "images_dir": base.images_dir, "ingest_workers": args.workers}
        cases = [
            ("local dir + SQLite", Settings(data_dir=Path(tmp) / "local", storage="local", **common)),
            ("S3 (moto) + SQLite", Settings(data_dir=Path(tmp) / "s3sqlite", storage="s3", s3_bucket="bench-sqlite",
                                            s3_endpoint_url=srv.endpoint_url, **common)),
        ]
        for name, settings in cases:
            results.append(run_case(name, settings, args.limit, catalog))
            print(results[-1], flush=True)
        if postgres_available():
            with temp_postgres() as url:
                settings = Settings(data_dir=Path(tmp) / "s3pg", storage="s3", s3_bucket="bench-pg",
                                    s3_endpoint_url=srv.endpoint_url, database_url=url, **common)
                results.append(run_case("S3 (moto) + PostgreSQL", settings, args.limit, catalog))
                print(results[-1], flush=True)
    headers = ["case", "images", "seconds", "images_per_s", "cpu_ms_per_image", "rerun_seconds", "rerun_images_per_s"]
    print(table(headers, [[r[h] for h in headers] for r in results]))
    out = {"machine": machine(), "workers": args.workers, "results": results}
    print("machine:", out["machine"])
    write_json("ingest", out)
    fig, ax = plt.subplots(figsize=(6, 3))
    names = [str(r["case"]) for r in results]
    ax.barh(names, [float(r["images_per_s"]) for r in results], label="first ingest")  # type: ignore[arg-type]
    ax.barh(names, [float(r["rerun_images_per_s"]) for r in results], alpha=0.4, label="idempotent re-run")  # type: ignore[arg-type]
    ax.set_xlabel("images / s")
    ax.set_title(f"ingest throughput ({results[0]['images']} images, {args.workers} threads)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    RESULTS.mkdir(parents=True, exist_ok=True)
    fig.savefig(RESULTS / "ingest.png", dpi=90)
    DOCS.mkdir(exist_ok=True)
    fig.savefig(DOCS / "bench_ingest.png", dpi=90)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
