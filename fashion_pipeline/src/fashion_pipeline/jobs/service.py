"""Job life cycle: create (resolve the query into chunks), process a chunk (idempotent), finalize.

Every function takes the :class:`~fashion_pipeline.config.Settings` of the process running it
(API, CLI, in-process thread or Celery worker); the job's own request lives in the database.

Idempotency and crash safety
----------------------------
- Output keys are deterministic (``images/<id>.jpg``, ``chunks/<index>.jsonl``), and each image's
  transform seed is ``derive_seed(job_seed, id)``: re-running a chunk recomputes the same bytes.
- Before writing an image, the chunk checks whether the object already exists with the expected
  SHA-256 (object metadata) and skips the upload if so (counted in ``skipped_existing``).
- A chunk's database rows (``job_items``) are replaced in one transaction together with the
  chunk's status, so a chunk is either recorded completely or not at all; a chunk already
  ``succeeded`` is not processed again (a redelivered task is a no-op).
- Counts of the job are sums over its chunks, recomputed (not incremented), so retries never
  double-count. A killed worker therefore loses no image (its chunk is redelivered, ``acks_late``)
  and duplicates none.
"""

from __future__ import annotations

import json
import logging
import platform
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

import fashion_pipeline
from fashion_pipeline.config import Settings
from fashion_pipeline.db.jobs import FAILED, QUEUED, RUNNING, SUCCEEDED, Job, JobChunk, JobItem, utcnow
from fashion_pipeline.db.products import Product
from fashion_pipeline.db.session import session_scope
from fashion_pipeline.jobs.outputs import OutputLocation, output_location
from fashion_pipeline.jobs.processing import EXTENSIONS, Processor, StageTimer, decode, sha256
from fashion_pipeline.jobs.spec import JobSpec
from fashion_pipeline.query import ProductOut, build_select, iter_products
from fashion_pipeline.retry import is_transient, retry

log = logging.getLogger(__name__)

#: Fault-injection hook for tests: called as ``hook(stage, job_id, chunk_index, product_id)`` with
#: stage ``"read"`` before each source read and ``"write"`` before each output write. Raising from it
#: simulates a crash (e.g. a ``BaseException``) or a transient failure at that point.
FAULT_HOOK: Callable[[str, str, int, int], None] | None = None

_PROCESSORS: dict[str, Processor] = {}


class JobNotFoundError(LookupError):
    """No job with that id."""


def new_job_id() -> str:
    """A fresh job id (32 hex digits)."""
    return uuid.uuid4().hex


def create_job(settings: Settings, spec: JobSpec, *, backend: str | None = None, session: Session | None = None) -> Job:
    """Resolve the query, split the ids into chunks and store the job as ``queued``.

    Returns
    -------
    Job
        The stored row (detached); dispatch its chunks with a backend.
    """
    job_id = new_job_id()
    loc = output_location(settings, job_id, spec.output)
    with session_scope(settings) as s:
        if spec.all_results:
            ids = [p.id for p in iter_products(s, spec.query)]
        else:
            ids = [int(p.id) for p in s.scalars(build_select(spec.query))] if spec.query.limit else []  # type: ignore[attr-defined]
        chunks = [ids[i : i + spec.chunk_size] for i in range(0, len(ids), spec.chunk_size)]
        job = Job(id=job_id, status=QUEUED, backend=backend or settings.job_backend,
                  request=spec.model_dump(mode="json"), output_uri=loc.uri, total=len(ids), n_chunks=len(chunks),
                  processed=0, succeeded_count=0, failed_count=0, skipped_existing=0, timings={},
                  created_at=utcnow())
        s.add(job)
        s.flush()
        for i, chunk in enumerate(chunks):
            s.add(JobChunk(job_id=job_id, index=i, product_ids=chunk, status=QUEUED, attempts=0, processed=0,
                           failed=0, skipped_existing=0, timings={}))
        s.flush()
        s.expunge(job)
    log.info("job %s: %d images in %d chunks", job_id, len(ids), len(chunks))
    if not chunks:
        finalize_job(settings, job_id)
    return job


def get_job(settings: Settings, job_id: str) -> Job:
    """The job row (detached). Raises :class:`JobNotFoundError`."""
    with session_scope(settings) as s:
        job = s.get(Job, job_id)
        if job is None:
            raise JobNotFoundError(f"no job {job_id!r}")
        s.expunge(job)
        return job


