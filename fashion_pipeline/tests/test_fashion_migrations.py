"""Schema is managed by Alembic: the migrated schema equals the models; upgrade is idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fashion_pipeline.config import Settings
from fashion_pipeline.db.base import Base
from fashion_pipeline.db.session import alembic_config, get_engine, init_db

FILTER_INDEXES = {f"ix_products_{c}" for c in ("gender", "master_category", "sub_category", "article_type",
                                                "base_colour", "season", "year", "usage")}


def _check(settings: Settings) -> None:
    init_db(settings)
    init_db(settings)  # idempotent
    engine = get_engine(settings)
    with engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        indexes = {ix["name"] for ix in sa.inspect(conn).get_indexes("products")}
    assert version  # at head (0001_products or a later revision)
    mine = [d for d in diffs if "products" in repr(d)]
    assert mine == [], mine
    assert FILTER_INDEXES <= indexes


def test_sqlite_schema_matches_models(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    _check(settings)
    assert (tmp_path / "fashion.db").is_file()
    cfg = alembic_config(settings)
    with get_engine(settings).begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    with get_engine(settings).connect() as conn:
        assert "products" not in sa.inspect(conn).get_table_names()


@pytest.mark.postgres
def test_postgres_schema_matches_models(postgres_url: str, tmp_path: Path) -> None:
    _check(Settings(data_dir=tmp_path, database_url=postgres_url))
