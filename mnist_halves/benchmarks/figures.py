"""README figures from the benchmark's saved restoration (seed 0, learned + sparse).

Run after ``bench_halves.py``: ``python mnist_halves/benchmarks/figures.py``. Writes
``results/restored.png`` and ``results/failures.png`` and copies them (and the benchmark
plot) to ``mnist_halves/docs/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results"
DOCS = Path(__file__).parents[1] / "docs"


def _grid(ax_row: object, imgs: list[np.ndarray], titles: list[str], colors: list[str]) -> None:
    for ax, im, t, c in zip(ax_row, imgs, titles, colors, strict=False):  # type: ignore[call-overload]
        ax.imshow(im, cmap="gray_r", vmin=0, vmax=255)
        ax.axvline(13.5, color=c, lw=0.8, alpha=0.7)
        ax.set_title(t, fontsize=7, color=c)
        ax.set_xticks([])
        ax.set_yticks([])


def main() -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    z = np.load(RESULTS / "restored_seed0.npz")
    left, right, li, ri, rol, label = z["left"], z["right"], z["li"], z["ri"], z["rol"], z["label"]
    ok = rol[li] == ri
    rng = np.random.default_rng(0)
    good = rng.choice(np.nonzero(ok)[0], 16, replace=False)
    fig, axes = plt.subplots(2, 8, figsize=(8, 2.6))
    imgs = [np.concatenate([left[li[p]], right[ri[p]]], axis=1) for p in good]
    _grid(axes.ravel(), imgs, [f"digit {label[li[p]]}" for p in good], ["tab:green"] * 16)
    fig.suptitle("restored test digits (random sample; line = the cut)", fontsize=9)
    fig.tight_layout()
    fig.savefig(RESULTS / "restored.png", dpi=80)

    bad = np.nonzero(~ok)[0]
    bad = rng.choice(bad, min(8, len(bad)), replace=False) if len(bad) else bad
    fig, axes = plt.subplots(2, max(len(bad), 1), figsize=(max(len(bad), 1) * 1.0 + 0.5, 2.8), squeeze=False)
    chosen = [np.concatenate([left[li[p]], right[ri[p]]], axis=1) for p in bad]
    truth = [np.concatenate([left[li[p]], right[rol[li[p]]]], axis=1) for p in bad]
    _grid(axes[0], chosen, ["chosen"] * len(bad), ["tab:red"] * len(bad))
    _grid(axes[1], truth, [f"true ({label[li[p]]})" for p in bad], ["tab:green"] * len(bad))
    fig.suptitle("typical failures: chosen right half (top) vs true one (bottom)", fontsize=9)
    fig.tight_layout()
    fig.savefig(RESULTS / "failures.png", dpi=80)
    DOCS.mkdir(exist_ok=True)
    for name in ("restored.png", "failures.png", "bench_halves.png"):
        if (RESULTS / name).exists():
            shutil.copy(RESULTS / name, DOCS / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
