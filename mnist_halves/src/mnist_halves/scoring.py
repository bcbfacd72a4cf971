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


def topk_pairs(a: torch.Tensor, b: torch.Tensor, k: int, chunk: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``a`` the ``k`` rows of ``b`` with the largest dot product.

    Returns flat (a_index, b_index) arrays; memory is O(chunk * len(b)), never len(a) x len(b).
    """
    k = min(k, len(b))
    if len(a) == 0 or k == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    ai, bi = [], []
    for s in range(0, len(a), chunk):
        sims = a[s : s + chunk] @ b.T
        idx = sims.topk(k, dim=1).indices
        ai.append(np.repeat(np.arange(s, s + len(idx)), k))
        bi.append(idx.reshape(-1).numpy())
    return np.concatenate(ai), np.concatenate(bi)


def candidate_graph(fl: Features, fr: Features, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Union of left->right and right->left top-k lists, as unique (row, col) pairs."""
    r1, c1 = topk_pairs(fl.emb, fr.emb, k)
    c2, r2 = topk_pairs(fr.emb, fl.emb, k)
    rows = np.concatenate([r1, r2])
    cols = np.concatenate([c1, c2])
    key = np.unique(rows * max(len(fr.emb), 1) + cols)
    return key // max(len(fr.emb), 1), key % max(len(fr.emb), 1)


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
    model: HalvesNet, left: np.ndarray, right: np.ndarray, k: int = 32, rescore: bool = True
) -> Candidates:
    """Full learned scoring: embed, build the top-k candidate graph, re-score with the pair head."""
    fl = embed(model, left, "left")
    fr = embed(model, right, "right")
    rows, cols = candidate_graph(fl, fr, k)
    score = head_scores(model, fl, fr, rows, cols) if rescore else emb_scores(fl, fr, rows, cols)
    return Candidates(rows, cols, score, len(left), len(right))
