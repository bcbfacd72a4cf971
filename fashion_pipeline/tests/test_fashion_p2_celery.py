"""Celery backend against the real Redis: a worker subprocess runs a job; a killed worker loses nothing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fashion_pipeline.config import Settings
from fashion_pipeline.db.jobs import RUNNING, SUCCEEDED, JobChunk
from fashion_pipeline.db.session import dispose_engines, session_scope
from fashion_pipeline.jobs.backends import CeleryBackend, wait_for_job
from fashion_pipeline.jobs.outputs import output_location
from fashion_pipeline.jobs.service import create_job, get_job, job_results
from fashion_pipeline.jobs.spec import JobSettings, JobSpec

pytestmark = [pytest.mark.redis]
N = 12
VISIBILITY = 2


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory, dataset) -> Path:  # type: ignore[no-untyped-def]
    from fashion_pipeline.ingest import ingest

    fashion = dataset("fashion")
    root = tmp_path_factory.mktemp("p2celery") / "state"
    assert ingest(Settings(data_dir=root, storage="local", styles_path=fashion / "styles.csv",
                           images_dir=fashion / "images"), limit=N, progress=False).ok
    dispose_engines()
    return root


@pytest.fixture()
def env(ingested: Path, tmp_path: Path, redis_server_url: str, redis_prefix: str) -> Iterator[dict[str, str]]:
    shutil.copytree(ingested, tmp_path / "state")
    e = {
        "FASHION_DATA_DIR": str(tmp_path / "state"),
        "FASHION_STORAGE": "local",
        "FASHION_REDIS_URL": redis_server_url,
        "FASHION_JOB_BACKEND": "celery",
        "FASHION_CELERY_KEY_PREFIX": redis_prefix,
        "FASHION_CELERY_QUEUE": f"{redis_prefix}jobs",
        "FASHION_CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY),
        "FASHION_RETRY_BASE_DELAY": "0.01",
        "FASHION_TORCH_THREADS": "1",
    }
    yield e
    dispose_engines()


def _settings(env: dict[str, str]) -> Settings:
    return Settings(data_dir=env["FASHION_DATA_DIR"], storage="local", redis_url=env["FASHION_REDIS_URL"],
                    job_backend="celery")


def _job_settings(env: dict[str, str]) -> JobSettings:
    return JobSettings(celery_queue=env["FASHION_CELERY_QUEUE"], celery_key_prefix=env["FASHION_CELERY_KEY_PREFIX"],
                       celery_visibility_timeout=VISIBILITY)


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).parent / "fashion-pipeline"
    return subprocess.Popen(
        [str(exe), "worker", "--pool", "solo", "--concurrency", "1", "--loglevel", "INFO"],
        env={**os.environ, **env}, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _check_complete(settings: Settings, job_id: str, n: int) -> None:
    job = get_job(settings, job_id)
    assert job.status == SUCCEEDED, job.error
    assert job.processed == n and job.succeeded_count == n
    loc = output_location(settings, job_id, None)
    lines = [json.loads(x) for x in loc.store.get(loc.metadata_key).decode().splitlines()]
    ids = [r["id"] for r in lines]
    assert len(ids) == n == len(set(ids)), "an image was lost or duplicated"
    assert len(list(loc.store.list(f"{loc.prefix}images/"))) == n
    assert job_results(settings, job_id, limit=1000)[0] == n


def test_celery_worker_end_to_end_then_killed_worker_loses_nothing(env, tmp_path):
    """One worker subprocess runs a job; then, mid-chunk of a second job, it is SIGKILLed and a new
    worker finishes that job: every image exactly once (one test, to pay the worker start-up twice only)."""
    settings = _settings(env)
    log = tmp_path / "worker.log"
    worker = _start_worker(env, log)
    try:
        backend = CeleryBackend(settings, _job_settings(env))
        job = create_job(settings, JobSpec(query={"limit": 4}, model={"name": "category_cnn"}, chunk_size=2),
                         backend="celery")
        backend.dispatch(settings, job.id)
        assert wait_for_job(settings, job.id, timeout=90) == SUCCEEDED, log.read_text()[-3000:]
        _check_complete(settings, job.id, 4)
        rec = job_results(settings, job.id, limit=1)[1][0]
        assert rec["model"]["model"] == "category_cnn" and rec["transform"]["steps"][0]["name"] == "random_crop"

        model = {"name": "fashionnet", "options": {"width_mult": 0.125, "input_size": 96}, "batch_size": 1}
        job = create_job(settings, JobSpec(query={"limit": N}, model=model, chunk_size=3), backend="celery")
        backend.dispatch(settings, job.id)
        deadline = time.monotonic() + 90
        running = False
        while time.monotonic() < deadline and not running:
            with session_scope(settings) as s:
                running = s.query(JobChunk).filter_by(job_id=job.id, status=RUNNING).count() > 0
            time.sleep(0.02)
        assert running, log.read_text()[-3000:]
        worker.send_signal(signal.SIGKILL)  # no warm shutdown: the running chunk's task stays unacknowledged
        worker.wait()
        assert get_job(settings, job.id).status != SUCCEEDED
        time.sleep(VISIBILITY + 0.5)  # after the visibility timeout, Redis hands the task to another worker
        worker = _start_worker(env, log)
        assert wait_for_job(settings, job.id, timeout=120) == SUCCEEDED, log.read_text()[-3000:]
        _check_complete(settings, job.id, N)
        with session_scope(settings) as s:
            attempts = [c.attempts for c in s.query(JobChunk).filter_by(job_id=job.id)]
        assert max(attempts) >= 2  # the interrupted chunk really ran again
    finally:
        _stop(worker)
