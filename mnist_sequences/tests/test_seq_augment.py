"""Augmentation options: each does what it says, stays in range, is seeded."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from mnist_sequences.augment import _gaussian_matrix, bilinear_sample

from mnist_sequences import Augmentation


@pytest.fixture(scope="module")
def digits(mnist_gen):
    return mnist_gen.source.images[:64].astype(np.float32) / 255


def test_none_is_identity(digits):
    out = Augmentation.none().apply_digits(digits, np.random.default_rng(0))
    np.testing.assert_array_equal(out, digits)
    assert not Augmentation.none().geometric


@pytest.mark.parametrize(
    "option",
    [
        {"elastic_alpha": 34.0},
        {"rotation": 15.0},
        {"shear": 15.0},
        {"scale": (0.8, 1.2)},
        {"thickness": (1, 1)},
        {"thickness": (-1, -1)},
        {"jitter": 3},
    ],
)
def test_each_option_changes_digits_within_range_and_is_seeded(digits, option):
    aug = replace(Augmentation.none(), **option)
    a = aug.apply_digits(digits, np.random.default_rng(1))
    b = aug.apply_digits(digits, np.random.default_rng(1))
    assert a.shape == digits.shape and a.dtype == np.float32
    assert 0.0 <= a.min() and a.max() <= 1.0
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, digits)


def test_dilation_adds_ink_and_erosion_removes_it(digits):
    thick = replace(Augmentation.none(), thickness=(1, 1)).apply_digits(digits, np.random.default_rng(0))
    thin = replace(Augmentation.none(), thickness=(-1, -1)).apply_digits(digits, np.random.default_rng(0))
    assert (thick >= digits).all() and thick.sum() > 1.2 * digits.sum()
    assert (thin <= digits).all() and thin.sum() < 0.8 * digits.sum()


def _shift(img, s):
    out = np.zeros_like(img)
    if s >= 0:
        out[s:] = img[: img.shape[0] - s]
    else:
        out[:s] = img[-s:]
    return out


def test_jitter_is_an_exact_vertical_shift(digits):
    aug = replace(Augmentation.none(), jitter=4)
    out = aug.apply_digits(digits, np.random.default_rng(3))
    for src, dst in zip(digits, out, strict=True):
        shifts = [s for s in range(-4, 5) if np.allclose(_shift(src, s), dst, atol=1e-6)]
        assert shifts, "each digit must be its source shifted by an integer in -4..4"


def test_elastic_preserves_mass_roughly_and_rotation_by_zero_is_identity(digits):
    out = Augmentation.elastic_only().apply_digits(digits, np.random.default_rng(0))
    ratio = out.sum() / digits.sum()
    assert 0.7 < ratio < 1.3
    same = replace(Augmentation.none(), rotation=1e-9).apply_digits(digits, np.random.default_rng(0))
    np.testing.assert_allclose(same, digits, atol=1e-4)


def test_noise_is_image_level_and_clipped():
    images = np.zeros((3, 28, 50), dtype=np.float32)
    out = replace(Augmentation.none(), noise=0.1).apply_images(images, np.random.default_rng(0))
    assert out.min() == 0.0 and 0 < out.max() <= 1.0 and out.std() > 0.01


def test_gaussian_matrix_rows_sum_to_one_and_smooth():
    g = _gaussian_matrix(28, 4.0)
    np.testing.assert_allclose(g.sum(axis=1), 1.0, rtol=1e-5)
    assert g[14, 14] > g[14, 18] > g[14, 24] > 0


def test_bilinear_sample_identity_and_zero_outside():
    stack = np.random.default_rng(0).random((2, 5, 5)).astype(np.float32)
    yy, xx = np.mgrid[0:5, 0:5].astype(np.float32)
    out = bilinear_sample(stack, np.broadcast_to(xx, (2, 5, 5)), np.broadcast_to(yy, (2, 5, 5)))
    np.testing.assert_allclose(out, stack, atol=1e-6)
    far = bilinear_sample(stack, np.full((2, 5, 5), 50.0, np.float32), np.full((2, 5, 5), -50.0, np.float32))
    assert not far.any()


@pytest.mark.parametrize(
    "bad",
    [
        {"elastic_alpha": -1},
        {"elastic_sigma": 0},
        {"rotation": -5},
        {"scale": (1.2, 1.0)},
        {"thickness": (1, 0)},
        {"noise": -0.1},
    ],
)
def test_invalid_options_raise(bad):
    with pytest.raises(ValueError):
        replace(Augmentation(), **bad)


def test_augmented_generation_keeps_layout_and_range(mnist_gen):
    image, layout = mnist_gen.generate([1, 2, 3], (2, 6), 120, rng=0, augment=Augmentation())
    assert image.shape == (28, 120) and image.dtype == np.float32
    assert 0.0 <= image.min() and image.max() <= 1.0
    plain, plain_layout = mnist_gen.generate([1, 2, 3], (2, 6), 120, rng=0)
    assert layout.mnist_indices == plain_layout.mnist_indices and layout.x == plain_layout.x
    assert not np.array_equal(image, plain)
    u8 = mnist_gen.generate_batch([[1, 2, 3]], (2, 6), 120, rng=0, augment=Augmentation(), dtype=np.uint8)
    assert u8.images.dtype == np.uint8
