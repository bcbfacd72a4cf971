"""Bulk export: N labelled sequence images as PNG files, npz shards or WebDataset-style tar shards.

The dataset is cut into chunks of ``chunk_size`` images. Chunk ``i`` draws from its own
random stream ``SeedSequence(seed, spawn_key=(i,))``, so the whole dataset depends only on
``seed`` and the parameters — not on the number of worker processes or on scheduling.
Every format comes with ``manifest.csv`` (one row per image: file, label and layout) and
``dataset.json`` (the parameters).

Formats
-------
``png``  ``images/<id>.png`` (uint8, 0 -> 0, 1 -> 255), one file per image.
``npz``  ``shard-<i>.npz`` with ``images`` (n, 28, W) uint8, ``ids``, ``digits`` (n, L, -1 padded),
         ``lengths``, ``x``, ``widths``, ``mnist_indices``; uncompressed, memory-mappable arrays.
``tar``  ``shard-<i>.tar`` with ``<id>.png``, ``<id>.cls`` (the label) and ``<id>.json`` (layout),
         the layout WebDataset readers expect.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import multiprocessing as mp
import os
import tarfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from mnist_sequences.augment import Augmentation
from mnist_sequences.generator import BatchLayout, SequenceGenerator
from mnist_sequences.layout import check_fits, validate_options, validate_spacing, validate_width

log = logging.getLogger(__name__)

FORMATS = ("png", "npz", "tar")
MANIFEST_FIELDS = ("id", "file", "index_in_file", "label", "length", "x", "widths", "gaps", "mnist_indices")


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export_dataset` wrote."""

    out_dir: Path
    manifest: Path
    count: int
    files: int
    format: str
    seconds: float


@dataclass(frozen=True)
class _Job:
    out_dir: str
    fmt: str
    chunk: int
    start: int
    count: int
    length: tuple[int, int]
    spacing: tuple[int, int]
    width: int
    seed: int
    align: str
    overflow: str
    augment: Augmentation | None
    compress_level: int


_WORKER: dict[str, SequenceGenerator] = {}


def _init_worker(split: str, root: str | None) -> None:
    _WORKER["gen"] = SequenceGenerator(split, root=root)


