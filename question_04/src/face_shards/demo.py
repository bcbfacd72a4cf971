"""``python -m face_shards.demo [--small]``: shards on the embedded S3, re-sample, stream, compare."""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time

from imagecore.config import DataNotFoundError, dataset_dir
from imagecore.storage import S3Store
from imagecore.storage.s3server import S3Server

from .pipeline import quiet_s3_server_log, run_pipeline
from .source import iter_dataset


def main(argv: list[str] | None = None) -> int:
    """Run the demo; exit 3 when the faces data set is absent."""
    p = argparse.ArgumentParser(prog="python -m face_shards.demo")
    p.add_argument("--small", action="store_true", help="about 200 faces, 1 worker count (<= 60 s)")
    args = p.parse_args(argv)
    try:
        root = dataset_dir("faces")
    except DataNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 3
    quiet_s3_server_log()
    t = time.perf_counter()
    samples = iter_dataset(root)
    if args.small:
        samples = itertools.islice(samples, 0, None, 10)  # every 10th face: ~212 samples, all classes
    with S3Server() as srv:
        store = S3Store("faces-demo", endpoint_url=srv.endpoint_url, create_bucket=True)
        result = run_pipeline(
            store,
            samples,
            shard_bytes=(512 if args.small else 4096) * 1024,
            where="label = 'fake' AND generator = 'StyleGAN3'",
            workers=(2,) if args.small else (1, 2),
            progress=not args.small,
        )
    result["total_s"] = round(time.perf_counter() - t, 1)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
