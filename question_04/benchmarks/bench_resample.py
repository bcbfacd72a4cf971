"""Re-sampling a 1,000,000-row manifest: DuckDB (parquet / Arrow) vs pandas vs pyarrow.compute.

Usage: ``python question_04/benchmarks/bench_resample.py [--rows 1000000]``
Writes ``question_04/benchmarks/results/resample.{json,png}``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine
from face_shards.resample import copy_index, select_index, synthetic_manifest, time_query, write_index

RESULTS = Path(__file__).parent / "results"

QUERIES = {
    "stylegan3_fakes": (
        "label = 'fake' AND generator = 'StyleGAN3'",
        lambda d: (d.label == "fake") & (d.generator == "StyleGAN3"),
        lambda t: pc.and_(pc.equal(t["label"], "fake"), pc.equal(t["generator"], "StyleGAN3")),
    ),
    "hq_large": (
        "jpeg_quality >= 90 AND width >= 512",
        lambda d: (d.jpeg_quality >= 90) & (d.width >= 512),
        lambda t: pc.and_(pc.greater_equal(t["jpeg_quality"], 90), pc.greater_equal(t["width"], 512)),
    ),
    "all": ("TRUE", lambda d: d.label.notna(), lambda t: pc.is_valid(t["label"])),
}


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=1_000_000)
    args = p.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    table = synthetic_manifest(args.rows, samples_per_shard=1000)
    df = table.to_pandas()
    path = write_index(df, RESULTS / "synthetic_manifest.parquet")
    build_s = time.perf_counter() - t
    load_s, _ = time_query(lambda: pq.read_table(path).to_pandas(), repeat=1)
    cols = ["key", "shard", "img_offset", "img_size", "json_offset", "json_size"]
    rows = []
    for name, (where, pmask, amask) in QUERIES.items():
        t_file, idx_arrow = time_query(lambda: select_index(path, where, arrow=True))  # noqa: B023  (called immediately, inside the loop)
        idx = idx_arrow.to_pandas()
        t_copy, _ = time_query(lambda: copy_index(path, where, RESULTS / f"index_{name}.parquet"))  # noqa: B023  (called immediately, inside the loop)
        t_arrow, _ = time_query(lambda: select_index(table, where, arrow=True))  # noqa: B023  (called immediately, inside the loop)
        t_pandas, ref = time_query(lambda: df.loc[pmask(df), cols].sort_values(["shard", "img_offset"]))  # noqa: B023  (called immediately, inside the loop)
        t_pa, _ = time_query(
            lambda: (
                pq.read_table(path, columns=[*cols, "label", "generator", "jpeg_quality", "width"])
                .filter(amask(pq.read_table(path, columns=["label", "generator", "jpeg_quality", "width"])))  # noqa: B023  (called immediately, inside the loop)
                .select(cols)
            )
        )
        assert idx["key"].tolist() == ref["key"].tolist(), name
        rows.append(
            {
                "query": name,
                "where": where,
                "selected": len(idx),
                "shards": int(idx["shard"].nunique()),
                "duckdb_parquet_s": round(t_file, 4),
                "duckdb_copy_to_parquet_s": round(t_copy, 4),
                "duckdb_arrow_s": round(t_arrow, 4),
                "pandas_in_memory_s": round(t_pandas, 4),
                "pyarrow_parquet_s": round(t_pa, 4),
            }
        )
    t_frac, frac = time_query(lambda: select_index(path, "label = 'real'", sample_fraction=0.1, seed=1, arrow=True))
    frac = frac.to_pandas()
    rows.append(
        {
            "query": "10%_of_real",
            "where": "label = 'real' (10% seeded)",
            "selected": len(frac),
            "shards": int(frac["shard"].nunique()),
            "duckdb_parquet_s": round(t_frac, 4),
        }
    )
    index_bytes = write_index(frac, RESULTS / "index_10pct_real.parquet").stat().st_size
    out = {
        "rows": args.rows,
        "manifest_bytes": path.stat().st_size,
        "build_s": round(build_s, 2),
        "pandas_load_parquet_s": round(load_s, 3),
        "index_10pct_bytes": index_bytes,
        "results": rows,
        "machine": machine(),
    }
    (RESULTS / "resample.json").write_text(json.dumps(out, indent=1))
    print(f"{args.rows:,} rows, manifest {path.stat().st_size / 1e6:.1f} MB; machine {out['machine']}")
    print(f"pandas needs {load_s:.2f} s to load the manifest before its in-memory filter")
    print(
        f"{'query':18} {'selected':>9} {'shards':>6} {'duckdb pq':>10} {'duckdb COPY':>11} {'duckdb arrow':>12} {'pandas':>8} {'pyarrow':>8}"
    )
    for r in rows:
        print(
            f"{r['query']:18} {r['selected']:>9,} {r['shards']:>6} {r['duckdb_parquet_s']:>10} {r.get('duckdb_copy_to_parquet_s', '-'):>11} "
            f"{r.get('duckdb_arrow_s', '-'):>12} {r.get('pandas_in_memory_s', '-'):>8} {r.get('pyarrow_parquet_s', '-'):>8}"
        )
    fig, ax = plt.subplots(figsize=(8, 4))
    methods = [
        "duckdb_parquet_s",
        "duckdb_copy_to_parquet_s",
        "duckdb_arrow_s",
        "pandas_in_memory_s",
        "pyarrow_parquet_s",
    ]
    for i, m in enumerate(methods):
        ax.bar([j + i * 0.16 for j in range(3)], [r[m] for r in rows[:3]], width=0.16, label=m.replace("_s", ""))
    ax.set_xticks([j + 0.32 for j in range(3)], [r["query"] for r in rows[:3]])
    ax.set(ylabel="seconds (best of 3)", title=f"re-sampling a {args.rows:,}-row manifest into an index")
    ax.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / "resample.png", dpi=80)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
