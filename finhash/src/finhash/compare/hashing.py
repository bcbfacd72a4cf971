"""Hash a set of image files with several methods, timing decode and hash separately.

Decoding is done once per file (``imagecore.io.open_image(path, mode="RGB")``) and every method
hashes the same decoded image, so the decode time is shared and reported apart from the hash time.
Work is spread over ``processes`` worker processes (``multiprocessing``); files that fail to decode
are reported, not fatal.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from finhash.compare.methods import get_method, hash_to_bits

log = logging.getLogger(__name__)


@dataclass
class HashTable:
    """Hashes and timings of ``n`` files under several methods.

    Attributes
    ----------
    paths
        The files that were hashed (failed files are left out).
    codes
        ``method -> (n, bits // 8) uint8`` packed codes, row ``i`` for ``paths[i]``.
    decode_ms
        ``(n,)`` decode time per file in milliseconds.
    hash_ms
        ``method -> (n,)`` hash time per file in milliseconds (decoded image in, hash out).
    decode_cpu_ms, hash_cpu_ms
        The same as CPU time of the worker process (``time.process_time``): unlike wall time it does
        not count the time the process waited for a core, so it stays meaningful on a loaded machine.
    failed
        ``path -> error message`` for files that could not be decoded or hashed.
    """

    paths: list[str]
    codes: dict[str, np.ndarray]
    decode_ms: np.ndarray
    hash_ms: dict[str, np.ndarray]
    failed: dict[str, str] = field(default_factory=dict)
    decode_cpu_ms: np.ndarray | None = None
    hash_cpu_ms: dict[str, np.ndarray] | None = None

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save to an ``.npz`` file."""
        arrays: dict[str, np.ndarray] = {"paths": np.array(self.paths), "decode_ms": self.decode_ms}
        for m, c in self.codes.items():
            arrays[f"code__{m}"] = c
            arrays[f"ms__{m}"] = self.hash_ms[m]
        np.savez_compressed(path, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> HashTable:
        """Load a table written by :meth:`save`."""
        z = np.load(path, allow_pickle=False)
        codes = {k[6:]: z[k] for k in z.files if k.startswith("code__")}
        ms = {k[4:]: z[k] for k in z.files if k.startswith("ms__")}
        return cls([str(p) for p in z["paths"]], codes, z["decode_ms"], ms)


_Result = tuple[str, str | None, tuple[float, float], dict[str, tuple[bytes, float, float]]]


def _hash_one(args: tuple[str, tuple[str, ...]]) -> _Result:
    path, methods = args
    from imagecore.io import open_image

    t0, c0 = time.perf_counter(), time.process_time()
    try:
        img = open_image(path, mode="RGB")
    except Exception as exc:
        return path, f"{type(exc).__name__}: {exc}", (0.0, 0.0), {}
    dec = ((time.perf_counter() - t0) * 1e3, (time.process_time() - c0) * 1e3)
    out: dict[str, tuple[bytes, float, float]] = {}
    for m in methods:
        fn = get_method(m).fn
        t1, c1 = time.perf_counter(), time.process_time()
        try:
            h = fn(img)
        except Exception as exc:
            return path, f"{m}: {type(exc).__name__}: {exc}", dec, {}
        out[m] = (np.packbits(hash_to_bits(h)).tobytes(), (time.perf_counter() - t1) * 1e3, (time.process_time() - c1) * 1e3)
    return path, None, dec, out


def hash_files(
    paths: Sequence[str | os.PathLike[str]],
    methods: Sequence[str],
    *,
    processes: int = 1,
    progress: bool = True,
    chunksize: int = 8,
) -> HashTable:
    """Decode each file once and hash it with every method.

    Parameters
    ----------
    paths
        Image files.
    methods
        Registry names (see :mod:`finhash.compare.methods`).
    processes
        Worker processes; ``1`` runs in this process.
    progress
        Show a tqdm progress bar.
    chunksize
        Files per task sent to a worker.

    Returns
    -------
    HashTable
        Codes and timings, in the order of ``paths`` (failed files dropped and listed in ``failed``).
    """
    methods = tuple(methods)
    for m in methods:
        get_method(m)  # fail early on unknown names
    tasks = [(str(Path(p)), methods) for p in paths]
    bar = {"total": len(tasks), "disable": not progress, "desc": "hashing", "unit": "img"}
    if processes <= 1:
        results = [_hash_one(t) for t in tqdm(tasks, **bar)]
    else:
        ctx = mp.get_context("fork") if hasattr(os, "fork") else mp.get_context()
        with ctx.Pool(processes) as pool:
            results = list(tqdm(pool.imap(_hash_one, tasks, chunksize=chunksize), **bar))
    ok = [r for r in results if r[1] is None]
    failed = {r[0]: str(r[1]) for r in results if r[1] is not None}
    for p, e in failed.items():
        log.warning("could not hash %s: %s", p, e)
    codes = {
        m: np.frombuffer(b"".join(r[3][m][0] for r in ok), dtype=np.uint8).reshape(len(ok), -1).copy()
        if ok else np.zeros((0, get_method(m).bits // 8), np.uint8)
        for m in methods
    }
    hash_ms = {m: np.array([r[3][m][1] for r in ok], dtype=float) for m in methods}
    hash_cpu = {m: np.array([r[3][m][2] for r in ok], dtype=float) for m in methods}
    return HashTable([r[0] for r in ok], codes, np.array([r[2][0] for r in ok], dtype=float), hash_ms, failed,
                     np.array([r[2][1] for r in ok], dtype=float), hash_cpu)
