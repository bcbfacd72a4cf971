"""Training of the small category CNN on the catalogue (``fashion-pipeline train-category-model``).

Data: every ``styles.csv`` row whose image exists in the images folder. Split: an id is held out
when ``derive_seed(0, id) % 5 == 0`` (20 %, a pure function of the id, so the split never changes
and never leaks). Inputs: the image fitted into 64x64 with white padding (the transform step's
``fit``). Labels: masterCategory, and articleType where the type has at least ``min_count``
training images (rarer types become ``"Other"``).
"""

from __future__ import annotations

import json
import logging
import platform
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from fashion_pipeline.models.category_cnn import MEAN, STD, CategoryCNN
from fashion_pipeline.transforms import TransformPipeline, derive_seed

log = logging.getLogger(__name__)

INPUT_SIZE = 64
OTHER = "Other"


def is_held_out(product_id: int) -> bool:
    """True for the 20 % of ids kept out of training (deterministic in the id)."""
    return derive_seed(0, int(product_id)) % 5 == 0


@dataclass
class CatalogueImages:
    """Images (N, 64, 64, 3) uint8 with their ids and labels."""

    ids: np.ndarray
    images: np.ndarray
    master: list[str]
    article: list[str]


def load_catalogue_images(styles_path: Path, images_dir: Path, *, cache: Path | None = None,
                          limit: int | None = None) -> CatalogueImages:
    """Read rows with an image, fit each image into 64x64 (cached as .npz when ``cache`` is given)."""
    from imagecore.io import ImageError, open_image
    from tqdm import tqdm

    from fashion_pipeline.catalog import read_styles

    if cache is not None and cache.exists() and limit is None:
        z = np.load(cache, allow_pickle=False)
        return CatalogueImages(z["ids"], z["images"], list(z["master"]), list(z["article"]))
    rows = [r for r in read_styles(styles_path).rows if r.masterCategory and r.articleType]
    rows = [r for r in rows if (Path(images_dir) / f"{r.id}.jpg").exists()]
    rows.sort(key=lambda r: r.id)
    if limit is not None:
        rows = rows[:limit]
    fit = TransformPipeline([{"name": "fit", "params": {"size": INPUT_SIZE}}])
    ids, imgs, master, article = [], [], [], []
    for r in tqdm(rows, desc="reading images", unit="img"):
        try:
            img = open_image(Path(images_dir) / f"{r.id}.jpg", mode="RGB")
        except ImageError as exc:
            log.warning("skipping %s: %s", r.id, exc)
            continue
        ids.append(r.id)
        imgs.append(fit(np.asarray(img), seed=0).image)
        master.append(r.masterCategory)
        article.append(r.articleType)
    data = CatalogueImages(np.array(ids, dtype=np.int64), np.stack(imgs), master, article)
    if cache is not None and limit is None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, ids=data.ids, images=data.images, master=np.array(master), article=np.array(article))
    return data


def _to_tensor(images: np.ndarray) -> torch.Tensor:
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float().div_(255.0)
    return (x - torch.from_numpy(MEAN)[:, None, None]) / torch.from_numpy(STD)[:, None, None]


