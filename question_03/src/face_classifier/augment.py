"""Albumentations pipelines: the training recipe for unseen images and its ablation baseline.

The ``"robust"`` recipe follows Wang et al. 2020 ("CNN-generated images are surprisingly easy to
spot... for now"): Gaussian blur with sigma in [0, 3] and JPEG re-compression with quality in
[30, 100], each applied with probability ``p``; it adds rescaling (down then up), sensor-like
noise, colour jitter, flips and cutout. Crops are taken at native resolution (no resize), so the
network sees the pixel-level traces a generator leaves.
"""

from __future__ import annotations

import albumentations as A
import cv2
import imagecore  # noqa: F401  (sets NO_ALBUMENTATIONS_UPDATE before albumentations loads)

RECIPES = ("robust", "none")


def train_transform(recipe: str = "robust", *, crop: int = 64, p: float = 0.3, seed: int | None = None) -> A.Compose:
    """Build the training augmentation pipeline.

    Parameters
    ----------
    recipe
        ``"robust"`` (blur/JPEG/rescale/noise/colour/cutout) or ``"none"`` (crop and flip only:
        the ablation baseline).
    crop
        Side of the random square crop, in pixels, taken at native resolution.
    p
        Probability of each of blur and JPEG re-compression (Wang et al. used 0.5 and 0.1).
    seed
        Seed of the pipeline's random generator.

    Returns
    -------
    albumentations.Compose
        Called as ``transform(image=uint8_hwc)["image"]``.

    Raises
    ------
    ValueError
        Unknown recipe.
    """
    if recipe not in RECIPES:
        raise ValueError(f"unknown augmentation recipe {recipe!r}; expected one of {RECIPES}")
    steps: list[A.BasicTransform] = [A.RandomCrop(crop, crop, pad_if_needed=True), A.HorizontalFlip(p=0.5)]
    if recipe == "robust":
        steps += [
            A.GaussianBlur(blur_limit=0, sigma_limit=(0.1, 3.0), p=p),
            A.Downscale(
                scale_range=(0.5, 0.9),
                interpolation_pair={"downscale": cv2.INTER_AREA, "upscale": cv2.INTER_LINEAR},
                p=0.15,
            ),
            A.GaussNoise(std_range=(0.005, 0.03), p=0.15),
            A.ColorJitter(brightness=0.15, contrast=0.15, saturation=0.15, hue=0.02, p=0.3),
            A.ImageCompression(quality_range=(30, 100), p=p),
            A.CoarseDropout(num_holes_range=(1, 2), hole_height_range=(0.1, 0.25), hole_width_range=(0.1, 0.25), p=0.2),
        ]
    return A.Compose(steps, seed=seed)
