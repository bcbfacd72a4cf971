"""Report metrics equal scikit-learn's on constructed inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from classifier_report.errors import ReportInputError
from classifier_report.metrics import (
    base_rate_table,
    calibration,
    expected_calibration_error,
    fast_auc,
    headline_metrics,
    threshold_table,
    wilson_interval,
)
from sklearn import metrics as skm


@pytest.fixture
def yscore():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    s = np.clip(0.35 * y + rng.random(400) * 0.65, 0, 1).round(2)  # rounded: many ties
    return y, s


def test_headline_metrics_equal_sklearn(yscore):
    y, s = yscore
    m = headline_metrics(y, s, threshold=0.5)
    p = (s >= 0.5).astype(int)
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, p))
    assert m["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(y, p))
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(y, s))
    assert m["average_precision"] == pytest.approx(skm.average_precision_score(y, s))
    assert m["brier"] == pytest.approx(skm.brier_score_loss(y, s))
    tn, fp, fn, tp = skm.confusion_matrix(y, p).ravel()
    assert (m["tn"], m["fp"], m["fn"], m["tp"]) == (tn, fp, fn, tp)
    assert m["precision"] == pytest.approx(skm.precision_score(y, p))


def test_given_predicted_labels_override_the_threshold(yscore):
    y, s = yscore
    pred = 1 - y
    assert headline_metrics(y, s, y_pred=pred)["accuracy"] == 0.0


def test_fast_auc_equals_sklearn_with_ties(yscore):
    y, s = yscore
    assert fast_auc(y, s) == pytest.approx(skm.roc_auc_score(y, s))
    assert math.isnan(fast_auc(np.ones(5), np.linspace(0, 1, 5)))


def test_threshold_table_matches_sklearn_rates(yscore):
    y, s = yscore
    t = threshold_table(y, s).set_index("point")
    p = (s >= 0.3).astype(int)
    assert t.loc["0.3", "tpr"] == pytest.approx(skm.recall_score(y, p))
    assert t.loc["0.3", "fpr"] == pytest.approx(((p == 1) & (y == 0)).sum() / (y == 0).sum())
    assert t.loc["TPR >= 0.95", "tpr"] >= 0.95
    assert t.loc["FPR <= 0.01", "fpr"] <= 0.01


def test_calibration_and_ece_on_a_hand_made_case():
    y = np.array([0, 0, 1, 1, 1, 1, 0, 1])
    s = np.array([0.05, 0.05, 0.05, 0.05, 0.95, 0.95, 0.95, 0.95])
    # bin [0,0.1]: mean 0.05, frac 0.5; bin (0.9,1]: mean 0.95, frac 0.75 -> ECE = 0.5*0.45 + 0.5*0.2
    assert expected_calibration_error(y, s) == pytest.approx(0.325)
    cal = calibration(y, s)
    assert cal["count"].sum() == 8 and cal.loc[cal["count"] > 0, "frac_fake"].tolist() == [0.5, 0.75]
    frac, mean = __import__("sklearn.calibration", fromlist=["calibration_curve"]).calibration_curve(y, s, n_bins=10)
    assert frac.tolist() == [0.5, 0.75] and mean.tolist() == pytest.approx([0.05, 0.95])


def test_wilson_interval_known_values():
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-3)
    assert wilson_interval(50, 100) == pytest.approx((0.4038, 0.5962), abs=1e-3)
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


def test_base_rate_table_is_bayes_rule():
    t = base_rate_table(0.9, 0.05, prevalences=(0.5, 0.01)).set_index("prevalence_fake")
    assert t.loc[0.5, "precision_ppv"] == pytest.approx(0.45 / (0.45 + 0.025))
    assert t.loc[0.01, "precision_ppv"] == pytest.approx(0.009 / (0.009 + 0.0495))


@pytest.mark.parametrize(("y", "s", "msg"), [([0, 1], [0.5], "equal length"), ([0, 2], [0.1, 0.2], "0 \\(real\\) or 1"),
                                              ([0, 1], [0.1, 1.2], "in \\[0, 1\\]"), ([], [], "no predictions")])  # fmt: skip
def test_bad_inputs_are_clear_errors(y, s, msg):
    with pytest.raises(ReportInputError, match=msg):
        headline_metrics(np.array(y), np.array(s))
