"""Regenerate the README figures from real MNIST: ``python mnist_sequences/docs/make_figures.py``.

Writes ``examples.png`` (plain sequences), ``policies.png`` (width policy) and
``augmentations.png`` (each augmentation option alone, then all together) next to this file.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from mnist_sequences import Augmentation, SequenceGenerator, save_grid

HERE = Path(__file__).resolve().parent


def main() -> None:
    gen = SequenceGenerator("train", seed=0)
    batch = gen.sample_batch(8, (3, 8), (2, 10), 256, rng=2024)
    print(save_grid(batch.images, batch.layout.labels, HERE / "examples.png"))

    digits, spacing, width = [2, 0, 2, 6], (2, 10), 180
    rows, labels = [], []
    for align in ("left", "center", "right", "random"):
        image, layout = gen.generate(digits, spacing, width, rng=7, align=align)
        rows.append(image)
        labels.append(f"align={align!r}: x={list(layout.x)} gaps={list(layout.gaps)}")
    for overflow in ("resample", "scale"):
        image, layout = gen.generate([1, 2, 3, 4, 5, 6], (1, 12), 180, rng=7, overflow=overflow)
        rows.append(image)
        labels.append(
            f"6 digits, spacing 1..12 in 180 px, overflow={overflow!r}: gaps={list(layout.gaps)} scale={layout.scale:.2f}"
        )
    print(save_grid(np.stack(rows), labels, HERE / "policies.png"))

    none = Augmentation.none()
    options = {
        "none": none,
        "elastic alpha=34 sigma=4": replace(none, elastic_alpha=34.0),
        "rotation 15 deg": replace(none, rotation=15.0),
        "shear 15 deg": replace(none, shear=15.0),
        "scale 0.8-1.2": replace(none, scale=(0.8, 1.2)),
        "thickness +1 (dilate)": replace(none, thickness=(1, 1)),
        "thickness -1 (erode)": replace(none, thickness=(-1, -1)),
        "vertical jitter 3 px": replace(none, jitter=3),
        "noise std 0.08": replace(none, noise=0.08),
        "Augmentation() defaults": Augmentation(),
    }
    rows = [gen.generate([3, 5, 0, 8, 1], (4, 8), 200, rng=11, augment=aug).image for aug in options.values()]
    print(save_grid(np.stack(rows), list(options), HERE / "augmentations.png"))


if __name__ == "__main__":
    main()
