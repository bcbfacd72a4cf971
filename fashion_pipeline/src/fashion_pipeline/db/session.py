"""Engine and session factory from :class:`~fashion_pipeline.config.Settings`; schema upgrade."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from fashion_pipeline.config import Settings, get_settings

log = logging.getLogger(__name__)

_ENGINES: dict[str, Engine] = {}
_LOCK = threading.Lock()
MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and foreign keys, its folder is created."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size * 2, pool_pre_ping=True)


def get_engine(settings: Settings | None = None) -> Engine:
    """The process-wide engine for ``settings.database_url`` (one per URL)."""
    settings = settings or get_settings()
    url = settings.database_url
    with _LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = _ENGINES[url] = make_engine(url, pool_size=settings.db_pool_size)
    return engine


def dispose_engines() -> None:
    """Close every cached engine (tests, forked workers)."""
    with _LOCK:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()


def session_factory(settings: Settings | None = None) -> sessionmaker[Session]:
    """A ``sessionmaker`` bound to the settings' engine (``expire_on_commit=False``)."""
    return sessionmaker(bind=get_engine(settings), expire_on_commit=False)


@contextmanager
def session_scope(settings: Settings | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session = session_factory(settings)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(settings: Settings | None = None):  # type: ignore[no-untyped-def]
    """An Alembic ``Config`` pointing at the packaged migrations and the settings' database."""
    from alembic.config import Config

    settings = settings or get_settings()
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", settings.database_url.replace("%", "%%"))
    cfg.attributes["settings"] = settings
    return cfg


def init_db(settings: Settings | None = None, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: the newest) with Alembic; idempotent.

    Parameters
    ----------
    settings
        Which database; defaults to :func:`~fashion_pipeline.config.get_settings`.
    revision
        Target revision, ``"head"`` by default.
    """
    from alembic import command

    settings = settings or get_settings()
    cfg = alembic_config(settings)
    engine = get_engine(settings)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    log.debug("database %s at %s", make_url(settings.database_url).render_as_string(), revision)


upgrade = init_db
