"""Training: time-budgeted fit loop with per-epoch checkpoints and best-on-validation selection."""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from imagecore.torch import seed_everything, seeded_generator, set_threads
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader
from tqdm import tqdm

from .augment import train_transform
from .data import ArrayDataset, load_images
from .manifest import add_phash, load_manifest
from .model import FaceNet
from .split import split_manifest
from .torchutil import MODEL_FILE, fit_temperature, predict_logits, save_model, sigmoid

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    """Everything that defines a training run (saved next to the model)."""

    recipe: str = "robust"
    crop: int = 64
    val_crop: int = 128  # per-epoch validation scores centre crops of this side
    aug_p: float = 0.3
    width: int = 16
    highpass: bool = True
    batch_size: int = 32
    lr: float = 2e-3
    weight_decay: float = 1e-4
    max_epochs: int = 200
    time_budget_min: float = 45.0
    seed: int = 20261121
    threads: int = 2
    limit: int | None = None  # use only this many seen images (smoke tests)
    init_weights: str | None = None  # optional warm start; no pretrained weights exist here
    holdout: tuple[str, ...] = ("StyleGAN3",)
    input_size: int | None = None  # whole-face mode: resize to this side before cropping


def _subsample(df, limit: int, seed: int):
    seen = df[~df["generator"].isin(("StyleGAN3",))]
    per = max(2, limit // max(1, seen["label"].nunique()))
    parts = [g.sample(min(len(g), per), random_state=seed) for _, g in seen.groupby("label")]
    unseen = df[df["generator"].isin(("StyleGAN3",))].head(max(2, limit // 10))
    return __import__("pandas").concat([*parts, unseen]).sort_values("path").reset_index(drop=True)


def _shrink(images: np.ndarray, size: int) -> np.ndarray:
    import cv2

    return (
        np.stack([cv2.resize(im, (size, size), interpolation=cv2.INTER_AREA) for im in images])
        if len(images)
        else images
    )


def train(dataset: str | Path, out: str | Path, cfg: TrainConfig, progress: bool = True) -> dict:
    """Train a :class:`FaceNet` and write ``out/model.pt``, ``out/last.pt``, ``out/split.csv``,
    ``out/history.json``.

    Parameters
    ----------
    dataset
        Face data set folder (question_01 output or the raw shared ``faces/`` layout).
    out
        Output folder.
    cfg
        Run configuration.
    progress
        Show tqdm progress bars.

    Returns
    -------
    dict
        Summary: epochs run, best validation AUC/accuracy, temperature, seconds.
    """
    t0 = time.monotonic()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    set_threads(cfg.threads)
    seed_everything(cfg.seed)
    gen = seeded_generator(cfg.seed)
    df = load_manifest(dataset, compute_phash=False)
    if cfg.limit:
        df = _subsample(df, cfg.limit, cfg.seed)
    df = add_phash(df)
    df = split_manifest(df, holdout_generators=cfg.holdout, random_state=cfg.seed)
    df.to_csv(out / "split.csv", index=False)
    tr, va = df[df["split"] == "train"], df[df["split"] == "val"]
    log.info("split sizes: %s", df["split"].value_counts().to_dict())
    x_tr, x_va = (
        load_images(tr["path"].tolist(), progress=progress),
        load_images(va["path"].tolist(), progress=progress),
    )
    y_va = va["label"].to_numpy()
    if cfg.input_size:  # whole-face mode: shrink once here (the model does the same at inference)
        x_tr, x_va = _shrink(x_tr, cfg.input_size), _shrink(x_va, cfg.input_size)
    # Per-epoch validation scores centre crops (4x cheaper); the final model is scored on whole images.
    vc = min(x_va.shape[1], max(cfg.crop, cfg.val_crop))
    lo = (x_va.shape[1] - vc) // 2
    x_va_crop = np.ascontiguousarray(x_va[:, lo : lo + vc, lo : lo + vc])
    ds = ArrayDataset(
        x_tr, tr["label"].tolist(), train_transform(cfg.recipe, crop=cfg.crop, p=cfg.aug_p, seed=cfg.seed)
    )
    loader = DataLoader(ds, batch_size=cfg.batch_size, shuffle=True, drop_last=len(ds) > cfg.batch_size, generator=gen)
    model = FaceNet(width=cfg.width, highpass=cfg.highpass, input_size=cfg.input_size)
    if cfg.init_weights:
        state = torch.load(cfg.init_weights, map_location="cpu", weights_only=False)
        model.load_state_dict(state.get("state_dict", state))
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    budget = cfg.time_budget_min * 60.0
    history: list[dict] = []
    best = {"val_auc": -1.0, "epoch": -1}
    t_start = time.monotonic()
    for epoch in range(cfg.max_epochs):
        model.train()
        losses = []
        bar = tqdm(loader, desc=f"epoch {epoch + 1}", disable=not progress, leave=False)
        for xb, yb in bar:
            frac = min(1.0, (time.monotonic() - t_start) / budget)  # cosine schedule over wall time
            for group in opt.param_groups:
                group["lr"] = cfg.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * frac)))
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}")
        logits = predict_logits(model, x_va_crop)
        prob = sigmoid(logits)
        auc = float(roc_auc_score(y_va, prob)) if len(set(y_va)) == 2 else float("nan")
        row = {
            "epoch": epoch + 1,
            "train_loss": float(np.mean(losses)) if losses else float("nan"),
            "val_loss": float(
                torch.nn.functional.binary_cross_entropy_with_logits(
                    torch.tensor(logits), torch.tensor(y_va, dtype=torch.float64)
                )
            ),
            "val_acc": float(np.mean((prob >= 0.5) == y_va)),
            "val_auc": auc,
            "elapsed_s": round(time.monotonic() - t0, 1),
        }
        history.append(row)
        log.info(
            "epoch %(epoch)d loss %(train_loss).4f val_loss %(val_loss).4f val_acc %(val_acc).3f val_auc %(val_auc).3f",
            row,
        )
        if progress:
            print(json.dumps(row), flush=True)
        save_model(out / "last.pt", model, train_config=asdict(cfg), history=history, optimizer=opt.state_dict())
        if not auc <= best["val_auc"]:  # also true for the first epoch and for NaN
            best = {"val_auc": auc, "epoch": epoch + 1, "val_acc": row["val_acc"]}
            save_model(out / "best.pt", model, train_config=asdict(cfg))
        (out / "history.json").write_text(json.dumps(history, indent=1))
        if time.monotonic() - t_start >= budget:
            break
    # Final model: best epoch on validation, with a temperature fitted on validation logits.
    best_state = torch.load(out / "best.pt", map_location="cpu", weights_only=False)
    model.load_state_dict(best_state["state_dict"])
    logits = predict_logits(model, x_va)
    temperature = fit_temperature(logits, y_va) if len(set(y_va)) == 2 else 1.0
    summary = {
        "epochs": len(history),
        "best_epoch": best["epoch"],
        "best_val_auc": best["val_auc"],
        "best_val_acc": best.get("val_acc"),
        "temperature": temperature,
        "seconds": round(time.monotonic() - t0, 1),
        "split_sizes": df["split"].value_counts().to_dict(),
    }
    save_model(
        out / MODEL_FILE, model, train_config=asdict(cfg), temperature=temperature, history=history, summary=summary
    )
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    return summary
