"""REST API (FastAPI): :func:`~fashion_pipeline.api.app.create_app`."""
