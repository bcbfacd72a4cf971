"""Product images into S3 + a database, queried over a REST API.

Entry points: :mod:`fashion_pipeline.cli` (``fashion-pipeline``), :func:`fashion_pipeline.api.app.create_app`,
:func:`fashion_pipeline.ingest.ingest`, :class:`fashion_pipeline.query.QuerySpec` /
:func:`fashion_pipeline.query.run_query`, settings in :class:`fashion_pipeline.config.Settings`.
"""

__version__ = "0.1.0"
