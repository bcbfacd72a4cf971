"""Data checks that explain a "too good" validation score: leakage, shortcuts, unseen generators."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from imagecore.hashing import hamming_matrix
from sklearn import metrics as skm
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.tree import DecisionTreeClassifier

from classifier_report.errors import ReportInputError


def hamming(a: list[str], b: list[str]) -> np.ndarray:
    """Pairwise Hamming distances between two lists of equal-length hex hashes."""
    return hamming_matrix(a, b)


@dataclass
class LeakageResult:
    """Near-duplicate leakage between a training set and the evaluated set.

    Attributes
    ----------
    per_image
        One row per evaluated image: ``nearest_train_distance``, ``nearest_train`` (key), ``exact``
        (same sha256), ``leaked`` (distance <= threshold).
    summary
        Counts at several distance thresholds, and accuracy on leaked vs clean images.
    """

    per_image: pd.DataFrame
    summary: dict[str, float]


def leakage_check(evaluated: pd.DataFrame, train: pd.DataFrame, *, threshold: int = 3,
                  hash_column: str = "phash", correct: np.ndarray | None = None) -> LeakageResult:  # fmt: skip
    """Find evaluated images that are (near-)duplicates of training images.

    Parameters
    ----------
    evaluated, train
        Metadata rows with ``hash_column`` (hex pHash) and optionally ``sha256``.
    threshold
        Hamming distance at or below which an evaluated image counts as leaked.
    correct
        Optional boolean array (per evaluated row): was the prediction right? Gives the accuracy
        on leaked vs clean rows.

    Raises
    ------
    ReportInputError
        A frame lacks the hash column.
    """
    for name, frame in (("evaluated", evaluated), ("train", train)):
        if hash_column not in frame.columns:
            raise ReportInputError(f"{name} metadata has no {hash_column} column")
    D = hamming(evaluated[hash_column].astype(str).tolist(), train[hash_column].astype(str).tolist())
    nearest = D.argmin(axis=1) if D.size else np.zeros(len(evaluated), dtype=int)
    dist = D.min(axis=1) if D.size else np.full(len(evaluated), 64)
    exact = np.zeros(len(evaluated), dtype=bool)
    if "sha256" in evaluated.columns and "sha256" in train.columns:
        exact = evaluated["sha256"].isin(set(train["sha256"])).to_numpy()
    key = next((k for k in ("image_id", "filename", "path") if k in train.columns), None)
    per = pd.DataFrame({
        "nearest_train_distance": dist,
        "nearest_train": train[key].astype(str).to_numpy()[nearest] if key and len(train) else "",
        "exact": exact,
        "leaked": exact | (dist <= threshold),
    }, index=evaluated.index)  # fmt: skip
    summary: dict[str, float] = {"n_evaluated": float(len(evaluated)), "n_train": float(len(train)),
                                 "threshold": float(threshold), "exact": float(exact.sum())}  # fmt: skip
    for t in sorted({0, threshold, 6, 10}):
        summary[f"within_{t}"] = float((dist <= t).sum())
    summary["leaked"] = float(per["leaked"].sum())
    if correct is not None:
        c = np.asarray(correct, dtype=bool)
        summary["accuracy_leaked"] = float(c[per["leaked"]].mean()) if per["leaked"].any() else math.nan
        summary["accuracy_clean"] = float(c[~per["leaked"]].mean()) if (~per["leaked"]).any() else math.nan
    return LeakageResult(per, summary)


#: Metadata features the shortcut model may use (those present are used).
SHORTCUT_FEATURES = ("format", "mode", "width", "height", "file_size", "jpeg_quality", "has_exif")


def metadata_features(df: pd.DataFrame, features=SHORTCUT_FEATURES) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Numeric matrix of metadata-only features (one-hot for strings, NaN kept for missing quality)."""
    cols = [c for c in features if c in df.columns]
    if not cols:
        raise ReportInputError(f"no metadata feature among {', '.join(features)}")
    X = pd.DataFrame(index=df.index)
    for c in cols:
        v = df[c]
        if v.dtype == bool or str(v.dtype) == "boolean":
            X[c] = v.astype(float)
        elif pd.api.types.is_numeric_dtype(v):
            X[c] = v.astype(float)
            if c == "file_size":
                X["log_file_size"] = np.log1p(v.astype(float))
        else:
            for level in sorted(v.astype(str).unique()):
                X[f"{c}={level}"] = (v.astype(str) == level).astype(float)
    return X


