"""FastAPI dependencies: settings, DB session, object store, API-key check.

Routes (part 1's and part 2's) take what they need through these, e.g.::

    @router.get("/x")
    def x(session: Session = Depends(get_session), store: ObjectStore = Depends(get_store)): ...

The app stores its :class:`~fashion_pipeline.config.Settings` in ``app.state.settings``.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import TYPE_CHECKING

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from fashion_pipeline.config import Settings
from fashion_pipeline.config import get_store as _open_store
from fashion_pipeline.db.session import session_factory

if TYPE_CHECKING:
    from imagecore.storage import ObjectStore

API_KEY_HEADER = "X-API-Key"
_api_key_header = APIKeyHeader(name=API_KEY_HEADER, auto_error=False)


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    return request.app.state.settings


def get_session(settings: Settings = Depends(get_settings)) -> Iterator[Session]:
    """A database session for one request (closed afterwards; commit explicitly when writing)."""
    session = session_factory(settings)()
    try:
        yield session
    finally:
        session.close()


def get_store(request: Request) -> ObjectStore:
    """The app's object store (opened once per app)."""
    store = getattr(request.app.state, "store", None)
    if store is None:
        store = request.app.state.store = _open_store(request.app.state.settings)
    return store


def require_api_key(
    settings: Settings = Depends(get_settings), key: str | None = Depends(_api_key_header)
) -> None:
    """401 unless the ``X-API-Key`` header matches ``settings.api_key`` (no-op when unset)."""
    if settings.api_key is None:
        return
    if key is None or not hmac.compare_digest(key.encode(), settings.api_key.encode()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=f"missing or wrong {API_KEY_HEADER} header")
