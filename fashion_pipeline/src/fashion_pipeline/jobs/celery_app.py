"""The Celery application of the job backend (broker: Redis at ``settings.redis_url``).

Run a worker with ``fashion-pipeline worker --concurrency 2`` (or ``celery -A
fashion_pipeline.jobs.celery_app worker``). Reliability settings:

- ``acks_late`` + ``reject_on_worker_lost``: a task is acknowledged only after its chunk is
  recorded; if the worker dies, Redis redelivers the task after ``visibility_timeout``;
- ``worker_prefetch_multiplier=1``: a worker holds at most one unstarted chunk per process;
- transient S3/database errors: ``self.retry`` with exponential back-off (``max_retries``);
  permanent errors mark the chunk failed (the job ends ``failed`` with the reason).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery, Task

from fashion_pipeline.config import Settings, get_settings
from fashion_pipeline.jobs.spec import JobSettings

log = logging.getLogger(__name__)

TASK_NAME = "fashion_pipeline.process_chunk"


def celery_config(settings: Settings, job_settings: JobSettings) -> dict[str, Any]:
    """The Celery configuration for these settings."""
    transport: dict[str, Any] = {
        "visibility_timeout": job_settings.celery_visibility_timeout,
        # sweep for tasks of dead workers every min(10 s, visibility timeout), scanning on every sweep
        "unacked_restore_interval": min(10, job_settings.celery_visibility_timeout),
        "unacked_restore_throttle": 1,
    }
    if job_settings.celery_key_prefix:
        transport["global_keyprefix"] = job_settings.celery_key_prefix
    return {
        "broker_url": settings.redis_url,
        "broker_transport_options": transport,
        "broker_connection_retry_on_startup": True,
        "task_default_queue": job_settings.celery_queue,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_ignore_result": True,
        "worker_prefetch_multiplier": 1,
        "worker_hijack_root_logger": False,
        "task_serializer": "json",
        "accept_content": ["json"],
    }


def make_celery(settings: Settings | None = None, job_settings: JobSettings | None = None) -> Celery:
    """A Celery app configured from the settings, with the chunk task registered."""
    settings = settings or get_settings()
    job_settings = job_settings or JobSettings()
    app = Celery("fashion_pipeline")
    app.conf.update(celery_config(settings, job_settings))
    max_retries = job_settings.job_max_attempts - 1

    @app.task(name=TASK_NAME, bind=True, acks_late=True, max_retries=max_retries)
    def process_chunk_task(self: Task, job_id: str, index: int) -> dict[str, Any]:
        from fashion_pipeline.jobs.service import mark_chunk_failed, process_chunk
        from fashion_pipeline.retry import is_transient

        worker_settings = get_settings()
        try:
            return process_chunk(worker_settings, job_id, index)
        except Exception as exc:
            if is_transient(exc) and self.request.retries < max_retries:
                countdown = min(60.0, worker_settings.retry_base_delay * 2 ** self.request.retries)
                log.warning("job %s chunk %d: transient error, retry %d in %.1fs: %s", job_id, index,
                            self.request.retries + 1, countdown, exc)
                raise self.retry(exc=exc, countdown=countdown) from exc
            log.exception("job %s chunk %d failed", job_id, index)
            mark_chunk_failed(worker_settings, job_id, index, f"{type(exc).__name__}: {exc}")
            return {"status": "failed", "error": str(exc)}

    return app


#: Module-level app for ``celery -A fashion_pipeline.jobs.celery_app worker``.
app = make_celery()