def job_results(settings: Settings, job_id: str, *, limit: int = 50, offset: int = 0,
                status: str | None = None) -> tuple[int, list[dict[str, Any]]]:
    """``(total, records)`` of a job's processed items, ordered by product id."""
    with session_scope(settings) as s:
        if s.get(Job, job_id) is None:
            raise JobNotFoundError(f"no job {job_id!r}")
        where = [JobItem.job_id == job_id]
        if status:
            where.append(JobItem.status == status)
        total = s.scalar(select(func.count()).select_from(JobItem).where(*where)) or 0
        rows = s.scalars(select(JobItem).where(*where).order_by(JobItem.product_id).limit(limit).offset(offset)).all()
        return int(total), [r.record for r in rows]


def chunk_indices(settings: Settings, job_id: str, *, pending_only: bool = True) -> list[int]:
    """Indices of a job's chunks (those not yet succeeded, by default)."""
    with session_scope(settings) as s:
        q = select(JobChunk.index).where(JobChunk.job_id == job_id)
        if pending_only:
            q = q.where(JobChunk.status != SUCCEEDED)
        return list(s.scalars(q.order_by(JobChunk.index)))


def _processor(job_id: str, spec: JobSpec) -> Processor:
    if job_id not in _PROCESSORS:
        if len(_PROCESSORS) > 8:
            _PROCESSORS.clear()
        _PROCESSORS[job_id] = Processor(
            [t.model_dump() for t in spec.transform] if spec.transform else None,
            spec.model.model_dump() if spec.model else None,
            seed=spec.seed, image_format=spec.image_format, jpeg_quality=spec.jpeg_quality,
        )
    return _PROCESSORS[job_id]


def _retrying(settings: Settings, fn: Callable[[], Any], what: str) -> Any:
    return retry(fn, attempts=settings.retry_attempts, base_delay=settings.retry_base_delay, what=what)


def process_chunk(settings: Settings, job_id: str, index: int) -> dict[str, Any]:
    """Process one chunk; safe to call again (after a crash, a retry or a duplicate delivery).

    Per-image problems (missing or corrupt source, failing transform/model) are recorded on the
    item and do not fail the chunk. Transient storage/database errors are retried with back-off
    here; if they persist the exception propagates (the backend retries the whole chunk).

    Returns
    -------
    dict
        ``{"status", "processed", "failed", "skipped_existing", "skipped_chunk"}``.
    """
    from imagecore.storage import ObjectNotFoundError

    from fashion_pipeline.config import get_store

    with session_scope(settings) as s:
        job = s.get(Job, job_id)
        chunk = s.get(JobChunk, (job_id, index))
        if job is None or chunk is None:
            raise JobNotFoundError(f"no chunk {index} of job {job_id!r}")
        if chunk.status == SUCCEEDED:
            return {"status": SUCCEEDED, "skipped_chunk": True}
        spec = JobSpec.model_validate(job.request)
        ids = list(chunk.product_ids)
        chunk.status, chunk.attempts = RUNNING, chunk.attempts + 1
        if job.status == QUEUED:
            job.status, job.started_at = RUNNING, utcnow()
        products: dict[int, tuple[ProductOut, str]] = {
            p.id: (ProductOut.from_row(p), p.image_key) for p in s.scalars(select(Product).where(Product.id.in_(ids)))
        }

    t_start = time.perf_counter()
    timer = StageTimer()
    source_store = get_store(settings)
    loc = output_location(settings, job_id, spec.output)
    proc = _processor(job_id, spec)
    ext = EXTENSIONS[spec.image_format]
    records: list[dict[str, Any]] = []
    items: list[JobItem] = []
    skipped = 0
    decoded: list[tuple[int | str, Any]] = []
    base: dict[int, dict[str, Any]] = {}
    for pid in ids:
        if FAULT_HOOK is not None:
            FAULT_HOOK("read", job_id, index, pid)
        rec: dict[str, Any] = {"job_id": job_id, "id": pid, "status": "ok"}
        base[pid] = rec
        if pid not in products:
            rec.update(status="error", error="product not in the database (deleted after the job was created?)")
            continue
        product, key = products[pid]
        rec["product"] = product.model_dump(exclude={"image_url"}, mode="json")
        rec["source"] = {"key": key, "uri": product.image_uri, "sha256": product.image_sha256}
        t0 = time.perf_counter()
        try:
            data: bytes = _retrying(settings, lambda k=key: source_store.get(k), f"get {key}")  # type: ignore[misc]
        except ObjectNotFoundError:
            rec.update(status="error", error=f"source object {key} is missing")
            continue
        timer.add("read", time.perf_counter() - t0)
        rec["source"]["sha256_verified"] = sha256(data) == product.image_sha256
        t0 = time.perf_counter()
        try:
            decoded.append((pid, decode(data, key)))
        except Exception as exc:
            rec.update(status="error", error=f"cannot decode {key}: {exc}")
        timer.add("decode", time.perf_counter() - t0)

    for p in proc.run(decoded, timer):
        rec = base[int(p.key)]
        rec.update(p.record)
        if not p.ok:
            rec.update(status="error", error=p.error)
            continue
        if p.encoded is not None:
            out_key = loc.image_key(int(p.key), ext)
            if FAULT_HOOK is not None:
                FAULT_HOOK("write", job_id, index, int(p.key))
            digest = rec["output_image"]["sha256"]
            t0 = time.perf_counter()
            if _already_written(loc, out_key, digest, settings):
                skipped += 1
            else:
                ctype = rec["output_image"]["content_type"]
                _retrying(settings, lambda k=out_key, d=p.encoded, h=digest, c=ctype: loc.store.put(  # type: ignore[misc]
                    k, d, content_type=c, metadata={"sha256": h}), f"put {out_key}")
            timer.add("write", time.perf_counter() - t0)
            rec["output_image"].update(key=out_key, uri=loc.store.uri(out_key))

    for pid in ids:
        rec = base[pid]
        records.append(rec)
        items.append(JobItem(job_id=job_id, product_id=pid, chunk_index=index, status=rec["status"],
                             error=rec.get("error"), output_key=(rec.get("output_image") or {}).get("key"),
                             record=rec))
    t0 = time.perf_counter()
    lines = "".join(json.dumps(r, sort_keys=True) + "\n" for r in records).encode()
    _retrying(settings, lambda: loc.store.put(loc.chunk_key(index), lines, content_type="application/x-ndjson"),
              "put chunk metadata")
    timer.add("write_metadata", time.perf_counter() - t0, 1)
    n_failed = sum(r["status"] != "ok" for r in records)
    timings = timer.to_dict()
    timings["wall_seconds"] = round(time.perf_counter() - t_start, 6)

    def commit() -> None:
        with session_scope(settings) as s:
            s.execute(delete(JobItem).where(JobItem.job_id == job_id, JobItem.chunk_index == index))
            s.add_all([JobItem(**{c: getattr(i, c) for c in ("job_id", "product_id", "chunk_index", "status",
                                                              "error", "output_key", "record")}) for i in items])
            s.execute(update(JobChunk).where(JobChunk.job_id == job_id, JobChunk.index == index).values(
                status=SUCCEEDED, processed=len(records), failed=n_failed, skipped_existing=skipped,
                timings=timings, error=None, updated_at=utcnow()))
            _refresh_counts(s, job_id)

    _retrying(settings, commit, "record chunk")
    maybe_finalize(settings, job_id)
    return {"status": SUCCEEDED, "processed": len(records), "failed": n_failed, "skipped_existing": skipped,
            "skipped_chunk": False}


