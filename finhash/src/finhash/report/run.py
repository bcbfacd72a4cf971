"""The measurement pipeline behind ``finhash report``.

One call, :func:`run_report`, (1) builds the meme-like benchmark from a seed, (2) hashes it and the
``nearduplicates`` set with every available method, (3) computes accuracy with family-bootstrap CIs,
per-transform recall and clustering scores, (4) measures cost (per-image decode/hash time, peak
memory, throughput with 1 and 2 processes, time versus image size, projections to 1M and 1B
images), (5) benchmarks the Hamming indexes on synthetic 256-bit codes, (6) collects part 1's FINd
benchmark JSON, then writes ``results JSON``, the figures and ``REPORT.md`` (the template filled from
the results).

Scales (:data:`SCALES`): ``small`` runs in well under a minute for CI; ``full`` is the scale of the
committed report.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from finhash.compare.cost import (
    DEFAULT_PRICE_PER_MACHINE_HOUR,
    machine_info,
    machine_rate,
    peak_memory,
    per_image_ms,
    project,
    size_scaling,
    throughput,
)
from finhash.compare.hashing import hash_files
from finhash.compare.methods import DEFAULT_METHODS, REGISTRY, available_methods
from finhash.compare.metrics import evaluate
from finhash.index.bench import bench_index
from finhash.index.cluster import cluster_codes, score_clustering
from finhash.memeset.build import build_memeset
from finhash.memeset.loaders import LabelledSet, load_memeset, load_nearduplicates
from finhash.report import part1
from finhash.report.render import render
from finhash.report.wordcount import count_words

log = logging.getLogger(__name__)

#: Project folder (``finhash/``), for the default output locations.
PROJECT_DIR = Path(__file__).resolve().parents[3]
REPORT_DIR = PROJECT_DIR / "report"
RESULTS_DIR = PROJECT_DIR / "benchmarks" / "results"


def default_results_dir() -> Path:
    """``FINHASH_RESULTS_DIR`` through part 1's settings when available, else ``finhash/benchmarks/results``."""
    try:
        from finhash.settings import get_settings

        return Path(get_settings().results_dir)
    except ImportError:  # pragma: no cover - part 1 absent
        return RESULTS_DIR


@dataclass(frozen=True)
class Scale:
    """How much to measure."""

    name: str
    memeset_families: int
    nd_families: int | None  # None = all 284
    n_neg: int
    n_boot: int
    throughput_images: int
    memory_side: int
    sides: tuple[int, ...]
    index_families: int
    index_mean_size: float
    index_queries: int
    index_numpy_queries: int
    cluster_backends: tuple[str, ...]
    processes: int = 2


SCALES: dict[str, Scale] = {
    "small": Scale("small", 6, 30, 5_000, 20, 8, 256, (64, 256), 100, 20.0, 400, 100, ("faiss_flat",)),
    "full": Scale("full", 160, None, 200_000, 200, 60, 1024, (64, 128, 256, 512, 1024, 2048), 1034, 54.0, 2_000, 200,
                  ("faiss_flat",)),
}

FPRS = (0.001, 0.01)
PROJECTION_SIZES = {"1M": 1_000_000, "1B": 1_000_000_000}


def _hash_set(ds: LabelledSet, methods: list[str], processes: int, progress: bool) -> tuple[Any, LabelledSet]:
    table = hash_files(ds.paths, methods, processes=processes, progress=progress)
    if table.failed:
        keep = set(table.paths)
        idx = [i for i, p in enumerate(ds.paths) if p in keep]
        ds = LabelledSet(ds.name, [ds.paths[i] for i in idx], [ds.families[i] for i in idx],
                         [ds.transforms[i] for i in idx] if ds.transforms else None)
    return table, ds


