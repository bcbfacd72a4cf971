"""The one settings object of fashion_pipeline (environment variables prefixed ``FASHION_``).

Every component (CLI, API, ingest, jobs, notebook) reads its configuration from
:class:`Settings`. The defaults form the *embedded* deployment, which needs no server and
persists across processes:

- objects in a local directory (``storage="local"``, ``<data_dir>/objects``) behind the
  :class:`imagecore.storage.ObjectStore` interface, with the same key scheme as on S3;
- metadata in a SQLite file (``<data_dir>/fashion.db``).

Setting ``FASHION_STORAGE=s3`` plus ``FASHION_S3_ENDPOINT_URL`` / ``FASHION_S3_BUCKET`` and
``FASHION_DATABASE_URL=postgresql+psycopg://...`` moves the same code onto S3 (AWS, MinIO,
localstack, moto) and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from imagecore.config import cache_dir, dataset_dir
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from imagecore.storage import ObjectStore

ENV_PREFIX = "FASHION_"


def _default_data_dir() -> Path:
    return cache_dir("fashion_pipeline")


def _fashion_dir() -> Path:
    return dataset_dir("fashion", must_exist=False)


class Settings(BaseSettings):
    """All settings; each field ``x`` is read from the environment variable ``FASHION_X``.

    Examples
    --------
    >>> s = Settings(data_dir="/tmp/fp-doc", storage="local")
    >>> s.database_url
    'sqlite:////tmp/fp-doc/fashion.db'
    >>> s.image_key(15970)
    'raw/images/15970.jpg'
    """

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", validate_default=True)

    # --- state of the embedded default ---------------------------------------------------
    data_dir: Path = Field(default_factory=_default_data_dir, description="state folder (SQLite file, local objects)")
    database_url: str = Field(default="", description="SQLAlchemy URL; empty = sqlite:///<data_dir>/fashion.db")
    db_pool_size: int = Field(default=5, ge=1, description="connection pool size for server databases")

    # --- object storage --------------------------------------------------------------------
    storage: Literal["local", "s3"] = Field(default="local", description="'local' (directory, embedded default) or 's3'")
    local_store_dir: Path | None = Field(default=None, description="root of the local object store; default <data_dir>/objects")
    s3_endpoint_url: str | None = Field(default=None, description="S3 endpoint (MinIO, localstack, moto); None = AWS")
    s3_bucket: str = "fashion"
    s3_prefix: str = Field(default="", description="prefix prepended to every key in the bucket")
    s3_region: str = "us-east-1"
    s3_access_key: str | None = Field(default=None, description="None = boto3's default credential chain")
    s3_secret_key: str | None = None
    s3_create_bucket: bool = Field(default=True, description="create the bucket when it does not exist")
    images_prefix: str = Field(default="raw/images/", description="key prefix of original images: <images_prefix><id>.jpg")
    outputs_prefix: str = Field(default="outputs/", description="key prefix of job outputs (part 2)")
    presign_expires: int = Field(default=3600, ge=1, le=7 * 24 * 3600)

    # --- jobs (part 2) ---------------------------------------------------------------------
    redis_url: str = "redis://127.0.0.1:6379/0"
    job_backend: Literal["inprocess", "celery"] = "inprocess"

    # --- API ---------------------------------------------------------------------------------
    api_key: str | None = Field(default=None, description="when set, every route but /health needs header X-API-Key")
    max_request_bytes: int = Field(default=1_000_000, ge=1024, description="largest accepted request body")
    max_limit: int = Field(default=10_000, ge=1, description="largest page size a query may ask for")

    # --- input data --------------------------------------------------------------------------
    styles_path: Path = Field(default_factory=lambda: _fashion_dir() / "styles.csv")
    images_dir: Path = Field(default_factory=lambda: _fashion_dir() / "images")
    images_csv: Path | None = Field(default=None, description="optional images.csv (filename, link)")

    # --- ingest --------------------------------------------------------------------------------
    ingest_workers: int = Field(default=8, ge=1, le=128, description="parallel upload threads")
    ingest_batch_size: int = Field(default=200, ge=1, description="rows per database transaction")
    retry_attempts: int = Field(default=4, ge=1, le=20, description="attempts on transient S3/DB errors")
    retry_base_delay: float = Field(default=0.2, ge=0, description="first back-off delay in seconds (doubles)")

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{Path(self.data_dir).expanduser().resolve()}/fashion.db"
        if self.local_store_dir is None:
            self.local_store_dir = Path(self.data_dir).expanduser() / "objects"
        if self.images_prefix and not self.images_prefix.endswith("/"):
            self.images_prefix += "/"
        if self.outputs_prefix and not self.outputs_prefix.endswith("/"):
            self.outputs_prefix += "/"
        return self

    def image_key(self, product_id: int) -> str:
        """Object key of a product's original image (the documented key scheme)."""
        return f"{self.images_prefix}{int(product_id)}.jpg"

    def output_key(self, *parts: str) -> str:
        """Object key under :attr:`outputs_prefix` (for part 2's job outputs)."""
        return self.outputs_prefix + "/".join(p.strip("/") for p in parts)


def get_settings() -> Settings:
    """Read the settings from the environment (a fresh object on each call; cheap)."""
    return Settings()


def get_store(settings: Settings | None = None) -> ObjectStore:
    """Open the object store the settings describe.

    Parameters
    ----------
    settings
        Defaults to :func:`get_settings`.

    Returns
    -------
    imagecore.storage.ObjectStore
        A :class:`~imagecore.storage.LocalStore` under ``local_store_dir`` or an
        :class:`~imagecore.storage.S3Store` on ``s3_bucket``/``s3_prefix``.
    """
    from imagecore.storage import LocalStore, S3Store

    settings = settings or get_settings()
    if settings.storage == "local":
        assert settings.local_store_dir is not None
        root = Path(settings.local_store_dir).expanduser()
        root.mkdir(parents=True, exist_ok=True)
        return LocalStore(root)
    return S3Store(
        settings.s3_bucket,
        prefix=settings.s3_prefix,
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        create_bucket=settings.s3_create_bucket,
        max_attempts=settings.retry_attempts + 1,
    )
