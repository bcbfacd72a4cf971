"""One validated query model (:class:`QuerySpec`) and its execution (:func:`run_query`).

The API (``GET /products``, ``POST /queries``), the CLI (``fashion-pipeline query``), the
notebook and part 2's jobs all go through here, so a query means the same everywhere.
SQL is built only from SQLAlchemy expressions; user values are always bound parameters,
and column names come from a fixed allow-list.

Reproducible random sample: rows are ordered by ``((id + seed*7919 % P) % P * 2654435761) % P`` with ``P = 2**31 - 1``
(then id), a pure-integer expression that SQLite, PostgreSQL and pandas compute identically,
so the same ``(filters, sample, seed)`` returns the same rows on every backend.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import BigInteger, ColumnElement, Select, cast, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from fashion_pipeline.db.products import Product

#: Public (CSV / API) name -> Product attribute name, for the categorical filters.
CATEGORY_FIELDS: dict[str, str] = {
    "gender": "gender",
    "masterCategory": "master_category",
    "subCategory": "sub_category",
    "articleType": "article_type",
    "baseColour": "base_colour",
    "season": "season",
    "usage": "usage",
}
#: Every public column name -> attribute (sortable, groupable).
PUBLIC_TO_ATTR: dict[str, str] = {"id": "id", **CATEGORY_FIELDS, "year": "year", "productDisplayName": "product_display_name"}
SORTABLE = tuple(PUBLIC_TO_ATTR)
GROUPABLE = (*CATEGORY_FIELDS, "year")

MAX_LIMIT = 10_000
MAX_IDS = 10_000
MAX_VALUES = 100
SAMPLE_MUL = 2654435761
SAMPLE_MOD = 2147483647
SAMPLE_SEED_MUL = 7919


def _split(value: Any, limit: int) -> Any:
    """Accept ``"a"``, ``"a,b"`` or ``["a", "b,c"]``; return a non-empty list (None stays None)."""
    if value is None:
        return None
    if isinstance(value, (str, int)):
        value = [value]
    if not isinstance(value, (list, tuple)):
        return value  # let pydantic report the type error
    out: list[Any] = []
    for v in value:
        if isinstance(v, str):
            out.extend(p.strip() for p in v.split(",") if p.strip())
        else:
            out.append(v)
    if not out:
        raise ValueError("needs at least one non-empty value")
    if len(out) > limit:
        raise ValueError(f"at most {limit} values")
    return out


def _split_values(value: Any) -> Any:
    return _split(value, MAX_VALUES)


def _split_ids(value: Any) -> Any:
    return _split(value, MAX_IDS)


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


Values = Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]] | None, BeforeValidator(_split_values)]


class QuerySpec(BaseModel):
    """A validated product query.

    Categorical filters take one value or a list (any-of; a comma-separated string also
    works). All given filters must hold (AND).

    Examples
    --------
    >>> QuerySpec(gender="Men", masterCategory=["Footwear", "Apparel"], year_min=2012).gender
    ['Men']
    >>> QuerySpec(sort="-year").sort_keys()
    [('year', True)]
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    gender: Values = None
    masterCategory: Values = None
    subCategory: Values = None
    articleType: Values = None
    baseColour: Values = None
    season: Values = None
    usage: Values = None
    year_min: int | None = Field(default=None, ge=0, le=9999, description="inclusive")
    year_max: int | None = Field(default=None, ge=0, le=9999, description="inclusive")
    text: str | None = Field(default=None, min_length=1, max_length=200, description="case-insensitive substring of productDisplayName")
    ids: Annotated[list[Annotated[int, Field(ge=0, le=2**31 - 1)]] | None, BeforeValidator(_split_ids)] = None
    sort: str = Field(default="id", max_length=200, description="comma-separated columns, '-' prefix = descending")
    limit: int = Field(default=50, ge=0, le=MAX_LIMIT)
    offset: int = Field(default=0, ge=0, le=10_000_000)
    sample: int | None = Field(default=None, ge=1, le=1_000_000, description="reproducible random sample of this many rows")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)

    @field_validator("text")
    @classmethod
    def _text_ok(cls, v: str | None) -> str | None:
        return None if v is None else _clean_text(v)

    @field_validator("gender", "masterCategory", "subCategory", "articleType", "baseColour", "season", "usage")
    @classmethod
    def _values_ok(cls, v: list[str] | None) -> list[str] | None:
        if v is not None:
            for item in v:
                _clean_text(item)
        return v

    @field_validator("sort")
    @classmethod
    def _sort_ok(cls, v: str) -> str:
        keys = [k.strip() for k in v.split(",") if k.strip()]
        if not keys:
            raise ValueError("sort needs at least one column")
        for key in keys:
            name = key[1:] if key.startswith("-") else key
            if name not in SORTABLE:
                raise ValueError(f"cannot sort by {name!r}; choose from {', '.join(SORTABLE)}")
        return ",".join(keys)

    @model_validator(mode="after")
    def _range_ok(self) -> QuerySpec:
        if self.year_min is not None and self.year_max is not None and self.year_min > self.year_max:
            raise ValueError(f"year_min ({self.year_min}) is greater than year_max ({self.year_max})")
        return self

    def sort_keys(self) -> list[tuple[str, bool]]:
        """``[(public column, descending), ...]`` from :attr:`sort`."""
        return [(k[1:], True) if k.startswith("-") else (k, False) for k in self.sort.split(",")]

    def filters(self) -> dict[str, list[str]]:
        """The categorical filters that are set, by public name."""
        return {name: getattr(self, name) for name in CATEGORY_FIELDS if getattr(self, name)}


