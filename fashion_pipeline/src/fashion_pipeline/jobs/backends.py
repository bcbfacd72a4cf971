"""Job backends: in-process (default, embedded) and Celery with Redis.

Both dispatch the chunks of a job created by :func:`~fashion_pipeline.jobs.service.create_job`;
the work itself (:func:`~fashion_pipeline.jobs.service.process_chunk`) is the same code.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

from fashion_pipeline.config import Settings
from fashion_pipeline.jobs.service import chunk_indices, run_chunk_with_retries
from fashion_pipeline.jobs.spec import JobSettings

log = logging.getLogger(__name__)


class Backend(Protocol):
    """Dispatches the pending chunks of a job."""

    name: str

    def dispatch(self, settings: Settings, job_id: str, *, wait: bool = False) -> None: ...


class InProcessBackend:
    """Runs chunks on a thread pool of this process (``FASHION_JOB_THREADS``, default 1).

    ``wait=True`` runs the chunks before returning (CLI, notebook, demo); otherwise they run in
    the background (API). Jobs of a process that dies stay ``running``; ``fashion-pipeline job
    resume ID`` re-dispatches their pending chunks (each chunk is idempotent).
    """

    name = "inprocess"
    _pool: ThreadPoolExecutor | None = None
    _lock = threading.Lock()

    def __init__(self, job_settings: JobSettings | None = None) -> None:
        self.job_settings = job_settings or JobSettings()

    def _executor(self) -> ThreadPoolExecutor:
        with InProcessBackend._lock:
            if InProcessBackend._pool is None:
                InProcessBackend._pool = ThreadPoolExecutor(max_workers=self.job_settings.job_threads,
                                                            thread_name_prefix="fashion-job")
            return InProcessBackend._pool

    def dispatch(self, settings: Settings, job_id: str, *, wait: bool = False) -> None:
        indices = chunk_indices(settings, job_id)
        attempts = self.job_settings.job_max_attempts
        if wait:
            for i in indices:
                run_chunk_with_retries(settings, job_id, i, attempts=attempts)
            return
        futures: list[Future[object]] = [
            self._executor().submit(run_chunk_with_retries, settings, job_id, i, attempts=attempts) for i in indices
        ]
        for f in futures:
            f.add_done_callback(_log_failure)


def _log_failure(f: Future[object]) -> None:
    exc = f.exception()
    if exc is not None:
        log.error("in-process chunk crashed: %s", exc)


class CeleryBackend:
    """Sends one Celery task per chunk to Redis (``acks_late``; retried with back-off on transient errors)."""

    name = "celery"

    def __init__(self, settings: Settings, job_settings: JobSettings | None = None) -> None:
        from fashion_pipeline.jobs.celery_app import make_celery

        self.app = make_celery(settings, job_settings)

    def dispatch(self, settings: Settings, job_id: str, *, wait: bool = False, timeout: float = 600) -> None:
        from fashion_pipeline.jobs.celery_app import TASK_NAME

        for i in chunk_indices(settings, job_id):
            self.app.send_task(TASK_NAME, args=[job_id, i])
        if wait:
            wait_for_job(settings, job_id, timeout=timeout)


def wait_for_job(settings: Settings, job_id: str, *, timeout: float = 600, poll: float = 0.2) -> str:
    """Poll the database until the job is finished; returns its status (TimeoutError otherwise)."""
    import time

    from fashion_pipeline.db.jobs import FAILED, SUCCEEDED
    from fashion_pipeline.jobs.service import get_job

    deadline = time.monotonic() + timeout
    while True:
        status = get_job(settings, job_id).status
        if status in (SUCCEEDED, FAILED):
            return status
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} still {status} after {timeout:.0f} s")
        time.sleep(poll)


def get_backend(settings: Settings, name: str | None = None) -> InProcessBackend | CeleryBackend:
    """The backend named by ``name`` or ``settings.job_backend``."""
    name = name or settings.job_backend
    if name == "inprocess":
        return InProcessBackend()
    if name == "celery":
        return CeleryBackend(settings)
    raise ValueError(f"unknown job backend {name!r}; use 'inprocess' or 'celery'")


def submit_job(settings: Settings, spec, *, backend: str | None = None, wait: bool = False):  # type: ignore[no-untyped-def]
    """Create a job and dispatch it; returns the job row (state as of submission)."""
    from fashion_pipeline.jobs.service import create_job, get_job

    be = get_backend(settings, backend)
    job = create_job(settings, spec, backend=be.name)
    if job.n_chunks:
        be.dispatch(settings, job.id, wait=wait)
    return get_job(settings, job.id) if wait else job