@dataclass
class ShortcutResult:
    """How well metadata alone predicts the label.

    Attributes
    ----------
    auc, accuracy
        Cross-validated ROC AUC and accuracy of a depth-4 decision tree on metadata only.
    per_feature
        Single-feature AUC (``max(auc, 1 - auc)``: direction does not matter) of each feature.
    oof_score
        Out-of-fold probability of fake from the metadata model, per row.
    pure_values
        Metadata values (of ``format``, ``mode``, ``resolution_bucket``, ``jpeg_quality``,
        ``has_exif``) held by at least ``min_pure`` rows that all share one label: a rule
        "this value => this label" that is right every time, i.e. a perfect shortcut for that subset.
    """

    auc: float
    accuracy: float
    per_feature: pd.DataFrame
    oof_score: np.ndarray
    pure_values: pd.DataFrame = field(default_factory=pd.DataFrame)


#: Columns whose values are checked for label purity.
PURITY_COLUMNS = ("format", "mode", "resolution_bucket", "jpeg_quality", "has_exif")


def pure_values(df: pd.DataFrame, y: np.ndarray, *, min_rows: int = 10, columns=PURITY_COLUMNS) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Metadata values whose rows (at least ``min_rows``) all carry the same label."""
    rows = []
    for c in columns:
        if c not in df.columns:
            continue
        v = df[c].astype(str).fillna("nan").to_numpy()
        for value in np.unique(v):
            if c == "jpeg_quality" and value in ("nan", "<NA>"):
                continue  # "no JPEG quality" is the format column again
            m = v == value
            if m.sum() >= min_rows and len(np.unique(y[m])) == 1:
                label = "fake" if y[m][0] == 1 else "real"
                share = m.sum() / max(1, int((y == y[m][0]).sum()))
                rows.append({"column": c, "value": value, "rows": int(m.sum()), "all_are": label,
                             "share_of_that_class": float(share)})  # fmt: skip
    return pd.DataFrame(rows, columns=["column", "value", "rows", "all_are", "share_of_that_class"])


def shortcut_check(df: pd.DataFrame, *, folds: int = 5, seed: int = 0, features=SHORTCUT_FEATURES) -> ShortcutResult:  # type: ignore[no-untyped-def]
    """Fit a metadata-only model (size, format, quality...) with cross-validation.

    An AUC well above 0.5 means the label can be read off the file container and encoder,
    so any image classifier may be scoring those instead of the faces.

    Raises
    ------
    ReportInputError
        Fewer than ``folds`` rows of a class, or no usable feature.
    """
    y = (df["label"].astype(str) == "fake").astype(int).to_numpy() if "y_true" not in df.columns else df["y_true"].to_numpy()
    counts = np.bincount(y, minlength=2)
    if counts.min() < folds:
        raise ReportInputError(f"shortcut check needs >= {folds} rows of each class, got {counts.tolist()}")
    X = metadata_features(df, features).fillna(-1.0)
    model = DecisionTreeClassifier(max_depth=4, min_samples_leaf=5, random_state=seed)
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    oof = cross_val_predict(model, X.to_numpy(), y, cv=cv, method="predict_proba")[:, 1]
    rows = []
    for c in X.columns:
        x = X[c].to_numpy()
        if np.unique(x).size < 2:
            auc = 0.5
        else:
            auc = float(skm.roc_auc_score(y, x))
            auc = max(auc, 1 - auc)
        rows.append({"feature": c, "auc": auc})
    per = pd.DataFrame(rows).sort_values("auc", ascending=False).reset_index(drop=True)
    pure = pure_values(df, y)
    return ShortcutResult(float(skm.roc_auc_score(y, oof)), float(((oof >= 0.5) == y).mean()), per, oof, pure)


def unseen_generator_check(evaluated: pd.DataFrame, train: pd.DataFrame | None, *, threshold: float = 0.5) -> pd.DataFrame:  # fmt: skip
    """Recall per generator of the evaluated fakes, marking generators absent from training.

    Returns
    -------
    pandas.DataFrame
        ``generator, n, recall, mean_prob_fake, seen_in_train`` (``seen_in_train`` is NaN without a train set).
    """
    fakes = evaluated[evaluated["y_true"] == 1]
    seen = set(train.loc[train["label"].astype(str) == "fake", "generator"].astype(str)) if train is not None else None
    rows = []
    for gen, part in fakes.groupby(fakes["generator"].astype(str)):
        pred = part["pred"] if "pred" in part.columns else (part["prob_fake"] >= threshold).astype(int)
        rows.append({"generator": gen, "n": len(part), "recall": float(pred.mean()),
                     "mean_prob_fake": float(part["prob_fake"].mean()),
                     "seen_in_train": (gen in seen) if seen is not None else math.nan})  # fmt: skip
    return pd.DataFrame(rows)
