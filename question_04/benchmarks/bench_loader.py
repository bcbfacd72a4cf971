"""Streaming images from the embedded S3: tar shards vs one object per image, 1 and 2 workers.

Usage: ``python question_04/benchmarks/bench_loader.py [--n 1000] [--shard-mb 4]``
(faces from ``$IMAGECORE_DATA_DIR/faces``). Writes ``question_04/benchmarks/results/loader.{json,png}``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine
from face_shards.loader import ObjectPerImageStream, ShardStream
from face_shards.pipeline import quiet_s3_server_log, throughput
from face_shards.shards import read_sample, write_shards
from face_shards.source import iter_dataset
from imagecore.config import DataNotFoundError, dataset_dir
from imagecore.storage import S3Store
from imagecore.storage.s3server import S3Server

RESULTS = Path(__file__).parent / "results"


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=1000, help="faces to use (spread over the whole set)")
    p.add_argument("--shard-mb", type=float, default=2.0)
    args = p.parse_args()
    try:
        root = dataset_dir("faces")
    except DataNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 3
    RESULTS.mkdir(parents=True, exist_ok=True)
    quiet_s3_server_log()
    samples = list(iter_dataset(root))
    step = max(1, len(samples) // args.n)
    samples = samples[::step][: args.n]
    rows = []
    with S3Server() as srv:
        store = S3Store("bench", endpoint_url=srv.endpoint_url, create_bucket=True)
        res = write_shards(store, samples, max_bytes=int(args.shard_mb * 1024**2), per_image_copy=True, progress=False)
        objects = [f"images/{k}.{e}" for k, e in zip(res.manifest["key"], res.manifest["ext"], strict=False)]
        for workers, decode in itertools.product((1, 2), (True, False)):
            dec = {} if decode else {"decode": None}
            _, shard_rate = throughput(ShardStream(store, res.shards, shuffle_buffer=256, **dec), workers)
            _, object_rate = throughput(ObjectPerImageStream(store, objects, **dec), workers)
            rows.append(
                {
                    "workers": workers,
                    "decode": decode,
                    "shards_img_s": round(shard_rate, 1),
                    "per_object_img_s": round(object_rate, 1),
                    "speedup": round(shard_rate / object_rate, 2),
                }
            )
        # Random access: one ranged GET into a shard vs one GET of a small object.
        rng = np.random.default_rng(0)
        pick = res.manifest.iloc[rng.choice(len(res.manifest), 100, replace=False)]
        t = time.perf_counter()
        for row in pick.to_dict("records"):
            read_sample(store, row)
        range_ms = (time.perf_counter() - t) / len(pick) * 1000
        t = time.perf_counter()
        for k, e in zip(pick["key"], pick["ext"], strict=False):
            store.get(f"images/{k}.{e}")
        get_ms = (time.perf_counter() - t) / len(pick) * 1000
    out = {
        "samples": len(res.manifest),
        "shards": len(res.shards),
        "shard_mb": args.shard_mb,
        "mean_image_kb": round(float(res.manifest["img_size"].mean()) / 1024, 1),
        "results": rows,
        "random_access_ms": {"range_get_image_plus_json": round(range_ms, 2), "object_get": round(get_ms, 2)},
        "machine": machine(),
    }
    (RESULTS / "loader.json").write_text(json.dumps(out, indent=1))
    print(f"{out['samples']} faces, {out['shards']} shards of ~{args.shard_mb} MB; machine {out['machine']}")
    print(f"{'workers':>7} {'decode':>6} {'shards img/s':>13} {'per-object img/s':>17} {'speedup':>8}")
    for r in rows:
        print(
            f"{r['workers']:>7} {r['decode']!s:>6} {r['shards_img_s']:>13} {r['per_object_img_s']:>17} {r['speedup']:>8}"
        )
    print(f"random access: ranged GET (image+json) {range_ms:.2f} ms vs object GET {get_ms:.2f} ms")
    fig, ax = plt.subplots(figsize=(7, 4))
    labels = [f"w={r['workers']}\n{'decode' if r['decode'] else 'bytes'}" for r in rows]
    x = np.arange(len(rows))
    ax.bar(x - 0.2, [r["shards_img_s"] for r in rows], 0.4, label="tar shards (ShardStream)")
    ax.bar(x + 0.2, [r["per_object_img_s"] for r in rows], 0.4, label="one object per image")
    ax.set_xticks(x, labels)
    ax.set(ylabel="images / s", title="streaming faces from the embedded S3 (moto)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / "loader.png", dpi=80)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
