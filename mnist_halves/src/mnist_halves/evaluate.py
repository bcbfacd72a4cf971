"""Score a restoration against the ground truth."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mnist_halves.puzzle import PuzzleError


@dataclass
class Score:
    """Share of true pairs restored, overall and per digit class."""

    n_pairs: int
    correct: int
    per_class: dict[int, tuple[int, int]] = field(default_factory=dict)  # label -> (correct, total)

    @property
    def accuracy(self) -> float:
        return self.correct / self.n_pairs if self.n_pairs else float("nan")

    def table(self) -> str:
        """Plain-text report."""
        lines = [
            f"overall: {self.correct}/{self.n_pairs} = {100 * self.accuracy:.2f}% pairs restored",
            "digit  correct/total  accuracy",
        ]
        for c, (ok, tot) in sorted(self.per_class.items()):
            lines.append(f"{c:>5}  {ok:>6}/{tot:<6}  {100 * ok / tot if tot else float('nan'):6.2f}%")
        return "\n".join(lines)


def score_pairs(
    left_index: np.ndarray, right_index: np.ndarray, right_of_left: np.ndarray, label: np.ndarray | None = None
) -> Score:
    """Compare predicted pairs with the truth (``right_of_left[i]`` = partner of left ``i``, -1 if none).

    Examples
    --------
    >>> s = score_pairs(np.array([0, 1]), np.array([1, 0]), np.array([1, 2]))
    >>> s.correct, s.n_pairs
    (1, 2)
    """
    right_of_left = np.asarray(right_of_left)
    has = right_of_left >= 0
    li = np.asarray(left_index, np.int64)
    ri = np.asarray(right_index, np.int64)
    ok_mask = np.zeros(len(right_of_left), bool)
    valid = (li >= 0) & (ri >= 0)
    ok_mask[li[valid]] = right_of_left[li[valid]] == ri[valid]
    ok_mask &= has
    per: dict[int, tuple[int, int]] = {}
    if label is not None and len(label) == len(right_of_left):
        for c in np.unique(label[has]):
            m = has & (label == c)
            per[int(c)] = (int(ok_mask[m].sum()), int(m.sum()))
    return Score(int(has.sum()), int(ok_mask.sum()), per)


def read_pairs_csv(path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read ``left_index,right_index,score`` (unmatched rows carry -1)."""
    path = Path(path)
    if not path.exists():
        raise PuzzleError(f"pairs file not found: {path}")
    li, ri, sc = [], [], []
    with path.open(newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None or [h.strip() for h in header[:2]] != ["left_index", "right_index"]:
            raise PuzzleError(f"{path}: expected a header 'left_index,right_index,score', got {header}")
        for n, row in enumerate(reader, start=2):
            try:
                li.append(int(row[0]))
                ri.append(int(row[1]))
                sc.append(float(row[2]) if len(row) > 2 and row[2] != "" else np.nan)
            except (ValueError, IndexError) as exc:
                raise PuzzleError(f"{path}: line {n}: cannot parse {row!r}") from exc
    return np.asarray(li, np.int64), np.asarray(ri, np.int64), np.asarray(sc, np.float64)


def evaluate_files(pairs: str | Path, truth: dict[str, np.ndarray]) -> Score:
    """Evaluate a pairs CSV against a loaded truth file, checking that they belong together."""
    li, ri, _ = read_pairs_csv(pairs)
    rol = truth["right_of_left"]
    n_right = int(truth["n_right"]) if "n_right" in truth else int(rol.max()) + 1
    if (li >= len(rol)).any() or (ri >= n_right).any() or (li < -1).any() or (ri < -1).any():
        raise PuzzleError(
            f"pairs file does not match the truth file: indices up to left {li.max()}/right {ri.max()} "
            f"but the puzzle has {len(rol)} left and {n_right} right halves"
        )
    matched = (li >= 0) & (ri >= 0)
    if len(np.unique(li[matched])) != matched.sum() or len(np.unique(ri[matched])) != matched.sum():
        raise PuzzleError("pairs file uses a half more than once")
    return score_pairs(li, ri, rol, truth.get("label"))
