"""Q3: a compact real-vs-fake face CNN: grouped stratified splits, robustness augmentations,
time-budgeted CPU training, calibrated evaluation and safe zip prediction (``face-classifier``)."""

__version__ = "0.1.0"
