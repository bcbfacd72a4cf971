"""Part 2's routes: batch jobs (``/jobs``), one-off processing (``/process``), models and transforms.

Routes are thin: they validate, call :mod:`fashion_pipeline.jobs`, and shape the response.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Response, UploadFile, status
from pydantic import BaseModel, Field, ValidationError

from fashion_pipeline.api.deps import get_settings
from fashion_pipeline.config import Settings
from fashion_pipeline.jobs.spec import JobSpec, ModelStep

router = APIRouter(tags=["jobs"])


class JobOut(BaseModel):
    """A job's state."""

    id: str
    status: Literal["queued", "running", "succeeded", "failed"]
    backend: str
    total: int
    processed: int
    succeeded: int
    failed: int
    skipped_existing: int
    n_chunks: int
    output_uri: str
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    timings: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    request: dict[str, Any]

    @classmethod
    def from_row(cls, job: Any) -> JobOut:
        return cls(id=job.id, status=job.status, backend=job.backend, total=job.total, processed=job.processed,
                   succeeded=job.succeeded_count, failed=job.failed_count, skipped_existing=job.skipped_existing,
                   n_chunks=job.n_chunks, output_uri=job.output_uri, created_at=job.created_at,
                   started_at=job.started_at, finished_at=job.finished_at, timings=job.timings or {},
                   error=job.error, request=job.request)


class JobResults(BaseModel):
    """One page of a job's per-image records (ordered by product id)."""

    job_id: str
    status: str
    total: int
    limit: int
    offset: int
    items: list[dict[str, Any]]


def _get(settings: Settings, job_id: str) -> Any:
    from fashion_pipeline.jobs.service import JobNotFoundError, get_job

    try:
        return get_job(settings, job_id)
    except JobNotFoundError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job {job_id!r}") from None


@router.post("/jobs", response_model=JobOut, status_code=status.HTTP_202_ACCEPTED)
def post_job(
    spec: JobSpec,
    settings: Settings = Depends(get_settings),
    wait: Annotated[bool, Query(description="run to completion before answering (in-process backend)")] = False,
) -> JobOut:
    """Submit a batch job: a query, transform and/or model steps, an output location.

    Answers 202 with the job (``queued``); poll ``GET /jobs/{id}``. With ``?wait=true`` the job
    runs before the answer (meant for small jobs and notebooks).
    """
    from fashion_pipeline.jobs.backends import submit_job

    if spec.output is not None and not spec.output.startswith("s3://"):
        # local paths are written by the server: only allowed when the API has no key (embedded use)
        if settings.api_key is not None:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "local output paths are disabled on this server")
    if spec.query.limit > settings.max_limit:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"limit must be <= {settings.max_limit}")
    return JobOut.from_row(submit_job(settings, spec, wait=wait))


@router.get("/jobs", response_model=list[JobOut])
def list_jobs(settings: Settings = Depends(get_settings),
              limit: Annotated[int, Query(ge=1, le=200)] = 20) -> list[JobOut]:
    """The most recent jobs, newest first."""
    from sqlalchemy import select

    from fashion_pipeline.db.jobs import Job
    from fashion_pipeline.db.session import session_scope

    with session_scope(settings) as s:
        return [JobOut.from_row(j) for j in s.scalars(select(Job).order_by(Job.created_at.desc()).limit(limit))]


@router.get("/jobs/{job_id}", response_model=JobOut)
def get_job_route(job_id: str, settings: Settings = Depends(get_settings)) -> JobOut:
    """A job's state, counts and timings."""
    return JobOut.from_row(_get(settings, job_id))


@router.get("/jobs/{job_id}/results", response_model=JobResults)
def get_job_results(
    job_id: str,
    settings: Settings = Depends(get_settings),
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    item_status: Annotated[Literal["ok", "error"] | None, Query(alias="status")] = None,
) -> JobResults:
    """Per-image records of a job (metadata, source, transform parameters, model outputs), paginated."""
    from fashion_pipeline.jobs.service import job_results

    job = _get(settings, job_id)
    total, items = job_results(settings, job_id, limit=limit, offset=offset, status=item_status)
    return JobResults(job_id=job_id, status=job.status, total=total, limit=limit, offset=offset, items=items)


