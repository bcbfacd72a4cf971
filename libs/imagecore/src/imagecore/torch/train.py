"""A small fit/evaluate loop: progress bar, validation, early stopping, checkpoints."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm.auto import tqdm

log = logging.getLogger(__name__)

Batch = tuple[torch.Tensor, torch.Tensor]
Metric = Callable[[torch.Tensor, torch.Tensor], float]


@dataclass
class EpochStats:
    """Numbers of one epoch."""

    epoch: int
    train_loss: float
    val_loss: float | None = None
    val_metric: float | None = None


@dataclass
class FitResult:
    """What :func:`fit` returns: per-epoch stats, the best epoch and whether it stopped early."""

    history: list[EpochStats] = field(default_factory=list)
    best_epoch: int = -1
    best_score: float = math.inf
    stopped_early: bool = False


def evaluate(
    model: nn.Module,
    loader: Iterable[Batch],
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    *,
    metric: Metric | None = None,
    device: torch.device | str = "cpu",
) -> tuple[float, float | None]:
    """Mean loss (and ``metric`` over all outputs) of ``model`` on ``loader``, without gradients."""
    model.eval()
    total, count = 0.0, 0
    outputs, targets = [], []
    with torch.no_grad():
        for inputs, target in loader:
            inputs, target = inputs.to(device), target.to(device)
            out = model(inputs)
            total += float(loss_fn(out, target)) * len(target)
            count += len(target)
            if metric is not None:
                outputs.append(out.cpu())
                targets.append(target.cpu())
    if count == 0:
        raise ValueError("evaluation loader is empty")
    score = metric(torch.cat(outputs), torch.cat(targets)) if metric is not None else None
    return total / count, score


def fit(
    model: nn.Module,
    train_loader: Iterable[Batch],
    *,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    epochs: int,
    val_loader: Iterable[Batch] | None = None,
    metric: Metric | None = None,
    higher_is_better: bool = True,
    patience: int | None = None,
    checkpoint: str | os.PathLike[str] | None = None,
    resume: bool = True,
    scheduler: Any = None,
    device: torch.device | str = "cpu",
    progress: bool = True,
) -> FitResult:
    """Train ``model`` for up to ``epochs`` epochs.

    Parameters
    ----------
    checkpoint
        Path of a checkpoint file written after each epoch (model, optimizer, epoch, history);
        the best weights are kept in ``<checkpoint>.best``. With ``resume`` an existing
        checkpoint is loaded and training continues after its epoch.
    patience
        Stop when the validation score has not improved for this many epochs.
    metric
        Validation score; without it the validation loss is used (lower is better).

    Returns
    -------
    FitResult
        History and best epoch. The model ends with the best validation weights when a
        validation loader is given.
    """
    model.to(device)
    result = FitResult()
    start_epoch = 0
    ckpt_path = Path(checkpoint) if checkpoint is not None else None
    if ckpt_path is not None and resume and ckpt_path.exists():
        state = torch.load(ckpt_path, map_location=device, weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        result = state["result"]
        start_epoch = state["epoch"] + 1
        log.info("resumed from %s at epoch %d", ckpt_path, start_epoch)
    best_state = None
    best_path = ckpt_path.with_name(ckpt_path.name + ".best") if ckpt_path is not None else None
    if start_epoch and best_path is not None and best_path.exists():
        best_state = torch.load(best_path, map_location=device, weights_only=True)
    epochs_without_gain = 0
    for epoch in range(start_epoch, epochs):
        model.train()
        running, seen = 0.0, 0
        bar = tqdm(train_loader, desc=f"epoch {epoch + 1}/{epochs}", disable=not progress, leave=False)
        for inputs, target in bar:
            inputs, target = inputs.to(device), target.to(device)
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(inputs), target)
            if not torch.isfinite(loss):
                raise FloatingPointError(f"loss became {float(loss)} at epoch {epoch + 1}")
            loss.backward()
            optimizer.step()
            running += float(loss.detach()) * len(target)
            seen += len(target)
            bar.set_postfix(loss=f"{running / max(seen, 1):.4f}")
        if scheduler is not None:
            scheduler.step()
        stats = EpochStats(epoch, running / max(seen, 1))
        if val_loader is not None:
            stats.val_loss, stats.val_metric = evaluate(model, val_loader, loss_fn, metric=metric, device=device)
            score = float(stats.val_loss if stats.val_metric is None else stats.val_metric)
            signed = score if (metric is None or not higher_is_better) else -score  # lower is better
            if signed < result.best_score:
                result.best_score, result.best_epoch = signed, epoch
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                epochs_without_gain = 0
                if best_path is not None:
                    best_path.parent.mkdir(parents=True, exist_ok=True)
                    torch.save(best_state, best_path)
            else:
                epochs_without_gain += 1
        result.history.append(stats)
        log.info("epoch %d: %s", epoch + 1, stats)
        if ckpt_path is not None:
            ckpt_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = ckpt_path.with_name(ckpt_path.name + ".tmp")
            torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch,
                        "result": result}, tmp)
            os.replace(tmp, ckpt_path)
        if patience is not None and epochs_without_gain >= patience:
            result.stopped_early = True
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    return result
