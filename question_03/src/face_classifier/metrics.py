"""Classification metrics with bootstrap confidence intervals, calibration and threshold effects."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, confusion_matrix, roc_auc_score, roc_curve


def expected_calibration_error(y: np.ndarray, prob: np.ndarray, bins: int = 10) -> float:
    """ECE: bin-weighted mean |accuracy - confidence| over equal-width probability bins (of P(fake))."""
    y, prob = np.asarray(y), np.asarray(prob)
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(prob, edges[1:-1]), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            ece += m.mean() * abs(y[m].mean() - prob[m].mean())
    return float(ece)


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    return float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else float("nan")


def binary_metrics(y: np.ndarray, prob: np.ndarray, threshold: float = 0.5, n_boot: int = 1000, seed: int = 0) -> dict:
    """Accuracy, ROC AUC, AP, ECE, Brier, confusion matrix and 95% bootstrap CIs.

    Parameters
    ----------
    y
        Ground truth (1 = fake).
    prob
        Predicted P(fake).
    threshold
        Decision threshold for accuracy and the confusion matrix.
    n_boot
        Bootstrap resamples for the confidence intervals (0 disables them).
    seed
        Seed of the bootstrap.

    Returns
    -------
    dict
        ``accuracy``, ``auc``, ``ap``, ``ece``, ``brier``, ``n``, ``confusion`` ([[tn, fp], [fn, tp]]),
        ``best_threshold_accuracy`` (oracle threshold: how much is a threshold problem),
        ``tpr_at_threshold``, ``tnr_at_threshold`` and ``ci95`` for accuracy and AUC.
    """
    y = np.asarray(y).astype(int)
    prob = np.asarray(prob, dtype=float)
    pred = (prob >= threshold).astype(int)
    out: dict = {
        "n": len(y),
        "threshold": threshold,
        "accuracy": float((pred == y).mean()) if len(y) else float("nan"),
        "auc": _auc(y, prob),
        "ap": float(average_precision_score(y, prob)) if len(np.unique(y)) == 2 else float("nan"),
        "ece": expected_calibration_error(y, prob),
        "brier": float(np.mean((prob - y) ** 2)) if len(y) else float("nan"),
        "confusion": confusion_matrix(y, pred, labels=[0, 1]).tolist(),
        "tpr_at_threshold": float(pred[y == 1].mean()) if (y == 1).any() else float("nan"),
        "tnr_at_threshold": float(1 - pred[y == 0].mean()) if (y == 0).any() else float("nan"),
    }
    if len(np.unique(y)) == 2:
        fpr, tpr, thr = roc_curve(y, prob)
        n1, n0 = (y == 1).sum(), (y == 0).sum()
        accs = (tpr * n1 + (1 - fpr) * n0) / len(y)
        k = int(np.argmax(accs))
        out["best_threshold_accuracy"] = float(accs[k])
        out["best_threshold"] = float(min(thr[k], 1.0))
    if n_boot and len(y) > 1:
        rng = np.random.default_rng(seed)
        accs_b, aucs_b = [], []
        for _ in range(n_boot):
            i = rng.integers(0, len(y), len(y))
            accs_b.append((pred[i] == y[i]).mean())
            if len(np.unique(y[i])) == 2:
                aucs_b.append(roc_auc_score(y[i], prob[i]))
        out["ci95"] = {
            "accuracy": [float(np.percentile(accs_b, 2.5)), float(np.percentile(accs_b, 97.5))],
            "auc": [float(np.percentile(aucs_b, 2.5)), float(np.percentile(aucs_b, 97.5))] if aucs_b else None,
        }
    return out
