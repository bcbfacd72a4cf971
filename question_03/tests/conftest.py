"""Shared fixtures: a tiny synthetic face data set (raw shared layout) and a tiny trained model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image


def _image(rng: np.random.Generator, fake: bool, size: int = 256) -> Image.Image:
    """'Real': smooth colour blobs. 'Fake': the same plus a periodic high-frequency pattern."""
    base = rng.uniform(60, 200, (4, 4, 3))
    img = np.asarray(Image.fromarray(base.astype(np.uint8)).resize((size, size), Image.BICUBIC), dtype=np.float64)
    if fake:
        yy, xx = np.mgrid[0:size, 0:size]
        img += 12.0 * (((yy + xx) % 4) < 2)[..., None]
    img += rng.normal(0, 2, img.shape)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def make_faces(root: Path, n_per_class: int = 12, n_sg3: int = 4, seed: int = 0) -> Path:
    """Write real/ fake/ and labels.csv like the shared faces folder."""
    rng = np.random.default_rng(seed)
    rows = []
    for label in ("real", "fake"):
        (root / label).mkdir(parents=True, exist_ok=True)
        for i in range(n_per_class):
            name = f"{label}/{label[0]}{i:03d}.jpg"
            _image(rng, label == "fake").save(root / name, quality=95)
            rows.append((name, label, "test", "StyleGAN (synthetic)" if label == "fake" else ""))
    for i in range(n_sg3):
        name = f"fake/sg3_{i:03d}.png"
        _image(rng, True).save(root / name)
        rows.append((name, "fake", "test", "StyleGAN3 synthetic"))
    pd.DataFrame(rows, columns=["filename", "label", "source", "generator_if_known"]).to_csv(
        root / "labels.csv", index=False
    )
    return root


@pytest.fixture(scope="session")
def faces_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny raw-layout face data set (24 seen + 4 unseen-generator images)."""
    return make_faces(tmp_path_factory.mktemp("faces"))


@pytest.fixture(scope="session")
def tiny_model(faces_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained for two short epochs on :func:`faces_dir` (seconds)."""
    from face_classifier.train import TrainConfig, train

    out = tmp_path_factory.mktemp("model")
    train(
        faces_dir,
        out,
        TrainConfig(crop=64, width=4, batch_size=8, max_epochs=2, time_budget_min=1.0, threads=1),
        progress=False,
    )
    return out
