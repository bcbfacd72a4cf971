"""Query latency p50/p95 of ``run_query`` for limits 10, 100, 1,000, 10,000 on SQLite and PostgreSQL,
at the full catalogue size: all 44,446 real styles.csv rows are loaded (real metadata; the image
columns are placeholders for the rows whose image is not among the shared 8,000).

    python fashion_pipeline/benchmarks/bench_query.py [--repeats N]

Writes benchmarks/results/query.json and query.png. ``cpu_*`` columns: CPU time of this process per
query (the client side; for PostgreSQL the server's CPU is not included) — a steadier measure than
wall-clock on a shared, loaded machine.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from _common import DOCS, RESULTS, machine, postgres_available, table, temp_postgres, write_json
from fashion_pipeline.catalog import read_styles
from fashion_pipeline.config import Settings
from fashion_pipeline.db.session import dispose_engines, init_db, session_factory
from fashion_pipeline.ingest import upsert_products
from fashion_pipeline.query import QuerySpec, run_query

LIMITS = (10, 100, 1000, 10000)
SPECS: dict[str, dict[str, Any]] = {
    "all, by id": {},
    "Men+Apparel+year>=2012": {"gender": "Men", "masterCategory": "Apparel", "year_min": 2012},
    "text 'shirt', -year": {"text": "shirt", "sort": "-year"},
    "sample (seed 1)": {"sample": 20000, "seed": 1},
}


def catalogue_rows(styles: Path) -> list[dict[str, Any]]:
    rows = []
    for r in read_styles(styles).rows:
        rows.append({
            "id": r.id, "gender": r.gender, "master_category": r.masterCategory, "sub_category": r.subCategory,
            "article_type": r.articleType, "base_colour": r.baseColour, "season": r.season, "year": r.year,
            "usage": r.usage, "product_display_name": r.productDisplayName, "image_key": f"raw/images/{r.id}.jpg",
            "image_uri": f"s3://fashion/raw/images/{r.id}.jpg", "image_link": None, "content_type": "image/jpeg",
            "image_width": 60, "image_height": 80, "image_mode": "RGB", "image_bytes": 2000,
            "image_sha256": "0" * 64, "image_phash": "0" * 16,
        })
    return rows


def measure(settings: Settings, rows: list[dict[str, Any]], repeats: int) -> list[dict[str, Any]]:
    init_db(settings)
    with session_factory(settings)() as session, session.begin():
        for start in range(0, len(rows), 2000):
            upsert_products(session, rows[start : start + 2000])
    out = []
    with session_factory(settings)() as session:
        if session.get_bind().dialect.name == "postgresql":
            from sqlalchemy import text

            session.execute(text("ANALYZE products"))
        for name, raw in SPECS.items():
            for limit in LIMITS:
                spec = QuerySpec(**raw, limit=limit)
                run_query(session, spec)  # warm-up
                times, cpu = [], []
                for _ in range(repeats if limit < 10000 else max(5, repeats // 4)):
                    t0, c0 = time.perf_counter(), time.process_time()
                    result = run_query(session, spec)
                    times.append((time.perf_counter() - t0) * 1000)
                    cpu.append((time.process_time() - c0) * 1000)
                out.append({"spec": name, "limit": limit, "total": result.total, "returned": len(result.items),
                            "p50_ms": round(statistics.median(times), 2),
                            "p95_ms": round(float(np.percentile(times, 95)), 2),
                            "cpu_p50_ms": round(statistics.median(cpu), 2),
                            "cpu_p95_ms": round(float(np.percentile(cpu, 95)), 2), "n": len(times)})
    dispose_engines()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=40)
    args = parser.parse_args()
    base = Settings()
    rows = catalogue_rows(base.styles_path)
    results: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = measure(Settings(data_dir=tmp), rows, args.repeats)
    if postgres_available():
        with temp_postgres() as url:
            results["postgresql"] = measure(Settings(database_url=url), rows, args.repeats)
    headers = ["db", "spec", "limit", "total", "returned", "p50_ms", "p95_ms", "cpu_p50_ms", "cpu_p95_ms", "n"]
    print(table(headers, [[db, *[r[h] for h in headers[1:]]] for db, rs in results.items() for r in rs]))
    out = {"machine": machine(), "rows": len(rows), "results": results}
    print("machine:", out["machine"])
    write_json("query", out)
    fig, axes = plt.subplots(1, len(results), figsize=(5 * len(results), 3.4), sharey=True, squeeze=False)
    for ax, (db, rs) in zip(axes[0], results.items(), strict=True):
        for name in SPECS:
            pts = [r for r in rs if r["spec"] == name]
            ax.plot([r["limit"] for r in pts], [r["p95_ms"] for r in pts], marker="o", label=name)
        ax.axhline(20, color="grey", ls="--", lw=0.8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("limit (rows returned)")
        ax.set_title(f"{db}: p95 latency, {len(rows):,} rows")
    axes[0][0].set_ylabel("ms")
    axes[0][-1].legend(fontsize=7)
    fig.tight_layout()
    RESULTS.mkdir(parents=True, exist_ok=True)
    fig.savefig(RESULTS / "query.png", dpi=90)
    fig.savefig(DOCS / "bench_query.png", dpi=90)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
