"""FashionNet (Liu et al., "DeepFashion", CVPR 2016), written for this project.

Layout (the architecture of the paper and of i008/pytorch-deepfashion, re-implemented):

- ``backbone``: VGG16 with torchvision parameter names; ``features[:23]`` gives conv4 (relu4_3).
- global branch: ``backbone.features[23:]`` (pool4, conv5_x, pool5) -> 7x7 -> ``backbone.classifier[:5]``
  (fc6, fc7: 4096).
- pose branch: its own pool4 + conv5_x -> 7x7 -> ``pose_fc`` -> 8 landmark (x, y) in [0, 1] and
  8 visibility logits pairs (visible / hidden).
- landmark pooling: around each predicted landmark, a 3x3 window of conv4 features is sampled
  bilinearly *from that sample's own feature map* (``grid_sample`` takes one grid per sample) and
  weighted by the landmark's visibility; ``local_conv`` + max pool + ``local_fc`` give the local
  feature. (The public PyTorch version indexes the pooled features across the whole batch, so a
  sample's prediction depends on the other images in its batch; ours does not, see the tests.)
- fusion: concat(global, local) -> ``fusion_fc`` -> ``category_head`` (50) and ``attribute_head`` (1000).

Widths follow the paper where it gives them; ``pose_fc``/``local_fc``/``fusion_fc`` are 1024 wide
(scaled by ``width_mult``) to keep the CPU model under 1 GB.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from fashion_pipeline.models.base import UNTRAINED, ImageModel, apply_torch_threads, file_digest, images_to_batch
from fashion_pipeline.models.base import top_k as _top_k
from fashion_pipeline.models.labels import DEEPFASHION_CATEGORIES, LANDMARKS, NUM_ATTRIBUTES, attribute_names
from fashion_pipeline.models.vgg import CONV4_END, VGG16, scaled

NUM_LANDMARKS = len(LANDMARKS)


@dataclass
class FashionNetOutput:
    """Raw outputs for a batch of B images."""

    category_logits: torch.Tensor  # (B, 50)
    attribute_logits: torch.Tensor  # (B, 1000)
    landmarks: torch.Tensor  # (B, 8, 2) x, y in [0, 1] of the model input
    visibility_logits: torch.Tensor  # (B, 8, 2) [visible, hidden]

    @property
    def visibility(self) -> torch.Tensor:
        """(B, 8) probability that each landmark is visible."""
        return self.visibility_logits.softmax(-1)[..., 0]


def landmark_pool(features: torch.Tensor, landmarks: torch.Tensor, visibility: torch.Tensor, window: int = 3) -> torch.Tensor:
    """Sample a ``window`` x ``window`` patch of each sample's features around each of its landmarks.

    Parameters
    ----------
    features
        (B, C, H, W) conv4 features.
    landmarks
        (B, L, 2) landmark x, y in [0, 1].
    visibility
        (B, L) weights in [0, 1]; a hidden landmark contributes (almost) nothing.
    window
        Patch size in feature cells.

    Returns
    -------
    torch.Tensor
        (B, L, C, window, window); entry ``b`` depends only on ``features[b]``, ``landmarks[b]``
        and ``visibility[b]``.
    """
    b, c, h, w = features.shape
    n = landmarks.shape[1]
    offsets = torch.arange(window, dtype=features.dtype, device=features.device) - (window - 1) / 2
    dy, dx = torch.meshgrid(offsets * (2.0 / h), offsets * (2.0 / w), indexing="ij")  # cells -> [-1, 1]
    centre = landmarks * 2.0 - 1.0  # (B, L, 2) in [-1, 1]
    gx = centre[..., 0, None, None] + dx  # (B, L, k, k)
    gy = centre[..., 1, None, None] + dy
    grid = torch.stack([gx, gy], dim=-1).reshape(b, n * window, window, 2)
    patches = F.grid_sample(features, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    patches = patches.reshape(b, c, n, window, window).permute(0, 2, 1, 3, 4)
    return patches * visibility[:, :, None, None, None]


class FashionNet(nn.Module):
    """FashionNet: VGG16 conv4 features + pose branch + landmark pooling + global branch.

    Parameters
    ----------
    width_mult
        Multiplier of every width (1.0 = the paper's VGG16 model; tests use e.g. 1/16).
    num_categories, num_attributes
        Output sizes (DeepFashion: 50 and 1,000).
    window
        Landmark-pooling window in conv4 cells.
    """

    def __init__(
        self,
        width_mult: float = 1.0,
        num_categories: int = len(DEEPFASHION_CATEGORIES),
        num_attributes: int = NUM_ATTRIBUTES,
        window: int = 3,
    ) -> None:
        super().__init__()
        self.width_mult = width_mult
        self.window = window
        self.backbone = VGG16(width_mult=width_mult)
        c4 = scaled(512, width_mult)
        c5 = scaled(512, width_mult)
        hidden = scaled(1024, width_mult)
        fc7 = scaled(4096, width_mult)

        def conv5() -> nn.Sequential:
            layers: list[nn.Module] = [nn.MaxPool2d(2, 2)]
            c_in = c4
            for _ in range(3):
                layers += [nn.Conv2d(c_in, c5, 3, padding=1), nn.ReLU(inplace=True)]
                c_in = c5
            return nn.Sequential(*layers, nn.MaxPool2d(2, 2))

        self.pose_conv = conv5()
        self.pose_fc = nn.Sequential(nn.Linear(c5 * 7 * 7, hidden), nn.ReLU(inplace=True), nn.Dropout(0.5),
                                     nn.Linear(hidden, hidden), nn.ReLU(inplace=True))
        self.landmark_head = nn.Linear(hidden, NUM_LANDMARKS * 2)
        self.visibility_head = nn.Linear(hidden, NUM_LANDMARKS * 2)
        self.local_conv = nn.Sequential(nn.Conv2d(c4, c5, 3, padding=1), nn.ReLU(inplace=True))
        self.local_fc = nn.Sequential(nn.Linear(NUM_LANDMARKS * c5, hidden), nn.ReLU(inplace=True), nn.Dropout(0.5))
        self.fusion_fc = nn.Sequential(nn.Linear(fc7 + hidden, hidden), nn.ReLU(inplace=True), nn.Dropout(0.5))
        self.category_head = nn.Linear(hidden, num_categories)
        self.attribute_head = nn.Linear(hidden, num_attributes)
        for m in [self.pose_conv, self.pose_fc, self.landmark_head, self.visibility_head, self.local_conv,
                  self.local_fc, self.fusion_fc, self.category_head, self.attribute_head]:
            for p in m.modules():
                if isinstance(p, nn.Conv2d):
                    nn.init.kaiming_normal_(p.weight, mode="fan_out", nonlinearity="relu")
                    nn.init.zeros_(p.bias)  # type: ignore[arg-type]
                elif isinstance(p, nn.Linear):
                    nn.init.normal_(p.weight, 0, 0.01)
                    nn.init.zeros_(p.bias)  # type: ignore[arg-type]

    def init_from_vgg16(self, state_dict: dict[str, torch.Tensor]) -> None:
        """Load torchvision VGG16 weights into the backbone and copy conv5 into the pose branch."""
        self.backbone.load_state_dict(state_dict)
        src = [m for m in list(self.backbone.features)[CONV4_END:] if isinstance(m, nn.Conv2d)]
        dst = [m for m in self.pose_conv if isinstance(m, nn.Conv2d)]
        with torch.no_grad():
            for s, d in zip(src, dst, strict=True):
                d.weight.copy_(s.weight)
                d.bias.copy_(s.bias)  # type: ignore[union-attr,arg-type]

    def forward(self, x: torch.Tensor) -> FashionNetOutput:
        """Run on a (B, 3, H, W) normalised batch (H, W multiples of 16; 224 for the real model)."""
        conv4 = self.backbone.features[:CONV4_END](x)
        # global branch
        g = self.backbone.features[CONV4_END:](conv4)
        g = torch.flatten(F.adaptive_avg_pool2d(g, (7, 7)), 1)
        g = self.backbone.classifier[:5](g)
        # pose branch
        p = torch.flatten(F.adaptive_avg_pool2d(self.pose_conv(conv4), (7, 7)), 1)
        p = self.pose_fc(p)
        landmarks = torch.sigmoid(self.landmark_head(p)).reshape(-1, NUM_LANDMARKS, 2)
        vis_logits = self.visibility_head(p).reshape(-1, NUM_LANDMARKS, 2)
        visibility = vis_logits.softmax(-1)[..., 0]
        # local branch: landmark pooling, per sample
        pooled = landmark_pool(conv4, landmarks, visibility, self.window)  # (B, L, C, k, k)
        b, n, c, k, _ = pooled.shape
        local = self.local_conv(pooled.reshape(b * n, c, k, k))
        local = torch.amax(local, dim=(2, 3)).reshape(b, -1)
        local = self.local_fc(local)
        fused = self.fusion_fc(torch.cat([g, local], dim=1))
        return FashionNetOutput(
            category_logits=self.category_head(fused),
            attribute_logits=self.attribute_head(fused),
            landmarks=landmarks,
            visibility_logits=vis_logits,
        )


class FashionNetModel(ImageModel):
    """Inference wrapper: uint8 images -> top-k categories, top-k attributes, landmarks.

    Parameters
    ----------
    weights
        Path of a ``state_dict`` saved from :class:`FashionNet` (same ``width_mult``), or of a
        torchvision VGG16 ``state_dict`` (backbone only; the heads stay random). ``None`` runs
        with random weights and labels every output ``"weights": "untrained"``.
    width_mult, input_size
        Model width and input side (224 for the real model; tests use small values).
    attribute_names_path
        DeepFashion ``list_attr_cloth.txt`` for attribute names (placeholders otherwise).
    seed
        Seed of the random initialisation (so untrained outputs are reproducible).
    """

    name = "fashionnet"

    def __init__(
        self,
        weights: str | None = None,
        *,
        width_mult: float = 1.0,
        input_size: int = 224,
        attribute_names_path: str | None = None,
        seed: int = 0,
    ) -> None:
        apply_torch_threads()
        if input_size < 32 or input_size % 16:
            raise ValueError(f"input_size must be a multiple of 16 and >= 32, got {input_size}")
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            self.net = FashionNet(width_mult=width_mult)
        self.input_size = input_size
        self.attribute_names = attribute_names(attribute_names_path)
        self.weights = UNTRAINED
        if weights is not None:
            state = torch.load(weights, map_location="cpu", weights_only=True)
            if not isinstance(state, dict):
                raise ValueError(f"{weights}: not a state_dict")
            if any(k.startswith("backbone.") for k in state):
                try:
                    self.net.load_state_dict(state)
                except RuntimeError as exc:
                    first = str(exc).strip().splitlines()[1:2] or [""]
                    raise ValueError(
                        f"{weights}: not a FashionNet state_dict for width_mult={width_mult}: {first[0].strip()}"
                    ) from None
                kind = "fashionnet"
            else:
                try:
                    self.net.init_from_vgg16(state)
                except RuntimeError as exc:
                    raise ValueError(f"{weights}: neither a FashionNet nor a VGG16 state_dict: {exc}") from None
                kind = "vgg16-backbone-only"
            self.weights = f"{kind}:{Path(weights).name}@sha256:{file_digest(weights)}"
        self.net.eval()

    def info(self) -> dict[str, object]:
        """Name, weights label, input size."""
        return {"model": self.name, "weights": self.weights, "input_size": self.input_size,
                "width_mult": self.net.width_mult}

    @torch.inference_mode()
    def predict(self, images: Sequence[np.ndarray], *, top_k: int = 5) -> list[dict[str, Any]]:
        """Score a batch of uint8 images (any size, gray or RGB).

        Returns
        -------
        list of dict
            Per image: ``model``, ``weights``, ``categories`` (top-k of the 50 DeepFashion
            categories), ``attributes`` (top-k of 1,000 by independent sigmoid score), and
            ``landmarks`` (8 named points: x, y as fractions of the image, visibility).
        """
        if not images:
            return []
        out = self.net(images_to_batch(images, self.input_size))
        cat = out.category_logits.softmax(-1).numpy()
        att = torch.sigmoid(out.attribute_logits).numpy()
        lm = out.landmarks.numpy()
        vis = out.visibility.numpy()
        results = []
        for i in range(len(images)):
            results.append({
                "model": self.name,
                "weights": self.weights,
                "categories": _top_k(cat[i], DEEPFASHION_CATEGORIES, top_k),
                "attributes": _top_k(att[i], self.attribute_names, top_k),
                "landmarks": [
                    {"name": LANDMARKS[j], "x": round(float(lm[i, j, 0]), 4), "y": round(float(lm[i, j, 1]), 4),
                     "visible": round(float(vis[i, j]), 4)}
                    for j in range(NUM_LANDMARKS)
                ],
            })
        return results