class ProductOut(BaseModel):
    """One product as the API, CLI and jobs see it (public, CSV-style names)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    gender: str | None = None
    masterCategory: str | None = None
    subCategory: str | None = None
    articleType: str | None = None
    baseColour: str | None = None
    season: str | None = None
    year: int | None = None
    usage: str | None = None
    productDisplayName: str | None = None
    image_key: str
    image_uri: str
    image_width: int
    image_height: int
    image_mode: str
    image_bytes: int
    image_sha256: str
    image_phash: str | None = None
    image_url: str | None = Field(default=None, description="presigned URL (single-product endpoint only)")

    @classmethod
    def from_row(cls, p: Product) -> ProductOut:
        """Build from a :class:`~fashion_pipeline.db.products.Product`."""
        return cls(
            id=p.id, gender=p.gender, masterCategory=p.master_category, subCategory=p.sub_category,
            articleType=p.article_type, baseColour=p.base_colour, season=p.season, year=p.year, usage=p.usage,
            productDisplayName=p.product_display_name, image_key=p.image_key, image_uri=p.image_uri,
            image_width=p.image_width, image_height=p.image_height, image_mode=p.image_mode,
            image_bytes=p.image_bytes, image_sha256=p.image_sha256, image_phash=p.image_phash,
        )


class QueryResult(BaseModel):
    """``total``: rows matching the spec (capped at ``sample`` when sampling); ``items``: this page."""

    total: int
    items: list[ProductOut]


def column(public_name: str) -> InstrumentedAttribute[Any]:
    """The :class:`Product` column for a public name (allow-listed)."""
    try:
        return getattr(Product, PUBLIC_TO_ATTR[public_name])
    except KeyError:
        raise ValueError(f"unknown column {public_name!r}; choose from {', '.join(PUBLIC_TO_ATTR)}") from None


def _sample_key(seed: int) -> ColumnElement[int]:
    """Seeded pseudo-random ordering key; every intermediate value fits in a signed 64-bit int."""
    pid = cast(Product.id, BigInteger)
    return ((pid + (seed * SAMPLE_SEED_MUL) % SAMPLE_MOD) % SAMPLE_MOD * SAMPLE_MUL) % SAMPLE_MOD


def sample_key_values(ids: Any, seed: int) -> Any:
    """The same key computed in Python/numpy (for checks and for pandas users)."""
    off = (seed * SAMPLE_SEED_MUL) % SAMPLE_MOD
    return ((ids + off) % SAMPLE_MOD * SAMPLE_MUL) % SAMPLE_MOD


def where_clauses(spec: QuerySpec) -> list[ColumnElement[bool]]:
    """The WHERE conditions of a spec (AND-ed by the caller)."""
    conds: list[ColumnElement[bool]] = []
    for name, values in spec.filters().items():
        col = column(name)
        conds.append(col == values[0] if len(values) == 1 else col.in_(values))
    if spec.year_min is not None:
        conds.append(Product.year >= spec.year_min)
    if spec.year_max is not None:
        conds.append(Product.year <= spec.year_max)
    if spec.text:
        conds.append(func.lower(Product.product_display_name).contains(spec.text.lower(), autoescape=True))
    if spec.ids is not None:
        conds.append(Product.id.in_(spec.ids))
    return conds


def _order_and_page(stmt: Select[Any], spec: QuerySpec, paginate: bool) -> Select[Any]:
    """Apply the spec's ordering (or the seeded sample order) and paging to a SELECT over products."""
    if spec.sample is not None:
        stmt = stmt.order_by(_sample_key(spec.seed), Product.id)
        if not paginate:
            return stmt.limit(spec.sample)
        start = min(spec.offset, spec.sample)
        stop = min(spec.offset + spec.limit, spec.sample)
        return stmt.offset(start).limit(stop - start)
    order = []
    for name, desc in spec.sort_keys():
        col = column(name)
        order.append(col.desc().nulls_last() if desc else col.asc().nulls_last())
    if all(name != "id" for name, _ in spec.sort_keys()):
        order.append(Product.id.asc())
    stmt = stmt.order_by(*order)
    if paginate:
        stmt = stmt.offset(spec.offset).limit(spec.limit)
    return stmt


