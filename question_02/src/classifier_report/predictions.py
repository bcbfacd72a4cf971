"""Read predictions and join them to the question_01 metadata."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from classifier_report.errors import ReportInputError

SCORE_COLUMNS = ("prob_fake", "probability", "score", "prob")
PRED_COLUMNS = ("pred", "predicted", "predicted_label", "label_pred", "label")
KEYS = ("path", "filename", "image_id")


def _to01(values: pd.Series, what: str) -> np.ndarray:
    v = values.astype(str).str.strip().str.lower()
    mapped = v.map({"fake": 1, "real": 0, "1": 1, "0": 0, "1.0": 1, "0.0": 0, "true": 1, "false": 0})
    if mapped.isna().any():
        bad = sorted(set(v[mapped.isna()]))[:3]
        raise ReportInputError(f"{what}: values must be fake/real or 1/0, found {bad}")
    return mapped.to_numpy(dtype=int)


def read_predictions(path: str | Path) -> pd.DataFrame:
    """Read a predictions CSV: ``filename`` and a probability of fake, optionally a predicted label and split.

    Accepted score columns: ``prob_fake`` (question_03's ``face-classifier predict``), ``probability``,
    ``score``, ``prob``. Accepted predicted-label columns: ``pred``, ``predicted``, ``predicted_label``,
    ``label`` (values ``fake``/``real`` or 1/0). ``split`` (``train``/``val``) is kept when present.

    Returns
    -------
    pandas.DataFrame
        ``filename, prob_fake`` and ``pred`` (0/1) when given, ``split`` when given.

    Raises
    ------
    ReportInputError
        Missing file or columns, or scores outside [0, 1].
    """
    path = Path(path)
    if not path.is_file():
        raise ReportInputError(f"{path}: predictions file not found")
    df = pd.read_csv(path)
    if "filename" not in df.columns:
        raise ReportInputError(f"{path}: needs a filename column; has {list(df.columns)}")
    score = next((c for c in SCORE_COLUMNS if c in df.columns), None)
    if score is None:
        raise ReportInputError(f"{path}: needs a probability column ({', '.join(SCORE_COLUMNS)})")
    out = pd.DataFrame({"filename": df["filename"].astype(str), "prob_fake": pd.to_numeric(df[score], errors="coerce")})
    if out["prob_fake"].isna().any() or not out["prob_fake"].between(0, 1).all():
        raise ReportInputError(f"{path}: {score} must be numbers in [0, 1]")
    pred = next((c for c in PRED_COLUMNS if c in df.columns), None)
    if pred is not None:
        out["pred"] = _to01(df[pred], f"{path}:{pred}")
    if "split" in df.columns:
        out["split"] = df["split"].astype(str)
    return out


def join_metadata(preds: pd.DataFrame, meta: pd.DataFrame, *, strict: bool = True) -> pd.DataFrame:
    """Attach metadata rows to predictions.

    The prediction ``filename`` may be the metadata ``path`` (``images/fake/x.jpg``), the original
    ``filename``, the ``image_id``, or any path ending in one of those; the key matching the most
    rows wins. Adds ``y_true`` (1 = fake).

    Raises
    ------
    ReportInputError
        The metadata lacks ``label``; no key matches; some predictions match nothing; duplicates.
    """
    if "label" not in meta.columns:
        raise ReportInputError("metadata needs a label column")
    best, best_hits = None, -1
    for key in KEYS:
        if key not in meta.columns or meta[key].duplicated().any():
            continue
        for transform in ("as_is", "basename"):
            names = preds["filename"] if transform == "as_is" else preds["filename"].str.split("/").str[-1]
            if key == "path" and transform == "basename":
                continue
            hits = int(names.isin(set(meta[key].astype(str))).sum())
            if hits > best_hits:
                best, best_hits = (key, transform), hits
    if best is None or best_hits == 0:
        raise ReportInputError("no prediction filename matches the metadata (tried path, filename, image_id)")
    key, transform = best
    names = preds["filename"] if transform == "as_is" else preds["filename"].str.split("/").str[-1]
    if best_hits < len(preds) and not strict:
        keep = names.isin(set(meta[key].astype(str))).to_numpy()
        preds, names = preds[keep], names[keep]
    if best_hits < len(preds):
        missing = preds.loc[~names.isin(set(meta[key].astype(str))), "filename"].head(3).tolist()
        raise ReportInputError(f"{len(preds) - best_hits} predictions match no metadata row by {key}, e.g. {missing}")
    if names.duplicated().any():
        raise ReportInputError(f"duplicate predictions for {names[names.duplicated()].head(3).tolist()}")
    m = meta.copy()
    m["_key"] = m[key].astype(str)
    joined = preds.assign(_key=names.to_numpy()).drop(columns=["filename"]).merge(m, on="_key", how="left")
    joined = joined.drop(columns="_key")
    joined["y_true"] = (joined["label"].astype(str) == "fake").astype(int)
    return joined
