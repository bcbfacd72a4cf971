"""Q2: an analysis report for real-vs-fake face classifiers.

Given predictions (``filename, prob_fake[, label]``) and the question_01 metadata parquet,
compute headline metrics, thresholds, calibration, per-slice metrics with confidence
intervals and base-rate effects, and run the data checks that explain a "too good"
validation accuracy: near-duplicate leakage, metadata shortcuts, robustness to
perturbations and unseen generators.
"""

from classifier_report.errors import ReportInputError
from classifier_report.metrics import expected_calibration_error, headline_metrics, wilson_interval

__version__ = "0.1.0"

__all__ = ["ReportInputError", "expected_calibration_error", "headline_metrics", "wilson_interval"]
