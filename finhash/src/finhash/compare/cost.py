"""Computational cost: per-image time (decode vs hash), peak memory, throughput, scaling, projections.

Timings on a shared machine are noisy; medians are reported and methods are compared by ratios
measured in the same run.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import resource
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from finhash.compare.hashing import HashTable, hash_files
from finhash.compare.methods import get_method

log = logging.getLogger(__name__)

#: Assumed price of one 2-vCPU cloud machine-hour (USD), for projections; override per call.
DEFAULT_PRICE_PER_MACHINE_HOUR = 0.10


def per_image_ms(table: HashTable) -> dict[str, dict[str, float]]:
    """Median and mean decode / hash milliseconds per image, per method, from a :class:`HashTable`.

    ``*_ms_*`` are wall-clock times; ``*_cpu_ms_*`` are CPU times of the worker (not inflated by
    waiting for a core on a shared machine), when the table has them.
    """
    out: dict[str, dict[str, float]] = {}
    for m, ms in table.hash_ms.items():
        out[m] = {
            "decode_ms_median": float(np.median(table.decode_ms)), "decode_ms_mean": float(np.mean(table.decode_ms)),
            "hash_ms_median": float(np.median(ms)), "hash_ms_mean": float(np.mean(ms)),
            "hash_ms_p90": float(np.percentile(ms, 90)), "n": len(ms),
        }
        if table.hash_cpu_ms is not None and table.decode_cpu_ms is not None:
            cpu = table.hash_cpu_ms[m]
            out[m].update(decode_cpu_ms_median=float(np.median(table.decode_cpu_ms)), hash_cpu_ms_median=float(np.median(cpu)),
                          hash_cpu_ms_mean=float(np.mean(cpu)), decode_cpu_ms_mean=float(np.mean(table.decode_cpu_ms)))
    return out


def _memory_probe(args: tuple[str, tuple[int, int], int]) -> dict[str, float]:
    name, size, seed = args
    fn = get_method(name).fn
    rng = np.random.default_rng(seed)
    img = Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8), "RGB")
    fn(img)  # warm-up: imports and caches
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    fn(img)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"tracemalloc_peak_mb": peak / 2**20, "rss_growth_mb": max(0, rss1 - rss0) / 1024, "max_rss_mb": rss1 / 1024}


def peak_memory(methods: Sequence[str], size: tuple[int, int] = (1024, 1024)) -> dict[str, dict[str, float]]:
    """Peak memory of one hash call on a ``size`` RGB image, each method in a fresh process.

    Returns, per method, ``tracemalloc_peak_mb`` (Python and numpy allocations during the call),
    ``rss_growth_mb`` (growth of the process's peak resident set during the call; includes native
    buffers that tracemalloc cannot see, 0 when the call fits in memory already touched) and
    ``max_rss_mb`` (the whole worker process, interpreter and libraries included).
    """
    ctx = mp.get_context("fork") if hasattr(os, "fork") else mp.get_context("spawn")
    out = {}
    for m in methods:
        with ctx.Pool(1) as pool:
            out[m] = pool.apply(_memory_probe, ((m, size, 0),))
    return out


def throughput(paths: Sequence[str], methods: Sequence[str], processes: Sequence[int] = (1, 2)) -> dict[str, dict[int, float]]:
    """Images per second (decode + hash, wall clock) for each method and process count."""
    out: dict[str, dict[int, float]] = {}
    for m in methods:
        out[m] = {}
        for p in processes:
            t0 = time.perf_counter()
            hash_files(paths, [m], processes=p, progress=False, chunksize=4)
            out[m][p] = len(paths) / (time.perf_counter() - t0)
    return out


def size_scaling(
    image: Image.Image, methods: Sequence[str], sides: Sequence[int] = (64, 128, 256, 512, 1024, 2048), repeats: int = 3
) -> dict[str, dict[int, float]]:
    """Median hash CPU milliseconds (``time.process_time``) versus image side (``image`` resized to ``side x side``)."""
    out: dict[str, dict[int, float]] = {m: {} for m in methods}
    for s in sides:
        img = image.convert("RGB").resize((s, s), Image.Resampling.BILINEAR)
        for m in methods:
            fn = get_method(m).fn
            fn(img)
            ts = []
            for _ in range(repeats):
                t0 = time.process_time()
                fn(img)
                ts.append((time.process_time() - t0) * 1e3)
            out[m][s] = float(np.median(ts))
    return out


@dataclass
class Projection:
    """Time and cost to hash ``n_images`` at a measured throughput."""

    n_images: int
    images_per_s: float
    machine_hours: float
    cost_usd: float


def project(n_images: int, images_per_s: float, price_per_machine_hour: float = DEFAULT_PRICE_PER_MACHINE_HOUR) -> Projection:
    """Linear projection: ``hours = n / throughput / 3600`` on one machine; cost = hours x price.

    :func:`machine_rate` turns per-image CPU milliseconds into a machine's throughput.

    Examples
    --------
    >>> p = project(3_600_000, 1000.0, 0.5)
    >>> p.machine_hours, p.cost_usd
    (1.0, 0.5)
    """
    if images_per_s <= 0:
        raise ValueError("throughput must be positive")
    hours = n_images / images_per_s / 3600
    return Projection(n_images, images_per_s, hours, hours * price_per_machine_hour)


def machine_rate(cpu_ms_per_image: float, cores: int = 2, efficiency: float = 1.0) -> float:
    """Images per second of a ``cores``-core machine at ``cpu_ms_per_image`` (decode + hash) per image.

    Examples
    --------
    >>> machine_rate(10.0, cores=2)
    200.0
    """
    if cpu_ms_per_image <= 0:
        raise ValueError("CPU time per image must be positive")
    return cores * efficiency * 1000.0 / cpu_ms_per_image


def machine_info() -> dict[str, object]:
    """CPU count, load average, python / numpy / pillow / imagehash / faiss versions."""
    import platform

    import imagehash
    import PIL

    info: dict[str, object] = {
        "cpu_count": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
        "numpy": np.__version__, "pillow": PIL.__version__, "imagehash": imagehash.__version__,
        "loadavg_1m": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }
    try:
        import faiss

        info["faiss"] = faiss.__version__
    except ImportError:  # pragma: no cover - faiss-cpu is pinned
        info["faiss"] = None
    return info
