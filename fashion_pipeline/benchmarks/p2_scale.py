"""Replicated-catalogue run: how query and job time grow up to >= 100,000 rows/objects.

    python fashion_pipeline/benchmarks/p2_scale.py [--replicas 13] [--job-limits 100 300 1000 3000]

The 8,000 real images are replicated (ids ``id + k * 100000``; one object per row, a symlink to the
original file in a local object store, so every row has its own key) and their catalogue rows
copied into SQLite, in steps; at each catalogue size the same queries are timed. At the largest
size, transform + category_cnn jobs of growing size are timed (in-process, one thread).
Writes ``benchmarks/results/p2_scale.json`` and ``p2_scale.png``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("FASHION_TORCH_THREADS", "1")
RESULTS = Path(__file__).resolve().parent / "results"
QUERIES = {
    "Men footwear after 2012, first 50": {"gender": "Men", "masterCategory": "Footwear", "year_min": 2013, "limit": 50},
    "all, page of 1000": {"limit": 1000},
    "all, page of 50 at offset 50% ": {"limit": 50, "offset": None},
    "text 'shirt', 50": {"text": "shirt", "limit": 50},
}


def base_rows(fashion: Path) -> list[dict]:
    from fashion_pipeline.catalog import read_styles
    from PIL import Image

    rows = []
    for r in read_styles(fashion / "styles.csv").rows:
        f = fashion / "images" / f"{r.id}.jpg"
        if not f.exists():
            continue
        data = f.read_bytes()
        with Image.open(f) as im:
            w, h, mode = im.width, im.height, im.mode
        rows.append({"id": r.id, "gender": r.gender, "master_category": r.masterCategory, "sub_category": r.subCategory,
                     "article_type": r.articleType, "base_colour": r.baseColour, "season": r.season, "year": r.year,
                     "usage": r.usage, "product_display_name": r.productDisplayName, "content_type": "image/jpeg",
                     "image_width": w, "image_height": h, "image_mode": mode, "image_bytes": len(data),
                     "image_sha256": hashlib.sha256(data).hexdigest(), "image_phash": None, "image_link": None,
                     "_file": str(f)})
    return rows


def add_replica(settings, store_root: Path, rows: list[dict], k: int) -> None:  # type: ignore[no-untyped-def]
    from fashion_pipeline.db.products import Product, utcnow
    from fashion_pipeline.db.session import session_scope
    from sqlalchemy import insert

    now = utcnow()
    batch = []
    for r in rows:
        pid = r["id"] + k * 100_000
        key = settings.image_key(pid)
        path = store_root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.symlink_to(r["_file"])
        batch.append({**{c: v for c, v in r.items() if not c.startswith("_")}, "id": pid, "image_key": key,
                      "image_uri": path.as_uri(), "ingested_at": now, "updated_at": now})
    with session_scope(settings) as s:
        for i in range(0, len(batch), 5000):
            s.execute(insert(Product), batch[i : i + 5000])


def time_queries(settings, n_rows: int, repeats: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from fashion_pipeline.db.session import session_scope
    from fashion_pipeline.query import QuerySpec, run_query, stats

    out = {}
    with session_scope(settings) as s:
        for name, params in QUERIES.items():
            p = dict(params)
            if "offset" in p:
                p["offset"] = n_rows // 2
            spec = QuerySpec(**p)
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                run_query(s, spec)
                times.append(time.perf_counter() - t0)
            out[name] = round(statistics.median(times) * 1000, 2)
        t0 = time.perf_counter()
        stats(s, ["masterCategory", "gender"])
        out["stats by masterCategory, gender"] = round((time.perf_counter() - t0) * 1000, 2)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=13, help="copies of the 8,000 images (13 -> 104,000 rows)")
    parser.add_argument("--job-limits", type=int, nargs="+", default=[100, 300, 1000, 3000])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    from fashion_pipeline.config import Settings
    from fashion_pipeline.db.session import dispose_engines, init_db
    from fashion_pipeline.jobs.backends import submit_job
    from fashion_pipeline.jobs.service import create_job
    from fashion_pipeline.jobs.spec import JobSpec
    from imagecore.config import DataNotFoundError, dataset_dir

    try:
        fashion = dataset_dir("fashion")
    except DataNotFoundError as exc:
        print(exc)
        return 3
    root = Path(tempfile.mkdtemp(prefix="p2scale-"))
    settings = Settings(data_dir=root, storage="local")
    init_db(settings)
    rows = base_rows(fashion)
    data: dict[str, object] = {"machine": {"cpu_count": os.cpu_count(), "python": platform.python_version(),
                                           "load_average_1m_at_start": os.getloadavg()[0], "database": "sqlite"},
                               "base_rows": len(rows), "queries_ms": {}, "jobs": []}
    steps = sorted({1, max(1, args.replicas // 4), args.replicas})
    done = 0
    for target in steps:
        t0 = time.perf_counter()
        while done < target:
            add_replica(settings, Path(settings.local_store_dir), rows, done)
            done += 1
        n = done * len(rows)
        print(f"catalogue {n} rows/objects (+{time.perf_counter() - t0:.1f} s to add)", flush=True)
        data["queries_ms"][n] = time_queries(settings, n, args.repeats)  # type: ignore[index]
        print("  ", data["queries_ms"][n], flush=True)  # type: ignore[index]
    n_total = done * len(rows)
    t0 = time.perf_counter()
    big = create_job(settings, JobSpec(query={"masterCategory": "Apparel"}, all_results=True, chunk_size=500))
    data["create_job_all_apparel"] = {"images": big.total, "chunks": big.n_chunks,
                                      "seconds": round(time.perf_counter() - t0, 3)}
    print("  job creation (resolve query into chunks):", data["create_job_all_apparel"], flush=True)
    for limit in args.job_limits:
        spec = JobSpec(query={"limit": limit, "sample": limit, "seed": 1}, model={"name": "category_cnn"}, chunk_size=100)
        t0 = time.perf_counter()
        job = submit_job(settings, spec, backend="inprocess", wait=True)
        secs = time.perf_counter() - t0
        entry = {"limit": limit, "seconds": round(secs, 2), "img_per_s": round(job.succeeded_count / secs, 1),
                 "succeeded": job.succeeded_count, "stage_img_per_s": job.timings["stages"]["images_per_second"]}
        data["jobs"].append(entry)  # type: ignore[union-attr]
        print(f"  job limit {limit}: {secs:.1f} s, {entry['img_per_s']} img/s", flush=True)
    data["catalogue_rows"] = n_total
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "p2_scale.json").write_text(json.dumps(data, indent=2))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(12, 3.8))
    sizes = sorted(data["queries_ms"])  # type: ignore[arg-type]
    for q in next(iter(data["queries_ms"].values())):  # type: ignore[union-attr]
        ax[0].plot(sizes, [data["queries_ms"][s][q] for s in sizes], "o-", label=q)  # type: ignore[index]
    ax[0].set_xscale("log")
    ax[0].set_yscale("log")
    ax[0].set_xlabel("catalogue rows (= objects)")
    ax[0].set_ylabel("median ms")
    ax[0].set_title("query time vs catalogue size (SQLite)")
    ax[0].legend(fontsize=7)
    jobs = data["jobs"]
    ax[1].loglog([j["limit"] for j in jobs], [j["seconds"] for j in jobs], "s-", label="job seconds")  # type: ignore[union-attr]
    ax2 = ax[1].twinx()
    ax2.plot([j["limit"] for j in jobs], [j["img_per_s"] for j in jobs], "o--", color="tab:green")  # type: ignore[union-attr]
    ax2.set_ylabel("img/s", color="tab:green")
    ax[1].set_xlabel("images in the job (result limit)")
    ax[1].set_ylabel("seconds")
    ax[1].set_title(f"transform + category_cnn job on the {n_total:,}-row catalogue (1 process)")
    fig.tight_layout()
    fig.savefig(RESULTS / "p2_scale.png", dpi=80)
    print(json.dumps(data, indent=1)[:3000])
    dispose_engines()
    shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