def _already_written(loc: OutputLocation, key: str, digest: str, settings: Settings) -> bool:
    from imagecore.storage import ObjectNotFoundError

    try:
        info = _retrying(settings, lambda: loc.store.head(key), f"head {key}")
    except ObjectNotFoundError:
        return False
    return (info.metadata or {}).get("sha256") == digest


def _refresh_counts(s: Session, job_id: str) -> None:
    row = s.execute(
        select(func.coalesce(func.sum(JobChunk.processed), 0), func.coalesce(func.sum(JobChunk.failed), 0),
               func.coalesce(func.sum(JobChunk.skipped_existing), 0)).where(JobChunk.job_id == job_id)
    ).one()
    processed, failed, skipped = (int(v) for v in row)
    s.execute(update(Job).where(Job.id == job_id).values(
        processed=processed, failed_count=failed, succeeded_count=processed - failed, skipped_existing=skipped))


def mark_chunk_failed(settings: Settings, job_id: str, index: int, error: str) -> None:
    """Record a chunk that failed for good (retries exhausted or a permanent error)."""
    with session_scope(settings) as s:
        s.execute(update(JobChunk).where(JobChunk.job_id == job_id, JobChunk.index == index).values(
            status=FAILED, error=error[:4000], updated_at=utcnow()))
    maybe_finalize(settings, job_id)


def run_chunk_with_retries(settings: Settings, job_id: str, index: int, *, attempts: int = 5,
                           base_delay: float | None = None) -> dict[str, Any]:
    """:func:`process_chunk`, retrying the whole chunk on transient errors with exponential back-off;
    a permanent error or exhausted retries mark the chunk failed."""
    delay = settings.retry_base_delay if base_delay is None else base_delay
    for attempt in range(1, attempts + 1):
        try:
            return process_chunk(settings, job_id, index)
        except Exception as exc:
            if is_transient(exc) and attempt < attempts:
                log.warning("job %s chunk %d: transient error (attempt %d/%d): %s", job_id, index, attempt,
                            attempts, exc)
                time.sleep(delay * 2 ** (attempt - 1))
                continue
            log.exception("job %s chunk %d failed", job_id, index)
            mark_chunk_failed(settings, job_id, index, f"{type(exc).__name__}: {exc}")
            return {"status": FAILED, "error": str(exc)}
    raise AssertionError("unreachable")


