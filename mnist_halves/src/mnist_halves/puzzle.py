"""The puzzle: cut digits at column 14, shuffle each side; read, write and validate files.

Puzzle file (``.npz``): ``left`` and ``right``, each ``(N, 28, 14)`` uint8, independently
shuffled. Ground truth goes to a separate file (``<puzzle stem>.truth.npz``) that
``restore`` never reads: ``right_of_left`` (the right index that belongs with each left
index, -1 when its partner is absent), ``label`` (digit of each left half; for left
halves whose partner was dropped too) and ``source_index`` (row in the MNIST split).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

CUT = 14
HALF_SHAPE = (28, 14)


class PuzzleError(ValueError):
    """Bad puzzle input; the message says what is wrong."""


@dataclass
class Puzzle:
    """Left and right halves plus (optionally) the ground truth."""

    left: np.ndarray
    right: np.ndarray
    right_of_left: np.ndarray | None = None
    label: np.ndarray | None = None
    source_index: np.ndarray | None = None


def cut(digits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split (N,28,28) digits into left (columns 0-13) and right (14-27) halves."""
    if digits.ndim != 3 or digits.shape[1:] != (28, 28):
        raise PuzzleError(f"digits must have shape (N, 28, 28), got {digits.shape}")
    return np.ascontiguousarray(digits[:, :, :CUT]), np.ascontiguousarray(digits[:, :, CUT:])


def make_puzzle(
    digits: np.ndarray,
    labels: np.ndarray,
    seed: int,
    drop_left: int = 0,
    drop_right: int = 0,
) -> Puzzle:
    """Cut and shuffle ``digits``; optionally drop some halves to get unequal counts.

    Parameters
    ----------
    digits, labels
        (N,28,28) uint8 digits and their labels.
    seed
        Seed of the shuffles (numpy ``default_rng``).
    drop_left, drop_right
        Number of left / right halves removed at random after the cut.

    Examples
    --------
    >>> d = np.arange(3 * 28 * 28, dtype=np.uint8).reshape(3, 28, 28)
    >>> p = make_puzzle(d, np.array([0, 1, 2]), seed=0)
    >>> bool((p.right[p.right_of_left] == d[p.source_index][:, :, 14:]).all())
    True
    """
    n = len(digits)
    if drop_left > n or drop_right > n or drop_left < 0 or drop_right < 0:
        raise PuzzleError(f"cannot drop {drop_left}/{drop_right} halves from {n} digits")
    rng = np.random.default_rng(seed)
    left_all, right_all = cut(digits)
    lperm = rng.permutation(n)[: n - drop_left]  # left position p holds digit lperm[p]
    rperm = rng.permutation(n)[: n - drop_right]
    where_right = np.full(n, -1, np.int64)
    where_right[rperm] = np.arange(len(rperm))
    return Puzzle(
        left=left_all[lperm],
        right=right_all[rperm],
        right_of_left=where_right[lperm],
        label=np.asarray(labels)[lperm].astype(np.int64),
        source_index=lperm.astype(np.int64),
    )


def truth_path(puzzle_path: str | Path) -> Path:
    """The truth file that goes with a puzzle file."""
    p = Path(puzzle_path)
    return p.with_name(p.name.removesuffix(".npz") + ".truth.npz")


def save_puzzle(p: Puzzle, out: str | Path) -> tuple[Path, Path | None]:
    """Write the puzzle (left/right only) and, when known, the truth file beside it."""
    out = Path(out)
    if out.suffix != ".npz":
        out = out.with_name(out.name + ".npz")
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, left=p.left, right=p.right)
    tp = None
    if p.right_of_left is not None:
        tp = truth_path(out)
        np.savez_compressed(
            tp,
            right_of_left=p.right_of_left,
            label=p.label if p.label is not None else np.full(len(p.left), -1),
            source_index=p.source_index if p.source_index is not None else np.full(len(p.left), -1),
            n_right=np.int64(len(p.right)),
        )
    return out, tp


def check_halves(arr: object, name: str) -> np.ndarray:
    """Validate one side: a (N,28,14) uint8 array with N >= 1.

    Raises
    ------
    PuzzleError
        Wrong type, dtype, shape, NaN or empty.
    """
    if not isinstance(arr, np.ndarray):
        raise PuzzleError(f"{name}: expected a numpy array, got {type(arr).__name__}")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise PuzzleError(f"{name}: contains NaN values")
    if arr.dtype != np.uint8:
        raise PuzzleError(f"{name}: dtype must be uint8 (pixel values 0-255), got {arr.dtype}")
    if arr.ndim != 3 or arr.shape[1:] != HALF_SHAPE:
        raise PuzzleError(f"{name}: shape must be (N, 28, 14), got {arr.shape}")
    if arr.shape[0] == 0:
        raise PuzzleError(f"{name}: no halves (empty array)")
    return arr


def load_halves_npz(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Read ``left`` and ``right`` from a puzzle ``.npz`` and validate them."""
    path = Path(path)
    if not path.exists():
        raise PuzzleError(f"puzzle file not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as z:
            missing = [k for k in ("left", "right") if k not in z.files]
            if missing:
                raise PuzzleError(
                    f"{path}: missing array(s) {', '.join(missing)} (has: {', '.join(z.files) or 'none'})"
                )
            left, right = z["left"], z["right"]
    except PuzzleError:
        raise
    except Exception as exc:  # zipfile/pickle/format errors
        raise PuzzleError(f"{path}: not a readable .npz puzzle ({exc.__class__.__name__}: {exc})") from exc
    return check_halves(left, "left"), check_halves(right, "right")


def load_halves_npy(path: str | Path, name: str) -> np.ndarray:
    """Read one side from a ``.npy`` file and validate it."""
    path = Path(path)
    if not path.exists():
        raise PuzzleError(f"{name} file not found: {path}")
    try:
        arr = np.load(path, allow_pickle=False)
    except Exception as exc:
        raise PuzzleError(f"{path}: not a readable .npy array ({exc.__class__.__name__}: {exc})") from exc
    return check_halves(arr, name)


def load_truth(path: str | Path) -> dict[str, np.ndarray]:
    """Read a truth file written by :func:`save_puzzle`."""
    path = Path(path)
    if not path.exists():
        raise PuzzleError(f"truth file not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as z:
            if "right_of_left" not in z.files:
                raise PuzzleError(f"{path}: not a truth file (no 'right_of_left' array)")
            return {k: z[k] for k in z.files}
    except PuzzleError:
        raise
    except Exception as exc:
        raise PuzzleError(f"{path}: not a readable truth file ({exc.__class__.__name__}: {exc})") from exc
