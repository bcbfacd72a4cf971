"""Unknown sides: all halves in one pile; decide which are left halves, then pair them.

The model's side classifier gives each half a "left" logit. When the pile has an even
size (2N halves of N digits) the N most left-looking halves are taken as left halves
(``balanced=True``); otherwise the sign of the logit decides. Pairing then runs on the
two groups and the pairs are reported in pile indices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from mnist_halves.model import HalvesNet, to_input
from mnist_halves.puzzle import Puzzle, PuzzleError, check_halves, cut
from mnist_halves.restore import Restoration, restore


@dataclass
class PooledPuzzle:
    """A pile of halves; ``right_of_left[i]`` is the pile index of left half i's partner (-1 for right halves)."""

    halves: np.ndarray
    is_left: np.ndarray
    right_of_left: np.ndarray
    label: np.ndarray


def make_pooled(digits: np.ndarray, labels: np.ndarray, seed: int) -> PooledPuzzle:
    """Cut ``digits`` and shuffle all 2N halves into one pile."""
    left, right = cut(digits)
    n = len(digits)
    pile = np.concatenate([left, right])
    perm = np.random.default_rng(seed).permutation(2 * n)
    pos = np.empty(2 * n, np.int64)
    pos[perm] = np.arange(2 * n)  # pile position of original half
    rol = np.full(2 * n, -1, np.int64)
    rol[pos[:n]] = pos[n:]
    lab = np.concatenate([labels, labels]).astype(np.int64)[perm]
    return PooledPuzzle(pile[perm], perm < n, rol, lab)


@torch.no_grad()
def side_logits(model: HalvesNet, halves: np.ndarray, batch: int = 8192) -> np.ndarray:
    """Logit > 0: the classifier thinks the half is a left half."""
    model.eval()
    out = [
        model.side(to_input(np.ascontiguousarray(halves[s : s + batch]))).numpy() for s in range(0, len(halves), batch)
    ]
    return np.concatenate(out) if out else np.zeros(0, np.float32)


def split_sides(logits: np.ndarray, balanced: bool = True) -> np.ndarray:
    """Boolean mask of halves taken as left halves."""
    m = len(logits)
    if balanced and m % 2 == 0:
        mask = np.zeros(m, bool)
        mask[np.argsort(-logits, kind="stable")[: m // 2]] = True
        return mask
    return logits > 0


def restore_pooled(
    halves: np.ndarray, model: HalvesNet, balanced: bool = True, **kw: object
) -> tuple[Restoration, np.ndarray]:
    """Infer sides and restore; returns the restoration in pile indices and the left mask."""
    check_halves(halves, "halves")
    is_left = split_sides(side_logits(model, halves), balanced)
    li, ri = np.nonzero(is_left)[0], np.nonzero(~is_left)[0]
    if len(li) == 0 or len(ri) == 0:
        raise PuzzleError("all halves look like the same side; nothing to pair")
    res = restore(halves[li], halves[ri], model=model, **kw)  # type: ignore[arg-type]
    res.left_index = li[res.left_index]
    res.right_index = ri[res.right_index]
    res.unmatched_left = li[res.unmatched_left]
    res.unmatched_right = ri[res.unmatched_right]
    return res, is_left


def as_puzzle(p: PooledPuzzle) -> Puzzle:
    """The pooled pile as a puzzle-like object (for saving truth)."""
    return Puzzle(left=p.halves, right=p.halves, right_of_left=p.right_of_left, label=p.label)
