"""Benchmark: accuracy, time and memory of every method on the 10,000 MNIST test halves.

Run: ``python mnist_halves/benchmarks/bench_halves.py [--model PATH] [--seeds 0 1 2] [--quick]``

Prints a table, writes ``benchmarks/results/bench_halves.json`` and two PNGs
(accuracy per method, time and memory vs N). Scores are measured on the test puzzle
only after every model choice was made on the held-out training digits.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from imagecore.mnist import load_mnist
from mnist_halves.evaluate import score_pairs
from mnist_halves.geometry import admissible_pairs
from mnist_halves.model import load_model
from mnist_halves.pooled import make_pooled, restore_pooled
from mnist_halves.puzzle import make_puzzle
from mnist_halves.restore import restore
from mnist_halves.scoring import candidate_graph, embed, geometry_prior
from mnist_halves.settings import Settings

RESULTS = Path(__file__).parent / "results"

#: Every method of the table; "prior" = the MNIST geometry prior (mnist_halves.geometry),
#: "palette" = the grey-level palette prior (mnist_halves.palette).
METHODS: dict[str, dict[str, Any]] = {
    "heuristic + sparse": {"scorer": "heuristic", "assign": "sparse", "prior": False},
    "heuristic + greedy": {"scorer": "heuristic", "assign": "greedy", "prior": False},
    "heuristic + prior + sparse": {"scorer": "heuristic", "assign": "sparse", "prior": True},
    "learned + sparse, no priors, no 3rd stage": {
        "scorer": "learned", "assign": "sparse", "prior": False, "palette": False, "joint_top_m": 0,
    },
    "embedding + prior + sparse": {"scorer": "embedding", "assign": "sparse", "prior": True, "palette": False},
    "learned + prior + sparse, no 3rd stage, no palette": {
        "scorer": "learned", "assign": "sparse", "prior": True, "palette": False, "joint_top_m": 0,
    },
    "learned + prior + 3rd stage + sparse, no palette": {
        "scorer": "learned", "assign": "sparse", "prior": True, "palette": False,
    },
    "learned + prior + palette + sparse, no 3rd stage": {
        "scorer": "learned", "assign": "sparse", "prior": True, "joint_top_m": 0,
    },
    "learned + priors + 3rd stage + greedy": {"scorer": "learned", "assign": "greedy", "prior": True},
    "learned + priors + 3rd stage + dense": {"scorer": "learned", "assign": "dense", "prior": True},
    "learned + priors + 3rd stage + sparse": {"scorer": "learned", "assign": "sparse", "prior": True},
}  # fmt: skip
DEFAULT_METHOD = "learned + priors + 3rd stage + sparse"


def _rss() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def measured(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """Run ``fn``; return (result, seconds, peak extra RSS in MiB, sampled every 10 ms)."""
    base = _rss()
    peak = [base]
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _rss())
            time.sleep(0.01)

    th = threading.Thread(target=watch, daemon=True)
    th.start()
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    stop.set()
    th.join()
    peak[0] = max(peak[0], _rss())
    return out, dt, (peak[0] - base) / 2**20


def machine() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
        "load_avg_start": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--k", type=int, default=32)
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 2000, 5000, 10000])
    ap.add_argument("--no-70k", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--n-test", type=int, default=None, help="use only the first N test digits (smoke runs)")
    ap.add_argument("--part", choices=("all", "accuracy", "scale"), default="all")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = Path(args.model) if args.model else Settings.from_env().resolve_model()
    assert path is not None, "no model"
    model = load_model(path)
    test = load_mnist("test")
    x, y = np.asarray(test.images)[: args.n_test], np.asarray(test.labels)[: args.n_test]
    out: dict[str, Any] = {
        "n_test": len(x),
        "machine": machine(),
        "model": str(path),
        "k": args.k,
        "seeds": args.seeds,
        "runs": [],
        "scale": [],
    }

    prev = RESULTS / "bench_halves.json"
    if args.part != "all" and prev.exists():  # keep the other part's results
        old = json.loads(prev.read_text())
        out["runs"], out["scale"] = old.get("runs", []), old.get("scale", [])
        for key in ("recall", "recall_prior", "prior_keeps_true_pair"):
            if key in old and args.part == "scale":
                out[key] = old[key]
        if args.part == "accuracy":
            out["runs"] = []
        else:  # keep earlier scale points for sizes not measured in this run
            todo = set(args.sizes) | (set() if args.no_70k else {70000})
            out["scale"] = [r for r in out["scale"] if r["n"] not in todo]
    # --- accuracy per method, 3 seeds ---
    for seed in args.seeds if args.part != "scale" else []:
        p = make_puzzle(x, y, seed=seed)
        assert p.right_of_left is not None
        feats, t_embed, _ = measured(lambda: (embed(model, p.left, "left"), embed(model, p.right, "right")))  # noqa: B023
        for name, kw in METHODS.items():
            pre = feats if kw["scorer"] != "heuristic" else None
            res, dt, mem = measured(partial(restore, p.left, p.right, model=model, k=args.k, features=pre, **kw))
            if pre is not None:
                dt += t_embed  # charge the shared embedding step to every learned method
            s = score_pairs(res.left_index, res.right_index, p.right_of_left, p.label)
            rec = {"seed": seed, "method": name, "accuracy": s.accuracy, "seconds": dt, "peak_mib": mem,
                   "per_class": {str(c): ok / tot for c, (ok, tot) in s.per_class.items()}, "timings": res.timings}  # fmt: skip
            out["runs"].append(rec)
            print(f"seed {seed}  {name:<20} acc {100 * s.accuracy:6.2f}%  {dt:6.1f} s  +{mem:7.0f} MiB", flush=True)
            if seed == args.seeds[0] and name == DEFAULT_METHOD:
                np.savez_compressed(RESULTS / "restored_seed0.npz", left=p.left, right=p.right, li=res.left_index,
                                    ri=res.right_index, rol=p.right_of_left, label=p.label, score=res.score)  # fmt: skip
        pp = make_pooled(x, y, seed=seed)
        (res, is_left), dt, mem = measured(partial(restore_pooled, pp.halves, model, k=args.k))
        s = score_pairs(res.left_index, res.right_index, pp.right_of_left, pp.label)
        side_acc = float((is_left == pp.is_left).mean())
        out["runs"].append(
            {
                "seed": seed,
                "method": "pooled sides (default pipeline)",
                "accuracy": s.accuracy,
                "seconds": dt,
                "peak_mib": mem,
                "side_accuracy": side_acc,
            }
        )
        print(
            f"seed {seed}  {'pooled sides':<20} acc {100 * s.accuracy:6.2f}%  {dt:6.1f} s  +{mem:7.0f} MiB  (side acc {100 * side_acc:.2f}%)",
            flush=True,
        )

    # --- candidate recall of the embedding (seed 0), without and with the prior ---
    if args.part != "scale":
        p = make_puzzle(x, y, seed=args.seeds[0])
        fl, fr = embed(model, p.left, "left"), embed(model, p.right, "right")
        geo = geometry_prior(p.left, p.right)
        assert p.right_of_left is not None
        n = len(p.left)
        truth_keys = np.arange(n) * n + p.right_of_left
        out["prior_keeps_true_pair"] = float(admissible_pairs(*geo, np.arange(n), p.right_of_left).mean())
        for name, g in (("recall", None), ("recall_prior", geo)):
            for k in (1, 5, 10, 16, 32, 64):
                rows, cols = candidate_graph(fl, fr, k, g)
                out.setdefault(name, {})[str(k)] = float(np.isin(truth_keys, rows * n + cols).mean())
    for name in ("recall", "recall_prior"):
        print(
            f"candidate {name} (true pair in the union of top-k lists):",
            {k: round(v, 4) for k, v in out.get(name, {}).items()},
        )
    if "prior_keeps_true_pair" in out:
        print(f"the prior admits the true pair for {100 * out['prior_keeps_true_pair']:.2f}% of halves")

    # --- scale: time and memory vs N ---
    train = load_mnist("train")
    allx = np.concatenate([np.asarray(train.images), x])
    ally = np.concatenate([np.asarray(train.labels), y])
    sizes = list(args.sizes) + ([] if args.no_70k else [70000])
    if args.part == "accuracy":
        sizes = []
    for n in sizes:
        src = (x[:n], y[:n]) if n <= len(x) else (allx[:n], ally[:n])
        p = make_puzzle(*src, seed=0)
        assert p.right_of_left is not None
        for how in ("sparse", "dense") if n <= 10000 else ("sparse",):
            res, dt, mem = measured(partial(restore, p.left, p.right, model=model, assign=how, k=args.k))
            acc = score_pairs(res.left_index, res.right_index, p.right_of_left).accuracy
            out["scale"].append(
                {"n": n, "assign": how, "seconds": dt, "peak_mib": mem, "accuracy": acc, "timings": res.timings}
            )
            print(f"N={n:<6} {how:<6} {dt:6.1f} s  +{mem:7.0f} MiB  acc {100 * acc:.2f}%", flush=True)

    # --- summary table ---
    rows_ = {}
    for r in out["runs"]:
        rows_.setdefault(r["method"], []).append(r)
    summary = []
    print("\nmethod                              accuracy (mean ± sd, 3 seeds)   time s   peak MiB")
    for m, rs in rows_.items():
        a = np.array([r["accuracy"] for r in rs])
        t = np.array([r["seconds"] for r in rs])
        mm = np.array([r["peak_mib"] for r in rs])
        summary.append({"method": m, "acc_mean": float(a.mean()), "acc_sd": float(a.std(ddof=1)) if len(a) > 1 else 0.0,
                        "seconds_mean": float(t.mean()), "peak_mib_max": float(mm.max())})  # fmt: skip
        print(
            f"{m:<36} {100 * a.mean():6.2f}% ± {100 * summary[-1]['acc_sd']:.2f}            {t.mean():7.1f}  {mm.max():8.0f}"
        )
    out["summary"] = summary
    out["machine"]["load_avg_end"] = os.getloadavg()
    (RESULTS / "bench_halves.json").write_text(json.dumps(out, indent=2))
    plot(out)
    return 0


def plot(out: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    sm = out["summary"]
    ax = axes[0]
    ax.barh(
        [s["method"] for s in sm],
        [100 * s["acc_mean"] for s in sm],
        xerr=[100 * s["acc_sd"] for s in sm],
        color="tab:blue",
    )
    for i, s in enumerate(sm):
        ax.text(100 * s["acc_mean"] + 1, i, f"{100 * s['acc_mean']:.1f}%", va="center")
    ax.set_xlim(0, 110)
    ax.set_xlabel(f"pairs restored, {out.get('n_test', 10000):,} test digits (%)")
    ax.invert_yaxis()
    ax.set_title("accuracy per method (mean ± sd over 3 puzzle seeds)")
    ax = axes[1]
    for how, mk in (("sparse", "o-"), ("dense", "s--")):
        pts = [r for r in out["scale"] if r["assign"] == how]
        if pts:
            ax.plot([r["n"] for r in pts], [r["seconds"] for r in pts], mk, label=f"default ({how}): time")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("N (digits)")
    ax.set_ylabel("restore time (s)")
    ax2 = ax.twinx()
    for how, mk in (("sparse", "o:"), ("dense", "s:")):
        pts = [r for r in out["scale"] if r["assign"] == how]
        if pts:
            ax2.plot(
                [r["n"] for r in pts],
                [max(r["peak_mib"], 1) for r in pts],
                mk,
                alpha=0.5,
                label=f"{how}: peak extra MiB",
            )
    ax2.set_ylabel("peak extra memory (MiB)")
    ax2.set_yscale("log")
    ax.legend(loc="upper left", fontsize=8)
    ax2.legend(loc="lower right", fontsize=8)
    m = out["machine"]
    ax.set_title(f"time/memory vs N ({m['cpu_count']} CPUs, torch {m['torch']})")
    fig.tight_layout()
    fig.savefig(RESULTS / "bench_halves.png", dpi=90)


if __name__ == "__main__":
    raise SystemExit(main())
