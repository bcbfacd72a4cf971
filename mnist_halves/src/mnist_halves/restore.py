"""The restore pipeline: score candidate pairs, then assign one-to-one.

Scorers: ``heuristic`` (boundary continuity), ``embedding`` (tower dot product only),
``learned`` (embedding candidates re-scored by the pair head; the default).
Assignment: ``greedy``, ``dense`` (``linear_sum_assignment`` on an N x N matrix) or
``sparse`` (``min_weight_full_bipartite_matching`` on the top-k candidate graph; the
default, memory O(N k)). Two priors from how MNIST was made shape the learned scores: the
geometry prior (:mod:`mnist_halves.geometry`) and the grey-level palette prior
(:mod:`mnist_halves.palette`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from mnist_halves.assign import dense_assignment, dense_from_candidates, greedy, sparse_assignment
from mnist_halves.geometry import admissible_block, penalty
from mnist_halves.heuristic import boundary_vectors
from mnist_halves.joint import combine, joint_scores, top_per_half
from mnist_halves.model import HalvesNet
from mnist_halves.palette import palette_similarity, palettes
from mnist_halves.puzzle import PuzzleError, check_halves
from mnist_halves.scoring import (
    Candidates,
    Features,
    Prior,
    candidate_graph,
    candidates_from_vectors,
    emb_scores,
    embed,
    geometry_prior,
    head_scores,
    prior_offsets,
)

log = logging.getLogger(__name__)

SCORERS = ("heuristic", "embedding", "learned")
ASSIGNERS = ("greedy", "dense", "sparse")


@dataclass
class Restoration:
    """Result of :func:`restore`: matched pairs plus the halves left without a partner."""

    left_index: np.ndarray
    right_index: np.ndarray
    score: np.ndarray
    unmatched_left: np.ndarray
    unmatched_right: np.ndarray
    timings: dict[str, float] = field(default_factory=dict)
    n_candidates: int = 0

    def write_csv(self, path: str | Path) -> Path:
        """Write ``left_index,right_index,score``; unmatched halves get -1 on the other side and an empty score."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        order = np.argsort(self.left_index, kind="stable")
        with path.open("w") as f:
            f.write("left_index,right_index,score\n")
            for i in order:
                f.write(f"{self.left_index[i]},{self.right_index[i]},{self.score[i]:.6g}\n")
            for i in self.unmatched_left:
                f.write(f"{i},-1,\n")
            for j in self.unmatched_right:
                f.write(f"-1,{j},\n")
        return path


def _heuristic_candidates(
    left: np.ndarray, right: np.ndarray, k: int, geo: Prior | None
) -> tuple[Candidates, torch.Tensor, torch.Tensor]:
    a, b = boundary_vectors(left, right)
    rows, cols = candidates_from_vectors(a, b, k, geo)
    score = (a[torch.as_tensor(rows)] * b[torch.as_tensor(cols)]).sum(1).numpy()
    return Candidates(rows, cols, score + prior_offsets(geo, rows, cols), len(left), len(right)), a, b


