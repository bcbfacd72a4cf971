"""Command-line entry point ``face-shards``."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from imagecore.config import DataNotFoundError
from imagecore.storage import StorageError, open_store

from .settings import get_settings


def _parser() -> argparse.ArgumentParser:
    s = get_settings()
    p = argparse.ArgumentParser(
        prog="face-shards", description="Sharded face datasets on S3: write, re-sample, stream."
    )
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write", help="pack a face data set folder into tar shards + manifest on a store")
    w.add_argument("--dataset", required=True, help="question_01 output or raw faces/ folder")
    w.add_argument("--store", required=True, help="s3://bucket/prefix?endpoint_url=... or a local folder")
    w.add_argument("--shard-mb", type=float, default=s.shard_mb)
    w.add_argument("--shard-samples", type=int, default=s.shard_samples)
    w.add_argument("--per-image", action="store_true", help="also store one object per image (baseline)")
    r = sub.add_parser("resample", help="select a custom dataset by SQL over the manifest; write only an index")
    r.add_argument("--manifest", required=True, help="manifest.parquet path (or a store URL holding manifest.parquet)")
    r.add_argument(
        "--where", default="TRUE", help="SQL condition, e.g. \"label = 'fake' AND generator <> 'StyleGAN3'\""
    )
    r.add_argument("--fraction", type=float, default=None)
    r.add_argument("--limit", type=int, default=None)
    r.add_argument("--seed", type=int, default=s.seed)
    r.add_argument("--out", required=True, help="index parquet to write")
    st = sub.add_parser("stream", help="stream a store's shards (or an index) and report images/s")
    st.add_argument("--store", required=True)
    st.add_argument("--index", default=None, help="index parquet from `resample` (default: every shard)")
    st.add_argument("--workers", type=int, default=2)
    st.add_argument("--shuffle", type=int, default=s.shuffle)
    sy = sub.add_parser("synth-manifest", help="write a synthetic manifest of N rows (timing re-sampling)")
    sy.add_argument("--rows", type=int, default=1_000_000)
    sy.add_argument("--out", required=True)
    de = sub.add_parser("demo", help="the whole job on the embedded S3 server")
    de.add_argument("--small", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.cmd == "write":
            from .shards import write_shards
            from .source import iter_dataset

            if not Path(args.dataset).is_dir():
                raise DataNotFoundError(f"{args.dataset}: no such data set folder")
            store = open_store(args.store, create_bucket=True)
            res = write_shards(
                store,
                iter_dataset(args.dataset),
                max_bytes=int(args.shard_mb * 1024**2),
                max_samples=args.shard_samples,
                per_image_copy=args.per_image,
            )
            print(json.dumps({"samples": len(res.manifest), "shards": len(res.shards), "bytes": res.bytes_written}))
        elif args.cmd == "resample":
            import time

            from .resample import select_index, write_index
            from .shards import load_manifest

            src = args.manifest if Path(args.manifest).is_file() else load_manifest(open_store(args.manifest))
            t = time.perf_counter()
            idx = select_index(src, args.where, sample_fraction=args.fraction, limit=args.limit, seed=args.seed)
            dt = time.perf_counter() - t
            write_index(idx, args.out)
            print(
                json.dumps(
                    {
                        "selected": len(idx),
                        "shards": int(idx["shard"].nunique()),
                        "seconds": round(dt, 4),
                        "index": args.out,
                    }
                )
            )
        elif args.cmd == "stream":
            import pandas as pd

            from .loader import ShardStream
            from .pipeline import throughput
            from .resample import shard_plan

            store = open_store(args.store)
            shards = shard_plan(pd.read_parquet(args.index)) if args.index else [o.key for o in store.list("shards/")]
            n, rate = throughput(ShardStream(store, shards, shuffle_buffer=args.shuffle), args.workers)
            print(json.dumps({"samples": n, "images_per_s": round(rate, 1), "workers": args.workers}))
        elif args.cmd == "synth-manifest":
            from .resample import synthetic_manifest, write_index

            write_index(synthetic_manifest(args.rows).to_pandas(), args.out)
            print(json.dumps({"rows": args.rows, "out": args.out}))
        elif args.cmd == "demo":
            from .demo import main as demo_main

            return demo_main(["--small"] if args.small else [])
    except DataNotFoundError as exc:
        print(f"face-shards: {exc}", file=sys.stderr)
        return 3
    except (FileNotFoundError, ValueError, OSError, StorageError) as exc:
        print(f"face-shards: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
