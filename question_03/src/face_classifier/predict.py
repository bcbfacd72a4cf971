"""``face-classifier predict``: score a zip or folder of faces, write predictions and metrics."""

from __future__ import annotations

import csv
import io
import json
import logging
import sys
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd
from imagecore.io import ImageError, open_image
from imagecore.torch import set_threads
from tqdm import tqdm

from .data import standardize
from .metrics import binary_metrics
from .safezip import ScanReport, iter_folder, iter_zip, read_text_member
from .settings import get_settings
from .torchutil import load_model, predict_logits, sigmoid

log = logging.getLogger(__name__)

LABEL_NAMES = ("real", "fake")


def truth_from_path(name: str) -> int | None:
    """Ground truth from a ``real/`` or ``fake/`` folder anywhere in the member path, else None."""
    parts = [p.lower() for p in PurePosixPath(name).parts[:-1]]
    for part in reversed(parts):
        if part in LABEL_NAMES:
            return LABEL_NAMES.index(part)
    return None


def truth_from_labels_csv(text: str) -> dict[str, int]:
    """Map member name (and bare file name) -> 0/1 from a ``labels.csv`` with filename,label columns."""
    df = pd.read_csv(io.StringIO(text))
    if "filename" not in df or "label" not in df:
        return {}
    out: dict[str, int] = {}
    for f, lab in zip(df["filename"].astype(str), df["label"].astype(str).str.lower(), strict=False):
        if lab in LABEL_NAMES:
            out[f] = out[PurePosixPath(f).name] = LABEL_NAMES.index(lab)
    return out


def predict(
    model_path: str | Path,
    source: str | Path,
    out_csv: str | Path,
    *,
    metrics_path: str | Path | None = None,
    threshold: float = 0.5,
    batch_size: int = 32,
    threads: int = 2,
    progress: bool = True,
) -> dict:
    """Score every image of a zip or folder.

    Parameters
    ----------
    model_path
        ``model.pt`` or the training output folder.
    source
        A ``.zip`` file or a folder of images.
    out_csv
        Where to write ``filename,prob_fake,label`` (one row per scored image, archive order).
    metrics_path
        Where to write metrics when ground truth exists (default ``<out_csv stem>.metrics.json``).
    threshold
        P(fake) at or above which the label is ``fake``.
    batch_size
        Images per forward pass.
    threads
        torch threads.
    progress
        Show a progress bar.

    Returns
    -------
    dict
        ``scored``, ``skipped`` (list of [name, reason]), ``predictions`` path and, with ground
        truth, ``metrics`` path and the headline ``accuracy``/``auc``.

    Raises
    ------
    FileNotFoundError
        Model or input missing.
    face_classifier.safezip.UnsafeArchiveError
        The archive is refused (zip-slip, limits, not a zip).
    """
    s = get_settings()
    set_threads(threads)
    source = Path(source)
    if not source.exists():
        raise FileNotFoundError(f"{source}: no such zip or folder")
    model, ckpt = load_model(model_path)
    temperature = float(ckpt.get("temperature", 1.0))
    report = ScanReport()
    if source.is_dir():
        members = iter_folder(source, max_members=s.max_members, max_member=s.max_member, report=report)
    else:
        members = iter_zip(
            source, max_members=s.max_members, max_total=s.max_unzipped, max_member=s.max_member, report=report
        )
    labels_text = read_text_member(source, "labels.csv")
    csv_truth = truth_from_labels_csv(labels_text) if labels_text else {}
    names: list[str] = []
    probs: list[float] = []
    batch: list[np.ndarray] = []
    batch_names: list[str] = []
    bar = tqdm(desc="predict", unit="img", disable=not progress)

    def flush() -> None:
        if batch:
            logits = predict_logits(model, np.stack(batch), batch_size=batch_size)
            probs.extend(sigmoid(logits / temperature).tolist())
            names.extend(batch_names)
            bar.update(len(batch))
            batch.clear()
            batch_names.clear()

    for member in members:
        try:
            img = open_image(member.data, mode="RGB")
        except ImageError as exc:
            report.skipped.append((member.name, f"not a decodable image ({exc.reason})"))
            continue
        batch.append(standardize(img))
        batch_names.append(member.name)
        if len(batch) >= batch_size:
            flush()
    flush()
    bar.close()
    for name, reason in report.skipped:
        log.warning("skipped %s: %s", name, reason)
    out_csv = Path(out_csv)
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    prob_arr = np.asarray(probs)
    with out_csv.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["filename", "prob_fake", "label"])
        for n, p in zip(names, prob_arr, strict=False):
            w.writerow([n, f"{p:.6f}", LABEL_NAMES[int(p >= threshold)]])
    result: dict = {"scored": len(names), "skipped": [list(x) for x in report.skipped], "predictions": str(out_csv)}
    truth = []
    for n in names:
        t = csv_truth.get(n, csv_truth.get(PurePosixPath(n).name)) if csv_truth else None
        truth.append(t if t is not None else truth_from_path(n))
    known = np.array([t is not None for t in truth], dtype=bool)
    if known.any():
        y = np.array([t for t in truth if t is not None], dtype=int)
        m = binary_metrics(y, prob_arr[known], threshold=threshold)
        m["labelled"] = int(known.sum())
        m["unlabelled"] = int((~known).sum())
        m["skipped"] = result["skipped"]
        mpath = Path(metrics_path) if metrics_path else out_csv.with_suffix(".metrics.json")
        mpath.write_text(json.dumps(m, indent=1))
        result.update(metrics=str(mpath), accuracy=m["accuracy"], auc=m["auc"], confusion=m["confusion"])
    if report.skipped and progress:
        print(f"skipped {len(report.skipped)} member(s); see the log or the metrics file", file=sys.stderr)
    return result
