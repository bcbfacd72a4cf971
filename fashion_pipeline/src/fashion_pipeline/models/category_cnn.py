"""A small CNN trained here on the catalogue: masterCategory and articleType from a 64x64 image.

FashionNet without DeepFashion weights predicts nothing meaningful; this model does, for the
labels this catalogue has. Its weights (< 3 MB) and a JSON model card ship in the package
(``category_cnn.pt`` / ``category_cnn.json``), so the model step works on a fresh clone;
``fashion-pipeline train-category-model`` retrains them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from fashion_pipeline.models.base import UNTRAINED, ImageModel, apply_torch_threads, file_digest, images_to_batch, top_k

#: Shipped weights and card, beside this module.
PACKAGED_WEIGHTS = Path(__file__).with_name("category_cnn.pt")
PACKAGED_CARD = Path(__file__).with_name("category_cnn.json")

#: Inputs are normalised with these (plain [0, 1] -> [-1, 1]).
MEAN = np.array([0.5, 0.5, 0.5], dtype=np.float32)
STD = np.array([0.5, 0.5, 0.5], dtype=np.float32)


def _block(c_in: int, c_out: int, n_conv: int) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for i in range(n_conv):
        layers += [nn.Conv2d(c_in if i == 0 else c_out, c_out, 3, padding=1, bias=False),
                   nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]
    return [*layers, nn.MaxPool2d(2)]


class CategoryCNN(nn.Module):
    """Four conv blocks, global average pool, two heads (masterCategory, articleType).

    Parameters
    ----------
    n_master, n_article
        Number of classes of each head.
    width
        Channels of the first block (doubling per block).
    """

    def __init__(self, n_master: int, n_article: int, width: int = 16) -> None:
        super().__init__()
        w = width
        self.features = nn.Sequential(
            *_block(3, w, 1), *_block(w, 2 * w, 2), *_block(2 * w, 4 * w, 2), *_block(4 * w, 8 * w, 2),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2),
        )
        self.master_head = nn.Linear(8 * w, n_master)
        self.article_head = nn.Linear(8 * w, n_article)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.features(x)
        return self.master_head(f), self.article_head(f)


class CategoryModel(ImageModel):
    """Inference wrapper of :class:`CategoryCNN`.

    Parameters
    ----------
    weights
        A checkpoint written by :func:`fashion_pipeline.models.train.train_category_model`
        (a dict with ``state_dict`` and ``card``). Default: the packaged one when present,
        else an untrained model over the card's classes (outputs say ``"untrained"``).
    """

    name = "category_cnn"

    def __init__(self, weights: str | Path | None = None) -> None:
        apply_torch_threads()
        path = Path(weights) if weights is not None else (PACKAGED_WEIGHTS if PACKAGED_WEIGHTS.exists() else None)
        if path is not None:
            ckpt = torch.load(path, map_location="cpu", weights_only=True)
            if not isinstance(ckpt, dict) or "state_dict" not in ckpt or "card" not in ckpt:
                raise ValueError(f"{path}: not a category_cnn checkpoint (needs 'state_dict' and 'card')")
            self.card: dict[str, Any] = json.loads(ckpt["card"]) if isinstance(ckpt["card"], str) else ckpt["card"]
            self.net = CategoryCNN(len(self.card["master_classes"]), len(self.card["article_classes"]),
                                   width=int(self.card.get("width", 16)))
            self.net.load_state_dict(ckpt["state_dict"])
            self.weights = f"category_cnn:{path.name}@sha256:{file_digest(path)}"
        else:
            self.card = {"master_classes": ["Accessories", "Apparel", "Footwear", "Personal Care"],
                         "article_classes": ["Other"], "input_size": 64, "width": 16}
            self.net = CategoryCNN(len(self.card["master_classes"]), 1)
            self.weights = UNTRAINED
        self.input_size = int(self.card.get("input_size", 64))
        self.net.eval()

    def info(self) -> dict[str, Any]:
        """Name, weights, input size and the held-out accuracy from the model card."""
        out = super().info()
        out["held_out_accuracy"] = self.card.get("held_out_accuracy")
        return out

    @torch.inference_mode()
    def predict(self, images: Sequence[np.ndarray], *, top_k: int = 5) -> list[dict[str, Any]]:
        """Per image: top-k masterCategory and top-k articleType with probabilities."""
        if not images:
            return []
        master, article = self.net(images_to_batch(images, self.input_size, MEAN, STD))
        pm = master.softmax(-1).numpy()
        pa = article.softmax(-1).numpy()
        return [
            {
                "model": self.name,
                "weights": self.weights,
                "masterCategory": _top(pm[i], self.card["master_classes"], top_k),
                "articleType": _top(pa[i], self.card["article_classes"], top_k),
            }
            for i in range(len(images))
        ]


def _top(probs: np.ndarray, names: Sequence[str], k: int) -> list[dict[str, Any]]:
    return top_k(probs, names, k)
