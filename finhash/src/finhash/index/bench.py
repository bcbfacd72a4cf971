"""Measure the indexes: range and k-NN queries per second, all-pairs clustering time and quality."""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np

from finhash.index.cluster import cluster_codes, score_clustering
from finhash.index.hamming import BACKENDS, make_index
from finhash.index.synthetic import synthetic_codes

log = logging.getLogger(__name__)


def _same(a, b) -> bool:  # type: ignore[no-untyped-def]
    return bool(np.array_equal(a.lims, b.lims) and np.array_equal(a.ids, b.ids) and np.array_equal(a.distances, b.distances))


def bench_index(
    n_families: int = 1034,
    mean_family_size: float = 54.0,
    *,
    n_queries: int = 5000,
    numpy_queries: int = 500,
    radius: int = 32,
    k: int = 10,
    cluster_backends: tuple[str, ...] = ("faiss_flat",),
    random_state: int = 0,
) -> dict[str, Any]:
    """Benchmark every backend on synthetic 256-bit families.

    Queries are database members (so each has its family within ``radius``). The numpy scan runs
    ``numpy_queries`` queries only (it is the slow fallback). Range results of every backend are
    checked against the numpy scan on the same queries.

    Returns
    -------
    dict
        ``n_codes``, per-backend ``range_qps``, ``knn_qps`` (wall clock) and ``range_qps_cpu``,
        ``knn_qps_cpu`` (queries per CPU-second of this process, all threads: robust to a loaded machine), ``build_s``, ``range_equal_numpy``,
        ``knn_recall`` (share of the exact k-NN ids found), mean neighbours per query, and
        ``clustering`` per backend (seconds, ARI, purity, inverse purity).
    """
    codes, fam = synthetic_codes(n_families, mean_family_size, random_state=random_state)
    rng = np.random.default_rng(random_state + 7)
    q = codes[rng.choice(len(codes), min(n_queries, len(codes)), replace=False)]
    qn = q[:numpy_queries]
    out: dict[str, Any] = {"n_codes": len(codes), "n_families": n_families, "radius": radius, "k": k,
                              "n_queries": len(q), "numpy_queries": len(qn), "backends": {}}
    ref_range = make_index("numpy", codes).range_search(qn, radius)
    ref_knn = make_index("numpy", codes).knn(qn, k)
    for b in BACKENDS:
        t0 = time.perf_counter()
        ix = make_index(b, codes)
        build = time.perf_counter() - t0
        qq = qn if b == "numpy" else q
        t0, c0 = time.perf_counter(), time.process_time()
        r = ix.range_search(qq, radius)
        rqps, rcpu = len(qq) / (time.perf_counter() - t0), len(qq) / max(time.process_time() - c0, 1e-9)
        t0, c0 = time.perf_counter(), time.process_time()
        D, ids = ix.knn(qq, k)
        kqps, kcpu = len(qq) / (time.perf_counter() - t0), len(qq) / max(time.process_time() - c0, 1e-9)
        sub = ix.range_search(qn, radius) if b != "numpy" else r
        Dn, In = (D[: len(qn)], ids[: len(qn)])
        recall = float(np.mean([len(set(In[j][In[j] >= 0]) & set(ref_knn[1][j])) / k for j in range(len(qn))]))
        out["backends"][b] = {  # type: ignore[index]
            "build_s": build, "range_qps": rqps, "knn_qps": kqps, "range_qps_cpu": rcpu, "knn_qps_cpu": kcpu, "range_equal_numpy": _same(sub, ref_range),
            "knn_dist_equal_numpy": bool(np.array_equal(np.sort(Dn, axis=1), np.sort(ref_knn[0], axis=1))),
            "knn_recall": recall, "mean_neighbours": float(np.diff(r.lims).mean()),
        }
        log.info("%s: range %.0f q/s, knn %.0f q/s", b, rqps, kqps)
    clus = {}
    for b in cluster_backends:
        t0, c0 = time.perf_counter(), time.process_time()
        lab = cluster_codes(codes, radius, backend=b)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        clus[b] = {"seconds": dt, "cpu_seconds": dc, **score_clustering(fam, lab).to_dict()}
    out["clustering"] = clus
    return out
