"""Augmentation of whole digits *before* they are cut (never shift one half against the other)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


class RandomAffine:
    """Random small rotation, scale, shear and translation of (B,1,28,28) float images.

    Parameters
    ----------
    degrees, scale, shear, translate
        Maximum rotation (degrees), relative scale change, shear factor and translation (pixels).
    """

    def __init__(self, degrees: float = 10.0, scale: float = 0.1, shear: float = 0.15, translate: float = 1.5) -> None:
        self.degrees, self.scale, self.shear, self.translate = degrees, scale, shear, translate

    def __call__(self, x: torch.Tensor, gen: torch.Generator | None = None) -> torch.Tensor:
        b = x.shape[0]

        def u(lo: float, hi: float) -> torch.Tensor:
            return lo + (hi - lo) * torch.rand(b, generator=gen)

        ang = u(-self.degrees, self.degrees) * math.pi / 180
        sc = u(1 - self.scale, 1 + self.scale)
        sh = u(-self.shear, self.shear)
        tx = u(-self.translate, self.translate) * 2 / 28
        ty = u(-self.translate, self.translate) * 2 / 28
        cos, sin = torch.cos(ang) / sc, torch.sin(ang) / sc
        theta = torch.stack([torch.stack([cos, -sin + sh, tx], 1), torch.stack([sin, cos, ty], 1)], 1)  # (B,2,3)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
