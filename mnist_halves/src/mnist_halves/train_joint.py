"""Training of the third stage (:class:`~mnist_halves.joint.JointNet`) on the MNIST *training* set.

1. The trained towers + pair head (with the geometry prior) build the candidate graph of
   the training digits, exactly as ``restore`` would on a puzzle, and each half's
   ``negatives`` best-scored impostors are kept: the mistakes the first two stages make.
2. JointNet learns to pick the true partner out of each group (one true pair and its
   impostors, anchored on a left half or on a right half) with a cross-entropy over the
   group, on whole rejoined digits. There is no resampling augmentation by default: it
   would blur the grey-level steps at the cut that the seam branch reads.
3. The weight of its logit next to the pair head's is chosen on the held-out validation
   digits (never on the test set) with the full restore pipeline.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from imagecore.torch import seed_everything, seeded_generator, set_threads
from tqdm import tqdm

from mnist_halves.assign import sparse_assignment
from mnist_halves.augment import RandomAffine
from mnist_halves.evaluate import score_pairs
from mnist_halves.joint import JointEnsemble, JointNet, rejoin
from mnist_halves.model import HalvesNet, save_model
from mnist_halves.palette import palettes
from mnist_halves.puzzle import CUT, make_puzzle
from mnist_halves.scoring import geometry_prior, score_candidates
from mnist_halves.train import scheduled_lr

log = logging.getLogger(__name__)


@dataclass
class JointConfig:
    """Third-stage training settings (defaults: the shipped model's run)."""

    epochs: int = 6
    batch_groups: int = 128
    negatives: int = 5
    k: int = 16
    lr: float = 2e-3
    weight_decay: float = 1e-4
    width: int = 16
    seam: int = 0
    top_m: int = 16
    weights: tuple[float, ...] = (1.0, 2.0, 4.0)
    palette_weights: tuple[float, ...] = (0.0, 16.0, 32.0, 64.0)
    val_size: int = 5000
    val_limit: int = 5000
    val_k: int = 32  # candidates per half on the validation puzzle (restore's default)
    n_train: int | None = None
    seed: int = 0
    threads: int | None = 2
    time_budget_minutes: float | None = None
    augment: bool = False  # resampling blurs the grey-level steps the seam branch reads
    resume: bool = False  # continue training the model's own third stage (same width and seam)


def mine_impostors(
    model: HalvesNet, digits: np.ndarray, negatives: int, k: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The ``negatives`` best-scored wrong partners of every left half and every right half.

    Returns ``(right_impostors, left_impostors)``, each (N, negatives) digit indices; halves
    with too few candidates are padded with random digits.
    """
    left, right = np.ascontiguousarray(digits[:, :, :CUT]), np.ascontiguousarray(digits[:, :, CUT:])
    n = len(digits)
    cand = score_candidates(model, left, right, k=k)  # as restore scores them, before the third stage
    rows, cols, score = cand.rows, cand.cols, cand.score
    wrong = rows != cols
    rows, cols, score = rows[wrong], cols[wrong], score[wrong]
    out = []
    for anchor, other in ((rows, cols), (cols, rows)):
        order = np.lexsort((-score, anchor))
        a, o = anchor[order], other[order]
        first = np.searchsorted(a, np.arange(n))
        count = np.diff(np.r_[first, len(a)])
        imp = rng.integers(0, n, size=(n, negatives))
        for j in range(negatives):
            has = count > j
            imp[has, j] = o[first[has] + j]
        clash = imp == np.arange(n)[:, None]  # a random pad that hit the true partner
        imp[clash] = (imp[clash] + 1) % n
        out.append(imp)
    return out[0], out[1]


def _groups(
    digits: np.ndarray, anchors: np.ndarray, from_left: np.ndarray, imp_r: np.ndarray, imp_l: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(G*(1+neg),) left and right digit indices; each group starts with its true pair."""
    true = anchors[:, None]
    imps = np.where(from_left[:, None], imp_r[anchors], imp_l[anchors])
    others = np.concatenate([true, imps], axis=1)
    lefts = np.where(from_left[:, None], true, others)
    rights = np.where(from_left[:, None], others, true)
    return lefts.reshape(-1), rights.reshape(-1)


def choose_weight(model: HalvesNet, digits: np.ndarray, cfg: JointConfig) -> dict[str, Any]:
    """Choose the third stage's weight and the palette prior's weight on held-out training digits.

    Scores a validation puzzle of ``digits`` once (as ``restore`` does, sparse matching),
    then matches it for every pair of weights in ``cfg.weights`` x ``cfg.palette_weights``
    (a model without a third stage only tries the palette weights) and keeps the best pair
    on ``model.cfg``; ties go to the smaller weights.
    """
    from mnist_halves.restore import learned_parts

    labels = np.zeros(len(digits), np.int64)
    p = make_puzzle(digits, labels, seed=cfg.seed)
    truth = p.right_of_left
    assert truth is not None
    n = len(digits)
    # score once; each weight pair only re-combines the terms and re-runs the matching
    top_m = cfg.top_m if model.joint is not None else 0
    geo = geometry_prior(p.left, p.right)
    parts = learned_parts(model, p.left, p.right, k=cfg.val_k, geo=geo, joint_top_m=top_m,
                          pal=(palettes(p.left), palettes(p.right)))  # fmt: skip

    def accuracy(joint_weight: float, palette_weight: float) -> float:
        r, c = sparse_assignment(parts.rows, parts.cols, parts.combined(joint_weight, palette_weight), n, n)
        return score_pairs(r, c, truth).accuracy  # a half the candidates cannot match counts as wrong

    scores: dict[str, float] = {"no third stage, no palette": accuracy(0.0, 0.0)}
    joint_weights = cfg.weights if model.joint is not None else (model.cfg.joint_weight,)
    best: tuple[float, float, float] | None = None  # (accuracy, -joint weight, -palette weight)
    for w in joint_weights:
        for pw in cfg.palette_weights:
            acc = accuracy(w, pw)
            scores[f"joint {w:g}, palette {pw:g}"] = acc
            if best is None or (acc, -w, -pw) > best:
                best = (acc, -w, -pw)
    assert best is not None
    model.cfg.joint_weight, model.cfg.palette_weight = -best[1], -best[2]
    return {"val_n": len(digits), "val_sparse_by_weight": scores, "joint_weight": -best[1],
            "palette_weight": -best[2], "val_accuracy": best[0]}  # fmt: skip


def calibrate(model: HalvesNet, images: np.ndarray, cfg: JointConfig, out: str | Path) -> dict[str, Any]:
    """Re-choose the weights of a trained model on its validation digits and save it to ``out``.

    ``images`` are the MNIST training digits; the last ``cfg.val_size`` (the ones the model
    was not trained on) form the validation puzzle.
    """
    if cfg.val_size < 2 or cfg.val_size > len(images):
        raise ValueError(f"val-size must be in [2, {len(images)}], got {cfg.val_size}")
    set_threads(cfg.threads)
    if model.joint is not None:
        model.joint.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    chosen = choose_weight(model, images[-cfg.val_size :][: cfg.val_limit], cfg)
    log.info("calibrated: %s", chosen)
    card = dict(getattr(model, "card", {}) or {})
    card["calibration"] = chosen
    card["model_config"] = asdict(model.cfg)
    model.card = card
    save_model(model, out, card)
    return chosen


def train_joint(
    model: HalvesNet,
    images: np.ndarray,
    cfg: JointConfig,
    out: str | Path,
    progress: bool = True,
) -> HalvesNet:
    """Add a trained third stage to ``model`` and save the whole model to ``out``.

    Parameters
    ----------
    model
        Trained towers + pair head (left unchanged).
    images
        MNIST *training* digits (N,28,28) uint8; the last ``cfg.val_size`` are held out for
        the choice of the weight.
    cfg
        Settings.
    out
        Model file (a JSON card is written beside it; the card of ``model`` is extended).
    """
    if cfg.resume and model.joint is not None and not isinstance(model.joint, JointNet):
        raise ValueError("cannot resume an ensemble of third stages; resume one member's model")
    set_threads(cfg.threads)
    seed_everything(cfg.seed)
    gen = seeded_generator(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    n = len(images) if cfg.n_train is None else min(cfg.n_train + cfg.val_size, len(images))
    n_tr = n - cfg.val_size
    if n_tr < 8:
        raise ValueError(f"need at least 8 training digits, got {n_tr}")
    tr_x, val_x = images[:n_tr], images[n_tr:n][: cfg.val_limit]
    model.eval()
    t0 = time.time()
    imp_r, imp_l = mine_impostors(model, tr_x, cfg.negatives, cfg.k, rng)
    log.info("mined %d impostors per half in %.0f s", cfg.negatives, time.time() - t0)
    if cfg.resume and isinstance(model.joint, JointNet):
        net = model.joint
        cfg.width, cfg.seam = model.cfg.joint_width, model.cfg.joint_seam
    else:
        net = JointNet(cfg.width, cfg.seam)
    net.to(memory_format=torch.channels_last)  # type: ignore[call-overload]  # ~2x faster convolutions on CPU
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    aug = RandomAffine() if cfg.augment else None
    g_size = 1 + cfg.negatives
    steps_per_epoch = math.ceil(n_tr / cfg.batch_groups)
    total = cfg.epochs * steps_per_epoch
    history: list[dict[str, Any]] = []
    t1 = time.time()
    done = False
    for epoch in range(cfg.epochs):
        net.train()
        order = rng.permutation(n_tr)
        from_left = rng.random(n_tr) < 0.5  # each digit anchors one group per epoch, on a random side
        loss_sum, hits, seen = 0.0, 0, 0
        bar = tqdm(range(steps_per_epoch), desc=f"joint {epoch + 1}/{cfg.epochs}", disable=not progress, leave=False)
        for step in bar:
            g = epoch * steps_per_epoch + step
            lr = scheduled_lr(cfg.lr, g, total, (time.time() - t1) / 60, cfg.time_budget_minutes)
            if lr is None:
                done = True
                break
            for pg in opt.param_groups:
                pg["lr"] = lr
            sel = order[step * cfg.batch_groups : (step + 1) * cfg.batch_groups]
            li, ri = _groups(tr_x, sel, from_left[sel], imp_r, imp_l)
            x = rejoin(tr_x[:, :, :CUT], tr_x[:, :, CUT:], li, ri)
            if aug is not None:
                x = aug(x, gen)
            logits = net(x.contiguous(memory_format=torch.channels_last)).view(len(sel), g_size)
            loss = F.cross_entropy(logits, torch.zeros(len(sel), dtype=torch.long))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += float(loss.detach()) * len(sel)
            hits += int((logits.detach().argmax(1) == 0).sum())
            seen += len(sel)
            bar.set_postfix(loss=f"{loss_sum / seen:.3f}", top1=f"{hits / seen:.3f}")
        rec = {"epoch": epoch + 1, "minutes": (time.time() - t1) / 60, "loss": loss_sum / max(seen, 1),
               "group_top1": hits / max(seen, 1)}  # fmt: skip
        history.append(rec)
        log.info("joint epoch %d: %s", epoch + 1, rec)
        if progress:
            tqdm.write(str(rec))
        if done:
            break
    net.eval()
    model.joint = net
    model.cfg.joint_width, model.cfg.joint_seam, model.cfg.joint_top_m = cfg.width, cfg.seam, cfg.top_m
    model.cfg.joint_members = 1
    chosen = choose_weight(model, val_x, cfg) if len(val_x) else {"joint_weight": model.cfg.joint_weight}
    log.info("third stage: %s", chosen)
    card = dict(getattr(model, "card", {}) or {})
    card["joint_stage"] = {"train_config": asdict(cfg), "history": history, "validation": chosen,
                           "train_digits": int(n_tr), "torch": str(torch.__version__)}  # fmt: skip
    card["model_config"] = asdict(model.cfg)
    model.card = card
    save_model(model, out, card)
    return model


def ensemble_joint_stages(models: list[HalvesNet]) -> HalvesNet:
    """One model whose third stage averages the third stages of ``models``.

    All models must share the towers and pair head (third stages trained on the same
    base model); the first model's settings (``joint_top_m``, ``joint_weight``) are kept.

    Raises
    ------
    ValueError
        Fewer than two models, a model without a third stage, or different towers.
    """
    if len(models) < 2:
        raise ValueError("an ensemble needs at least two models")
    base = models[0]
    members: list[JointNet] = []
    shared = {k: v for k, v in base.state_dict().items() if not k.startswith("joint.")}
    for i, m in enumerate(models):
        if m.joint is None:
            raise ValueError(f"model {i} has no third stage")
        other = {k: v for k, v in m.state_dict().items() if not k.startswith("joint.")}
        if other.keys() != shared.keys() or any(not torch.equal(other[k], shared[k]) for k in shared):
            raise ValueError(f"model {i} has other towers or pair head than model 0")
        members.extend(m.joint.members if isinstance(m.joint, JointEnsemble) else [m.joint])  # type: ignore[arg-type]
    if len({(n.seam, n.fc[0].in_features) for n in members}) != 1:
        raise ValueError("third stages of different shapes cannot be averaged")
    base.joint = JointEnsemble(members)
    base.cfg.joint_members = len(members)
    base.card = dict(base.card)
    base.card["joint_ensemble"] = [dict(getattr(m, "card", {}).get("joint_stage", {})) for m in models]
    return base
