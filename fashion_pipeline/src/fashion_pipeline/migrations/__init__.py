"""Alembic migrations (``versions/0001_products.py`` = part 1, ``0002_*`` = part 2)."""
