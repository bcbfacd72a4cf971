"""Per-slice metrics with confidence intervals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from classifier_report.metrics import bootstrap_interval, fast_auc, wilson_interval

#: Default slice columns (those missing from the data are skipped).
DEFAULT_SLICES = ("generator", "source_short", "format", "resolution_bucket", "jpeg_quality_bucket",
                  "file_size_bucket", "face_size_bucket")  # fmt: skip


def add_derived_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Add bucketed slice columns: JPEG quality, file size, face size (tertiles of the found faces), short source names."""
    df = df.copy()
    if "jpeg_quality" in df.columns:
        q = df["jpeg_quality"]
        df["jpeg_quality_bucket"] = np.where(q.isna(), "not JPEG",
                                             pd.cut(q, [0, 50, 75, 90, 100], labels=["<=50", "51-75", "76-90", ">90"]).astype(str))  # fmt: skip
    if "file_size" in df.columns:
        df["file_size_bucket"] = pd.cut(df["file_size"], [0, 8_000, 12_000, 20_000, 50_000, np.inf],
                                        labels=["<8k", "8-12k", "12-20k", "20-50k", ">50k"]).astype(str)  # fmt: skip
    if "face_area_ratio" in df.columns:
        r = df["face_area_ratio"].astype(float)
        found = r > 0
        bucket = pd.Series("no face found", index=df.index, dtype=object)
        if found.sum() >= 3:
            lo, hi = np.quantile(r[found], [1 / 3, 2 / 3])
            bucket[found & (r < lo)] = f"small <{lo:.2f}"
            bucket[found & (r >= lo) & (r < hi)] = f"medium {lo:.2f}-{hi:.2f}"
            bucket[found & (r >= hi)] = f"large >={hi:.2f}"
        df["face_size_bucket"] = bucket
    if "source" in df.columns:
        df["source_short"] = df["source"].astype(str).str.split(r" \(| from | sample").str[0].str.slice(0, 40)
    return df


def slice_metrics(df: pd.DataFrame, columns=DEFAULT_SLICES, *, threshold: float = 0.5, n_boot: int = 300,
                  seed: int = 0) -> pd.DataFrame:  # type: ignore[no-untyped-def]  # fmt: skip
    """Metrics of every value of every slice column.

    For a slice holding both classes: accuracy (Wilson CI), balanced accuracy, ROC AUC (bootstrap
    CI). For a one-class slice (e.g. one generator's fakes): accuracy = recall of that class with
    its Wilson CI, and the AUC of the slice against *all* rows of the other class, which says how
    well this slice is separated from the rest.

    Parameters
    ----------
    df
        Joined frame with ``y_true``, ``prob_fake`` (and ``pred`` when given) and the slice columns.
    """
    y_all = df["y_true"].to_numpy()
    s_all = df["prob_fake"].to_numpy()
    p_all = df["pred"].to_numpy() if "pred" in df.columns else (s_all >= threshold).astype(int)
    rows = []
    for col in columns:
        if col not in df.columns:
            continue
        for value, _part in df.groupby(col, dropna=False):
            m = (df[col] == value).to_numpy() if not (isinstance(value, float) and math.isnan(value)) else df[col].isna().to_numpy()
            y, s, p = y_all[m], s_all[m], p_all[m]
            correct = int((p == y).sum())
            lo, hi = wilson_interval(correct, len(y))
            row = {"slice": col, "value": str(value), "n": len(y), "n_fake": int(y.sum()),
                   "accuracy": correct / len(y), "acc_ci_lo": lo, "acc_ci_hi": hi}  # fmt: skip
            if 0 < y.sum() < len(y):
                row["balanced_accuracy"] = float(skm.balanced_accuracy_score(y, p))
                row["auc"] = float(skm.roc_auc_score(y, s))
                row["auc_ci_lo"], row["auc_ci_hi"] = bootstrap_interval(y, s, fast_auc, n_boot, seed)
                row["auc_vs"] = "within slice"
            else:
                other = y_all != y[0]
                if other.any():
                    yy = np.concatenate([y, y_all[other]])
                    ss = np.concatenate([s, s_all[other]])
                    row["auc"] = fast_auc(yy, ss)
                    row["auc_ci_lo"], row["auc_ci_hi"] = bootstrap_interval(yy, ss, fast_auc, n_boot, seed)
                    row["auc_vs"] = f"vs all {'real' if y[0] == 1 else 'fake'}"
            rows.append(row)
    return pd.DataFrame(rows)
