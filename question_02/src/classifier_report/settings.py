"""The one settings object of ``classifier_report`` (environment prefix ``CLASSIFIER_REPORT_``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _env(name: str, default: str) -> str:
    return os.environ.get(f"CLASSIFIER_REPORT_{name}", default)


@dataclass(frozen=True)
class Settings:
    """Report defaults, each settable from the environment.

    Attributes
    ----------
    threshold
        ``CLASSIFIER_REPORT_THRESHOLD``: decision threshold on ``prob_fake`` (default 0.5).
    n_bootstrap
        ``CLASSIFIER_REPORT_N_BOOTSTRAP``: bootstrap resamples for AUC intervals (default 200).
    ece_bins
        ``CLASSIFIER_REPORT_ECE_BINS``: equal-width bins of the calibration curve (default 10).
    leak_threshold
        ``CLASSIFIER_REPORT_LEAK_THRESHOLD``: pHash Hamming distance counted as a near-duplicate
        across train and validation (default 3).
    seed
        ``CLASSIFIER_REPORT_SEED``: seed of bootstraps, cross-validation and perturbations (default 0).
    """

    threshold: float = field(default_factory=lambda: float(_env("THRESHOLD", "0.5")))
    n_bootstrap: int = field(default_factory=lambda: int(_env("N_BOOTSTRAP", "200")))
    ece_bins: int = field(default_factory=lambda: int(_env("ECE_BINS", "10")))
    leak_threshold: int = field(default_factory=lambda: int(_env("LEAK_THRESHOLD", "3")))
    seed: int = field(default_factory=lambda: int(_env("SEED", "0")))


def get_settings() -> Settings:
    """Read the settings from the environment."""
    return Settings()
