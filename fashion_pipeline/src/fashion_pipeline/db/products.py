"""The ``products`` table: catalogue metadata + a reference to the original image in the object store."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fashion_pipeline.db.base import Base


def utcnow() -> datetime:
    """Timezone-aware current time (UTC)."""
    return datetime.now(UTC)


class Product(Base):
    """One catalogue row that has an image.

    Attribute names are snake_case; the public (API/CLI/QuerySpec) names follow the CSV
    header (``masterCategory`` ...), see :data:`fashion_pipeline.query.PUBLIC_TO_ATTR`.
    Every filterable column has a B-tree index.
    """

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    gender: Mapped[str | None] = mapped_column(String(32), index=True)
    master_category: Mapped[str | None] = mapped_column(String(64), index=True)
    sub_category: Mapped[str | None] = mapped_column(String(64), index=True)
    article_type: Mapped[str | None] = mapped_column(String(64), index=True)
    base_colour: Mapped[str | None] = mapped_column(String(64), index=True)
    season: Mapped[str | None] = mapped_column(String(32), index=True)
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    usage: Mapped[str | None] = mapped_column(String(64), index=True)
    product_display_name: Mapped[str | None] = mapped_column(Text)

    # reference to the original image
    image_key: Mapped[str] = mapped_column(String(512), unique=True)
    image_uri: Mapped[str] = mapped_column(String(1024))
    image_link: Mapped[str | None] = mapped_column(String(1024))  # from images.csv when given
    content_type: Mapped[str] = mapped_column(String(64))
    image_width: Mapped[int] = mapped_column(Integer)
    image_height: Mapped[int] = mapped_column(Integer)
    image_mode: Mapped[str] = mapped_column(String(16))
    image_bytes: Mapped[int] = mapped_column(Integer)
    image_sha256: Mapped[str] = mapped_column(String(64))
    image_phash: Mapped[str | None] = mapped_column(String(64))

    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"Product(id={self.id}, articleType={self.article_type!r}, key={self.image_key!r})"
