"""Write and read WebDataset-style tar shards on an object store, with a parquet manifest.

Layout under the store::

    shards/shard-000000.tar   tar members <key>.<ext> (image) and <key>.json (metadata)
    images/<key>.<ext>        optional one-object-per-image copy (the baseline to beat)
    manifest.parquet          one row per sample: key, shard, offset/size of image and json, metadata

Member order inside a shard keeps a sample's files adjacent, as WebDataset requires. The byte
offsets in the manifest allow random access to one sample with a single HTTP range request.
"""

from __future__ import annotations

import io
import json
import logging
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from imagecore.storage import ObjectStore
from tqdm import tqdm

from .source import Sample

log = logging.getLogger(__name__)

MANIFEST_KEY = "manifest.parquet"
BLOCK = 512


def shard_key(index: int) -> str:
    """``shards/shard-000042.tar``."""
    return f"shards/shard-{index:06d}.tar"


def _add(tar: tarfile.TarFile, buf: io.BytesIO, name: str, data: bytes) -> tuple[int, int]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0
    info.mode = 0o444
    tar.addfile(info, io.BytesIO(data))
    end = buf.tell()
    padded = -(-len(data) // BLOCK) * BLOCK
    return end - padded, len(data)


@dataclass
class WriteResult:
    """What :func:`write_shards` produced."""

    manifest: pd.DataFrame
    shards: list[str]
    bytes_written: int


def write_shards(
    store: ObjectStore,
    samples: Iterable[Sample],
    *,
    max_bytes: int = 64 * 1024**2,
    max_samples: int = 10_000,
    per_image_copy: bool = False,
    progress: bool = True,
) -> WriteResult:
    """Pack samples into tar shards of about ``max_bytes`` and upload them with a manifest.

    Parameters
    ----------
    store
        Destination object store (S3 or local directory).
    samples
        Samples with unique keys.
    max_bytes
        Roll over to a new shard once a shard reaches this many bytes.
    max_samples
        Roll over after this many samples as well.
    per_image_copy
        Also upload each image as its own object under ``images/`` (for the baseline benchmark).
    progress
        Show a progress bar.

    Returns
    -------
    WriteResult
        The manifest (also stored as ``manifest.parquet``), shard keys and total shard bytes.

    Raises
    ------
    ValueError
        Duplicate sample key, or a key that is not a safe relative path.
    """
    rows: list[dict] = []
    shards: list[str] = []
    seen: set[str] = set()
    total = 0
    buf = io.BytesIO()
    tar = tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT)
    count = 0

    def flush() -> None:
        nonlocal buf, tar, count, total
        if count == 0:
            return
        tar.close()
        key = shard_key(len(shards))
        data = buf.getvalue()
        store.put(key, data, content_type="application/x-tar")
        shards.append(key)
        total += len(data)
        buf = io.BytesIO()
        tar = tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT)
        count = 0

    for s in tqdm(samples, desc="shard", unit="sample", disable=not progress):
        if s.key in seen:
            raise ValueError(f"duplicate sample key {s.key!r}")
        if s.key.startswith("/") or ".." in s.key.split("/") or "." in s.key.rsplit("/", 1)[-1]:
            raise ValueError(f"sample key {s.key!r} must be a relative path without dots in its last part")
        seen.add(s.key)
        meta_bytes = json.dumps({"__key__": s.key, **s.meta}, sort_keys=True).encode()
        img_off, img_size = _add(tar, buf, f"{s.key}.{s.ext}", s.image)
        js_off, js_size = _add(tar, buf, f"{s.key}.json", meta_bytes)
        rows.append(
            {
                "key": s.key,
                "shard": shard_key(len(shards)),
                "ext": s.ext,
                "img_offset": img_off,
                "img_size": img_size,
                "json_offset": js_off,
                "json_size": js_size,
                **{k: v for k, v in s.meta.items() if not isinstance(v, (dict, list))},
            }
        )
        if per_image_copy:
            store.put(f"images/{s.key}.{s.ext}", s.image)
        count += 1
        if count >= max_samples or buf.tell() >= max_bytes:
            flush()
    flush()
    manifest = pd.DataFrame(rows)
    out = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(manifest, preserve_index=False), out)
    store.put(MANIFEST_KEY, out.getvalue(), content_type="application/vnd.apache.parquet")
    log.info("wrote %d samples into %d shards (%d bytes)", len(rows), len(shards), total)
    return WriteResult(manifest, shards, total)


def load_manifest(store: ObjectStore, key: str = MANIFEST_KEY) -> pd.DataFrame:
    """Read the manifest parquet from the store."""
    return pq.read_table(io.BytesIO(store.get(key))).to_pandas()


def iter_tar_samples(data: bytes) -> Iterator[tuple[str, dict[str, bytes]]]:
    """Group the members of a WebDataset tar by key: yields ``(key, {ext: bytes})`` in order."""
    current: str | None = None
    parts: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        for member in tar:
            if not member.isfile():
                continue
            key, _, ext = member.name.rpartition(".")
            if key != current and current is not None:
                yield current, parts
                parts = {}
            current = key
            fh = tar.extractfile(member)
            parts[ext] = fh.read() if fh else b""
    if current is not None:
        yield current, parts


def read_range(store: ObjectStore, key: str, start: int, length: int) -> bytes:
    """Bytes ``[start, start+length)`` of an object: a ranged GET on S3, a file seek locally."""
    return store.get_range(key, start, length)


def read_sample(store: ObjectStore, row: dict | pd.Series) -> tuple[bytes, dict]:
    """Random access to one sample via its manifest row: two range reads (image, json)."""
    img = read_range(store, row["shard"], int(row["img_offset"]), int(row["img_size"]))
    meta = json.loads(read_range(store, row["shard"], int(row["json_offset"]), int(row["json_size"])))
    return img, meta
