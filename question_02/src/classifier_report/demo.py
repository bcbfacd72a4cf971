"""Demo: train the baseline on the question_01 face dataset and write three reports.

1. ``random_split``: a random 70/30 split over all generators (the "high validation accuracy" setting);
2. ``stylegan3_heldout``: StyleGAN3 never trained on (unseen-generator test);
3. ``stylegan_heldout``: trained on real JPEG vs StyleGAN3 PNG only, the shortcut trap: a
   high validation accuracy that the report takes apart.

Both are re-scored under perturbations (JPEG, blur, resize, crop). The dataset is
``--dataset DIR`` or, by default, ``question_01/out/faces_small`` (``--small``) /
``faces_full``, built with the ``face-dataset`` command when missing.
Exit code 3 when the face data set is missing.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

from imagecore.config import DataNotFoundError, cache_dir, dataset_dir

from classifier_report.cli import main as cli_main


def _repo_out(package_dir: str) -> Path | None:
    here = Path(__file__).resolve().parents[3]
    return here / package_dir / "out" if (here / package_dir).is_dir() else None


def ensure_dataset(small: bool, explicit: Path | None) -> Path:
    """The dataset folder, built with the ``face-dataset`` console script when it is missing."""
    if explicit is not None:
        return explicit
    base = _repo_out("question_01") or cache_dir("classifier_report")
    folder = base / ("faces_small" if small else "faces_full")
    if (folder / "metadata.parquet").is_file():
        return folder
    faces = dataset_dir("faces")  # raises DataNotFoundError
    exe = shutil.which("face-dataset") or str(Path(sys.executable).parent / "face-dataset")
    cmd = [exe, "build", "--out", str(folder), "--labels-csv", str(faces / "labels.csv"), "--overwrite"]
    if small:
        cmd += ["--per-group", "50"]
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="150-image dataset, fewer re-scored images")
    parser.add_argument("--dataset", type=Path, help="question_01 dataset folder")
    parser.add_argument("--out", type=Path, help="output folder (default question_02/out)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        ds = ensure_dataset(args.small, args.dataset)
    except DataNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 3
    out = args.out or _repo_out("question_02") or cache_dir("classifier_report") / "out"
    tag = "small" if args.small else "full"
    experiments: tuple[tuple[str, list[str]], ...] = (
        ("random_split", []),
        ("stylegan3_heldout", ["--holdout-generator", "StyleGAN3"]),
        ("stylegan_heldout", ["--holdout-generator", "StyleGAN"]),  # trains on real JPEG vs StyleGAN3 PNG only
    )
    for name, extra in experiments:
        run = out / f"{tag}_{name}"
        code = cli_main(["baseline", "--dataset", str(ds), "--out", str(run / "baseline"), *extra])
        if code:
            return code
        code = cli_main(["report", "--predictions", str(run / "baseline" / "predictions.csv"), "--metadata", str(ds),
                         "--train-list", str(run / "baseline" / "train.csv"), "--model", str(run / "baseline" / "model.pkl"),
                         "--robustness-max", "90" if args.small else "400", "--out", str(run / "report"),
                         "--title", f"Baseline (spectrum + logistic regression), {name.replace('_', ' ')}"])  # fmt: skip
        if code:
            return code
    print(f"demo done in {time.perf_counter() - start:.1f} s; reports under {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
