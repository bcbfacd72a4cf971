"""Demo: build the face dataset from ``$IMAGECORE_DATA_DIR/faces``, sample it, pack it.

``python -m face_dataset.demo`` builds all 2,120 images; ``--small`` 150 (50 real,
50 StyleGAN, 50 StyleGAN3). Outputs go to ``--out`` (default ``question_01/out/`` when run
from the repository, else the imagecore cache). Exit code 3 when the data set is missing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from imagecore.config import DataNotFoundError, cache_dir, dataset_dir

from face_dataset.cli import main as cli_main


def default_out() -> Path:
    """``question_01/out`` inside a source checkout, else the package cache."""
    here = Path(__file__).resolve().parents[2]
    return here / "out" if (here / "pyproject.toml").is_file() else cache_dir("face_dataset") / "out"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="about 150 images (fast)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    try:
        faces = dataset_dir("faces")
    except DataNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 3
    out = args.out or default_out()
    name = "faces_small" if args.small else "faces_full"
    start = time.perf_counter()
    build = ["build", "--out", str(out / name), "--labels-csv", str(faces / "labels.csv"), "--overwrite"]
    if args.small:
        build += ["--per-group", "50"]
    steps = [
        build,
        ["sample", str(out / name), "-n", "90" if args.small else "600", "--by", "label,generator",
         "--out", str(out / f"{name}_sample.csv")],
        ["pack", str(out / name), "--out", str(out / f"{name}.tar.gz")],
        ["unpack", str(out / f"{name}.tar.gz"), "--dest", str(out / f"{name}_unpacked")],
    ]  # fmt: skip
    for step in steps:
        print(f"\n$ face-dataset {' '.join(step)}", flush=True)
        code = cli_main(step)
        if code:
            return code
    print(f"\ndemo done in {time.perf_counter() - start:.1f} s; card: {out / name / 'CARD.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
