"""Metrics: headline numbers, intervals, thresholds, calibration, base rates."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats
from sklearn import metrics as skm

from classifier_report.errors import ReportInputError


def _check(y_true: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true).astype(int)
    s = np.asarray(score, dtype=float)
    if y.shape != s.shape or y.ndim != 1:
        raise ReportInputError(f"labels and scores must be 1-D of equal length, got {y.shape} and {s.shape}")
    if len(y) == 0:
        raise ReportInputError("no predictions")
    if not np.isin(y, (0, 1)).all():
        raise ReportInputError("labels must be 0 (real) or 1 (fake)")
    if not np.isfinite(s).all() or s.min() < 0 or s.max() > 1:
        raise ReportInputError("scores must be probabilities of 'fake' in [0, 1]")
    return y, s


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion.

    Examples
    --------
    >>> lo, hi = wilson_interval(95, 100)
    >>> round(lo, 3), round(hi, 3)
    (0.888, 0.978)
    """
    if n == 0:
        return (math.nan, math.nan)
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def fast_auc(y: np.ndarray, s: np.ndarray) -> float:
    """ROC AUC by the Mann-Whitney rank formula (ties count one half); equals sklearn's ``roc_auc_score``.

    Examples
    --------
    >>> fast_auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    0.75
    """
    y = np.asarray(y).astype(bool)
    n1 = int(y.sum())
    n0 = len(y) - n1
    if n1 == 0 or n0 == 0:
        return math.nan
    ranks = stats.rankdata(s)
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def bootstrap_interval(
    y: np.ndarray, s: np.ndarray, fn, n_boot: int = 300, seed: int = 0, confidence: float = 0.95  # type: ignore[no-untyped-def]
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``fn(y, s)``, resampling within each class (keeps both classes)."""
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    if len(pos) == 0 or len(neg) == 0 or n_boot <= 0:
        return (math.nan, math.nan)
    vals = []
    for _ in range(n_boot):
        idx = np.concatenate([rng.choice(pos, len(pos)), rng.choice(neg, len(neg))])
        vals.append(fn(y[idx], s[idx]))
    a = (1 - confidence) / 2
    return (float(np.quantile(vals, a)), float(np.quantile(vals, 1 - a)))


def headline_metrics(y_true, score, threshold: float = 0.5, y_pred=None) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Accuracy, balanced accuracy, ROC AUC, average precision, confusion counts, TPR/FPR, log loss, Brier.

    Parameters
    ----------
    y_true
        1 = fake, 0 = real.
    score
        Probability of fake.
    threshold
        Decision threshold (``score >= threshold`` means fake) when ``y_pred`` is not given.
    y_pred
        Predicted labels (0/1), overriding the threshold.

    Raises
    ------
    ReportInputError
        Shapes differ, labels not 0/1, scores outside [0, 1].
    """
    y, s = _check(y_true, score)
    p = (s >= threshold).astype(int) if y_pred is None else np.asarray(y_pred).astype(int)
    tn, fp, fn, tp = skm.confusion_matrix(y, p, labels=[0, 1]).ravel()
    both = len(np.unique(y)) == 2
    out = {
        "n": float(len(y)),
        "prevalence_fake": float(y.mean()),
        "accuracy": float(skm.accuracy_score(y, p)),
        "balanced_accuracy": float(skm.balanced_accuracy_score(y, p)) if both else math.nan,
        "roc_auc": float(skm.roc_auc_score(y, s)) if both else math.nan,
        "average_precision": float(skm.average_precision_score(y, s)) if both else math.nan,
        "tp": float(tp), "fp": float(fp), "tn": float(tn), "fn": float(fn),
        "tpr": float(tp / (tp + fn)) if tp + fn else math.nan,
        "fpr": float(fp / (fp + tn)) if fp + tn else math.nan,
        "precision": float(tp / (tp + fp)) if tp + fp else math.nan,
        "log_loss": float(skm.log_loss(y, np.clip(s, 1e-6, 1 - 1e-6), labels=[0, 1])),
        "brier": float(skm.brier_score_loss(y, s)),
    }  # fmt: skip
    return out


def threshold_table(y_true, score, thresholds=(0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """TPR, FPR, precision, accuracy and balanced accuracy at each threshold, plus three chosen points.

    The chosen points: the threshold maximising Youden's J (TPR - FPR), the highest threshold
    reaching TPR >= 0.95, and the lowest threshold keeping FPR <= 0.01.
    """
    y, s = _check(y_true, score)
    rows = []
    fpr, tpr, thr = skm.roc_curve(y, s)
    picks = {"max Youden J": thr[np.argmax(tpr - fpr)]}
    ok = np.flatnonzero(tpr >= 0.95)
    if len(ok):
        picks["TPR >= 0.95"] = thr[ok[0]]
    ok = np.flatnonzero(fpr <= 0.01)
    if len(ok):
        picks["FPR <= 0.01"] = thr[ok[-1]]
    items = [(f"{t:g}", float(t)) for t in thresholds] + [(k, float(min(v, 1.0))) for k, v in picks.items()]
    for name, t in items:
        p = (s >= t).astype(int)
        tp, fp = int(((p == 1) & (y == 1)).sum()), int(((p == 1) & (y == 0)).sum())
        pos, neg = int(y.sum()), int((1 - y).sum())
        rows.append({"point": name, "threshold": round(t, 4), "tpr": tp / pos if pos else math.nan,
                     "fpr": fp / neg if neg else math.nan, "precision": tp / (tp + fp) if tp + fp else math.nan,
                     "accuracy": float((p == y).mean()),
                     "balanced_accuracy": float(skm.balanced_accuracy_score(y, p)) if pos and neg else math.nan})  # fmt: skip
    return pd.DataFrame(rows)


def calibration(y_true, score, n_bins: int = 10) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Equal-width reliability table: per bin, count, mean predicted probability and fraction of fakes."""
    y, s = _check(y_true, score)
    edges = np.linspace(0, 1, n_bins + 1)
    idx = np.clip(np.digitize(s, edges[1:-1], right=True), 0, n_bins - 1)
    rows = []
    for b in range(n_bins):
        m = idx == b
        rows.append({"bin_lo": edges[b], "bin_hi": edges[b + 1], "count": int(m.sum()),
                     "mean_prob": float(s[m].mean()) if m.any() else math.nan,
                     "frac_fake": float(y[m].mean()) if m.any() else math.nan})  # fmt: skip
    return pd.DataFrame(rows)


def expected_calibration_error(y_true, score, n_bins: int = 10) -> float:  # type: ignore[no-untyped-def]
    """ECE: bin-size-weighted mean of ``|fraction of fakes - mean predicted probability|`` over equal-width bins.

    Examples
    --------
    >>> expected_calibration_error([0, 1, 0, 1], [0.0, 1.0, 0.0, 1.0])
    0.0
    """
    table = calibration(y_true, score, n_bins)
    t = table[table["count"] > 0]
    return float((t["count"] * (t["frac_fake"] - t["mean_prob"]).abs()).sum() / t["count"].sum())


def base_rate_table(tpr: float, fpr: float, prevalences=(0.5, 0.1, 0.01, 0.001)) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Precision (PPV) and NPV at other fake prevalences for the same TPR/FPR (Bayes' rule)."""
    rows = []
    for p in prevalences:
        ppv_den = tpr * p + fpr * (1 - p)
        npv_den = (1 - fpr) * (1 - p) + (1 - tpr) * p
        rows.append({"prevalence_fake": p, "precision_ppv": tpr * p / ppv_den if ppv_den else math.nan,
                     "npv": (1 - fpr) * (1 - p) / npv_den if npv_den else math.nan,
                     "false_alarms_per_1000_real": 1000 * fpr})  # fmt: skip
    return pd.DataFrame(rows)
