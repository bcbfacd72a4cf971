"""A simple baseline real-vs-fake classifier: Fourier-spectrum features + logistic regression.

Generated images carry traces of their up-sampling layers in the frequency domain; the
log-magnitude spectrum, averaged over rings (radial profile) and over a coarse 2-D grid,
is a classic, cheap feature set for it.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from imagecore.io import open_image
from PIL import Image
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

SIZE = 256
RADIAL_BINS = 64
GRID = 16


@lru_cache(maxsize=1)
def _rings() -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.indices((SIZE, SIZE))
    r = np.hypot(yy - SIZE // 2, xx - SIZE // 2)
    ring = np.minimum((r / (SIZE / 2) * RADIAL_BINS).astype(int), RADIAL_BINS).ravel()
    counts = np.maximum(np.bincount(ring, minlength=RADIAL_BINS + 1)[:RADIAL_BINS], 1)
    return ring, counts


def spectrum_features(img: Image.Image) -> np.ndarray:
    """Radial profile (64 bins) and 16x16 grid means of the centred log-magnitude spectrum of the gray image.

    The image is converted to gray and resized to 256x256 (bilinear) when needed.
    """
    gray = img.convert("L")
    if gray.size != (SIZE, SIZE):
        gray = gray.resize((SIZE, SIZE), Image.Resampling.BILINEAR)
    a = np.asarray(gray, dtype=np.float32) / 255.0
    a = a - a.mean()
    mag = np.log1p(np.abs(np.fft.fftshift(np.fft.fft2(a))))
    ring, counts = _rings()
    radial = np.bincount(ring, mag.ravel(), RADIAL_BINS + 1)[:RADIAL_BINS] / counts
    grid = mag.reshape(GRID, SIZE // GRID, GRID, SIZE // GRID).mean(axis=(1, 3)).ravel()
    return np.concatenate([radial, grid]).astype(np.float32)


def features_of(images: Sequence[Image.Image]) -> np.ndarray:
    """Stack :func:`spectrum_features` of several images."""
    return np.stack([spectrum_features(im) for im in images]) if images else np.zeros((0, RADIAL_BINS + GRID * GRID))


@dataclass
class SpectrumClassifier:
    """Spectrum features + standardisation + L2 logistic regression.

    Examples
    --------
    >>> clf = SpectrumClassifier(C=0.1)
    >>> clf.C
    0.1
    """

    C: float = 0.05
    seed: int = 0
    pipeline: Pipeline | None = field(default=None, repr=False)

    def fit(self, images: Sequence[Image.Image], y: Sequence[int]) -> SpectrumClassifier:
        """Fit on images and labels (1 = fake)."""
        self.pipeline = make_pipeline(StandardScaler(), LogisticRegression(C=self.C, max_iter=2000, random_state=self.seed))
        self.pipeline.fit(features_of(images), np.asarray(y))
        return self

    def fit_features(self, X: np.ndarray, y: Sequence[int]) -> SpectrumClassifier:
        """Fit on precomputed :func:`features_of` rows."""
        self.pipeline = make_pipeline(StandardScaler(), LogisticRegression(C=self.C, max_iter=2000, random_state=self.seed))
        self.pipeline.fit(X, np.asarray(y))
        return self

    def predict_proba_features(self, X: np.ndarray) -> np.ndarray:
        """Probability of fake for precomputed feature rows."""
        if self.pipeline is None:
            raise RuntimeError("fit the classifier first")
        return self.pipeline.predict_proba(X)[:, 1]

    def score_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        """Probability of fake for PIL images."""
        return self.predict_proba_features(features_of(images))

    def save(self, path: str | Path) -> Path:
        """Pickle the fitted model (load only files you produced yourself: pickle runs code)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(self))
        return path

    @staticmethod
    def load(path: str | Path) -> SpectrumClassifier:
        """Load a model saved by :meth:`save` (trusted files only)."""
        obj = pickle.loads(Path(path).read_bytes())  # noqa: S301 - own model files only, documented
        if not isinstance(obj, SpectrumClassifier):
            raise TypeError(f"{path}: not a SpectrumClassifier")
        return obj


def load_images(root: str | Path, rel_paths: Sequence[str]) -> list[Image.Image]:
    """Open dataset images (RGB) from their metadata ``path`` values."""
    root = Path(root)
    return [open_image(root / p, mode="RGB") for p in rel_paths]


@dataclass
class BaselineRun:
    """A trained baseline and its split."""

    model: SpectrumClassifier
    train: pd.DataFrame
    evaluated: pd.DataFrame
    predictions: pd.DataFrame


def train_baseline(
    meta: pd.DataFrame,
    root: str | Path,
    *,
    val_fraction: float = 0.3,
    holdout_generators: Sequence[str] = (),
    seed: int = 0,
    C: float = 0.05,
) -> BaselineRun:
    """Split the dataset, train the baseline, predict the validation rows.

    The split is random, stratified by ``label x generator``. Fakes of ``holdout_generators`` are
    never trained on: all of them go to validation (an unseen-generator test).

    Returns
    -------
    BaselineRun
        ``predictions`` has ``filename`` (the metadata ``path``), ``prob_fake``, ``label`` (predicted),
        ``split`` = ``val``.
    """
    rng = np.random.default_rng(seed)
    meta = meta.reset_index(drop=True)
    held = meta["generator"].astype(str).isin(list(holdout_generators)).to_numpy()
    is_val = held.copy()
    cells = meta["label"].astype(str) + "|" + meta["generator"].astype(str)
    for cell in cells[~held].unique():
        idx = np.flatnonzero((cells == cell).to_numpy() & ~held)
        k = round(len(idx) * val_fraction)
        is_val[rng.choice(idx, size=k, replace=False)] = True
    X = features_of(load_images(root, meta["path"].astype(str).tolist()))
    y = (meta["label"].astype(str) == "fake").astype(int).to_numpy()
    model = SpectrumClassifier(C=C, seed=seed).fit_features(X[~is_val], y[~is_val])
    prob = model.predict_proba_features(X[is_val])
    evaluated = meta[is_val]
    preds = pd.DataFrame({"filename": evaluated["path"].astype(str).to_numpy(), "prob_fake": np.round(prob, 6),
                          "label": np.where(prob >= 0.5, "fake", "real"), "split": "val"})  # fmt: skip
    return BaselineRun(model, meta[~is_val], evaluated, preds)
