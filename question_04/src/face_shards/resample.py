"""Re-sampling without moving data: a query over the manifest materialises only an index.

The index is a small table (key, shard, offsets) sorted by shard and offset, so a loader can
read just the shards (or byte ranges) it needs. DuckDB runs the SQL directly on the parquet
file (or an in-memory Arrow table), using column pruning and row-group statistics.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

INDEX_COLUMNS = ["key", "shard", "img_offset", "img_size", "json_offset", "json_size"]


def _index_sql(src: str, where: str, limit: int | None, sample_fraction: float | None, seed: int) -> str:
    # The WHERE clause is a user-supplied SQL expression by design (the re-sampling query language).
    sql = f"SELECT {', '.join(INDEX_COLUMNS)} FROM {src} WHERE {where}"  # noqa: S608
    if sample_fraction is not None:
        # Deterministic per-key sample: hash(key, seed) below the threshold.
        sql += f" AND (hash(key || '{int(seed)}') % 1000000) < {int(sample_fraction * 1_000_000)}"
    sql += " ORDER BY shard, img_offset"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql


def copy_index(
    manifest: str | Path,
    where: str,
    out: str | Path,
    *,
    limit: int | None = None,
    sample_fraction: float | None = None,
    seed: int = 0,
) -> int:
    """Like :func:`select_index` but DuckDB writes the index parquet itself (no Python rows at all).

    Returns
    -------
    int
        Rows written.
    """
    con = duckdb.connect()
    try:
        sql = _index_sql(f"read_parquet('{Path(manifest).as_posix()}')", where, limit, sample_fraction, seed)
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"COPY ({sql}) TO '{Path(out).as_posix()}' (FORMAT PARQUET)")
        return int(pq.read_metadata(out).num_rows)
    except duckdb.Error as exc:
        raise ValueError(f"invalid re-sampling query: {exc}") from exc
    finally:
        con.close()


def select_index(
    manifest: str | Path | pd.DataFrame | pa.Table,
    where: str = "TRUE",
    *,
    limit: int | None = None,
    sample_fraction: float | None = None,
    seed: int = 0,
    arrow: bool = False,
) -> pd.DataFrame | pa.Table:
    """Run ``SELECT <index columns> FROM manifest WHERE <where>`` with DuckDB.

    Parameters
    ----------
    manifest
        A parquet path, a DataFrame or an Arrow table with the manifest columns.
    where
        A SQL boolean expression over manifest columns, e.g. ``"label = 'fake' AND width >= 256"``.
    limit
        Keep at most this many rows (after sampling).
    sample_fraction
        Keep a seeded Bernoulli sample of this fraction of the matching rows.
    seed
        Seed of the sample.
    arrow
        Return a :class:`pyarrow.Table` (no per-row Python objects: much faster for big selections).

    Returns
    -------
    pandas.DataFrame or pyarrow.Table
        The index, ordered by shard and offset (sequential reads).

    Raises
    ------
    ValueError
        The query is invalid (unknown column, syntax error).
    """
    con = duckdb.connect()
    try:
        if isinstance(manifest, (str, Path)):
            src = f"read_parquet('{Path(manifest).as_posix()}')"
        else:
            con.register("manifest_view", manifest)
            src = "manifest_view"
        sql = _index_sql(src, where, limit, sample_fraction, seed)
        return con.sql(sql).to_arrow_table() if arrow else con.execute(sql).fetch_df()
    except duckdb.Error as exc:
        raise ValueError(f"invalid re-sampling query: {exc}") from exc
    finally:
        con.close()


def shard_plan(index: pd.DataFrame) -> dict[str, list[str]]:
    """Group an index by shard: ``{shard: [keys...]}`` (what a loader needs to read)."""
    return {shard: grp["key"].tolist() for shard, grp in index.groupby("shard", sort=True)}


def synthetic_manifest(rows: int, *, samples_per_shard: int = 1000, seed: int = 0) -> pa.Table:
    """A manifest-shaped Arrow table of ``rows`` samples with realistic columns (for timing)."""
    rng = np.random.default_rng(seed)
    idx = np.arange(rows)
    gens = np.array(["none", "StyleGAN", "StyleGAN2", "StyleGAN3", "unknown"])
    g = rng.choice(len(gens), rows, p=[0.5, 0.2, 0.1, 0.1, 0.1])
    sizes = rng.integers(15_000, 60_000, rows)
    pos = idx % samples_per_shard
    return pa.table(
        {
            "key": pa.array([f"k{i:09d}" for i in idx]),
            "shard": pa.array([f"shards/shard-{s:06d}.tar" for s in idx // samples_per_shard]),
            "img_offset": pos * 40_000 + 512,
            "img_size": sizes,
            "json_offset": pos * 40_000 + 512 + 512 + sizes,
            "json_size": np.full(rows, 200),
            "label": pa.array(np.where(g == 0, "real", "fake")),
            "generator": pa.array(gens[g]),
            "source": pa.array(np.array(["ffhq", "celeba", "gen-a", "gen-b"])[rng.integers(0, 4, rows)]),
            "width": rng.choice([256, 512, 1024], rows),
            "height": rng.choice([256, 512, 1024], rows),
            "jpeg_quality": rng.integers(30, 101, rows),
            "file_size": sizes,
        }
    )


def time_query(fn, repeat: int = 3) -> tuple[float, object]:
    """Best-of-``repeat`` wall time of ``fn()`` and its last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def write_index(index: pd.DataFrame, path: str | Path) -> Path:
    """Write an index as parquet (a few MB even for millions of rows)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pandas(index, preserve_index=False), path)
    return path
