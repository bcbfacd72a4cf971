"""FastAPI application factory.

``create_app(settings)`` wires part 1's routers (health, products, queries, stats) and, when
the module exists, part 2's ``fashion_pipeline.api.routes_jobs.router``. Every router except
``/health`` is protected by the optional API key.
"""

from __future__ import annotations

import importlib
import logging
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from imagecore.storage import StorageError
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError

import fashion_pipeline
from fashion_pipeline.api.deps import require_api_key
from fashion_pipeline.api.limits import MaxBodySizeMiddleware
from fashion_pipeline.api.routes_products import health_router
from fashion_pipeline.api.routes_products import router as products_router
from fashion_pipeline.config import Settings, get_settings
from fashion_pipeline.db.session import init_db

log = logging.getLogger(__name__)

#: Optional routers from part 2, included when importable.
EXTRA_ROUTERS = ("fashion_pipeline.api.routes_jobs",)


def _include_optional(app: FastAPI, module_name: str) -> None:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module_name.startswith(exc.name):
            return
        log.warning("router %s not loaded: %s", module_name, exc)
        return
    except Exception as exc:
        log.warning("router %s not loaded: %s", module_name, exc)
        return
    router = getattr(module, "router", None)
    if router is not None:
        app.include_router(router, dependencies=[Depends(require_api_key)])


def create_app(settings: Settings | None = None, *, migrate: bool = True) -> FastAPI:
    """Build the API.

    Parameters
    ----------
    settings
        Defaults to the environment (:func:`~fashion_pipeline.config.get_settings`).
    migrate
        Bring the database schema up to date when the app starts.

    Returns
    -------
    fastapi.FastAPI
        OpenAPI docs at ``/docs``, schema at ``/openapi.json``.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        if migrate:
            init_db(settings)
        yield

    app = FastAPI(
        title="fashion_pipeline",
        version=fashion_pipeline.__version__,
        description="Query fashion product images stored in S3 with their metadata in a database.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.add_middleware(MaxBodySizeMiddleware, max_bytes=settings.max_request_bytes)

    @app.exception_handler(ValidationError)
    async def _validation(_request: Request, exc: ValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": _errors(exc)})

    @app.exception_handler(StorageError)
    async def _storage_error(_request: Request, exc: StorageError) -> JSONResponse:
        log.error("storage error: %s", exc)
        return JSONResponse(status_code=503, content={"detail": "object store unavailable"})

    @app.exception_handler(OperationalError)
    async def _db_error(_request: Request, exc: OperationalError) -> JSONResponse:
        log.error("database error: %s", exc)
        return JSONResponse(status_code=503, content={"detail": "database unavailable"})

    @app.exception_handler(ValueError)
    async def _value_error(_request: Request, exc: ValueError) -> JSONResponse:
        return JSONResponse(status_code=400, content={"detail": str(exc)})

    app.include_router(health_router)
    app.include_router(products_router, dependencies=[Depends(require_api_key)])
    for name in EXTRA_ROUTERS:
        _include_optional(app, name)
    return app


def _errors(exc: ValidationError | RequestValidationError) -> list[dict[str, object]]:
    return [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()]
