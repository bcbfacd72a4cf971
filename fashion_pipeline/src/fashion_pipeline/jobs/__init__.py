"""Jobs: a query spec + steps (transform and/or model) + an output location, run in idempotent chunks.

- :mod:`~fashion_pipeline.jobs.spec` -- ``JobSpec``, ``ModelStep``, ``JobSettings`` (what a job is)
- :mod:`~fashion_pipeline.jobs.service` -- create / process a chunk / finalize (the life cycle)
- :mod:`~fashion_pipeline.jobs.backends` -- in-process thread pool or Celery + Redis; ``submit_job``
- :mod:`~fashion_pipeline.jobs.celery_app` -- the Celery app and the chunk task
- :mod:`~fashion_pipeline.jobs.processing` -- decode, transform, model, encode (shared with one-off requests)
- :mod:`~fashion_pipeline.jobs.outputs` -- output location and key layout
- :mod:`~fashion_pipeline.jobs.oneoff` -- one image or product, synchronously (``POST /process``)
"""
