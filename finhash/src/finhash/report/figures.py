"""The report's figures (matplotlib, Agg backend), drawn from the results dict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

_STYLE = {"FINd": ("k", 2.4), "pHash": ("tab:blue", 1.4), "dHash": ("tab:orange", 1.4), "aHash": ("tab:green", 1.4),
          "wHash": ("tab:purple", 1.4), "PDQ": ("tab:red", 1.6)}


def _style(res: dict[str, Any], m: str) -> dict[str, Any]:
    fam = res["meta"]["family"][m]
    colour, lw = _STYLE.get(fam, ("grey", 1.2))
    ls = ":" if m.endswith("_numba") else ("-" if res["meta"]["bits"][m] >= 256 else "--")
    return {"color": colour, "lw": lw, "ls": ls, "label": m}


def fig_roc(res: dict[str, Any], path: Path) -> None:
    """ROC curves (log FPR) for both data sets."""
    sets = list(res["accuracy"])
    fig, axes = plt.subplots(1, len(sets), figsize=(5.2 * len(sets), 4.2))
    for ax, name in zip(np.atleast_1d(axes), sets, strict=True):
        for m in res["meta"]["methods"]:
            c = res["accuracy"][name][m]["curves"]
            fpr = np.maximum(np.concatenate([[0.0], c["fpr"]]), 1e-6)
            ax.step(fpr, np.concatenate([[0.0], c["tpr"]]), where="post", **_style(res, m))
        for a in (1e-3, 1e-2):
            ax.axvline(a, color="grey", lw=0.6, ls=":")
        ax.set(xscale="log", xlim=(1e-5, 1), ylim=(0, 1.01), xlabel="false positive rate (between-family pairs)",
               ylabel="true positive rate (within-family pairs)", title=f"ROC: {name}")
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def fig_f1(res: dict[str, Any], path: Path) -> None:
    """F1 (at the all-pairs prior) versus the Hamming threshold as a fraction of the hash length."""
    sets = list(res["accuracy"])
    fig, axes = plt.subplots(1, len(sets), figsize=(5.2 * len(sets), 3.8))
    for ax, name in zip(np.atleast_1d(axes), sets, strict=True):
        for m in res["meta"]["methods"]:
            c = res["accuracy"][name][m]["curves"]
            b = res["meta"]["bits"][m]
            ax.plot(np.asarray(c["thresholds"]) / b, c["f1"], **_style(res, m))
        ax.set(xlim=(0, 0.5), ylim=(0, 1.01), xlabel="threshold / hash bits", ylabel="F1 (all-pairs prior)", title=f"F1 vs threshold: {name}")
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[-1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def fig_per_transform(res: dict[str, Any], path: Path) -> None:
    """Heat map: recall of (original, variant) pairs per transform at FPR 1%, meme-like set."""
    ok = res["meta"]["methods"]
    pt = res["accuracy"]["memeset"]
    trs = sorted(pt[ok[0]]["per_transform"])
    M = np.array([[pt[m]["per_transform"][t]["recall"] for m in ok] for t in trs])
    fig, ax = plt.subplots(figsize=(1.0 + 0.75 * len(ok), 0.9 + 0.38 * len(trs)))
    im = ax.imshow(M, vmin=0, vmax=1, cmap="viridis", aspect="auto")
    ax.set_xticks(range(len(ok)), ok, rotation=40, ha="right", fontsize=8)
    ax.set_yticks(range(len(trs)), trs, fontsize=8)
    for i in range(len(trs)):
        for j in range(len(ok)):
            ax.text(j, i, f"{100 * M[i, j]:.0f}", ha="center", va="center", fontsize=7, color="w" if M[i, j] < 0.6 else "k")
    fig.colorbar(im, ax=ax, fraction=0.04, label="recall at FPR 1%")
    ax.set_title("Per-transform recall (meme-like set)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def fig_cost(res: dict[str, Any], path: Path) -> None:
    """Left: median decode + hash CPU ms per image; right: hash CPU ms versus image side (log-log)."""
    ok = res["meta"]["methods"]
    pi = res["cost"]["per_image"]["memeset"]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
    dec = [pi[m].get("decode_cpu_ms_median", pi[m]["decode_ms_median"]) for m in ok]
    hsh = [pi[m].get("hash_cpu_ms_median", pi[m]["hash_ms_median"]) for m in ok]
    a1.bar(ok, dec, color="lightgrey", label="decode")
    a1.bar(ok, hsh, bottom=dec, color=[_style(res, m)["color"] for m in ok], label="hash")
    a1.set(ylabel="CPU ms per image (median)", title="Cost per image (meme-like set)")
    a1.tick_params(axis="x", rotation=40, labelsize=8)
    a1.legend(fontsize=8)
    for m in ok:
        d = res["cost"]["size_scaling"][m]
        a2.plot([int(s) for s in d], list(d.values()), marker="o", ms=3, **_style(res, m))
    a2.set(xscale="log", yscale="log", xlabel="image side (px, square)", ylabel="hash CPU ms (median)", title="Hash time vs image size")
    a2.grid(alpha=0.3, which="both")
    a2.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def fig_index(res: dict[str, Any], path: Path) -> None:
    """Queries per second per index backend (range and k-NN)."""
    ix = res["index"]
    bs = list(ix["backends"])
    x = np.arange(len(bs))
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.bar(x - 0.2, [ix["backends"][b]["range_qps"] for b in bs], 0.4, label=f"range r={ix['radius']}")
    ax.bar(x + 0.2, [ix["backends"][b]["knn_qps"] for b in bs], 0.4, label=f"{ix['k']}-NN")
    ax.set_xticks(x, bs)
    ax.set(yscale="log", ylabel="queries / s", title=f"Index speed on {ix['n_codes']:,} 256-bit codes")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


FIGURES = {"roc.png": fig_roc, "f1_threshold.png": fig_f1, "per_transform.png": fig_per_transform,
           "cost.png": fig_cost, "index.png": fig_index}


def draw_all(res: dict[str, Any], fig_dir: Path) -> list[str]:
    """Draw every figure of :data:`FIGURES` into ``fig_dir``."""
    fig_dir.mkdir(parents=True, exist_ok=True)
    for name, fn in FIGURES.items():
        fn(res, fig_dir / name)
    return list(FIGURES)
