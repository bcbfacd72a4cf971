"""Streaming loaders over an object store: tar shards (fast) and one object per image (baseline).

:class:`ShardStream` is a torch ``IterableDataset``: shards are split across distributed ranks and
DataLoader workers (each shard read by exactly one worker per epoch), fetched whole by a small
thread pool that keeps ``prefetch`` shards in flight, and their samples pass through a shuffle
buffer. The shard order is reshuffled each epoch (``set_epoch``) from one seed.
"""

from __future__ import annotations

import io
import json
import logging
import pickle
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from imagecore.storage import ObjectStore
from PIL import Image
from torch.utils.data import IterableDataset, get_worker_info

from .shards import iter_tar_samples

log = logging.getLogger(__name__)

Decoder = Callable[[bytes], object]


def decode_rgb(data: bytes) -> np.ndarray:
    """Decode image bytes to a uint8 (H,W,3) array."""
    with Image.open(io.BytesIO(data)) as img:
        return np.array(img.convert("RGB"))


def _worker_slice(items: Sequence, rank: int, world_size: int) -> list:
    items = list(items)[rank::world_size]
    info = get_worker_info()
    if info is not None:
        items = items[info.id :: info.num_workers]
    return items


def _fresh_store(store: ObjectStore) -> ObjectStore:
    """A copy with its own connections (boto3 clients must not be shared across forked workers)."""
    return pickle.loads(pickle.dumps(store))  # noqa: S301  (our own object, same process tree) if get_worker_info() is not None else store


class ShuffleBuffer:
    """Reservoir-style shuffle: hold up to ``size`` items, emit a random one once full."""

    def __init__(self, size: int, rng: np.random.Generator) -> None:
        self.size = max(1, size)
        self.rng = rng
        self.items: list = []

    def push(self, item: object) -> Iterator[object]:
        """Add one item; yields one random item when the buffer is full."""
        self.items.append(item)
        if len(self.items) >= self.size:
            yield self._pop()

    def drain(self) -> Iterator[object]:
        """Yield the remaining items in random order."""
        while self.items:
            yield self._pop()

    def _pop(self) -> object:
        i = int(self.rng.integers(len(self.items)))
        self.items[i], self.items[-1] = self.items[-1], self.items[i]
        return self.items.pop()


class ShardStream(IterableDataset):
    """Stream samples from WebDataset tar shards on an object store.

    Parameters
    ----------
    store
        The object store holding the shards (pickled into DataLoader workers).
    shards
        Shard keys, or a plan ``{shard: [keys]}`` from :func:`face_shards.resample.shard_plan`
        to read only those samples (whole shards are fetched; unselected samples are skipped).
    shuffle_buffer
        Shuffle-buffer size in samples (1 keeps shard order).
    prefetch
        Shards fetched ahead by each worker's thread pool.
    seed
        Seed of the shard order and the buffer; combined with the epoch and worker id.
    decode
        Function of the image bytes (default: RGB uint8 array); ``None`` yields raw bytes.
    rank, world_size
        Distributed data-parallel position: each rank gets every ``world_size``-th shard.

    Yields
    ------
    dict
        ``{"__key__": key, "image": decoded image, "meta": metadata dict}``.
    """

    def __init__(
        self,
        store: ObjectStore,
        shards: Sequence[str] | Mapping[str, Sequence[str]],
        *,
        shuffle_buffer: int = 1000,
        prefetch: int = 2,
        seed: int = 0,
        decode: Decoder | None = decode_rgb,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        super().__init__()
        self.store = store
        if isinstance(shards, Mapping):
            self.shards = sorted(shards)
            self.keep: dict[str, set[str]] | None = {s: set(k) for s, k in shards.items()}
        else:
            self.shards = sorted(shards)
            self.keep = None
        self.shuffle_buffer = shuffle_buffer
        self.prefetch = max(1, prefetch)
        self.seed = seed
        self.decode = decode
        self.rank, self.world_size = rank, world_size
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Change the shard order and buffer shuffle for a new epoch."""
        self.epoch = epoch

    def _order(self) -> list[str]:
        rng = np.random.default_rng([self.seed, self.epoch])
        order = [self.shards[i] for i in rng.permutation(len(self.shards))] if self.shuffle_buffer > 1 else self.shards
        return _worker_slice(order, self.rank, self.world_size)

    def __iter__(self) -> Iterator[dict]:
        mine = self._order()
        info = get_worker_info()
        rng = np.random.default_rng([self.seed, self.epoch, self.rank, info.id if info else 0])
        store = _fresh_store(self.store)
        buffer = ShuffleBuffer(self.shuffle_buffer, rng)
        with ThreadPoolExecutor(max_workers=self.prefetch, thread_name_prefix="shard-prefetch") as pool:
            pending: list[Future[bytes]] = [pool.submit(store.get, s) for s in mine[: self.prefetch]]
            for i, shard in enumerate(mine):
                data = pending.pop(0).result()
                if i + self.prefetch < len(mine):
                    pending.append(pool.submit(store.get, mine[i + self.prefetch]))
                keep = self.keep.get(shard) if self.keep is not None else None
                for key, parts in iter_tar_samples(data):
                    if keep is not None and key not in keep:
                        continue
                    for item in buffer.push((key, parts)):
                        yield self._make(item)
            for item in buffer.drain():
                yield self._make(item)

    def _make(self, item: object) -> dict:
        key: str
        parts: dict[str, bytes]
        key, parts = item  # type: ignore[misc]
        img_ext = next((e for e in parts if e != "json"), None)
        raw = parts[img_ext] if img_ext else b""
        return {
            "__key__": key,
            "image": self.decode(raw) if self.decode is not None else raw,
            "meta": json.loads(parts["json"]) if "json" in parts else {},
        }


class ObjectPerImageStream(IterableDataset):
    """Baseline: one GET per image from ``images/<key>.<ext>`` (keys split across workers).

    Parameters
    ----------
    store
        The object store.
    objects
        Object keys of the images (``images/real/00001.jpg`` ...).
    decode
        As in :class:`ShardStream`.
    """

    def __init__(self, store: ObjectStore, objects: Sequence[str], *, decode: Decoder | None = decode_rgb) -> None:
        super().__init__()
        self.store = store
        self.objects = list(objects)
        self.decode = decode

    def __iter__(self) -> Iterator[dict]:
        store = _fresh_store(self.store)
        for key in _worker_slice(self.objects, 0, 1):
            raw = store.get(key)
            yield {"__key__": key, "image": self.decode(raw) if self.decode is not None else raw, "meta": {}}
