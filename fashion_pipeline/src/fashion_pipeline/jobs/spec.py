"""What a job is: a query spec + steps (transform and/or model) + an output location."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from fashion_pipeline.query import QuerySpec
from fashion_pipeline.transforms import DEFAULT_STEPS, StepSpec, TransformPipeline

#: Model options a request may set, per model (weights files only from the server's settings side).
ALLOWED_MODEL_OPTIONS: dict[str, set[str]] = {
    "fashionnet": {"width_mult", "input_size", "weights", "seed"},
    "category_cnn": {"weights"},
}


class JobSettings(BaseSettings):
    """Part 2's tuning knobs (env prefix ``FASHION_``, beside part 1's :class:`~fashion_pipeline.config.Settings`).

    ``FASHION_CELERY_QUEUE``, ``FASHION_CELERY_KEY_PREFIX`` (a Redis key prefix, e.g. per test or
    per tenant), ``FASHION_CELERY_VISIBILITY_TIMEOUT`` (seconds before an unacknowledged task of a
    dead worker is redelivered), ``FASHION_JOB_THREADS`` (in-process backend parallelism),
    ``FASHION_JOB_MAX_ATTEMPTS`` (attempts per chunk on transient errors).
    """

    model_config = SettingsConfigDict(env_prefix="FASHION_", extra="ignore")

    celery_queue: str = "fashion-jobs"
    celery_key_prefix: str = ""
    celery_visibility_timeout: int = Field(default=3600, ge=1)
    job_threads: int = Field(default=1, ge=1, le=64)
    job_max_attempts: int = Field(default=5, ge=1, le=20)


class ModelStep(BaseModel):
    """The model step: a registered model name, its options, top-k and batch size."""

    model_config = ConfigDict(extra="forbid")

    name: str = "category_cnn"
    options: dict[str, Any] = Field(default_factory=dict)
    top_k: int = Field(default=5, ge=1, le=50)
    batch_size: int = Field(default=16, ge=1, le=256)

    @model_validator(mode="after")
    def _known(self) -> ModelStep:
        from fashion_pipeline.models import available_models

        if self.name not in available_models():
            raise ValueError(f"unknown model {self.name!r}; available: {', '.join(sorted(available_models()))}")
        bad = set(self.options) - ALLOWED_MODEL_OPTIONS.get(self.name, set())
        if bad:
            raise ValueError(f"options not allowed for model {self.name!r}: {', '.join(sorted(bad))}")
        return self


class JobSpec(BaseModel):
    """A batch job request.

    Attributes
    ----------
    query
        Which products (part 1's :class:`~fashion_pipeline.query.QuerySpec`; its ``limit`` /
        ``offset`` / ``sample`` choose the page unless ``all_results``).
    all_results
        Process every match of the query, ignoring ``limit``/``offset``.
    transform
        Transform steps (default: the brief's crop + fit); ``null`` / empty = no transform.
    model
        Model step, or ``null`` for none.
    output
        ``null`` = the configured store under ``outputs_prefix``; else a directory path,
        ``file:///dir`` or ``s3://bucket/prefix?endpoint_url=...``.
    seed
        Job seed; each image's transform seed is ``derive_seed(seed, id)``.
    chunk_size
        Images per work unit.
    """

    model_config = ConfigDict(extra="forbid")

    query: QuerySpec = Field(default_factory=QuerySpec)
    all_results: bool = False
    transform: list[StepSpec] | None = Field(default_factory=lambda: [StepSpec(**s) for s in DEFAULT_STEPS])
    model: ModelStep | None = None
    output: str | None = Field(default=None, max_length=1024)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    chunk_size: int = Field(default=64, ge=1, le=10_000)
    image_format: Literal["jpeg", "png"] = "jpeg"
    jpeg_quality: int = Field(default=90, ge=1, le=100)

    @field_serializer("query")
    def _query_out(self, query: QuerySpec) -> dict[str, Any]:
        # unset filters are left out: QuerySpec does not accept an explicit ``ids: null`` back
        return query.model_dump(mode="json", exclude_none=True)

    @field_validator("transform")
    @classmethod
    def _steps_ok(cls, v: list[StepSpec] | None) -> list[StepSpec] | None:
        if not v:
            return None
        return TransformPipeline(v).steps  # validates and fills in defaults

    @model_validator(mode="after")
    def _something_to_do(self) -> JobSpec:
        if self.transform is None and self.model is None:
            raise ValueError("a job needs a transform step, a model step, or both")
        return self