def _encode_png(image: np.ndarray, level: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG", compress_level=level)
    return buf.getvalue()


def _join(values: np.ndarray) -> str:
    return " ".join(str(int(v)) for v in values)


def _rows(layout: BatchLayout, start: int, files: list[str], index_in_file: list[int]) -> list[dict[str, Any]]:
    rows = []
    for i in range(len(layout)):
        n = int(layout.lengths[i])
        rows.append(
            {
                "id": start + i,
                "file": files[i],
                "index_in_file": index_in_file[i],
                "label": "".join(str(int(d)) for d in layout.digits[i, :n]),
                "length": n,
                "x": _join(layout.x[i, :n]),
                "widths": _join(layout.widths[i, :n]),
                "gaps": _join(layout.gaps[i, : n - 1]),
                "mnist_indices": _join(layout.mnist_indices[i, :n]),
            }
        )
    return rows


def _run_chunk(job: _Job, gen: SequenceGenerator | None = None) -> list[dict[str, Any]]:
    gen = gen or _WORKER["gen"]
    rng = np.random.default_rng(np.random.SeedSequence(job.seed, spawn_key=(job.chunk,)))
    batch = gen.sample_batch(
        job.count,
        job.length,
        job.spacing,
        job.width,
        rng=rng,
        align=job.align,
        overflow=job.overflow,
        augment=job.augment,
        dtype=np.uint8,
    )
    out = Path(job.out_dir)
    ids = np.arange(job.start, job.start + job.count)
    if job.fmt == "png":
        files = []
        for k, image in zip(ids, batch.images, strict=True):
            name = f"images/{k:08d}.png"
            (out / name).write_bytes(_encode_png(image, job.compress_level))
            files.append(name)
        return _rows(batch.layout, job.start, files, [0] * job.count)
    name = f"shard-{job.chunk:05d}.{job.fmt}"
    tmp = out / f".{name}.tmp"
    lay = batch.layout
    if job.fmt == "npz":
        with open(tmp, "wb") as fh:
            np.savez(
                fh,
                images=batch.images,
                ids=ids,
                digits=lay.digits,
                lengths=lay.lengths,
                x=lay.x,
                widths=lay.widths,
                mnist_indices=lay.mnist_indices,
            )
    else:
        with tarfile.open(tmp, "w") as tar:
            for i, k in enumerate(ids):
                layout = lay[i]
                for ext, data in (
                    ("png", _encode_png(batch.images[i], job.compress_level)),
                    ("cls", layout.label.encode()),
                    ("json", json.dumps(layout.to_dict()).encode()),
                ):
                    info = tarfile.TarInfo(f"{k:08d}.{ext}")
                    info.size = len(data)
                    info.mtime = 0
                    tar.addfile(info, io.BytesIO(data))
    os.replace(tmp, out / name)
    return _rows(lay, job.start, [name] * job.count, list(range(job.count)))


def _progress(total: int, enabled: bool, desc: str) -> Any:
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # progress is optional
        return None
    return tqdm(total=total, desc=desc, unit="img")


def export_dataset(
    out_dir: str | os.PathLike[str],
    count: int,
    *,
    length: int | tuple[int, int] = (3, 8),
    spacing_range: tuple[int, int] = (2, 8),
    image_width: int = 256,
    fmt: str = "npz",
    seed: int = 0,
    workers: int = 1,
    chunk_size: int = 1000,
    augment: Augmentation | None = None,
    split: str = "train",
    root: str | os.PathLike[str] | None = None,
    align: str = "center",
    overflow: str = "resample",
    compress_level: int = 1,
    progress: bool = True,
) -> ExportResult:
    """Write ``count`` random labelled sequence images and a manifest to ``out_dir``.

    Parameters
    ----------
    out_dir
        Output folder (created). Existing files with the same names are replaced.
    count
        Number of images.
    length
        Digits per image: an int, or ``(min, max)`` drawn uniformly per image.
    spacing_range, image_width, align, overflow, augment
        As in :meth:`SequenceGenerator.generate_batch`.
    fmt
        ``"png"``, ``"npz"`` or ``"tar"`` (see the module docstring).
    seed
        Makes the whole dataset reproducible, independent of ``workers``.
    workers
        Processes; 1 runs in this process.
    chunk_size
        Images per chunk (and per shard for npz/tar).
    split, root
        MNIST split and folder.
    compress_level
        zlib level for PNG (1: fast, 9: small).
    progress
        Show a tqdm progress bar.

    Returns
    -------
    ExportResult

    Raises
    ------
    ValueError
        Bad parameters or a layout that cannot fit.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    count = validate_width(count)
    workers = validate_width(workers)
    chunk_size = validate_width(chunk_size)
    spacing = validate_spacing(spacing_range)
    width = validate_width(image_width)
    validate_options(align, overflow)
    lo, hi = (length, length) if isinstance(length, int | np.integer) else length
    lo, hi = int(lo), int(hi)
    if not 1 <= lo <= hi:
        raise ValueError(f"length must be >= 1 or (min, max) with 1 <= min <= max, got {length!r}")
    for n in range(lo, hi + 1):
        check_fits(n, spacing, width, overflow)
    out = Path(out_dir)
    (out / "images" if fmt == "png" else out).mkdir(parents=True, exist_ok=True)
    jobs = [
        _Job(
            str(out),
            fmt,
            i,
            start,
            min(chunk_size, count - start),
            (lo, hi),
            spacing,
            width,
            int(seed),
            align,
            overflow,
            augment,
            compress_level,
        )
        for i, start in enumerate(range(0, count, chunk_size))
    ]
    root_str = None if root is None else str(root)
    t0 = time.perf_counter()
    bar = _progress(count, progress, f"export {fmt}")
    results: list[list[dict[str, Any]]] = []

    def collect(it: Iterator[list[dict[str, Any]]]) -> None:
        for rows in it:
            results.append(rows)
            if bar is not None:
                bar.update(len(rows))

    # Load MNIST here first: a missing data set fails before any worker starts, and forked
    # workers inherit the loaded split (imagecore caches it) instead of reading it again.
    gen = SequenceGenerator(split, root=root)
    try:
        if workers == 1:
            collect(_run_chunk(job, gen) for job in jobs)
        else:
            method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
            with ProcessPoolExecutor(
                max_workers=workers,
                mp_context=mp.get_context(method),
                initializer=_init_worker,
                initargs=(split, root_str),
            ) as pool:
                collect(pool.map(_run_chunk, jobs))
    finally:
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - t0
    manifest = out / "manifest.csv"
    with open(manifest, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=MANIFEST_FIELDS)
        writer.writeheader()
        for rows in results:
            writer.writerows(rows)
    meta = {
        "count": count,
        "format": fmt,
        "length": [lo, hi],
        "spacing_range": list(spacing),
        "image_width": width,
        "seed": int(seed),
        "chunk_size": chunk_size,
        "split": split,
        "align": align,
        "overflow": overflow,
        "augment": None if augment is None else augment.__dict__,
        "polarity": "white strokes (255) on black (0)",
    }
    (out / "dataset.json").write_text(json.dumps(meta, indent=2))
    log.info("wrote %d images (%s) to %s in %.1f s", count, fmt, out, seconds)
    return ExportResult(out, manifest, count, len(jobs) if fmt != "png" else count, fmt, seconds)


def read_npz_dataset(out_dir: str | os.PathLike[str]) -> tuple[np.ndarray, list[str]]:
    """Load all npz shards of an exported dataset: images (N, 28, W) uint8 in id order, and labels."""
    shards = sorted(Path(out_dir).glob("shard-*.npz"))
    if not shards:
        raise FileNotFoundError(f"no shard-*.npz in {out_dir}")
    images, labels, ids = [], [], []
    for shard in shards:
        with np.load(shard) as z:
            images.append(z["images"])
            ids.append(z["ids"])
            for d, n in zip(z["digits"], z["lengths"], strict=True):
                labels.append("".join(map(str, d[:n])))
    order = np.argsort(np.concatenate(ids))
    return np.concatenate(images)[order], [labels[i] for i in order]
