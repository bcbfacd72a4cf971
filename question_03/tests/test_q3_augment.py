import numpy as np
import pytest
from face_classifier.augment import train_transform


@pytest.fixture
def image() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (256, 256, 3), dtype=np.uint8)


@pytest.mark.parametrize("recipe", ["robust", "none"])
def test_output_is_crop_sized_uint8(recipe: str, image: np.ndarray) -> None:
    out = train_transform(recipe, crop=96, seed=1)(image=image)["image"]
    assert out.shape == (96, 96, 3) and out.dtype == np.uint8


def test_small_images_are_padded_to_crop() -> None:
    out = train_transform("none", crop=64, seed=0)(image=np.zeros((40, 50, 3), np.uint8))["image"]
    assert out.shape == (64, 64, 3)


def test_seeded_pipelines_repeat(image: np.ndarray) -> None:
    a = train_transform("robust", seed=5)
    b = train_transform("robust", seed=5)
    for _ in range(3):
        assert np.array_equal(a(image=image)["image"], b(image=image)["image"])


def test_robust_recipe_changes_pixels_beyond_crop_and_flip(image: np.ndarray) -> None:
    """With p=1 blur+JPEG always fire: the output is no crop/flip of the input any more."""
    out = train_transform("robust", crop=256, p=1.0, seed=2)(image=image)["image"]
    assert not np.array_equal(out, image) and not np.array_equal(out, image[:, ::-1])
    assert np.abs(out.astype(int) - image).mean() > 5  # heavy blur on noise changes pixels a lot


def test_none_recipe_only_crops_and_flips(image: np.ndarray) -> None:
    out = train_transform("none", crop=256, seed=3)(image=image)["image"]
    assert np.array_equal(out, image) or np.array_equal(out, image[:, ::-1])


def test_unknown_recipe() -> None:
    with pytest.raises(ValueError, match="unknown augmentation recipe"):
        train_transform("wild")