def _augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    flip = torch.rand(x.shape[0], generator=gen) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    r = max(1, x.shape[-1] // 16)
    dx, dy = (int(v) for v in torch.randint(-r, r + 1, (2,), generator=gen))
    return torch.roll(x, shifts=(dy, dx), dims=(2, 3))


def _accuracy(net: CategoryCNN, x: torch.Tensor, ym: torch.Tensor, ya: torch.Tensor) -> tuple[float, float]:
    net.eval()
    pm, pa = [], []
    with torch.inference_mode():
        for s in range(0, x.shape[0], 256):
            m, a = net(x[s : s + 256])
            pm.append(m.argmax(1))
            pa.append(a.argmax(1))
    return float((torch.cat(pm) == ym).float().mean()), float((torch.cat(pa) == ya).float().mean())


def train_category_model(
    data: CatalogueImages,
    output: Path,
    *,
    epochs: int = 12,
    batch_size: int = 64,
    lr: float = 3e-3,
    width: int = 16,
    min_count: int = 15,
    seed: int = 0,
    threads: int = 1,
    input_size: int = INPUT_SIZE,
) -> dict[str, Any]:
    """Train, evaluate on the held-out ids, write ``output`` (.pt) and ``output`` with .json (card).

    Returns
    -------
    dict
        The model card (classes, split, accuracies on held-out ids, majority baselines, timings).
    """
    from tqdm import tqdm

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    held = np.array([is_held_out(i) for i in data.ids])
    train_idx, test_idx = np.flatnonzero(~held), np.flatnonzero(held)
    master_classes = sorted(set(data.master))
    counts = Counter(data.article[i] for i in train_idx)
    article_classes = [*sorted(a for a, c in counts.items() if c >= min_count), OTHER]
    m_index = {c: i for i, c in enumerate(master_classes)}
    a_index = {c: i for i, c in enumerate(article_classes)}
    ym = torch.tensor([m_index[c] for c in data.master])
    ya = torch.tensor([a_index.get(c, a_index[OTHER]) for c in data.article])
    images = data.images
    if input_size != images.shape[1]:
        import cv2

        images = np.stack([cv2.resize(im, (input_size, input_size), interpolation=cv2.INTER_AREA) for im in images])
    x = _to_tensor(images)
    xtr, ymtr, yatr = x[train_idx], ym[train_idx], ya[train_idx]
    net = CategoryCNN(len(master_classes), len(article_classes), width=width)
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    steps = epochs * ((len(train_idx) + batch_size - 1) // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    gen = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    history = []
    for epoch in range(epochs):
        net.train()
        perm = torch.randperm(len(train_idx), generator=gen)
        total = 0.0
        for s in tqdm(range(0, len(perm), batch_size), desc=f"epoch {epoch + 1}/{epochs}", leave=False):
            b = perm[s : s + batch_size]
            m, a = net(_augment(xtr[b], gen))
            loss = F.cross_entropy(m, ymtr[b]) + F.cross_entropy(a, yatr[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(b)
        history.append(round(total / len(perm), 4))
        log.info("epoch %d: loss %.4f", epoch + 1, history[-1])
    train_s = time.perf_counter() - start
    acc_m, acc_a = _accuracy(net, x[test_idx], ym[test_idx], ya[test_idx])
    base_m = Counter(ym[test_idx].tolist()).most_common(1)[0][1] / len(test_idx)
    base_a = Counter(ya[test_idx].tolist()).most_common(1)[0][1] / len(test_idx)
    card = {
        "model": "category_cnn",
        "task": "masterCategory and articleType from a product image",
        "input_size": input_size,
        "input": f"image fitted into {input_size}x{input_size} (aspect kept, white padding), RGB, (x/255 - 0.5) / 0.5",
        "width": width,
        "parameters": sum(p.numel() for p in net.parameters()),
        "master_classes": master_classes,
        "article_classes": article_classes,
        "split": "held out: derive_seed(0, id) % 5 == 0 (20 % of ids)",
        "n_train": len(train_idx),
        "n_held_out": len(test_idx),
        "held_out_accuracy": {"masterCategory": round(acc_m, 4), "articleType": round(acc_a, 4)},
        "majority_baseline": {"masterCategory": round(base_m, 4), "articleType": round(base_a, 4)},
        "article_min_count": min_count,
        "epochs": epochs,
        "batch_size": batch_size,
        "lr": lr,
        "seed": seed,
        "loss_history": history,
        "train_seconds": round(train_s, 1),
        "machine": {"python": platform.python_version(), "torch": torch.__version__, "threads": threads},
    }
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": net.state_dict(), "card": json.dumps(card)}, output)
    output.with_suffix(".json").write_text(json.dumps(card, indent=2) + "\n")
    return card
