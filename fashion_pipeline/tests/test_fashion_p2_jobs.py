"""Jobs (in-process backend): outputs and metadata, idempotency, crash recovery, retries, errors."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fashion_pipeline.config import Settings, get_store
from fashion_pipeline.db.jobs import FAILED, QUEUED, SUCCEEDED, JobChunk
from fashion_pipeline.db.session import dispose_engines, session_scope
from fashion_pipeline.jobs import service
from fashion_pipeline.jobs.backends import submit_job
from fashion_pipeline.jobs.outputs import output_location
from fashion_pipeline.jobs.service import job_results, process_chunk, run_chunk_with_retries
from fashion_pipeline.jobs.spec import JobSpec
from PIL import Image

N_PRODUCTS = 24
SMALL_FASHIONNET = {"name": "fashionnet", "options": {"width_mult": 0.0625, "input_size": 64}, "top_k": 3,
                    "batch_size": 4}


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory, dataset) -> Path:  # type: ignore[no-untyped-def]
    """A state folder with N_PRODUCTS real products ingested into a local store + SQLite (built once)."""
    from fashion_pipeline.ingest import ingest

    fashion = dataset("fashion")
    root = tmp_path_factory.mktemp("p2jobs")
    settings = Settings(data_dir=root / "template", storage="local", styles_path=fashion / "styles.csv",
                        images_dir=fashion / "images")
    report = ingest(settings, limit=N_PRODUCTS, progress=False)
    assert report.ok and report.ingested == N_PRODUCTS
    dispose_engines()
    return root / "template"


@pytest.fixture()
def settings(ingested: Path, tmp_path: Path) -> Iterator[Settings]:
    """A private copy of the ingested state (so tests may break things)."""
    import shutil

    shutil.copytree(ingested, tmp_path / "state")
    yield Settings(data_dir=tmp_path / "state", storage="local", retry_base_delay=0.001, retry_attempts=3)
    service.FAULT_HOOK = None
    dispose_engines()


def _lines(store, key: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return [json.loads(line) for line in store.get(key).decode().splitlines()]


def test_transform_and_model_job_writes_images_metadata_and_manifest(settings):
    spec = JobSpec(query={"limit": 10, "sort": "id"}, model=SMALL_FASHIONNET, chunk_size=4, seed=3)
    job = submit_job(settings, spec, wait=True)
    assert job.status == SUCCEEDED, job.error
    assert (job.total, job.processed, job.succeeded_count, job.failed_count, job.n_chunks) == (10, 10, 10, 0, 3)
    loc = output_location(settings, job.id, None)
    assert loc.prefix == f"outputs/{job.id}/"
    store = loc.store
    lines = _lines(store, loc.metadata_key)
    assert [r["id"] for r in lines] == sorted(r["id"] for r in lines) and len({r["id"] for r in lines}) == 10
    for rec in lines:
        assert rec["status"] == "ok" and rec["job_id"] == job.id
        assert {"masterCategory", "articleType", "year", "productDisplayName"} <= set(rec["product"])
        assert rec["source"]["key"] == f"raw/images/{rec['id']}.jpg" and rec["source"]["sha256_verified"] is True
        assert rec["source"]["uri"].startswith("file://")
        crop, fit = rec["transform"]["steps"]
        assert crop["name"] == "random_crop" and 0.79 <= crop["width_fraction"] <= 1.0
        assert fit["size"] == 256 and "padding" in fit
        data = store.get(rec["output_image"]["key"])
        assert rec["output_image"]["key"] == f"outputs/{job.id}/images/{rec['id']}.jpg"
        import hashlib

        assert hashlib.sha256(data).hexdigest() == rec["output_image"]["sha256"]
        assert Image.open(io.BytesIO(data)).size == (256, 256)
        assert rec["model"]["weights"] == "untrained" and len(rec["model"]["categories"]) == 3
        assert len(rec["model"]["landmarks"]) == 8
    manifest = json.loads(store.get(loc.manifest_key))
    assert manifest["counts"]["succeeded"] == 10 and manifest["query"]["limit"] == 10
    assert manifest["steps"]["transform"][1]["params"]["mode"] == "pad"
    assert manifest["steps"]["model"]["model"] == "fashionnet"
    assert {"albumentations", "torch", "fashion_pipeline"} <= set(manifest["versions"])
    assert manifest["timings"]["stages"]["items"]["transform"] == 10
    total, page = job_results(settings, job.id, limit=4, offset=8)
    assert total == 10 and [r["id"] for r in page] == [r["id"] for r in lines[8:]]


def test_same_seed_same_outputs_across_jobs_and_model_only_job(settings):
    spec = JobSpec(query={"limit": 3}, seed=9)
    a = submit_job(settings, spec, wait=True)
    b = submit_job(settings, spec, wait=True)
    ra, rb = job_results(settings, a.id)[1], job_results(settings, b.id)[1]
    assert [r["output_image"]["sha256"] for r in ra] == [r["output_image"]["sha256"] for r in rb]
    c = submit_job(settings, JobSpec(query={"limit": 3}, transform=None, model={"name": "category_cnn"}), wait=True)
    rc = job_results(settings, c.id)[1]
    assert c.status == SUCCEEDED and all("output_image" not in r and "transform" not in r for r in rc)
    assert all(r["model"]["masterCategory"][0]["name"] for r in rc)


class Killed(BaseException):
    """Stands for SIGKILL: not an Exception, nothing catches it."""


def test_crash_mid_chunk_then_rerun_loses_nothing_and_duplicates_nothing(settings):
    job = service.create_job(settings, JobSpec(query={"limit": 8}, chunk_size=8))
    writes: list[int] = []

    def crash_on_third_write(stage, job_id, index, pid):  # type: ignore[no-untyped-def]
        if stage == "write":
            writes.append(pid)
            if len(writes) == 3:
                raise Killed

    service.FAULT_HOOK = crash_on_third_write
    with pytest.raises(Killed):
        process_chunk(settings, job.id, 0)
    service.FAULT_HOOK = None
    loc = output_location(settings, job.id, None)
    assert len(list(loc.store.list(f"{loc.prefix}images/"))) == 2  # two written before the "kill"
    with session_scope(settings) as s:
        assert s.get(JobChunk, (job.id, 0)).status == "running"
    result = process_chunk(settings, job.id, 0)  # the redelivered task
    assert result["skipped_existing"] == 2 and result["processed"] == 8
    again = process_chunk(settings, job.id, 0)  # a duplicate delivery is a no-op
    assert again["skipped_chunk"] is True
    final = service.get_job(settings, job.id)
    assert final.status == SUCCEEDED and final.processed == 8 and final.skipped_existing == 2
    assert len(list(loc.store.list(f"{loc.prefix}images/"))) == 8
    ids = [r["id"] for r in _lines(loc.store, loc.metadata_key)]
    assert len(ids) == 8 == len(set(ids))
    assert job_results(settings, job.id)[0] == 8


def test_rerunning_a_chunk_rewrites_nothing(settings):
    job = submit_job(settings, JobSpec(query={"limit": 4}), wait=True)
    loc = output_location(settings, job.id, None)
    before = {i.key: i.etag for i in loc.store.list(f"{loc.prefix}images/")}
    with session_scope(settings) as s:
        s.get(JobChunk, (job.id, 0)).status = QUEUED
    res = process_chunk(settings, job.id, 0)
    assert res["skipped_existing"] == 4
    assert {i.key: i.etag for i in loc.store.list(f"{loc.prefix}images/")} == before
    assert job_results(settings, job.id)[0] == 4


def test_transient_failure_is_retried_with_backoff(settings):
    from imagecore.storage import StorageError

    job = service.create_job(settings, JobSpec(query={"limit": 4}, chunk_size=4))
    calls = {"n": 0}

    def flaky(stage, job_id, index, pid):  # type: ignore[no-untyped-def]
        if stage == "write" and calls["n"] == 0:
            calls["n"] += 1
            raise StorageError("simulated S3 503 SlowDown")

    service.FAULT_HOOK = flaky
    res = run_chunk_with_retries(settings, job.id, 0, attempts=3, base_delay=0.001)
    assert res["status"] == SUCCEEDED
    with session_scope(settings) as s:
        assert s.get(JobChunk, (job.id, 0)).attempts == 2
    assert service.get_job(settings, job.id).status == SUCCEEDED


def test_permanent_failure_fails_the_chunk_and_the_job_with_the_reason(settings):
    job = service.create_job(settings, JobSpec(query={"limit": 4}, chunk_size=2))

    def broken(stage, job_id, index, pid):  # type: ignore[no-untyped-def]
        if index == 1:
            raise RuntimeError("disk on fire")

    service.FAULT_HOOK = broken
    for i in (0, 1):
        run_chunk_with_retries(settings, job.id, i, attempts=2, base_delay=0.001)
    final = service.get_job(settings, job.id)
    assert final.status == FAILED and "disk on fire" in final.error
    assert final.processed == 2
    manifest = json.loads(get_store(settings).get(f"outputs/{job.id}/manifest.json"))
    assert manifest["counts"]["failed_chunks"] == 1


def test_missing_and_corrupt_sources_are_per_image_errors(settings):
    store = get_store(settings)
    ids = [r["id"] for r in job_results(settings, submit_job(settings, JobSpec(query={"limit": 3}), wait=True).id)[1]]
    store.delete(f"raw/images/{ids[0]}.jpg")
    store.put(f"raw/images/{ids[1]}.jpg", b"not a jpeg at all")
    job = submit_job(settings, JobSpec(query={"limit": 3}, model={"name": "category_cnn"}), wait=True)
    assert job.status == SUCCEEDED and job.failed_count == 2 and job.succeeded_count == 1
    total, errors = job_results(settings, job.id, status="error")
    assert total == 2
    by_id = {r["id"]: r for r in errors}
    assert "missing" in by_id[ids[0]]["error"] and "decode" in by_id[ids[1]]["error"]


def test_local_directory_output(settings, tmp_path):
    out = tmp_path / "my-outputs"
    job = submit_job(settings, JobSpec(query={"limit": 2}, output=str(out)), wait=True)
    assert job.status == SUCCEEDED
    assert len(list((out / job.id / "images").glob("*.jpg"))) == 2
    assert (out / job.id / "manifest.json").exists()
    assert len((out / job.id / "metadata.jsonl").read_text().splitlines()) == 2


@pytest.mark.s3
def test_outputs_to_s3(settings, s3_server):  # type: ignore[no-untyped-def]
    import uuid

    from imagecore.storage import open_store

    url = f"s3://p2out-{uuid.uuid4().hex[:10]}/runs?endpoint_url={s3_server.endpoint_url}"
    job = submit_job(settings, JobSpec(query={"limit": 2}, output=url), wait=True)
    assert job.status == SUCCEEDED and job.output_uri.startswith("s3://")
    store = open_store(url)
    keys = sorted(i.key for i in store.list(f"{job.id}/"))
    assert f"{job.id}/manifest.json" in keys and f"{job.id}/metadata.jsonl" in keys
    assert sum(k.startswith(f"{job.id}/images/") for k in keys) == 2


def test_empty_query_gives_an_empty_succeeded_job(settings):
    job = submit_job(settings, JobSpec(query={"gender": "Nobody"}), wait=True)
    assert job.status == SUCCEEDED and job.total == 0


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        ({"transform": None}, "needs a transform step, a model step, or both"),
        ({"model": {"name": "resnet"}}, "unknown model"),
        ({"model": {"name": "category_cnn", "options": {"device": "cuda"}}}, "not allowed"),
        ({"transform": [{"name": "fit", "params": {"size": 0}}]}, "size"),
        ({"query": {"year_min": 2015, "year_max": 2010}}, "year_min"),
        ({"chunk_size": 0}, "chunk_size"),
    ],
)
def test_invalid_job_specs(payload, needle):
    from pydantic import ValidationError

    with pytest.raises((ValidationError, ValueError), match=needle):
        JobSpec.model_validate(payload)


@pytest.mark.postgres
@pytest.mark.s3
def test_job_on_postgres_and_s3(dataset, postgres_url, s3_server, tmp_path):  # type: ignore[no-untyped-def]
    """The production-like stack: sources and outputs on S3 (loopback moto), state in PostgreSQL."""
    import uuid

    from fashion_pipeline.ingest import ingest

    fashion = dataset("fashion")
    s = Settings(data_dir=tmp_path / "pg", database_url=postgres_url, storage="s3",
                 s3_endpoint_url=s3_server.endpoint_url, s3_bucket=f"p2pg-{uuid.uuid4().hex[:10]}",
                 styles_path=fashion / "styles.csv", images_dir=fashion / "images", retry_base_delay=0.001)
    try:
        assert ingest(s, limit=4, progress=False).ok
        job = submit_job(s, JobSpec(query={"limit": 4}, model={"name": "category_cnn"}, chunk_size=2), wait=True)
        assert job.status == SUCCEEDED and job.succeeded_count == 4
        loc = output_location(s, job.id, None)
        assert loc.uri.startswith("s3://") and len(_lines(loc.store, loc.metadata_key)) == 4
        assert len(list(loc.store.list(f"{loc.prefix}images/"))) == 4
        assert job_results(s, job.id)[0] == 4
    finally:
        dispose_engines()
