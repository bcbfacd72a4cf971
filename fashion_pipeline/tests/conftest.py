"""Shared fixtures of the fashion_pipeline tests (part 1).

`fashion_dir` is the real data set (skips when absent); `local_settings` / `s3_settings` /
`pg_s3_settings` are isolated Settings objects (temporary state folder; unique S3 bucket on
the session's loopback moto server; fresh PostgreSQL database).
"""

from __future__ import annotations

import logging
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fashion_pipeline.config import Settings
from fashion_pipeline.db.session import dispose_engines

logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request log


@pytest.fixture(scope="session")
def fashion_dir(dataset: Callable[[str], Path]) -> Path:
    """The real Kaggle fashion folder (styles.csv + images/)."""
    return dataset("fashion")


@pytest.fixture(scope="session")
def fashion_catalog(fashion_dir: Path) -> object:
    """The parsed real catalogue (parsed once per session)."""
    from fashion_pipeline.catalog import read_styles

    return read_styles(fashion_dir / "styles.csv")


@pytest.fixture()
def subset_dir(fashion_dir: Path, fashion_catalog: object, tmp_path: Path) -> Callable[..., Path]:
    """Factory: a folder with ``styles.csv`` and ``images/`` (symlinks to the real images).

    ``make(n)`` keeps the first ``n`` catalogue rows that have an image plus 10 rows without one
    (written back as CSV, so the parser runs on real text); ``make(n, full_csv=True)`` copies the
    whole real styles.csv instead.
    """
    import csv

    from fashion_pipeline.catalog import STYLE_COLUMNS
    from fashion_pipeline.ingest import list_image_files

    files = list_image_files(fashion_dir / "images")

    def make(n: int, *, full_csv: bool = False) -> Path:
        root = tmp_path / f"subset{n}"
        images = root / "images"
        images.mkdir(parents=True)
        rows = fashion_catalog.rows  # type: ignore[attr-defined]
        with_image = [r for r in rows if r.id in files][:n]
        for r in with_image:
            (images / f"{r.id}.jpg").symlink_to(files[r.id])
        if full_csv:
            shutil.copy(fashion_dir / "styles.csv", root / "styles.csv")
        else:
            without = [r for r in rows if r.id not in files][:10]
            with (root / "styles.csv").open("w", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(STYLE_COLUMNS)
                for r in with_image + without:
                    writer.writerow(["" if getattr(r, c) is None else getattr(r, c) for c in STYLE_COLUMNS])
        return root

    return make


@pytest.fixture(autouse=True)
def _fresh_engines() -> Iterator[None]:
    yield
    dispose_engines()


@pytest.fixture()
def local_settings(tmp_path: Path, fashion_dir: Path) -> Settings:
    """Embedded default: local object dir + SQLite under a temporary data_dir."""
    return Settings(data_dir=tmp_path / "state", storage="local", styles_path=fashion_dir / "styles.csv",
                    images_dir=fashion_dir / "images", retry_base_delay=0.01)


@pytest.fixture()
def s3_settings(tmp_path: Path, s3_server: object, fashion_dir: Path) -> Settings:
    """Loopback moto S3 (fresh bucket) + SQLite."""
    return Settings(data_dir=tmp_path / "state", storage="s3", s3_endpoint_url=s3_server.endpoint_url,  # type: ignore[attr-defined]
                    s3_bucket=f"fp-{uuid.uuid4().hex[:12]}", styles_path=fashion_dir / "styles.csv",
                    images_dir=fashion_dir / "images", retry_base_delay=0.01)


@pytest.fixture()
def pg_s3_settings(s3_settings: Settings, postgres_url: str) -> Settings:
    """Loopback moto S3 (fresh bucket) + a fresh PostgreSQL database."""
    return s3_settings.model_copy(update={"database_url": postgres_url})
