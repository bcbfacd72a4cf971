"""Part 1 routes: ``/health``, ``/products``, ``/products/{id}``, ``/products/{id}/image``, ``/queries``, ``/stats``.

Routes are thin: validation is :class:`~fashion_pipeline.query.QuerySpec`, work is
:mod:`fashion_pipeline.query`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from fashion_pipeline.api.deps import get_session, get_settings, get_store
from fashion_pipeline.config import Settings
from fashion_pipeline.db.products import Product
from fashion_pipeline.db.session import session_factory
from fashion_pipeline.query import GROUPABLE, ProductOut, QueryResult, QuerySpec, run_query, stats

if TYPE_CHECKING:
    from imagecore.storage import ObjectStore

log = logging.getLogger(__name__)

health_router = APIRouter(tags=["health"])
router = APIRouter(tags=["products"])

ProductId = Annotated[int, Path(ge=0, le=2**31 - 1, description="product id (styles.csv `id`)")]


class Health(BaseModel):
    status: str
    database: str
    storage: str


@health_router.get("/health", response_model=Health, responses={503: {"model": Health}})
def health(request: Request, response: Response, settings: Settings = Depends(get_settings)) -> Health:
    """Liveness and readiness: the database and the object store answer (503 otherwise). No API key needed."""
    db_ok = store_ok = "ok"
    try:
        with session_factory(settings)() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:
        log.warning("health: database: %s", exc)
        db_ok = "error"
    try:
        get_store(request).exists(settings.images_prefix + ".health")
    except Exception as exc:
        log.warning("health: storage: %s", exc)
        store_ok = "error"
    ok = db_ok == store_ok == "ok"
    if not ok:
        response.status_code = 503
    return Health(status="ok" if ok else "degraded", database=db_ok, storage=store_ok)


@router.get("/products", response_model=QueryResult)
def list_products(
    spec: Annotated[QuerySpec, Query()], session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> QueryResult:
    """Products matching the query parameters: ``{"total": int, "items": [...]}``.

    Categorical filters accept repeated parameters or comma-separated values (any-of),
    e.g. ``?gender=Men&masterCategory=Footwear,Apparel&year_min=2013&limit=50``.
    """
    _check_limit(spec, settings)
    return run_query(session, spec)


@router.post("/queries", response_model=QueryResult)
def post_query(spec: QuerySpec, session: Session = Depends(get_session),
               settings: Settings = Depends(get_settings)) -> QueryResult:
    """Run a query given as a JSON :class:`QuerySpec` (same fields as ``GET /products``)."""
    _check_limit(spec, settings)
    return run_query(session, spec)


@router.get("/products/{product_id}", response_model=ProductOut)
def get_product(
    product_id: ProductId,
    session: Session = Depends(get_session),
    store: ObjectStore = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> ProductOut:
    """One product with a presigned URL of its original image (``image_url``)."""
    product = _find(session, product_id)
    out = ProductOut.from_row(product)
    out.image_url = store.presign(product.image_key, expires=settings.presign_expires)
    return out


@router.get("/products/{product_id}/image", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}}, 404: {"description": "unknown product"}})
def get_product_image(
    product_id: ProductId, session: Session = Depends(get_session), store: ObjectStore = Depends(get_store)
) -> Response:
    """The original image bytes, streamed through the API (works for every store, also local)."""
    from imagecore.storage import ObjectNotFoundError

    product = _find(session, product_id)
    try:
        data = store.get(product.image_key)
    except ObjectNotFoundError:
        raise HTTPException(404, detail=f"image object {product.image_key} is missing from the store") from None
    return Response(content=data, media_type=product.content_type,
                    headers={"ETag": f'"{product.image_sha256}"', "Cache-Control": "max-age=3600"})


class StatsSpec(QuerySpec):
    """Filters of :class:`QuerySpec` plus ``by``: the columns to group by."""

    by: list[str] = Field(default_factory=lambda: ["masterCategory"], min_length=1, max_length=3,
                          description=f"group by these columns: {', '.join(GROUPABLE)}")

    @field_validator("by", mode="before")
    @classmethod
    def _split(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = [v]
        if isinstance(v, list):
            v = [p.strip() for item in v for p in str(item).split(",") if p.strip()]
            for name in v:
                if name not in GROUPABLE:
                    raise ValueError(f"cannot group by {name!r}; choose from {', '.join(GROUPABLE)}")
        return v


class StatsOut(BaseModel):
    by: list[str]
    total: int
    counts: list[dict[str, Any]]


@router.get("/stats", response_model=StatsOut)
def get_stats(spec: Annotated[StatsSpec, Query()], session: Session = Depends(get_session)) -> StatsOut:
    """Counts by one or more columns (e.g. ``?by=masterCategory&by=gender``), optionally filtered."""
    counts = stats(session, spec.by, spec)
    return StatsOut(by=spec.by, total=sum(c["count"] for c in counts), counts=counts)


def _find(session: Session, product_id: int) -> Product:
    product = session.scalar(select(Product).where(Product.id == product_id))
    if product is None:
        raise HTTPException(404, detail=f"no product with id {product_id}")
    return product


def _check_limit(spec: QuerySpec, settings: Settings) -> None:
    if spec.limit > settings.max_limit:
        raise HTTPException(422, detail=f"limit {spec.limit} exceeds the maximum of {settings.max_limit}")