def maybe_finalize(settings: Settings, job_id: str) -> bool:
    """Finalize the job when no chunk is pending; returns True when it did (or it was already done)."""
    with session_scope(settings) as s:
        pending = s.scalar(select(func.count()).select_from(JobChunk).where(
            JobChunk.job_id == job_id, JobChunk.status.in_([QUEUED, RUNNING])))
    if pending:
        return False
    finalize_job(settings, job_id)
    return True


def finalize_job(settings: Settings, job_id: str) -> dict[str, Any]:
    """Concatenate chunk metadata into ``metadata.jsonl``, write ``manifest.json``, set the final state.

    Idempotent: running it twice writes the same objects.
    """
    with session_scope(settings) as s:
        job = s.get(Job, job_id)
        if job is None:
            raise JobNotFoundError(f"no job {job_id!r}")
        chunks = s.scalars(select(JobChunk).where(JobChunk.job_id == job_id).order_by(JobChunk.index)).all()
        _refresh_counts(s, job_id)
        s.flush()
        s.refresh(job)
        spec = JobSpec.model_validate(job.request)
        failed_chunks = [(c.index, c.error) for c in chunks if c.status == FAILED]
        chunk_info = [(c.index, c.status, c.timings) for c in chunks]
        counts = {"total": job.total, "processed": job.processed, "succeeded": job.succeeded_count,
                  "failed": job.failed_count, "skipped_existing": job.skipped_existing,
                  "chunks": len(chunks), "failed_chunks": len(failed_chunks)}
        created, started = _aware(job.created_at), _aware(job.started_at)
    loc = output_location(settings, job_id, spec.output)
    t0 = time.perf_counter()
    parts = []
    for index, status, _ in chunk_info:
        if status == SUCCEEDED:
            parts.append(_retrying(settings, lambda i=index: loc.store.get(loc.chunk_key(i)),  # type: ignore[misc]
                                   "get chunk metadata"))
    metadata = b"".join(parts)
    _retrying(settings, lambda: loc.store.put(loc.metadata_key, metadata, content_type="application/x-ndjson"),
              "put metadata.jsonl")
    timer = StageTimer()
    for _, _, t in chunk_info:
        timer.merge(t or {})
    finished = utcnow()
    stage = timer.to_dict()
    stage["images_per_second"] = {k: round(timer.items[k] / v, 1) for k, v in timer.seconds.items()
                                  if v > 0 and timer.items.get(k)}
    timings = {
        "stages": stage,
        "chunk_wall_seconds": round(sum((t or {}).get("wall_seconds", 0.0) for _, _, t in chunk_info), 3),
        "queued_seconds": round(((started or finished) - _aware(created)).total_seconds(), 3) if created else None,
        "run_seconds": round((finished - _aware(started)).total_seconds(), 3) if started else 0.0,
        "finalize_seconds": None,
    }
    proc = _processor(job_id, spec)
    manifest = {
        "job_id": job_id,
        "query": spec.query.model_dump(mode="json"),
        "all_results": spec.all_results,
        "steps": proc.describe(),
        "output": {"uri": loc.uri, "images": f"{loc.prefix}images/", "metadata": loc.metadata_key,
                   "manifest": loc.manifest_key},
        "counts": counts,
        "failed_chunks": [{"index": i, "error": e} for i, e in failed_chunks],
        "timings": timings,
        "versions": _versions(),
        "created_at": _aware(created).isoformat() if created else None,
        "finished_at": finished.isoformat(),
    }
    timings["finalize_seconds"] = round(time.perf_counter() - t0, 3)
    _retrying(settings, lambda: loc.store.put(loc.manifest_key, json.dumps(manifest, indent=2).encode(),
                                              content_type="application/json"), "put manifest")
    status = FAILED if failed_chunks else SUCCEEDED
    error = "; ".join(f"chunk {i}: {e}" for i, e in failed_chunks)[:4000] or None
    with session_scope(settings) as s:
        s.execute(update(Job).where(Job.id == job_id).values(status=status, finished_at=finished, timings=timings,
                                                             error=error))
    return manifest


def _aware(dt: Any) -> Any:
    from datetime import UTC

    return dt.replace(tzinfo=UTC) if dt is not None and dt.tzinfo is None else dt


def _versions() -> dict[str, str]:
    import albumentations
    import numpy
    import torch

    return {"fashion_pipeline": fashion_pipeline.__version__, "albumentations": albumentations.__version__,
            "torch": torch.__version__, "numpy": numpy.__version__, "python": platform.python_version()}
