"""Part 2 throughput: transform img/s, model img/s at batch 1/8/32, end-to-end jobs on 1 and 2 Celery workers.

    python fashion_pipeline/benchmarks/p2_throughput.py [--quick] [--skip-celery]

Writes ``benchmarks/results/p2_throughput.json`` and ``p2_throughput.png``; prints a table.
Needs IMAGECORE_DATA_DIR (the catalogue); the Celery part needs Redis on FASHION_REDIS_URL / 127.0.0.1:6379.
Everything runs with one torch thread per process (``FASHION_TORCH_THREADS=1``): per-core numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

os.environ.setdefault("FASHION_TORCH_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, object]:
    import albumentations
    import torch
    from fashion_pipeline.models.base import apply_torch_threads

    apply_torch_threads()
    return {"cpu_count": os.cpu_count(), "python": platform.python_version(), "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(), "albumentations": albumentations.__version__,
            "platform": platform.platform(), "load_average_1m_at_start": os.getloadavg()[0]}


def load_images(n: int) -> list[np.ndarray]:
    from imagecore.config import dataset_dir
    from imagecore.io import open_image

    files = sorted((dataset_dir("fashion") / "images").glob("*.jpg"))[:n]
    return [np.asarray(open_image(f, mode="RGB")) for f in files]


def bench_transform(images: list[np.ndarray], rounds: int) -> dict[str, float]:
    from fashion_pipeline.transforms import TransformPipeline, derive_seed

    out = {}
    for name, steps in {
        "crop+fit_pad_256 (default)": None,
        "crop+fit_stretch_256": [{"name": "random_crop"}, {"name": "fit", "params": {"mode": "stretch"}}],
    }.items():
        pipe = TransformPipeline.default() if steps is None else TransformPipeline(steps)
        pipe(images[0], seed=0)  # warm up
        best = best_cpu = 0.0
        for _ in range(rounds):
            t0, c0 = time.perf_counter(), time.process_time()
            for i, img in enumerate(images):
                pipe(img, seed=derive_seed(0, i))
            best = max(best, len(images) / (time.perf_counter() - t0))
            best_cpu = max(best_cpu, len(images) / max(time.process_time() - c0, 1e-9))
        out[name] = round(best, 1)
        out[name + " per CPU-second"] = round(best_cpu, 1)
    return out


def bench_models(images: list[np.ndarray], quick: bool) -> dict[str, dict[str, float]]:
    from fashion_pipeline.models.category_cnn import CategoryModel
    from fashion_pipeline.models.fashionnet import FashionNetModel

    res: dict[str, dict[str, float]] = {}
    models = {"category_cnn": CategoryModel(), "fashionnet_224": FashionNetModel(input_size=224)}
    for name, model in models.items():
        res[name] = {}
        for bs in (1, 8, 32):
            n_batches = (3 if bs == 1 else 1) if name.startswith("fashionnet") else max(2, 256 // bs)
            if quick and name.startswith("fashionnet") and bs == 32:
                continue
            model.predict(images[:bs])  # warm up
            t0, c0 = time.perf_counter(), time.process_time()
            for k in range(n_batches):
                model.predict(images[k * bs % len(images):][:bs])
            res[name][f"batch_{bs}"] = round(n_batches * bs / (time.perf_counter() - t0), 2)
            res.setdefault(name + " per CPU-second", {})[f"batch_{bs}"] = round(
                n_batches * bs / max(time.process_time() - c0, 1e-9), 2)
            print(f"  {name} batch {bs}: {res[name][f'batch_{bs}']} img/s", flush=True)
    return res


def bench_jobs(n: int, redis_url: str, skip_celery: bool) -> dict[str, object]:
    from fashion_pipeline.config import Settings
    from fashion_pipeline.db.session import dispose_engines
    from fashion_pipeline.ingest import ingest
    from fashion_pipeline.jobs.backends import CeleryBackend, submit_job, wait_for_job
    from fashion_pipeline.jobs.service import create_job, get_job
    from fashion_pipeline.jobs.spec import JobSettings, JobSpec
    from imagecore.config import dataset_dir

    fashion = dataset_dir("fashion")
    root = Path(tempfile.mkdtemp(prefix="p2bench-"))
    settings = Settings(data_dir=root, storage="local", styles_path=fashion / "styles.csv",
                        images_dir=fashion / "images", redis_url=redis_url)
    report = ingest(settings, limit=n, progress=False, workers=1)
    out: dict[str, object] = {"images": n, "ingest_img_per_s_1_thread": round(report.images_per_second, 1)}
    spec = {"query": {"limit": n}, "model": {"name": "category_cnn"}, "chunk_size": 50}
    t0 = time.perf_counter()
    job = submit_job(settings, JobSpec(**spec), backend="inprocess", wait=True)
    out["inprocess_1_thread"] = {"img_per_s": round(n / (time.perf_counter() - t0), 1),
                                 "stage_img_per_s": job.timings["stages"]["images_per_second"]}
    if not skip_celery:
        prefix = f"p2bench-{uuid.uuid4().hex[:8]}:"
        env = {**os.environ, "FASHION_DATA_DIR": str(root), "FASHION_STORAGE": "local", "FASHION_REDIS_URL": redis_url,
               "FASHION_CELERY_KEY_PREFIX": prefix, "FASHION_CELERY_QUEUE": prefix + "jobs"}
        js = JobSettings(celery_queue=prefix + "jobs", celery_key_prefix=prefix)
        exe = Path(sys.executable).parent / "fashion-pipeline"
        for workers in (1, 2):
            proc = subprocess.Popen([str(exe), "worker", "--concurrency", str(workers), "--loglevel", "WARNING"],
                                    env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                backend = CeleryBackend(settings, js)
                warm = create_job(settings, JobSpec(query={"limit": 2 * workers}, chunk_size=1,
                                                    model={"name": "category_cnn"}), backend="celery")
                backend.dispatch(settings, warm.id)
                wait_for_job(settings, warm.id, timeout=300)  # workers started and models loaded
                job = create_job(settings, JobSpec(**spec), backend="celery")
                t0 = time.perf_counter()
                backend.dispatch(settings, job.id)
                wait_for_job(settings, job.id, timeout=900, poll=0.05)
                secs = time.perf_counter() - t0
                out[f"celery_{workers}_worker_processes"] = {
                    "img_per_s": round(n / secs, 1), "seconds": round(secs, 2),
                    "stage_img_per_s": get_job(settings, job.id).timings["stages"]["images_per_second"]}
                print(f"  celery {workers} worker process(es): {n / secs:.1f} img/s", flush=True)
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    proc.kill()
        import redis

        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
    dispose_engines()
    shutil.rmtree(root, ignore_errors=True)
    return out


def plot(data: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    t = data["transform_img_per_s"]
    axes[0].barh(list(t), list(t.values()), color="tab:blue")
    axes[0].axvline(1000, color="red", ls="--", label="goal 1,000 img/s/core")
    axes[0].set_title("transform (60x80 inputs, 1 core)")
    axes[0].set_xlabel("img/s")
    axes[0].legend(fontsize=8)
    for name, per in data["model_img_per_s"].items():
        bs = [int(k.split("_")[1]) for k in per]
        axes[1].plot(bs, list(per.values()), "o-", label=name)
    axes[1].set_xscale("log", base=2)
    axes[1].set_yscale("log")
    axes[1].set_xlabel("batch size")
    axes[1].set_ylabel("img/s (1 thread)")
    axes[1].set_title("model inference (CPU)")
    axes[1].legend(fontsize=8)
    short = {"inprocess_1_thread": "in-process", "celery_1_worker_processes": "celery x1",
             "celery_2_worker_processes": "celery x2"}
    j = {short.get(k, k): v["img_per_s"] for k, v in data["jobs"].items() if isinstance(v, dict)}
    axes[2].bar(list(j), list(j.values()), color="tab:green")
    axes[2].set_title(f"job: transform + category_cnn\n({data['jobs']['images']} images, wall)")
    axes[2].set_ylabel("img/s")
    fig.suptitle(f"fashion_pipeline part 2 throughput - {data['machine']['cpu_count']} CPUs, "
                 f"load {data['machine']['load_average_1m_at_start']:.1f} at start")
    fig.tight_layout()
    fig.savefig(path, dpi=80)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer images and rounds")
    parser.add_argument("--skip-celery", action="store_true")
    parser.add_argument("--job-images", type=int, default=None)
    parser.add_argument("--plot-only", action="store_true", help="redraw the PNG from the saved JSON")
    args = parser.parse_args(argv)
    if args.plot_only:
        plot(json.loads((RESULTS / "p2_throughput.json").read_text()), RESULTS / "p2_throughput.png")
        return 0
    from imagecore.config import DataNotFoundError

    try:
        images = load_images(200 if args.quick else 1000)
    except DataNotFoundError as exc:
        print(exc)
        return 3
    data: dict[str, object] = {"machine": machine()}
    print("transform ...", flush=True)
    data["transform_img_per_s"] = bench_transform(images, rounds=2 if args.quick else 3)
    print(data["transform_img_per_s"], flush=True)
    print("models ...", flush=True)
    data["model_img_per_s"] = bench_models(images, args.quick)
    print("jobs ...", flush=True)
    n = args.job_images or (100 if args.quick else 400)
    data["jobs"] = bench_jobs(n, os.environ.get("FASHION_REDIS_URL", "redis://127.0.0.1:6379/0"), args.skip_celery)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "p2_throughput.json").write_text(json.dumps(data, indent=2))
    plot(data, RESULTS / "p2_throughput.png")
    print("\n| stage | img/s |\n|---|---|")
    for k, v in data["transform_img_per_s"].items():
        print(f"| transform {k} | {v} |")
    for m, per in data["model_img_per_s"].items():
        for b, v in per.items():
            print(f"| model {m} {b} | {v} |")
    for k, v in data["jobs"].items():
        print(f"| job {k} | {v['img_per_s'] if isinstance(v, dict) else v} |")
    print(f"\nwrote {RESULTS / 'p2_throughput.json'} and .png; machine: {json.dumps(data['machine'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
