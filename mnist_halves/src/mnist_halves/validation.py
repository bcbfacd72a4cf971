"""Validation puzzle built from held-out *training* digits (used for model choices)."""

from __future__ import annotations

from typing import Any

import numpy as np

from mnist_halves.assign import greedy, sparse_assignment
from mnist_halves.model import HalvesNet
from mnist_halves.scoring import candidate_graph, emb_scores, embed, geometry_prior, head_scores, prior_offsets


def validate(
    model: HalvesNet, digits: np.ndarray, k: int = 32, sparse: bool = False, limit: int = 2000, prior: bool = True
) -> dict[str, Any]:
    """Accuracies on the puzzle made of ``digits[:limit]`` (left i belongs with right i).

    ``prior`` applies the MNIST geometry prior as ``restore`` does by default.
    """
    digits = digits[:limit]
    left, right = digits[:, :, :14], digits[:, :, 14:]
    n = len(digits)
    fl, fr = embed(model, left, "left"), embed(model, right, "right")
    geo = geometry_prior(left, right) if prior else None
    rows, cols = candidate_graph(fl, fr, k, geo)
    recall = float(np.isin(np.arange(n) * n + np.arange(n), rows * n + cols).mean())
    offset = prior_offsets(geo, rows, cols)
    es = emb_scores(fl, fr, rows, cols) + offset
    hs = head_scores(model, fl, fr, rows, cols) + offset
    out: dict[str, Any] = {"val_n": n, f"val_recall_at_{k}": recall}
    for name, s in (("emb", es), ("head", hs)):
        r, c = greedy(rows, cols, s, n, n)
        out[f"val_{name}_greedy"] = float((r == c).sum() / n)
        if sparse:
            r, c = sparse_assignment(rows, cols, s, n, n)
            out[f"val_{name}_sparse"] = float((r == c).sum() / n)
    return out
