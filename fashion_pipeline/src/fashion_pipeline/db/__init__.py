"""Database layer: declarative ``Base``, engine/session factory, models, migrations.

Part 1 owns :mod:`.base`, :mod:`.session`, :mod:`.products`; part 2 adds ``db/jobs.py``
with its models on the same :class:`~fashion_pipeline.db.base.Base`.
"""

from fashion_pipeline.db.base import Base
from fashion_pipeline.db.products import Product
from fashion_pipeline.db.session import get_engine, init_db, session_factory, session_scope

__all__ = ["Base", "Product", "get_engine", "init_db", "session_factory", "session_scope"]
