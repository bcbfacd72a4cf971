"""Query results equal an independent pandas computation on the same data (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fashion_pipeline.catalog import STYLE_COLUMNS, Catalog
from fashion_pipeline.config import Settings
from fashion_pipeline.db.session import dispose_engines, init_db, session_factory
from fashion_pipeline.ingest import list_image_files, upsert_products
from fashion_pipeline.query import QuerySpec, build_select, iter_products, run_query, sample_key_values, stats
from pydantic import ValidationError

pytestmark = pytest.mark.data

SPECS: list[dict[str, Any]] = [
    {"gender": "Men", "masterCategory": "Footwear", "year_min": 2013, "limit": 50},
    {"baseColour": ["Black", "White"], "season": "Summer", "sort": "-year", "limit": 100, "offset": 10},
    {"text": "ShIrT", "sort": "-id", "limit": 30},
    {"ids": [1163, 1164, 1525, 1526, 999999, 15970, 39386], "sort": "-id"},
    {"masterCategory": "Apparel", "sample": 25, "seed": 3, "limit": 25},
    {"masterCategory": "Apparel", "sample": 25, "seed": 3, "limit": 10, "offset": 20},
    {"sample": 40, "seed": 12345, "limit": 100},
    {"year_max": 2011, "usage": "Sports", "limit": 0},
    {"limit": 10000, "sort": "year,-id"},
    {"subCategory": "Topwear,Bottomwear", "gender": ["Women", "Girls"], "year_min": 2012, "year_max": 2012,
     "sort": "-year,id", "limit": 200},
    {"text": "100%"},  # LIKE wildcards in user text are literals
    {"text": "_"},
]
TEXT_SORT_SPECS: list[dict[str, Any]] = [  # string order depends on the DB collation: SQLite (binary) only
    {"masterCategory": "Accessories", "sort": "articleType,-productDisplayName", "limit": 300},
]


def product_rows(catalog: Catalog, ids: set[int]) -> list[dict[str, Any]]:
    """Product rows with placeholder image facts (query tests need no uploads)."""
    out = []
    for r in catalog.rows:
        if r.id in ids:
            out.append({
                "id": r.id, "gender": r.gender, "master_category": r.masterCategory, "sub_category": r.subCategory,
                "article_type": r.articleType, "base_colour": r.baseColour, "season": r.season, "year": r.year,
                "usage": r.usage, "product_display_name": r.productDisplayName, "image_key": f"raw/images/{r.id}.jpg",
                "image_uri": f"s3://b/raw/images/{r.id}.jpg", "image_link": None, "content_type": "image/jpeg",
                "image_width": 60, "image_height": 80, "image_mode": "RGB", "image_bytes": 1000,
                "image_sha256": "0" * 64, "image_phash": None,
            })
    return out


def load(settings: Settings, rows: list[dict[str, Any]]) -> None:
    init_db(settings)
    with session_factory(settings)() as session, session.begin():
        for start in range(0, len(rows), 1000):
            upsert_products(session, rows[start : start + 1000])


@pytest.fixture(scope="module")
def frame_and_rows(fashion_dir: Path, fashion_catalog: Catalog) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    ids = set(list_image_files(fashion_dir / "images"))
    rows = product_rows(fashion_catalog, ids)
    df = pd.DataFrame([{c: getattr(r, c) for c in STYLE_COLUMNS} for r in fashion_catalog.rows if r.id in ids])
    df["year"] = df["year"].astype("Int64")
    return df, rows


@pytest.fixture(scope="module")
def sqlite_settings(tmp_path_factory: pytest.TempPathFactory, frame_and_rows: Any) -> Settings:
    settings = Settings(data_dir=tmp_path_factory.mktemp("query"))
    load(settings, frame_and_rows[1])
    return settings


def pandas_query(df: pd.DataFrame, spec: QuerySpec) -> tuple[int, list[int]]:
    """Independent implementation of the QuerySpec semantics."""
    mask = pd.Series(True, index=df.index)
    for col, values in spec.filters().items():
        mask &= df[col].isin(values)
    if spec.year_min is not None:
        mask &= (df["year"] >= spec.year_min).fillna(False)
    if spec.year_max is not None:
        mask &= (df["year"] <= spec.year_max).fillna(False)
    if spec.text:
        mask &= df["productDisplayName"].str.lower().str.contains(spec.text.lower(), regex=False, na=False)
    if spec.ids is not None:
        mask &= df["id"].isin(spec.ids)
    sub = df[mask].copy()
    if spec.sample is not None:
        sub["_k"] = sample_key_values(sub["id"].to_numpy(dtype=np.int64), spec.seed)
        sub = sub.sort_values(["_k", "id"]).head(spec.sample)
        ids = sub["id"].tolist()
        return len(ids), ids[spec.offset : spec.offset + spec.limit]
    keys = spec.sort_keys()
    cols = [k for k, _ in keys]
    asc = [not d for _, d in keys]
    if "id" not in cols:
        cols, asc = [*cols, "id"], [*asc, True]
    sub = sub.sort_values(cols, ascending=asc, na_position="last", kind="mergesort")
    ids = sub["id"].tolist()
    return len(ids), ids[spec.offset : spec.offset + spec.limit]


def check_all(settings: Settings, df: pd.DataFrame, specs: list[dict[str, Any]]) -> None:
    with session_factory(settings)() as session:
        for raw in specs:
            spec = QuerySpec(**raw)
            result = run_query(session, spec)
            total, ids = pandas_query(df, spec)
            assert result.total == total, raw
            assert [item.id for item in result.items] == ids, raw
            if ids:
                assert result.items[0].image_key == f"raw/images/{ids[0]}.jpg"


def test_queries_match_pandas_sqlite(sqlite_settings: Settings, frame_and_rows: Any) -> None:
    df = frame_and_rows[0]
    assert len(df) == 8000
    check_all(sqlite_settings, df, SPECS + TEXT_SORT_SPECS)


def test_sample_is_reproducible_and_seeded(sqlite_settings: Settings) -> None:
    with session_factory(sqlite_settings)() as session:
        a = run_query(session, QuerySpec(sample=30, seed=1, limit=30))
        b = run_query(session, QuerySpec(sample=30, seed=1, limit=30))
        c = run_query(session, QuerySpec(sample=30, seed=2, limit=30))
        pages = [run_query(session, QuerySpec(sample=30, seed=1, limit=7, offset=o)) for o in range(0, 35, 7)]
    assert [i.id for i in a.items] == [i.id for i in b.items]
    assert [i.id for i in a.items] != [i.id for i in c.items]
    assert [i.id for p in pages for i in p.items] == [i.id for i in a.items]
    assert a.total == 30 and all(p.total == 30 for p in pages)


def test_stats_match_pandas(sqlite_settings: Settings, frame_and_rows: Any) -> None:
    df = frame_and_rows[0]
    with session_factory(sqlite_settings)() as session:
        got = stats(session, ["masterCategory"])
        two = stats(session, ["gender", "season"], QuerySpec(year_min=2012))
    assert {c["masterCategory"]: c["count"] for c in got} == df["masterCategory"].value_counts().to_dict()
    expected = df[df["year"] >= 2012].groupby(["gender", "season"], dropna=False).size()
    assert {(c["gender"], c["season"]): c["count"] for c in two} == {
        (g, None if pd.isna(s) else s): n for (g, s), n in expected.items()
    }
    with pytest.raises(ValueError, match="cannot group"):
        stats(session, ["productDisplayName"])


def test_iter_products_streams_every_match(sqlite_settings: Settings, frame_and_rows: Any) -> None:
    df = frame_and_rows[0]
    spec = QuerySpec(masterCategory="Footwear", limit=5)
    with session_factory(sqlite_settings)() as session:
        ids = [p.id for p in iter_products(session, spec, batch_size=100)]
    assert ids == sorted(df[df["masterCategory"] == "Footwear"]["id"])
    assert "LIMIT" in str(build_select(spec)) and "LIMIT" not in str(build_select(spec, paginate=False))


@pytest.mark.parametrize("bad", [
    {"limit": -1}, {"limit": 10001}, {"offset": -5}, {"sort": "password"}, {"sort": "-"}, {"year_min": 2015, "year_max": 2010},
    {"gender": ""}, {"text": ""}, {"text": "a\x00b"}, {"ids": "1,x"}, {"sample": 0}, {"seed": -1}, {"unknown": 1},
    {"year_min": 10**30}, {"gender": ["x" * 101]},
])
def test_invalid_specs_are_rejected(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        QuerySpec(**bad)


def test_spec_accepts_lists_and_comma_strings() -> None:
    spec = QuerySpec(gender="Men, Women", ids="3,4", masterCategory=["Apparel", "Footwear,Accessories"])
    assert spec.gender == ["Men", "Women"] and spec.ids == [3, 4]
    assert spec.masterCategory == ["Apparel", "Footwear", "Accessories"]


@pytest.mark.postgres
def test_queries_match_pandas_postgres(postgres_url: str, frame_and_rows: Any, tmp_path: Path) -> None:
    df, rows = frame_and_rows
    settings = Settings(data_dir=tmp_path, database_url=postgres_url)
    load(settings, rows)
    try:
        check_all(settings, df, SPECS)
        with session_factory(settings)() as session:
            got = stats(session, ["masterCategory"])
        assert {c["masterCategory"]: c["count"] for c in got} == df["masterCategory"].value_counts().to_dict()
    finally:
        dispose_engines()