@router.get("/jobs/{job_id}/manifest")
def get_job_manifest(job_id: str, settings: Settings = Depends(get_settings)) -> dict[str, Any]:
    """The job's ``manifest.json`` (404 until the job has finished)."""
    from imagecore.storage import ObjectNotFoundError

    from fashion_pipeline.jobs.outputs import output_location

    job = _get(settings, job_id)
    loc = output_location(settings, job_id, job.request.get("output"))
    try:
        return json.loads(loc.store.get(loc.manifest_key))
    except ObjectNotFoundError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"job {job_id} has no manifest yet ({job.status})") from None


@router.post("/process", responses={200: {"content": {"application/json": {}, "image/jpeg": {}}}})
async def post_process(
    settings: Settings = Depends(get_settings),
    file: Annotated[UploadFile | None, File(description="an image to process")] = None,
    product_id: Annotated[int | None, Form(ge=0)] = None,
    steps: Annotated[str, Form(description="JSON list of transform steps; 'default' or 'none'")] = "default",
    model: Annotated[str | None, Form(description="model name, e.g. category_cnn or fashionnet")] = None,
    model_options: Annotated[str | None, Form(description='JSON object, e.g. {"width_mult": 0.25, "input_size": 128}')] = None,
    top_k: Annotated[int, Form(ge=1, le=50)] = 5,
    seed: Annotated[int, Form(ge=0)] = 0,
    response_format: Annotated[Literal["json", "image"], Form(alias="format")] = "json",
) -> Response:
    """One-off processing of an uploaded image or a product id, synchronously.

    ``format=json`` (default) answers the metadata with the output image inline (base64);
    ``format=image`` answers the image bytes, with the metadata in the ``X-Process-Metadata`` header.
    """
    from fastapi.concurrency import run_in_threadpool

    from fashion_pipeline.jobs.oneoff import ProductNotFoundError, process_one
    from fashion_pipeline.transforms import DEFAULT_STEPS, TransformPipeline, TransformStepError

    if steps.strip().lower() == "default":
        transform: list[Any] | None = list(DEFAULT_STEPS)
    elif steps.strip().lower() in ("none", "", "[]", "null"):
        transform = None
    else:
        try:
            transform = json.loads(steps)
            TransformPipeline(transform)
        except (json.JSONDecodeError, TransformStepError, ValidationError, TypeError) as exc:
            raise HTTPException(422, f"invalid steps: {exc}") from None
    try:
        options = json.loads(model_options) if model_options else {}
        model_step = ModelStep.model_validate({"name": model, "top_k": top_k, "options": options}) if model else None
    except json.JSONDecodeError as exc:
        raise HTTPException(422, f"model_options is not JSON: {exc}") from None
    except ValidationError as exc:
        raise HTTPException(422, exc.errors()[0]["msg"]) from None
    data = await file.read() if file is not None else None
    try:
        encoded, record = await run_in_threadpool(
            process_one, settings, image=data, product_id=product_id, transform=transform, model=model_step, seed=seed)
    except ProductNotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    if response_format == "image":
        if encoded is None:
            raise HTTPException(422, "format=image needs a transform step")
        return Response(encoded, media_type="image/jpeg", headers={"X-Process-Metadata": json.dumps(record)})
    if encoded is not None:
        record["image"] = {"content_type": "image/jpeg", "base64": base64.b64encode(encoded).decode()}
    return Response(json.dumps(record), media_type="application/json")


@router.get("/models")
def get_models() -> dict[str, str]:
    """Models of the model step, by name."""
    from fashion_pipeline.models import available_models

    return available_models()


@router.get("/transforms")
def get_transforms() -> dict[str, Any]:
    """Transform steps with their parameter schemas, and the default pipeline."""
    from fashion_pipeline.transforms import DEFAULT_STEPS, available_steps

    return {"steps": available_steps(), "default": list(DEFAULT_STEPS)}