def build_select(spec: QuerySpec, *, paginate: bool = True) -> Select[tuple[Product]]:
    """The ``SELECT`` of :class:`Product` ORM rows for a spec, ordered (and paged if ``paginate``).

    Part 2's jobs can iterate it with ``session.scalars(build_select(spec, paginate=False))``.
    """
    return _order_and_page(select(Product).where(*where_clauses(spec)), spec, paginate)


#: Public output field -> column, for the fast (no ORM objects) path of :func:`run_query`.
OUTPUT_COLUMNS = {
    **{name: getattr(Product, attr) for name, attr in PUBLIC_TO_ATTR.items()},
    **{name: getattr(Product, name) for name in ("image_key", "image_uri", "image_width", "image_height",
                                                 "image_mode", "image_bytes", "image_sha256", "image_phash")},
}


def build_rows_select(spec: QuerySpec, *, paginate: bool = True) -> Select[Any]:
    """Like :func:`build_select` but selects the :class:`ProductOut` columns only (labelled by public name)."""
    cols = [col.label(name) for name, col in OUTPUT_COLUMNS.items()]
    return _order_and_page(select(*cols).where(*where_clauses(spec)), spec, paginate)


def count_matching(session: Session, spec: QuerySpec) -> int:
    """Number of rows matching the spec's filters (ignores sample and paging)."""
    stmt = select(func.count()).select_from(Product).where(*where_clauses(spec))
    return int(session.scalar(stmt) or 0)


def run_query(session: Session, spec: QuerySpec) -> QueryResult:
    """Run a query: the total count and one page of products.

    Parameters
    ----------
    session
        A SQLAlchemy session on the products database.
    spec
        The validated query.

    Returns
    -------
    QueryResult
        ``total`` = rows matching the filters (``min(total, sample)`` when sampling),
        ``items`` = the page ``[offset, offset + limit)`` in the requested order.
    """
    items: list[dict[str, Any]] = []
    if spec.limit:
        # Core path (no ORM objects): plain rows, then one pydantic-core validation for the whole page
        cursor = session.connection().execute(build_rows_select(spec))
        keys = list(cursor.keys())
        items = [dict(zip(keys, row, strict=True)) for row in cursor]
    page = spec.limit if spec.sample is None else min(spec.limit, max(0, spec.sample - spec.offset))
    if spec.offset == 0 and len(items) < page:
        total = len(items)  # the first page holds every match: no COUNT needed
    else:
        total = count_matching(session, spec)
        if spec.sample is not None:
            total = min(total, spec.sample)
    return QueryResult.model_validate({"total": total, "items": items})


def iter_products(session: Session, spec: QuerySpec, *, batch_size: int = 1000) -> Iterator[Product]:
    """Every product matching the spec (all pages; ``limit``/``offset`` ignored), streamed in batches."""
    stmt = build_select(spec, paginate=False).execution_options(yield_per=batch_size)
    yield from session.scalars(stmt)  # type: ignore[misc]


def stats(session: Session, by: Sequence[str], spec: QuerySpec | None = None) -> list[dict[str, Any]]:
    """Counts grouped by one or more public columns (for histograms), largest first.

    Parameters
    ----------
    by
        Public column names from :data:`GROUPABLE`.
    spec
        Optional filters applied first (paging and sampling ignored).
    """
    if not by:
        raise ValueError("stats needs at least one column")
    for name in by:
        if name not in GROUPABLE:
            raise ValueError(f"cannot group by {name!r}; choose from {', '.join(GROUPABLE)}")
    cols = [column(name) for name in by]
    stmt = select(*cols, func.count().label("count")).where(*where_clauses(spec or QuerySpec()))
    stmt = stmt.group_by(*cols).order_by(func.count().desc(), *[c.asc().nulls_last() for c in cols])
    return [{**{name: row[i] for i, name in enumerate(by)}, "count": int(row[-1])} for row in session.execute(stmt)]
