"""Migration 0002_jobs: the migrated job tables equal the models (SQLite, PostgreSQL); downgrade removes them."""

from __future__ import annotations

from pathlib import Path

import fashion_pipeline.db.jobs  # noqa: F401  (registers the job tables on Base.metadata)
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fashion_pipeline.config import Settings
from fashion_pipeline.db.base import Base
from fashion_pipeline.db.session import alembic_config, dispose_engines, get_engine, init_db

JOB_TABLES = {"jobs", "job_chunks", "job_items"}


def _check(settings: Settings) -> None:
    init_db(settings)
    init_db(settings)
    with get_engine(settings).connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == "0002_jobs"
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert JOB_TABLES <= set(sa.inspect(conn).get_table_names())
    mine = [d for d in diffs if any(t in repr(d) for t in JOB_TABLES)]
    assert mine == [], mine
    cfg = alembic_config(settings)
    with get_engine(settings).begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001_products")
    with get_engine(settings).connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
    assert not (JOB_TABLES & tables) and "products" in tables
    dispose_engines()


def test_sqlite_job_tables_match_models(tmp_path: Path) -> None:
    _check(Settings(data_dir=tmp_path))


@pytest.mark.postgres
def test_postgres_job_tables_match_models(postgres_url: str, tmp_path: Path) -> None:
    _check(Settings(data_dir=tmp_path, database_url=postgres_url))