def run_measurements(
    scale: Scale,
    *,
    work_dir: Path,
    data_root: str | None = None,
    methods: list[str] | None = None,
    seed: int = 0,
    progress: bool = True,
    price_per_machine_hour: float = DEFAULT_PRICE_PER_MACHINE_HOUR,
) -> dict[str, Any]:
    """Run every measurement at ``scale``; returns the results dict (JSON-friendly)."""
    t_start = time.time()
    ok, skipped = available_methods(methods or DEFAULT_METHODS)
    if not ok:
        raise RuntimeError(f"no hashing method works here: {skipped}")
    res: dict[str, Any] = {"meta": {"scale": asdict(scale), "seed": seed, "machine": machine_info(), "methods": ok,
                                    "skipped_methods": skipped, "bits": {m: REGISTRY[m].bits for m in ok},
                                    "family": {m: REGISTRY[m].family for m in ok},
                                    "price_per_machine_hour": price_per_machine_hour,
                                    "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(t_start))}}
    # 1. data
    log.info("building the meme-like benchmark (%d families)", scale.memeset_families)
    ms_dir = work_dir / f"p2_memeset_{scale.memeset_families}f_seed{seed}"
    if (ms_dir / "labels.csv").is_file():  # deterministic by (families, seed): reuse
        log.info("reusing %s", ms_dir)
    else:
        build_memeset(ms_dir, scale.memeset_families, seed=seed, data_root=(Path(data_root) if data_root else None),
                      progress=progress)
    sets = {"memeset": load_memeset(ms_dir)}
    nd_root = (Path(data_root) / "nearduplicates") if data_root else None
    nd = load_nearduplicates(nd_root)
    sets["nearduplicates"] = nd.subset(scale.nd_families, random_state=seed) if scale.nd_families else nd

    # 2-3. hash + accuracy + clustering
    res["datasets"], res["accuracy"], res["clustering"], res["cost"] = {}, {}, {}, {"per_image": {}}
    for name, ds in sets.items():
        table, ds = _hash_set(ds, ok, scale.processes, progress)
        res["cost"]["per_image"][name] = per_image_ms(table)
        res["datasets"][name] = {"n_images": len(ds), "n_families": ds.n_families, "failed": len(table.failed),
                                 "transforms": sorted(set(ds.transforms)) if ds.transforms else None}
        res["accuracy"][name], res["clustering"][name] = {}, {}
        for m in ok:
            ev = evaluate(table.codes[m], ds.families, bits=REGISTRY[m].bits, n_neg=scale.n_neg, transforms=ds.transforms,
                          fixed_fpr=0.01, fprs=FPRS, n_boot=scale.n_boot, random_state=seed)
            res["accuracy"][name][m] = ev.to_dict()
            res["clustering"][name][m] = {}
            for key, thr in (("fpr0.001", int(ev.point["thr@0.001"])), ("strict", strict_threshold(ev.curves.fpr, ds.families))):
                lab = cluster_codes(table.codes[m], max(0, thr), backend="faiss_flat")
                res["clustering"][name][m][key] = {"threshold": max(0, thr), **score_clustering(ds.families, lab).to_dict()}
        res["datasets"][name].update(n_pos=ev.n_pos, n_neg=ev.n_neg)

    # 4. cost
    log.info("measuring cost")
    sample = sets["memeset"].paths[:: max(1, len(sets["memeset"]) // scale.throughput_images)][: scale.throughput_images]
    res["cost"]["throughput"] = {m: {str(k): v for k, v in d.items()} for m, d in throughput(sample, ok, (1, 2)).items()}
    res["cost"]["memory"] = peak_memory(ok, (scale.memory_side, scale.memory_side))
    from imagecore.io import open_image

    img = open_image(sets["memeset"].paths[0], mode="RGB")
    res["cost"]["size_scaling"] = {m: {str(k): v for k, v in d.items()} for m, d in size_scaling(img, ok, scale.sides).items()}
    # projections from CPU time per image (decode + hash, meme-like set), 2-core machine, ideal scaling
    pim = res["cost"]["per_image"]["memeset"]
    res["cost"]["projection"] = {}
    for m in ok:
        cpu = pim[m].get("decode_cpu_ms_median", pim[m]["decode_ms_median"]) + pim[m].get("hash_cpu_ms_median", pim[m]["hash_ms_median"])
        rate = machine_rate(max(cpu, 1e-3), cores=2)
        res["cost"]["projection"][m] = {k: asdict(project(n, rate, price_per_machine_hour)) for k, n in PROJECTION_SIZES.items()}
        res["cost"]["projection"][m]["cpu_ms_per_image"] = cpu

    # 5. index
    log.info("benchmarking the indexes")
    res["index"] = bench_index(scale.index_families, scale.index_mean_size, n_queries=scale.index_queries,
                               numpy_queries=scale.index_numpy_queries, cluster_backends=scale.cluster_backends,
                               random_state=seed)
    res["meta"]["duration_s"] = time.time() - t_start
    res["meta"]["machine"]["loadavg_1m_end"] = machine_info()["loadavg_1m"]
    return res


def strict_threshold(fpr: np.ndarray, families: list[str], max_false_edges_per_image: float = 0.1) -> int:
    """Largest threshold whose expected number of false edges over *all* between-family pairs is at
    most ``max_false_edges_per_image`` x the number of images (single-linkage clustering merges two
    families on one false edge, so the clustering threshold must scale with n^2, not n)."""
    from finhash.compare.metrics import n_between_pairs

    budget = max_false_edges_per_image * len(families)
    ok = np.flatnonzero(np.asarray(fpr) * n_between_pairs(families) <= budget)
    return int(ok[-1]) if len(ok) else -1


def _ci(ev: dict[str, Any], key: str, pct: bool = True) -> str:
    v = ev["point"][key]
    lo, hi = ev["ci"].get(key, (None, None))
    f = (lambda x: f"{100 * x:.1f}") if pct else (lambda x: f"{x:.3f}")
    return f"{f(v)} [{f(lo)}, {f(hi)}]" if lo is not None else f(v)


def build_tables(res: dict[str, Any]) -> dict[str, Any]:
    """Markdown-ready tables from the results."""
    ok = res["meta"]["methods"]
    bits = res["meta"]["bits"]
    t: dict[str, Any] = {}
    for name, acc in res["accuracy"].items():
        rows = []
        for m in ok:
            ev = acc[m]
            p = ev["point"]
            rows.append([m, bits[m], _ci(ev, "auc", pct=False), f"{_ci(ev, 'tpr@0.001')} (≤{p['thr@0.001']})",
                         f"{_ci(ev, 'tpr@0.01')} (≤{p['thr@0.01']})", f"{_ci(ev, 'best_f1')} (≤{p['best_thr']})",
                         f"{100 * p['best_precision']:.1f} / {100 * p['best_recall']:.1f}"])
        t[f"accuracy_{name}"] = {"header": ["method", "bits", "AUC [95% CI]", "TPR % at FPR 0.1% (thr)", "TPR % at FPR 1% (thr)",
                                            "best F1 % (thr)", "P / R % at best F1"], "rows": rows}
        cl = res["clustering"][name]
        rows = []
        for m in ok:
            a, b = cl[m]["strict"], cl[m]["fpr0.001"]
            rows.append([m, a["threshold"], f"{a['ari']:.3f}", f"{a['purity']:.3f}", f"{a['inverse_purity']:.3f}",
                         f"{a['n_clusters']} / {a['n_families']}", b["threshold"], f"{b['ari']:.3f}", f"{b['purity']:.3f}"])
        t[f"clustering_{name}"] = {"header": ["method", "strict radius", "ARI", "purity", "inverse purity", "clusters / families",
                                              "FPR-0.1% radius", "ARI", "purity"], "rows": rows}
    pt = res["accuracy"]["memeset"]
    transforms = sorted(pt[ok[0]]["per_transform"])
    t["per_transform"] = {"header": ["transform", *ok],
                          "rows": [[tr, *(f"{100 * pt[m]['per_transform'][tr]['recall']:.0f}" for m in ok)] for tr in transforms]}
    c = res["cost"]
    rows = []
    for m in ok:
        pi = c["per_image"]["memeset"][m]
        pn = c["per_image"]["nearduplicates"][m]
        th = c["throughput"][m]
        rows.append([m, f"{pi.get('decode_cpu_ms_median', pi['decode_ms_median']):.2f}", f"{pi.get('hash_cpu_ms_median', pi['hash_ms_median']):.2f}",
                     f"{pi['hash_ms_median']:.2f}", f"{pn.get('decode_cpu_ms_median', pn['decode_ms_median']):.2f}",
                     f"{pn.get('hash_cpu_ms_median', pn['hash_ms_median']):.2f}", f"{c['memory'][m]['tracemalloc_peak_mb']:.1f}",
                     f"{th['1']:.0f}", f"{th['2']:.0f}"])
    t["cost"] = {"header": ["method", "decode CPU ms (meme)", "hash CPU ms (meme)", "hash wall ms (meme)", "decode CPU ms (near-dup)",
                            "hash CPU ms (near-dup)", "peak MB per call", "files/s 1 proc (wall)", "files/s 2 proc (wall)"], "rows": rows}
    sides = list(next(iter(c["size_scaling"].values())))
    t["size_scaling"] = {"header": ["method", *(f"{s} px" for s in sides)],
                         "rows": [[m, *(f"{c['size_scaling'][m][s]:.2f}" for s in sides)] for m in ok]}
    t["projection"] = {"header": ["method", "CPU ms / image (decode + hash)", "img/s per 2-core machine", "hours for 1M", "machine-hours for 1B", "USD for 1B"],
                       "rows": [[m, f"{c['projection'][m]['cpu_ms_per_image']:.2f}", f"{c['projection'][m]['1M']['images_per_s']:.0f}", f"{c['projection'][m]['1M']['machine_hours']:.2f}",
                                 f"{c['projection'][m]['1B']['machine_hours']:,.0f}", f"{c['projection'][m]['1B']['cost_usd']:,.0f}"] for m in ok]}
    ix = res["index"]
    t["index"] = {"header": ["backend", "build s", f"range q/s (r={ix['radius']}, wall)", "range q per CPU-s", f"{ix['k']}-NN q/s (wall)",
                             f"{ix['k']}-NN q per CPU-s", "range = scan", "k-NN recall"],
                  "rows": [[b, f"{v['build_s']:.2f}", f"{v['range_qps']:,.0f}", f"{v.get('range_qps_cpu', float('nan')):,.0f}", f"{v['knn_qps']:,.0f}",
                            f"{v.get('knn_qps_cpu', float('nan')):,.0f}", "yes" if v["range_equal_numpy"] else "NO",
                            f"{v['knn_recall']:.3f}"] for b, v in ix["backends"].items()]}
    t.update(part1.tables(part1.summarise(res.get("part1", {}).get("files", {}))))
    return t


def derive(res: dict[str, Any]) -> dict[str, Any]:
    """Rankings and headline numbers the report's prose refers to."""
    ok = res["meta"]["methods"]
    d: dict[str, Any] = {"n_methods": len(ok), "p1": part1.summarise(res.get("part1", {}).get("files", {}))}
    distinct = [m for m in ok if not m.endswith("_numba")]  # the numba FINd has identical hashes
    d["n_methods"] = len(distinct)
    for name, acc in res["accuracy"].items():
        for key in ("auc", "tpr@0.01", "tpr@0.001", "best_f1"):
            order = sorted(distinct, key=lambda m: -acc[m]["point"][key])
            d[f"{name}_rank_{key}"] = order
            d[f"{name}_best_{key}"] = order[0]
            if "find256" in ok:
                d[f"{name}_find_rank_{key}"] = order.index("find256") + 1
    # transfer of each method's memeset threshold (FPR 0.1%) to the near-duplicate set
    nd = res["accuracy"]["nearduplicates"]
    d["transfer"], d["transfer_best"] = {}, {}
    for m in ok:
        cur = nd[m]["curves"]
        for key, src in (("transfer", "thr@0.001"), ("transfer_best", "best_thr")):
            t = int(res["accuracy"]["memeset"][m]["point"][src])
            i = max(0, t)
            d[key][m] = {"threshold": t, "recall": cur["tpr"][i], "precision": cur["precision"][i], "fpr": cur["fpr"][i]}
            d[key][m]["source_fpr"] = res["accuracy"]["memeset"][m]["curves"]["fpr"][i]
    c = res["cost"]
    fastest = sorted(ok, key=lambda m: c["per_image"]["memeset"][m].get("hash_cpu_ms_median", c["per_image"]["memeset"][m]["hash_ms_median"]))
    d["fastest_hash"] = fastest
    base = c["per_image"]["memeset"]
    if "find256" in ok:
        key = "hash_cpu_ms_median" if "hash_cpu_ms_median" in base["find256"] else "hash_ms_median"
        d["find_hash_vs"] = {m: base["find256"][key] / max(base[m][key], 1e-9) for m in ok}
    ix = res["index"]["backends"]
    if "find256" in ok:
        d["find_1B_hours_1000"] = c["projection"]["find256"]["1B"]["machine_hours"] / 1000
    d["cost_ranking"] = " < ".join(fastest)
    cpu_key = "hash_cpu_ms_median" if "hash_cpu_ms_median" in base[ok[0]] else "hash_ms_median"
    d["hash_cpu_ms"] = {m: base[m][cpu_key] for m in ok}
    fl = res["index"]["backends"].get("faiss_flat", {})
    if "range_qps_cpu" in fl:
        # an idle machine gives FAISS's threads every core: wall rate ~ cores x the per-CPU-second rate
        cores = res["meta"]["machine"].get("cpu_count") or 1
        d["index_idle_range_qps"] = cores * fl["range_qps_cpu"]
        d["index_idle_knn_qps"] = cores * fl["knn_qps_cpu"]
    cl = res["index"]["clustering"].get("faiss_flat", {})
    if "cpu_seconds" in cl:
        d["cluster_idle_s"] = cl["cpu_seconds"] / (res["meta"]["machine"].get("cpu_count") or 1)
    d["index_best_range_qps"] = max(v["range_qps"] for v in ix.values())
    return d


def write_figures(res: dict[str, Any], fig_dir: Path) -> list[str]:
    """Draw the report's figures into ``fig_dir``; returns the file names."""
    from finhash.report.figures import draw_all

    return draw_all(res, fig_dir)


def template_text(path: Path | None = None) -> str:
    """The report template (:data:`finhash.report.template.TEMPLATE` unless ``path``)."""
    if path is not None:
        return Path(path).read_text()
    from finhash.report.template import TEMPLATE

    return TEMPLATE


def run_report(
    scale: str = "full",
    *,
    out_dir: Path | None = None,
    results_dir: Path | None = None,
    data_root: str | None = None,
    seed: int = 0,
    methods: list[str] | None = None,
    template: Path | None = None,
    run_part1_bench: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """Measure at ``scale`` and write ``results JSON``, figures and ``REPORT.md``.

    Parameters
    ----------
    scale
        ``"small"`` (CI) or ``"full"``.
    out_dir
        Where ``REPORT.md`` and ``figures/`` go; default ``finhash/report`` for ``full`` and
        ``finhash/benchmarks/results/p2_report_small`` for ``small``.
    results_dir
        Where the results JSON, the built benchmark images, and part 1's JSON live; default
        ``finhash/benchmarks/results``.
    data_root
        Data root (default ``$IMAGECORE_DATA_DIR``).
    run_part1_bench
        Run part 1's benchmark first when none of its JSON is in ``results_dir``.

    Returns
    -------
    dict
        ``{"report": path, "results": path, "words": n, "figures": [...]}``.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; expected one of {', '.join(SCALES)}")
    sc = SCALES[scale]
    results_dir = Path(results_dir) if results_dir else default_results_dir()
    out_dir = Path(out_dir) if out_dir else (REPORT_DIR if scale == "full" else results_dir / "p2_report_small")
    results_dir.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    p1 = part1.find_results(results_dir)
    ran = False
    if not p1 and run_part1_bench:
        ran = part1.run_part1_bench(small=scale == "small", out_dir=results_dir)
        p1 = part1.find_results(results_dir)
    res = run_measurements(sc, work_dir=results_dir, data_root=data_root, methods=methods, seed=seed, progress=progress)
    res["part1"] = {"files": p1, "found": bool(p1), "ran_bench": ran}
    res["derived"] = derive(res)
    res["tables"] = build_tables(res)
    figs = write_figures(res, out_dir / "figures")
    res["meta"]["figures"] = figs
    results_path = results_dir / f"p2_report_{scale}.json"
    results_path.write_text(json.dumps(res, indent=1, default=_json_default))
    text, missing = _render(template_text(template), res)
    report = out_dir / "REPORT.md"
    report.write_text(text)
    words = count_words(text)
    log.info("report: %s (%d words), results: %s", report, words, results_path)
    return {"report": report, "results": results_path, "words": words, "figures": figs, "missing": missing}


def _render(template: str, res: dict[str, Any]) -> tuple[str, list[str]]:
    missing: list[str] = []
    text = render(template, res, strict=False, missing=missing)
    if missing:
        log.warning("%d report placeholders had no value (methods not run?): %s", len(missing), ", ".join(sorted(set(missing))))
    return text, sorted(set(missing))


def render_only(scale: str = "full", *, out_dir: Path | None = None, results_dir: Path | None = None,
                template: Path | None = None) -> dict[str, Any]:
    """Redraw the figures and re-render ``REPORT.md`` from an existing results JSON (no measuring).

    Raises
    ------
    FileNotFoundError
        No results JSON for ``scale`` in ``results_dir`` (run :func:`run_report` first).
    """
    results_dir = Path(results_dir) if results_dir else default_results_dir()
    out_dir = Path(out_dir) if out_dir else (REPORT_DIR if scale == "full" else results_dir / "p2_report_small")
    results_path = results_dir / f"p2_report_{scale}.json"
    if not results_path.is_file():
        raise FileNotFoundError(f"{results_path}: no results yet; run `finhash report{' --small' if scale == 'small' else ''}` first")
    res = json.loads(results_path.read_text())
    fresh = part1.find_results(results_dir)  # part 1 may have run its bench since the measurements
    if fresh:
        res["part1"] = {**res.get("part1", {}), "files": fresh, "found": True}
    res["derived"] = derive(res)
    res["tables"] = build_tables(res)
    figs = write_figures(res, out_dir / "figures")
    out_dir.mkdir(parents=True, exist_ok=True)
    text, missing = _render(template_text(template), res)
    (out_dir / "REPORT.md").write_text(text)
    return {"report": out_dir / "REPORT.md", "results": results_path, "words": count_words(text), "figures": figs,
            "missing": missing}


def _json_default(o: Any) -> Any:
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(type(o).__name__)