def _dense_prior(geo: Prior, mat: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """Add the prior's penalty to a dense (n_left, n_right) score matrix in place, in row blocks."""
    for s in range(0, len(mat), chunk):
        e = min(s + chunk, len(mat))
        mat[s:e] += penalty(admissible_block(geo[0].take(slice(s, e)), geo[1]))
    return mat


@dataclass
class ScoreParts:
    """A learned scorer's candidate scores, with the terms that carry a weight kept apart.

    ``combined`` adds them with any weights, so weights can be chosen (on validation
    digits) without scoring the pairs again.
    """

    rows: np.ndarray
    cols: np.ndarray
    base: np.ndarray  # pair-head (or embedding) score + the geometry prior's offsets
    picked: np.ndarray  # pairs the third stage re-scored
    joint: np.ndarray | None  # their third-stage logits (None: no third stage)
    palette: np.ndarray | None  # palette similarity of every candidate (None: off)
    features: tuple[Features, Features]

    def combined(self, joint_weight: float, palette_weight: float) -> np.ndarray:
        """``base + joint_weight * third stage + palette_weight * palette`` for every candidate."""
        score = combine(self.base, self.joint, self.picked, joint_weight) if self.joint is not None else self.base
        if self.palette is not None and palette_weight:
            score = score + palette_weight * self.palette
        return score


def learned_parts(
    model: HalvesNet,
    left: np.ndarray,
    right: np.ndarray,
    scorer: str = "learned",
    k: int = 32,
    geo: Prior | None = None,
    joint_top_m: int | None = None,
    pal: tuple[np.ndarray, np.ndarray] | None = None,
    features: tuple[Features, Features] | None = None,
    timings: dict[str, float] | None = None,
) -> ScoreParts:
    """Candidate graph and the score terms of the ``learned`` / ``embedding`` scorers (see :func:`restore`).

    ``geo`` is the geometry prior (or None), ``pal`` the two sides' palettes from
    :func:`mnist_halves.palette.palettes` (or None: no palette term).
    """
    timings = {} if timings is None else timings
    t0 = time.perf_counter()
    fl, fr = features if features is not None else (embed(model, left, "left"), embed(model, right, "right"))
    timings["embed_s"] = time.perf_counter() - t0
    rows, cols = candidate_graph(fl, fr, k, geo)
    t1 = time.perf_counter()
    base = head_scores(model, fl, fr, rows, cols) if scorer == "learned" else emb_scores(fl, fr, rows, cols)
    base = base + prior_offsets(geo, rows, cols)
    timings["rescore_s"] = time.perf_counter() - t1
    m = model.cfg.joint_top_m if joint_top_m is None else joint_top_m
    picked, js = np.zeros(len(rows), bool), None
    if scorer == "learned" and model.joint is not None and m > 0:
        t1 = time.perf_counter()
        picked = top_per_half(rows, cols, base, m)
        js = joint_scores(model.joint, left, right, rows[picked], cols[picked])
        timings["joint_s"] = time.perf_counter() - t1
        timings["joint_pairs"] = float(picked.sum())
    sim = palette_similarity(pal[0], pal[1], rows, cols) if pal is not None else None
    return ScoreParts(rows, cols, base, picked, js, sim, (fl, fr))


def restore(
    left: np.ndarray,
    right: np.ndarray,
    model: HalvesNet | None = None,
    scorer: str = "learned",
    assign: str = "sparse",
    k: int = 32,
    features: tuple[Features, Features] | None = None,
    prior: bool = True,
    joint_top_m: int | None = None,
    palette: bool = True,
) -> Restoration:
    """Re-pair shuffled halves.

    Parameters
    ----------
    left, right
        (N_left, 28, 14) and (N_right, 28, 14) uint8 halves; counts may differ.
    model
        Trained :class:`HalvesNet` (required unless ``scorer="heuristic"``).
    scorer
        ``"heuristic"``, ``"embedding"`` or ``"learned"``.
    assign
        ``"greedy"``, ``"dense"`` or ``"sparse"``.
    k
        Candidates kept per half and direction.
    features
        Tower outputs for (left, right) computed earlier by :func:`mnist_halves.scoring.embed`
        (lets a benchmark compare assignment methods without re-embedding).
    prior
        Use the MNIST geometry prior (:mod:`mnist_halves.geometry`): candidate lists hold each
        half's best *admissible* partners and ruled-out pairs lose a large score penalty.
        Turn it off for halves that were not made the MNIST way.
    joint_top_m
        Third stage (``scorer="learned"`` with a model that has a
        :class:`~mnist_halves.joint.JointNet`): how many of each half's best candidates per
        direction the whole-digit CNN re-scores. ``None``: the model's setting; 0: off.
    palette
        Add the grey-level palette prior (:mod:`mnist_halves.palette`) with the model's
        ``palette_weight`` (learned scorers only; a weight of 0 means off).

    Returns
    -------
    Restoration
        min(N_left, N_right) pairs at most; every other half is listed as unmatched.

    Raises
    ------
    PuzzleError
        Bad halves or options.
    """
    check_halves(left, "left")
    check_halves(right, "right")
    if scorer not in SCORERS:
        raise PuzzleError(f"unknown scorer {scorer!r}; choose one of {', '.join(SCORERS)}")
    if assign not in ASSIGNERS:
        raise PuzzleError(f"unknown assignment {assign!r}; choose one of {', '.join(ASSIGNERS)}")
    if k < 1:
        raise PuzzleError(f"top-k must be >= 1, got {k}")
    if scorer != "heuristic" and model is None:
        raise PuzzleError(f"scorer {scorer!r} needs a trained model")
    nl, nr = len(left), len(right)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    fl = fr = None
    hv: tuple[torch.Tensor, torch.Tensor] | None = None
    geo = geometry_prior(left, right) if prior else None
    pal_weight = model.cfg.palette_weight if (palette and model is not None and scorer != "heuristic") else 0.0
    pal = (palettes(left), palettes(right)) if pal_weight > 0 else None

    if scorer == "heuristic":
        cand, a, b = _heuristic_candidates(left, right, k, geo)
        hv = (a, b)
    else:
        assert model is not None
        parts = learned_parts(model, left, right, scorer, k, geo, joint_top_m, pal, features, timings)
        fl, fr = parts.features
        cand = Candidates(parts.rows, parts.cols, parts.combined(model.cfg.joint_weight, pal_weight), nl, nr)
    timings["score_s"] = time.perf_counter() - t0

    def fill(li: np.ndarray, rj: np.ndarray) -> np.ndarray:
        """Scores for leftover halves (small dense block)."""
        rr, cc = np.repeat(li, len(rj)), np.tile(rj, len(li))
        s: np.ndarray
        if hv is not None:
            s = (hv[0][torch.as_tensor(li)] @ hv[1][torch.as_tensor(rj)].T).numpy().reshape(-1)
        else:
            assert fl is not None and fr is not None and model is not None
            s = head_scores(model, fl, fr, rr, cc) if scorer == "learned" else emb_scores(fl, fr, rr, cc)
            if pal is not None:
                s = s + pal_weight * palette_similarity(pal[0], pal[1], rr, cc)
        return (s + prior_offsets(geo, rr, cc)).reshape(len(li), len(rj))

    t2 = time.perf_counter()
    if assign == "greedy":
        r, c = greedy(cand.rows, cand.cols, cand.score, nl, nr)
        free_l, free_r = np.setdiff1d(np.arange(nl), r), np.setdiff1d(np.arange(nr), c)
        if len(free_l) and len(free_r):  # halves whose candidates were all taken
            r2, c2 = greedy(*_dense_edges(fill(free_l, free_r)), len(free_l), len(free_r))
            r, c = np.concatenate([r, free_l[r2]]), np.concatenate([c, free_r[c2]])
    elif assign == "dense":
        if hv is not None:
            base = (hv[0] @ hv[1].T).numpy()
        else:
            assert fl is not None and fr is not None
            base = (fl.emb @ fr.emb.T).numpy()
        if geo is not None:
            base = _dense_prior(geo, base.astype(np.float64))
        mat = dense_from_candidates(cand.rows, cand.cols, cand.score, base) if scorer == "learned" else base
        del base
        r, c = dense_assignment(mat)
        del mat
    else:
        r, c = sparse_assignment(cand.rows, cand.cols, cand.score, nl, nr, fill=fill)
    timings["assign_s"] = time.perf_counter() - t2
    timings["total_s"] = time.perf_counter() - t0
    pair_score = _lookup(cand, r, c, fill)
    return Restoration(
        left_index=r,
        right_index=c,
        score=pair_score,
        unmatched_left=np.setdiff1d(np.arange(nl), r),
        unmatched_right=np.setdiff1d(np.arange(nr), c),
        timings=timings,
        n_candidates=len(cand),
    )


def _dense_edges(mat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rr, cc = np.nonzero(np.ones_like(mat, dtype=bool))
    return rr, cc, mat[rr, cc]


def _lookup(cand: Candidates, r: np.ndarray, c: np.ndarray, fill: object) -> np.ndarray:
    """Score of each chosen pair (candidate score, or computed for non-candidates)."""
    if len(r) == 0:
        return np.zeros(0, np.float32)
    nr = max(cand.n_right, 1)
    keys = cand.rows * nr + cand.cols
    order = np.argsort(keys)
    want = r * nr + c
    pos = np.searchsorted(keys[order], want)
    pos = np.clip(pos, 0, max(len(keys) - 1, 0))
    out = np.full(len(r), np.nan, np.float32)
    if len(keys):
        hit = keys[order][pos] == want
        out[hit] = cand.score[order][pos[hit]]
    miss = np.nonzero(np.isnan(out))[0]
    if len(miss) and callable(fill):
        for m in miss:
            out[m] = float(fill(np.array([r[m]]), np.array([c[m]]))[0, 0])
    return out
