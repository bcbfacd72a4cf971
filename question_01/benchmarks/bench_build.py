"""Benchmark: metadata extraction throughput of `face-dataset build`, per stage and per worker count.

Prints a table, writes benchmarks/results/bench_build.json and bench_build.png, and states the machine.
Usage: IMAGECORE_DATA_DIR=... python question_01/benchmarks/bench_build.py [--n 200]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from face_dataset.build import build_dataset, subset_per_group
from face_dataset.faces import detect_faces
from face_dataset.hashing import perceptual_hash
from face_dataset.metadata import extract_metadata
from face_dataset.quality import estimate_jpeg_quality
from face_dataset.settings import Settings
from face_dataset.sources import from_labels_csv
from imagecore.config import dataset_dir
from imagecore.io import open_image

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200, help="images (split evenly over label x generator)")
    args = ap.parse_args()
    faces = dataset_dir("faces")
    cands = subset_per_group(from_labels_csv(faces / "labels.csv"), args.n // 3, seed=0)
    paths = [c.src for c in cands]
    stages = {}
    t = time.perf_counter()
    imgs = [open_image(p) for p in paths]
    stages["decode"] = time.perf_counter() - t
    t = time.perf_counter()
    [estimate_jpeg_quality(im) for im in imgs]
    stages["jpeg quality"] = time.perf_counter() - t
    rgb = [im.convert("RGB") for im in imgs]
    t = time.perf_counter()
    [perceptual_hash(im) for im in rgb]
    stages["phash"] = time.perf_counter() - t
    t = time.perf_counter()
    [detect_faces(im) for im in rgb]
    stages["face detection"] = time.perf_counter() - t
    t = time.perf_counter()
    [extract_metadata(p) for p in paths]
    stages["extract_metadata (all)"] = time.perf_counter() - t
    per_image_ms = {k: 1000 * v / len(paths) for k, v in stages.items()}
    builds = {}
    for workers in (1, 2):
        out = Path(tempfile.mkdtemp(prefix="q1bench_"))
        t = time.perf_counter()
        build_dataset(cands, out / "ds", settings=Settings(workers=workers), progress=False, plots=False)
        builds[workers] = time.perf_counter() - t
        shutil.rmtree(out)
    machine = {"cpu_count": os.cpu_count(), "python": sys.version.split()[0], "platform": platform.platform(),
               "load_avg_1min": os.getloadavg()[0]}  # fmt: skip
    result = {"n_images": len(paths), "per_image_ms": per_image_ms, "build_seconds_by_workers": builds,
              "speedup_2_vs_1": builds[1] / builds[2], "machine": machine}  # fmt: skip
    print(f"machine: {machine}")
    print(f"{'stage':<26}{'ms/image':>10}")
    for k, v in per_image_ms.items():
        print(f"{k:<26}{v:>10.2f}")
    for w, s in builds.items():
        print(f"build, {w} worker(s): {s:.1f} s ({len(paths) / s:.0f} images/s)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_build.json").write_text(json.dumps(result, indent=2))
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.5))
    ax[0].barh(list(per_image_ms), list(per_image_ms.values()))
    ax[0].set_xlabel("ms per image (1 process)")
    ax[1].bar([str(w) for w in builds], [len(paths) / s for s in builds.values()])
    ax[1].set(xlabel="workers", ylabel="images/s", title=f"build of {len(paths)} images")
    fig.tight_layout()
    fig.savefig(RESULTS / "bench_build.png", dpi=80)
    print(f"wrote {RESULTS / 'bench_build.json'}")
    return 0 if np.isfinite(result["speedup_2_vs_1"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
