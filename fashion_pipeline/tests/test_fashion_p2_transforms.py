"""Transform step: crop bounds, output size and padding, determinism, odd inputs, validation."""

from __future__ import annotations

import numpy as np
import pytest
from fashion_pipeline.transforms import (
    TransformPipeline,
    TransformStepError,
    available_steps,
    derive_seed,
)
from fashion_pipeline.transforms.steps import DEFAULT_FILL
from PIL import Image


def _img(h: int = 80, w: int = 60, channels: int = 3, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    shape = (h, w) if channels == 1 else (h, w, channels)
    return rng.integers(0, 200, size=shape, dtype=np.uint8)  # never pure white: padding is visible


@pytest.mark.parametrize("seed", range(60))
def test_crop_each_side_between_80_and_100_percent(seed):
    pipe = TransformPipeline([{"name": "random_crop"}])
    out = pipe(_img(), seed=seed)
    rec = out.params[0]
    x0, y0, x1, y1 = rec["box"]
    assert out.image.shape[:2] == (y1 - y0, x1 - x0)
    assert 0 <= x0 < x1 <= 60 and 0 <= y0 < y1 <= 80
    assert 48 <= x1 - x0 <= 60 and 64 <= y1 - y0 <= 80  # 80 %..100 % of 60 x 80
    assert np.array_equal(out.image, _img()[y0:y1, x0:x1])


def test_crop_fractions_vary_independently():
    pipe = TransformPipeline([{"name": "random_crop"}])
    fr = np.array([[p["width_fraction"], p["height_fraction"]] for p in (pipe(_img(), seed=s).params[0] for s in range(200))])
    assert fr.min() >= 0.79 and fr.max() <= 1.0
    assert fr[:, 0].std() > 0.03 and fr[:, 1].std() > 0.03
    assert abs(np.corrcoef(fr[:, 0], fr[:, 1])[0, 1]) < 0.3


def test_default_output_is_256_square_with_white_padding_and_aspect_kept():
    out = TransformPipeline.default()(_img(), seed=1)
    assert out.image.shape == (256, 256, 3)
    fit = out.params[1]
    crop = out.params[0]
    cw = crop["box"][2] - crop["box"][0]
    ch = crop["box"][3] - crop["box"][1]
    rw, rh = fit["resized_size"]
    assert max(rw, rh) == 256
    assert abs(rw / rh - cw / ch) < 0.03  # aspect ratio kept
    pad = fit["padding"]
    assert pad["left"] + pad["right"] == 256 - rw and pad["top"] + pad["bottom"] == 256 - rh
    assert pad["left"] > 0  # portrait input: padded at the sides
    assert (out.image[:, : pad["left"]] == DEFAULT_FILL).all()
    assert (out.image[:, 256 - pad["right"] :] == DEFAULT_FILL).all()
    inner = out.image[:, pad["left"] + 2 : 256 - pad["right"] - 2]
    assert (inner != DEFAULT_FILL).any()


def test_stretch_mode_and_custom_fill():
    out = TransformPipeline([{"name": "random_crop"}, {"name": "fit", "params": {"mode": "stretch"}}])(_img(), seed=2)
    assert out.image.shape == (256, 256, 3)
    assert (out.image != DEFAULT_FILL).all()  # no padding at all
    out = TransformPipeline([{"name": "fit", "params": {"size": 100, "fill": [0, 128, 255]}}])(_img(), seed=2)
    assert out.image.shape == (100, 100, 3)
    assert out.image[50, 0].tolist() == [0, 128, 255]


def test_same_seed_same_output_different_seed_differs():
    pipe = TransformPipeline.default()
    a = pipe(_img(), seed=derive_seed(42, 15970))
    b = TransformPipeline.default()(_img(), seed=derive_seed(42, "15970"))
    assert np.array_equal(a.image, b.image) and a.params == b.params
    others = [pipe(_img(), seed=derive_seed(s, 15970)).params[0]["box"] for s in range(10)]
    assert len({tuple(o) for o in others}) > 1


@pytest.mark.parametrize(("shape", "channels"), [((80, 60), 1), ((1, 1), 3), ((2, 3), 1), ((1, 300), 3), ((5, 4), 3)])
def test_grayscale_and_tiny_images(shape, channels):
    img = _img(*shape, channels=channels)
    for seed in range(20):
        out = TransformPipeline.default()(img, seed=seed)
        assert out.image.shape[:2] == (256, 256)
        assert out.image.ndim == (2 if channels == 1 else 3)


def test_grayscale_with_rgb_fill_uses_luma():
    out = TransformPipeline([{"name": "fit", "params": {"fill": [255, 0, 0]}}])(_img(channels=1), seed=0)
    assert out.image[128, 0] == 76  # 0.299 * 255


def test_pil_inputs_of_other_modes():
    rgba = Image.fromarray(_img()).convert("RGBA")
    assert TransformPipeline.default()(rgba, seed=0).image.shape == (256, 256, 3)
    assert TransformPipeline.default()(Image.fromarray(_img(channels=1)), seed=0).image.shape == (256, 256)


@pytest.mark.parametrize(
    ("steps", "needle"),
    [
        ([{"name": "rotate_wildly"}], "unknown transform step 'rotate_wildly'"),
        ([{"name": "random_crop", "params": {"min_scale": 0.9, "max_scale": 0.8}}], "min_scale"),
        ([{"name": "random_crop", "params": {"min_scale": 0}}], "min_scale"),
        ([{"name": "fit", "params": {"mode": "squash"}}], "mode"),
        ([{"name": "fit", "params": {"fill": 300}}], "fill"),
        ([{"name": "fit", "params": {"size": 256, "colour": 1}}], "colour"),
    ],
)
def test_invalid_steps_are_rejected_with_a_clear_message(steps, needle):
    with pytest.raises(TransformStepError, match=needle):
        TransformPipeline(steps)


def test_bad_arrays_are_rejected():
    with pytest.raises(TypeError):
        TransformPipeline.default()(np.zeros((4, 4, 3), np.float32), seed=0)
    with pytest.raises(ValueError):
        TransformPipeline.default()(np.zeros((4, 4, 4), np.uint8), seed=0)


def test_extensible_steps_are_listed_and_recorded():
    names = set(available_steps())
    assert {"random_crop", "fit", "horizontal_flip", "brightness_contrast"} <= names
    pipe = TransformPipeline([{"name": "horizontal_flip", "params": {"p": 1.0}}, {"name": "fit", "params": {"size": 32}}])
    img = _img(32, 32)
    out = pipe(img, seed=0)
    assert out.params[0] == {"name": "horizontal_flip", "flipped": True}
    assert np.array_equal(out.image, img[:, ::-1])
    assert pipe.describe()[1]["params"]["size"] == 32 and pipe.describe()[1]["params"]["mode"] == "pad"
