"""End-to-end job: write shards to a store, re-sample by query, stream both ways and time it."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from imagecore.storage import ObjectStore
from torch.utils.data import DataLoader

from .loader import ObjectPerImageStream, ShardStream
from .resample import select_index, shard_plan
from .shards import write_shards
from .source import Sample

log = logging.getLogger(__name__)


def quiet_s3_server_log() -> None:
    """Silence the embedded moto/werkzeug server's per-request access log."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)


def throughput(dataset, workers: int) -> tuple[int, float]:
    """Iterate a dataset once through a DataLoader; returns (samples, samples per second)."""
    loader = DataLoader(dataset, batch_size=None, num_workers=workers, persistent_workers=False)
    t = time.perf_counter()
    n = sum(1 for _ in loader)
    dt = time.perf_counter() - t
    return n, n / dt if dt > 0 else float("inf")


def run_pipeline(
    store: ObjectStore,
    samples: Iterable[Sample],
    *,
    shard_bytes: int,
    where: str,
    workers: tuple[int, ...] = (1, 2),
    shuffle: int = 256,
    progress: bool = True,
) -> dict:
    """Write shards (+ one object per image for the baseline), re-sample, stream, measure.

    Returns
    -------
    dict
        Shard count/bytes, selection size and query seconds, and images/s per loader and worker count.
    """
    t = time.perf_counter()
    res = write_shards(store, samples, max_bytes=shard_bytes, per_image_copy=True, progress=progress)
    out: dict = {
        "samples": len(res.manifest),
        "shards": len(res.shards),
        "shard_bytes": res.bytes_written,
        "write_s": round(time.perf_counter() - t, 2),
    }
    t = time.perf_counter()
    index = select_index(res.manifest, where)
    out.update(
        query=where,
        selected=len(index),
        query_s=round(time.perf_counter() - t, 4),
        selected_shards=index["shard"].nunique(),
    )
    out["selected_streamed"] = sum(1 for _ in ShardStream(store, shard_plan(index), decode=None))
    objects = [f"images/{k}.{e}" for k, e in zip(res.manifest["key"], res.manifest["ext"], strict=False)]
    rates: dict = {}
    for w in workers:
        n1, shard_rate = throughput(ShardStream(store, res.shards, shuffle_buffer=shuffle), w)
        n2, object_rate = throughput(ObjectPerImageStream(store, objects), w)
        assert n1 == n2 == len(res.manifest)
        rates[f"workers={w}"] = {
            "shards_img_s": round(shard_rate, 1),
            "per_object_img_s": round(object_rate, 1),
            "speedup": round(shard_rate / object_rate, 2),
        }
    out["throughput"] = rates
    return out
