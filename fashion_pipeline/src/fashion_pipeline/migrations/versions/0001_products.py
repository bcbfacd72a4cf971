"""products: catalogue metadata and the reference to each original image.

Revision ID: 0001_products
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_products"
down_revision = None
branch_labels = None
depends_on = None

FILTER_COLUMNS = ("gender", "master_category", "sub_category", "article_type", "base_colour", "season", "year", "usage")


def upgrade() -> None:
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("gender", sa.String(32), nullable=True),
        sa.Column("master_category", sa.String(64), nullable=True),
        sa.Column("sub_category", sa.String(64), nullable=True),
        sa.Column("article_type", sa.String(64), nullable=True),
        sa.Column("base_colour", sa.String(64), nullable=True),
        sa.Column("season", sa.String(32), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("usage", sa.String(64), nullable=True),
        sa.Column("product_display_name", sa.Text(), nullable=True),
        sa.Column("image_key", sa.String(512), nullable=False),
        sa.Column("image_uri", sa.String(1024), nullable=False),
        sa.Column("image_link", sa.String(1024), nullable=True),
        sa.Column("content_type", sa.String(64), nullable=False),
        sa.Column("image_width", sa.Integer(), nullable=False),
        sa.Column("image_height", sa.Integer(), nullable=False),
        sa.Column("image_mode", sa.String(16), nullable=False),
        sa.Column("image_bytes", sa.Integer(), nullable=False),
        sa.Column("image_sha256", sa.String(64), nullable=False),
        sa.Column("image_phash", sa.String(64), nullable=True),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_products"),
        sa.UniqueConstraint("image_key", name="uq_products_image_key"),
    )
    for col in FILTER_COLUMNS:
        op.create_index(f"ix_products_{col}", "products", [col])


def downgrade() -> None:
    for col in FILTER_COLUMNS:
        op.drop_index(f"ix_products_{col}", table_name="products")
    op.drop_table("products")
