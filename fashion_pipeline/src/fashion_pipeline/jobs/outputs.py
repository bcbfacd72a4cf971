"""Where a job writes: an object store plus the job's key prefix, and the deterministic key scheme.

Layout under the prefix (``outputs/<job_id>/`` in the configured store by default)::

    images/<product_id>.jpg      transformed image (when the job has a transform step)
    chunks/<index:06d>.jsonl     metadata of one chunk (written when the chunk completes)
    metadata.jsonl               every chunk's lines, in chunk order (written when the job completes)
    manifest.json                query, steps, versions, counts, timings
"""

from __future__ import annotations

from dataclasses import dataclass

from imagecore.storage import ObjectStore, open_store

from fashion_pipeline.config import Settings, get_store


@dataclass
class OutputLocation:
    """An object store and the key prefix of one job."""

    store: ObjectStore
    prefix: str

    def image_key(self, product_id: int, ext: str = "jpg") -> str:
        return f"{self.prefix}images/{int(product_id)}.{ext}"

    def chunk_key(self, index: int) -> str:
        return f"{self.prefix}chunks/{int(index):06d}.jsonl"

    @property
    def metadata_key(self) -> str:
        return f"{self.prefix}metadata.jsonl"

    @property
    def manifest_key(self) -> str:
        return f"{self.prefix}manifest.json"

    @property
    def uri(self) -> str:
        return self.store.uri(self.prefix.rstrip("/") or ".")


def output_location(settings: Settings, job_id: str, output: str | None) -> OutputLocation:
    """The output location of a job.

    Parameters
    ----------
    output
        ``None``: the settings' store, prefix ``<outputs_prefix><job_id>/``. Otherwise a local
        directory, ``file:///dir`` or ``s3://bucket/prefix?endpoint_url=...``; prefix ``<job_id>/``.
    """
    if output is None:
        return OutputLocation(get_store(settings), f"{settings.outputs_prefix}{job_id}/")
    return OutputLocation(open_store(output, create_bucket=True), f"{job_id}/")
