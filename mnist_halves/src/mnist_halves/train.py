"""Training of the compatibility model on the MNIST *training* set.

Losses per batch of whole (augmented) training digits, cut at column 14:

* symmetric InfoNCE on the tower embeddings (every other half in the batch is a negative);
* the pair head's cross-entropy over the true partner and the ``hard_k`` hardest in-batch
  negatives by embedding score, in both directions (left->rights and right->lefts);
* a side classifier (left half or right half) for the pooled-sides variant.

With ``prior`` (the default) both losses see only the in-batch negatives that the MNIST
geometry prior (:mod:`mnist_halves.geometry`) admits, judged on the digits before
augmentation: ``restore`` never has to rank the others, so the model spends its capacity
on the impostors that remain.

Batches are built from two class groups each (about half the batch shares a digit class),
so the hard negatives are mostly halves of the same digit: the errors that matter.
The last ``val_size`` training digits are held out as a validation puzzle for choices;
the test set is never touched here.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from imagecore.torch import seed_everything, seeded_generator, set_threads
from tqdm import tqdm

from mnist_halves.augment import RandomAffine
from mnist_halves.geometry import admissible_block, half_geometry
from mnist_halves.model import HalvesNet, ModelConfig, save_model
from mnist_halves.puzzle import CUT

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    """Training settings (defaults: the shipped model's run)."""

    epochs: int = 10
    batch: int = 512
    lr: float = 2e-3
    weight_decay: float = 1e-4
    hard_k: int = 16
    augment: bool = True
    val_size: int = 5000
    n_train: int | None = None  # use only the first n_train training digits (tests)
    seed: int = 0
    threads: int | None = 2
    max_minutes: float | None = None
    time_budget_minutes: float | None = None  # anneal the LR over wall time and stop when it is spent
    init_from: str | None = None  # start from this model's weights (a second, fine-tuning phase)
    prior: bool = True  # negatives restricted to pairs the MNIST geometry prior admits
    model: ModelConfig = field(default_factory=ModelConfig)


def scheduled_lr(base_lr: float, step: int, total: int, minutes: float, budget: float | None) -> float | None:
    """Learning rate at global ``step`` of ``total``: 30-step warm-up, then cosine to zero.

    With a time ``budget`` (minutes) the cosine follows whichever is further along, steps or
    wall time (``minutes`` spent), so a bounded run still ends on a small rate; ``None``
    means the budget is spent.
    """
    frac = step / max(total, 1)
    if budget:
        frac = max(frac, minutes / budget)
        if frac >= 1.0:
            return None
    return base_lr * min(1.0, (step + 1) / 30) * 0.5 * (1 + math.cos(math.pi * min(1.0, frac)))


def class_batches(labels: np.ndarray, batch: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffle indices into batches made of two same-class groups of ``batch // 2``."""
    half = max(1, batch // 2)
    groups: list[np.ndarray] = []
    for c in np.unique(labels):
        idx = rng.permutation(np.nonzero(labels == c)[0])
        groups.extend(idx[s : s + half] for s in range(0, len(idx), half))
    order = rng.permutation(len(groups))
    out = []
    for s in range(0, len(order), 2):
        b = np.concatenate([groups[g] for g in order[s : s + 2]])
        if len(b) >= 4:
            out.append(b)
    return out


def batch_losses(
    model: HalvesNet, digits: torch.Tensor, hard_k: int, admissible: torch.Tensor | None = None
) -> dict[str, torch.Tensor]:
    """All training losses for one batch of whole digits (B,1,28,28) in [0,1].

    ``admissible`` (B,B) bool, when given, marks the (left i, right j) pairs that count as
    negatives; the true pairs (the diagonal) always count.
    """
    left, right = digits[..., :14], digits[..., 14:]
    el, gl, sl = model.left(left)
    er, gr, sr = model.right(right)
    b = len(el)
    target = torch.arange(b)
    sims = el @ er.T
    logits = sims * model.log_temp.exp().clamp(max=100.0)
    keep = torch.ones(b, b, dtype=torch.bool) if admissible is None else admissible.clone()
    keep.fill_diagonal_(True)
    logits = logits.masked_fill(~keep, -float("inf"))
    nce = 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))
    k = min(hard_k, b - 1)
    with torch.no_grad():
        masked = sims.detach().masked_fill(~keep, -float("inf"))
        masked.fill_diagonal_(-float("inf"))
        neg_r = masked.topk(k, dim=1).indices  # (B,k) right negatives for each left
        neg_l = masked.T.topk(k, dim=1).indices  # (B,k) left negatives for each right
        neg_ok = keep & ~torch.eye(b, dtype=torch.bool)
        valid = torch.cat([neg_ok.gather(1, neg_r), neg_ok.T.gather(1, neg_l)])  # (2B,k): fewer than k admissible
        valid = torch.cat([torch.ones(2 * b, 1, dtype=torch.bool), valid], 1)
    rows_a = target[:, None].expand(b, k + 1)
    cols_a = torch.cat([target[:, None], neg_r], 1)
    rows_b = torch.cat([target[:, None], neg_l], 1)
    cols_b = target[:, None].expand(b, k + 1)
    r = torch.cat([rows_a.reshape(-1), rows_b.reshape(-1)])
    c = torch.cat([cols_a.reshape(-1), cols_b.reshape(-1)])
    pair = model.head(sl[r], sr[c], gl[r], gr[c], sims[r, c]).view(2 * b, k + 1).masked_fill(~valid, -float("inf"))
    head = F.cross_entropy(pair, torch.zeros(2 * b, dtype=torch.long))
    halves = torch.cat([left, right]).detach()
    side_t = torch.cat([torch.ones(b), torch.zeros(b)])
    side = F.binary_cross_entropy_with_logits(model.side(halves), side_t)
    return {"nce": nce, "head": head, "side": side}


def train(
    images: np.ndarray,
    labels: np.ndarray,
    cfg: TrainConfig,
    out: str | Path,
    checkpoint: str | Path | None = None,
    progress: bool = True,
    validate: Any = None,
) -> HalvesNet:
    """Train (or resume) the model and save it to ``out``.

    Parameters
    ----------
    images, labels
        MNIST *training* digits (N,28,28) uint8 and labels; the last ``cfg.val_size`` are held out.
    cfg
        Training settings.
    out
        Where the final model goes (a JSON card is written beside it).
    checkpoint
        Resumable checkpoint file (written after every epoch; resumed from when present).
    validate
        Optional callable ``validate(model, val_images) -> dict`` run after each epoch.
    """
    set_threads(cfg.threads)
    seed_everything(cfg.seed)
    gen = seeded_generator(cfg.seed)
    n = len(images) if cfg.n_train is None else min(cfg.n_train + cfg.val_size, len(images))
    n_tr = max(0, n - cfg.val_size)
    if n_tr < 8:
        raise ValueError(f"need at least 8 training digits, got {n_tr}")
    tr_x, tr_y = images[:n_tr], labels[:n_tr]
    geo = (half_geometry(tr_x[:, :, :CUT], "left"), half_geometry(tr_x[:, :, CUT:], "right")) if cfg.prior else None
    val_x = images[n_tr:n]
    model = HalvesNet(cfg.model)
    if cfg.init_from:
        from mnist_halves.model import load_model

        model = load_model(cfg.init_from)
        model.train()
        cfg.model = model.cfg
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    aug = RandomAffine() if cfg.augment else None
    rng = np.random.default_rng(cfg.seed)
    steps_per_epoch = len(class_batches(tr_y, cfg.batch, np.random.default_rng(0)))
    total = max(1, cfg.epochs * steps_per_epoch)
    start_epoch, history = 0, []
    ckpt = Path(checkpoint) if checkpoint else None
    if ckpt is not None and ckpt.exists():
        blob = torch.load(ckpt, map_location="cpu", weights_only=False)
        model.load_state_dict(blob["model"])
        opt.load_state_dict(blob["opt"])
        start_epoch, history = blob["epoch"], blob["history"]
        rng = np.random.default_rng(cfg.seed + 1000 * start_epoch)
        gen.manual_seed(cfg.seed + 1000 * start_epoch)
        log.info("resumed from %s at epoch %d", ckpt, start_epoch)
    t0 = time.time()
    spent = 60.0 * history[-1]["minutes"] if history else 0.0  # wall time before a resume
    stopped_early = budget_spent = False
    for epoch in range(start_epoch, cfg.epochs):
        model.train()
        batches = class_batches(tr_y, cfg.batch, rng)
        sums: dict[str, float] = {}
        bar = tqdm(batches, desc=f"epoch {epoch + 1}/{cfg.epochs}", disable=not progress, leave=False)
        for step, idx in enumerate(bar):
            g = epoch * steps_per_epoch + step
            lr = scheduled_lr(cfg.lr, g, total, (time.time() - t0 + spent) / 60, cfg.time_budget_minutes)
            if lr is None:
                budget_spent = True
                break
            for pg in opt.param_groups:
                pg["lr"] = lr
            idx = np.sort(idx)
            x = torch.from_numpy(np.ascontiguousarray(tr_x[idx])).float().div_(255.0).unsqueeze(1)
            if aug is not None:
                x = aug(x, gen)
            ok = None if geo is None else torch.from_numpy(admissible_block(geo[0].take(idx), geo[1].take(idx)))
            losses = batch_losses(model, x, cfg.hard_k, ok)
            loss = losses["nce"] + losses["head"] + losses["side"]
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            for key, v in losses.items():
                sums[key] = sums.get(key, 0.0) + float(v.detach())
            bar.set_postfix({k: f"{v / (step + 1):.3f}" for k, v in sums.items()})
        rec: dict[str, Any] = {"epoch": epoch + 1, "minutes": (time.time() - t0 + spent) / 60, "steps": step + 1}
        rec.update({k: v / max(1, step + 1) for k, v in sums.items()})
        if validate is not None and len(val_x):
            model.eval()
            rec.update(validate(model, val_x))
        history.append(rec)
        log.info("epoch %d: %s", epoch + 1, json.dumps(rec))
        if progress:
            tqdm.write(json.dumps(rec))
        if ckpt is not None:
            ckpt.parent.mkdir(parents=True, exist_ok=True)
            torch.save(
                {"model": model.state_dict(), "opt": opt.state_dict(), "epoch": epoch + 1, "history": history},
                ckpt.with_suffix(".part"),
            )
            ckpt.with_suffix(".part").replace(ckpt)
        if budget_spent:
            log.warning("time budget of %s minutes spent in epoch %d", cfg.time_budget_minutes, epoch + 1)
            stopped_early = True
            break
        if cfg.max_minutes is not None and (time.time() - t0) / 60 > cfg.max_minutes and epoch + 1 < cfg.epochs:
            log.warning("stopping after epoch %d: max_minutes=%s reached", epoch + 1, cfg.max_minutes)
            stopped_early = True
            break
    model.eval()
    card = {
        "trained_on": "MNIST training set only",
        "train_digits": int(n_tr),
        "held_out_validation_digits": int(n - n_tr),
        "train_config": {k: v for k, v in asdict(cfg).items() if k != "model"},
        "model_config": asdict(cfg.model),
        "history": history,
        "stopped_early": stopped_early,
        "torch": str(torch.__version__),
    }
    model.card = card
    save_model(model, out, card)
    return model
