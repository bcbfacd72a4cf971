"""Turn halves into candidate pairs with scores.

1. Both towers embed every half (cost linear in N).
2. The embedding dot product is computed chunk by chunk (never a full N x N matrix) to
   keep each left half's ``k`` best right halves and each right half's ``k`` best left
   halves; the union is the candidate graph.
3. The pair head re-scores every candidate pair.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from mnist_halves.geometry import HalfGeometry, admissible_block, admissible_pairs, half_geometry, penalty
from mnist_halves.model import HalvesNet, to_input


@dataclass
class Features:
    """Tower outputs for one side."""

    emb: torch.Tensor
    glob: torch.Tensor
    share: torch.Tensor


@dataclass
class Candidates:
    """Candidate pairs: ``rows[p]`` (left index) with ``cols[p]`` (right index), higher score = better."""

    rows: np.ndarray
    cols: np.ndarray
    score: np.ndarray
    n_left: int
    n_right: int

    def __len__(self) -> int:
        return int(self.rows.size)


@torch.no_grad()
def embed(model: HalvesNet, halves: np.ndarray, side: str, batch: int = 4096) -> Features:
    """Run the left (``side="left"``) or right tower over uint8 halves (N,28,14)."""
    tower = model.left if side == "left" else model.right
    model.eval()
    outs: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []
    for s in range(0, len(halves), batch):
        outs.append(tower(to_input(np.ascontiguousarray(halves[s : s + batch]))))
    if not outs:
        return Features(
            torch.zeros(0, model.cfg.emb_dim), torch.zeros(0, model.cfg.glob_dim), torch.zeros(0, model.cfg.head_hidden)
        )
    return Features(*(torch.cat([o[i] for o in outs]) for i in range(3)))


Prior = tuple[HalfGeometry, HalfGeometry]


def candidates_from_vectors(
    a: torch.Tensor, b: torch.Tensor, k: int, prior: Prior | None = None, chunk: int = 2048
) -> tuple[np.ndarray, np.ndarray]:
    """Union of each left's top-k rights and each right's top-k lefts by ``a @ b.T``.

    One pass over blocks of ``chunk`` left rows: every block's row top-k is final, and the
    column top-k is merged into a running (k, n_right) best list, so memory stays
    O(chunk * n_right + k * n_right). With ``prior`` (the left and right
    :class:`~mnist_halves.geometry.HalfGeometry`), pairs the MNIST geometry rules out get
    :data:`~mnist_halves.geometry.PENALTY` subtracted first, so each half's list holds its best
    admissible partners (and inadmissible ones only when fewer than k are admissible).
    Returns unique (row, col) pairs sorted by row, then col.
    """
    nl, nr = len(a), len(b)
    kr, kc = min(k, nr), min(k, nl)
    if nl == 0 or nr == 0 or k < 1:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    rows_out, cols_out = [], []
    best_v = torch.full((0, nr), -float("inf"))
    best_i = torch.zeros((0, nr), dtype=torch.long)
    for s in range(0, nl, chunk):
        e = min(s + chunk, nl)
        sims = a[s:e] @ b.T
        if prior is not None:
            ok = admissible_block(prior[0].take(slice(s, e)), prior[1])
            sims = sims + torch.from_numpy(penalty(ok))
        idx = sims.topk(kr, dim=1).indices
        rows_out.append(np.repeat(np.arange(s, e), kr))
        cols_out.append(idx.reshape(-1).numpy())
        v, i = sims.topk(min(kc, e - s), dim=0)
        merged_v = torch.cat([best_v, v])
        merged_i = torch.cat([best_i, i + s])
        top = merged_v.topk(min(kc, len(merged_v)), dim=0).indices
        best_v, best_i = merged_v.gather(0, top), merged_i.gather(0, top)
    rows_out.append(best_i.reshape(-1).numpy())
    cols_out.append(np.tile(np.arange(nr), len(best_i)))
    key = np.unique(np.concatenate(rows_out) * nr + np.concatenate(cols_out))
    return key // nr, key % nr


def candidate_graph(fl: Features, fr: Features, k: int, prior: Prior | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Union of left->right and right->left top-k embedding lists, as unique (row, col) pairs."""
    return candidates_from_vectors(fl.emb, fr.emb, k, prior)


def prior_offsets(prior: Prior | None, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """0 for admissible pairs, ``-PENALTY`` for ruled-out ones (all 0 without a prior)."""
    if prior is None:
        return np.zeros(len(rows), np.float32)
    return penalty(admissible_pairs(prior[0], prior[1], rows, cols))


def geometry_prior(left: np.ndarray, right: np.ndarray) -> Prior:
    """The MNIST geometry of both piles of halves."""
    return half_geometry(left, "left"), half_geometry(right, "right")


@torch.no_grad()
def head_scores(
    model: HalvesNet, fl: Features, fr: Features, rows: np.ndarray, cols: np.ndarray, chunk: int = 65536
) -> np.ndarray:
    """Pair-head logits for the given pairs (float32)."""
    out = np.empty(len(rows), np.float32)
    for s in range(0, len(rows), chunk):
        r = torch.as_tensor(rows[s : s + chunk])
        c = torch.as_tensor(cols[s : s + chunk])
        sim = (fl.emb[r] * fr.emb[c]).sum(1)
        out[s : s + chunk] = model.head(fl.share[r], fr.share[c], fl.glob[r], fr.glob[c], sim).numpy()
    return out


def emb_scores(fl: Features, fr: Features, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Embedding dot products for the given pairs."""
    r = torch.as_tensor(rows)
    c = torch.as_tensor(cols)
    return (fl.emb[r] * fr.emb[c]).sum(1).numpy().astype(np.float32)


def score_candidates(
    model: HalvesNet, left: np.ndarray, right: np.ndarray, k: int = 32, rescore: bool = True, prior: bool = True
) -> Candidates:
    """Full learned scoring: embed, build the top-k candidate graph, re-score with the pair head.

    With ``prior`` the MNIST geometry prior shapes the candidate lists and penalises the
    scores of pairs it rules out.
    """
    fl = embed(model, left, "left")
    fr = embed(model, right, "right")
    geo = geometry_prior(left, right) if prior else None
    rows, cols = candidate_graph(fl, fr, k, geo)
    score = head_scores(model, fl, fr, rows, cols) if rescore else emb_scores(fl, fr, rows, cols)
    return Candidates(rows, cols, score + prior_offsets(geo, rows, cols), len(left), len(right))
