"""Leakage, shortcut and unseen-generator checks on constructed cases."""

from __future__ import annotations

import imagehash
import numpy as np
import pandas as pd
import pytest
from classifier_report.checks import leakage_check, shortcut_check, unseen_generator_check
from classifier_report.errors import ReportInputError
from PIL import Image, ImageFilter


def _img(seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    small = Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8))
    return small.resize((128, 128), Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(1))


def _frame(imgs, prefix):
    return pd.DataFrame({"image_id": [f"{prefix}{i}" for i in range(len(imgs))],
                         "phash": [str(imagehash.phash(im)) for im in imgs],
                         "sha256": [f"{prefix}{i}" for i in range(len(imgs))]})  # fmt: skip


def test_leakage_finds_copies_and_near_copies_of_training_images():
    train_imgs = [_img(i) for i in range(40)]
    val_imgs = [_img(100 + i) for i in range(20)]
    val_imgs[3] = train_imgs[5]  # same picture
    val_imgs[7] = train_imgs[9].resize((96, 96)).resize((128, 128))  # near copy
    train, val = _frame(train_imgs, "t"), _frame(val_imgs, "v")
    val.loc[3, "sha256"] = "t5"  # byte-identical file
    correct = np.zeros(20, dtype=bool)
    correct[[3, 7]] = True
    res = leakage_check(val, train, threshold=3, correct=correct)
    assert res.per_image["leaked"].to_numpy().nonzero()[0].tolist() == [3, 7]
    assert res.per_image.loc[7, "nearest_train"] == "t9"
    assert res.summary["exact"] == 1 and res.summary["leaked"] == 2
    assert res.summary["accuracy_leaked"] == 1.0 and res.summary["accuracy_clean"] == 0.0


def test_leakage_needs_hashes():
    with pytest.raises(ReportInputError, match="no phash"):
        leakage_check(pd.DataFrame({"x": [1]}), pd.DataFrame({"phash": ["00"]}))


def _meta(n, seed, shortcut: bool):
    rng = np.random.default_rng(seed)
    label = np.where(rng.random(n) < 0.5, "fake", "real")
    fmt = np.where(label == "fake", "PNG", "JPEG") if shortcut else rng.choice(["PNG", "JPEG"], n)
    return pd.DataFrame({"label": label, "format": fmt, "file_size": rng.integers(5_000, 20_000, n),
                         "jpeg_quality": np.where(fmt == "JPEG", 75.0, np.nan), "width": 256, "height": 256})  # fmt: skip


def test_shortcut_is_found_when_format_gives_the_label_away():
    res = shortcut_check(_meta(300, 0, shortcut=True))
    assert res.auc > 0.95 and res.per_feature.iloc[0]["auc"] == 1.0
    assert set(res.pure_values["value"]) >= {"PNG", "JPEG"}


def test_no_shortcut_on_label_independent_metadata():
    res = shortcut_check(_meta(400, 1, shortcut=False))
    assert res.auc < 0.65 and res.pure_values.empty


def test_shortcut_needs_enough_rows_per_class():
    with pytest.raises(ReportInputError, match="rows of each class"):
        shortcut_check(_meta(6, 2, shortcut=True))


def test_unseen_generator_is_marked():
    ev = pd.DataFrame({"y_true": [1, 1, 1, 1, 0], "generator": ["A", "A", "B", "B", "none"],
                       "prob_fake": [0.9, 0.8, 0.2, 0.6, 0.1]})  # fmt: skip
    train = pd.DataFrame({"label": ["fake", "real"], "generator": ["A", "none"]})
    t = unseen_generator_check(ev, train).set_index("generator")
    assert t.loc["A", "recall"] == 1.0 and bool(t.loc["A", "seen_in_train"]) is True
    assert t.loc["B", "recall"] == 0.5 and bool(t.loc["B", "seen_in_train"]) is False
