"""`make data`: fetch the public data sets that can be downloaded, with checksums.

MNIST is downloaded from the official mirrors and verified. The other sets (Kaggle fashion,
faces, near-duplicate families, FINd golden hashes) cannot be fetched without an account or
are project-specific; for those this prints where to put them.
"""

from __future__ import annotations

import logging
import sys

from imagecore.config import DATA_DIR_ENV, DATASETS, data_root, missing_data_message
from imagecore.mnist import download_mnist


def main() -> int:
    """Download what can be downloaded into the data root; report the rest."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    root = data_root()
    print(f"data root: {root}  (set {DATA_DIR_ENV} to change it)")
    status = 0
    try:
        folder = download_mnist()
        print(f"mnist: ok ({folder})")
    except Exception as exc:
        print(f"mnist: download failed: {exc}", file=sys.stderr)
        status = 1
    for name in DATASETS[1:]:
        path = root / name
        print(f"{name}: {'present' if path.is_dir() else missing_data_message(name, path)}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
