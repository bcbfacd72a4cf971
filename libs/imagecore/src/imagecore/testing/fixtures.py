"""pytest fixtures shared by every package (registered as the ``imagecore`` pytest plugin).

Policy for tests that need something from outside the repository:

- data (``IMAGECORE_DATA_DIR``): skipped with a reason when absent, unless
  ``IMAGECORE_REQUIRE_DATA=1`` (set by ``.ci/run``), which turns the skip into a failure;
- services (PostgreSQL, Redis on loopback): skipped with a reason when they do not answer,
  unless ``IMAGECORE_REQUIRE_SERVICES=1`` (set by ``.ci/run`` when they answer).

Service fixtures create their own database / key prefix and clean up after themselves,
because the services keep state between runs.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from imagecore.config import DataNotFoundError, dataset_dir

POSTGRES_URL_ENV = "IMAGECORE_TEST_POSTGRES_URL"
REDIS_URL_ENV = "IMAGECORE_TEST_REDIS_URL"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes")


def _missing(reason: str, require_env: str) -> None:
    if _flag(require_env):
        pytest.fail(f"{reason} (and {require_env}=1 makes this mandatory)", pytrace=False)
    pytest.skip(reason)


def pytest_configure(config: pytest.Config) -> None:
    for marker in (
        "slow: long-running test (deselect with -m 'not slow')",
        "data: needs a data set under IMAGECORE_DATA_DIR",
        "postgres: needs PostgreSQL on 127.0.0.1:5432",
        "redis: needs Redis on 127.0.0.1:6379",
        "s3: starts an in-process S3 (moto) server on loopback",
    ):
        config.addinivalue_line("markers", marker)


@pytest.fixture(scope="session")
def dataset() -> Callable[[str], Path]:
    """Factory: ``dataset("mnist")`` returns that data set's folder or skips/fails clearly."""

    def get(name: str) -> Path:
        try:
            return dataset_dir(name)
        except DataNotFoundError as exc:
            _missing(str(exc), "IMAGECORE_REQUIRE_DATA")
            raise  # unreachable

    return get


@pytest.fixture(scope="session")
def mnist_dir(dataset: Callable[[str], Path]) -> Path:
    """Folder with the four official MNIST files."""
    return dataset("mnist")


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when a TCP connection to ``host:port`` succeeds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """SQLAlchemy URL of the PostgreSQL server's maintenance database (skips when absent)."""
    url = os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES)
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if not port_open(parsed.host or "127.0.0.1", parsed.port or 5432):
        _missing(f"PostgreSQL not reachable at {parsed.host}:{parsed.port}", "IMAGECORE_REQUIRE_SERVICES")
    return url


@pytest.fixture()
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database, dropped after the test."""
    import sqlalchemy as sa

    name = f"imagecore_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(postgres_server_url).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def redis_server_url() -> str:
    """URL of the Redis server (skips when absent)."""
    url = os.environ.get(REDIS_URL_ENV, DEFAULT_REDIS)
    from urllib.parse import urlparse

    parsed = urlparse(url)
    if not port_open(parsed.hostname or "127.0.0.1", parsed.port or 6379):
        _missing(f"Redis not reachable at {parsed.hostname}:{parsed.port}", "IMAGECORE_REQUIRE_SERVICES")
    return url


@pytest.fixture()
def redis_prefix(redis_server_url: str) -> Iterator[str]:
    """A unique key prefix on the Redis server; every key under it is deleted after the test."""
    import redis

    prefix = f"imagecore-test-{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = redis.Redis.from_url(redis_server_url)
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[object]:
    """A session-wide in-process S3 (moto) server on 127.0.0.1 at a free port."""
    from imagecore.storage.s3server import S3Server

    with S3Server() as server:
        yield server


@pytest.fixture()
def s3_store(s3_server: object) -> Iterator[object]:
    """An :class:`~imagecore.storage.S3Store` on a fresh, uniquely named bucket of ``s3_server``."""
    from imagecore.storage import S3Store

    bucket = f"test-{uuid.uuid4().hex[:16]}"
    store = S3Store(bucket, endpoint_url=s3_server.endpoint_url, create_bucket=True)  # type: ignore[attr-defined]
    yield store
    store.delete_many([info.key for info in store.list()])
    store.client.delete_bucket(Bucket=bucket)
