import numpy as np
from face_classifier.metrics import binary_metrics, expected_calibration_error
from face_classifier.torchutil import fit_temperature


def test_perfect_scores() -> None:
    m = binary_metrics(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.8, 0.9]), n_boot=50)
    assert m["accuracy"] == 1 and m["auc"] == 1 and m["confusion"] == [[2, 0], [0, 2]]
    assert m["ci95"]["accuracy"] == [1.0, 1.0]


def test_threshold_effect_is_reported() -> None:
    """Perfect ranking, every score above 0.5: accuracy 0.5 at the default threshold, 1.0 at the best one."""
    m = binary_metrics(np.array([0, 0, 1, 1]), np.array([0.6, 0.7, 0.8, 0.9]), n_boot=0)
    assert m["accuracy"] == 0.5 and m["auc"] == 1 and m["best_threshold_accuracy"] == 1.0


def test_ece() -> None:
    y = np.array([1] * 8 + [0] * 2)
    assert expected_calibration_error(y, np.full(10, 0.8)) < 1e-9
    assert abs(expected_calibration_error(y, np.full(10, 0.3)) - 0.5) < 1e-9


def test_temperature_shrinks_overconfident_logits() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    logits = (2 * y - 1) * 1.0 + rng.normal(0, 1, 400)
    t1, t10 = fit_temperature(logits, y), fit_temperature(logits * 10, y)
    assert t10 > 3 and abs(t10 / t1 - 10) < 0.5  # scaling logits by 10 scales the fitted T by 10
