from collections import Counter

import numpy as np
import pytest
from face_shards.loader import ObjectPerImageStream, ShardStream, ShuffleBuffer
from face_shards.resample import select_index, shard_plan
from torch.utils.data import DataLoader

pytestmark = pytest.mark.s3


def _keys(ds, workers: int) -> list[str]:
    loader = DataLoader(ds, batch_size=None, num_workers=workers)
    return [s["__key__"] for s in loader]


@pytest.mark.parametrize("workers", [0, 2])
def test_every_sample_once_per_epoch(written, workers: int) -> None:
    store, res = written
    ds = ShardStream(store, res.shards, shuffle_buffer=8, prefetch=2, seed=1)
    keys = _keys(ds, workers)
    assert Counter(keys) == Counter(res.manifest["key"])  # exactly once each
    ds.set_epoch(1)
    assert sorted(_keys(ds, workers)) == sorted(keys)


def test_distributed_ranks_partition_the_data(written) -> None:
    store, res = written
    parts = [
        [s["__key__"] for s in ShardStream(store, res.shards, rank=r, world_size=2, decode=None)] for r in range(2)
    ]
    assert not set(parts[0]) & set(parts[1]) and len(parts[0]) + len(parts[1]) == 30


def test_shuffle_changes_order_but_is_seeded(written) -> None:
    store, res = written
    plain = [s["__key__"] for s in ShardStream(store, res.shards, shuffle_buffer=1, decode=None)]
    assert plain == res.manifest["key"].tolist()  # buffer of 1: shard order, write order
    a = [s["__key__"] for s in ShardStream(store, res.shards, shuffle_buffer=10, seed=5, decode=None)]
    b = [s["__key__"] for s in ShardStream(store, res.shards, shuffle_buffer=10, seed=5, decode=None)]
    assert a == b and a != plain


def test_decoded_samples_and_metadata(written) -> None:
    store, res = written
    s = next(iter(ShardStream(store, res.shards[:1], shuffle_buffer=1)))
    assert isinstance(s["image"], np.ndarray) and s["image"].shape == (32, 32, 3)
    assert s["meta"]["__key__"] == s["__key__"] and s["meta"]["label"] in ("real", "fake")


def test_plan_streams_only_the_selection(written) -> None:
    store, res = written
    idx = select_index(res.manifest, "generator = 'StyleGAN3'")
    keys = _keys(ShardStream(store, shard_plan(idx), decode=None), 2)
    assert sorted(keys) == sorted(res.manifest.loc[res.manifest.generator == "StyleGAN3", "key"]) and len(keys) == 10


def test_object_per_image_baseline(written) -> None:
    store, res = written
    objs = [f"images/{k}.jpg" for k in res.manifest["key"]]
    keys = _keys(ObjectPerImageStream(store, objs), 2)
    assert Counter(keys) == Counter(objs)


def test_shuffle_buffer_keeps_every_item() -> None:
    buf = ShuffleBuffer(4, np.random.default_rng(0))
    out = [y for x in range(10) for y in buf.push(x)] + list(buf.drain())
    assert sorted(out) == list(range(10)) and out != list(range(10))
