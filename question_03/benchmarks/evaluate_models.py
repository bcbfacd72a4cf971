"""Evaluate trained models and build the augmentation ablation table.

Usage::

    python question_03/benchmarks/evaluate_models.py \
        --model robust=question_03/out/model_face96 --model none=question_03/out/model_face96_none

Each ``NAME=PATH`` is a training output folder (or a ``*.pt`` inside one). Writes
``question_03/benchmarks/results/<NAME>/{metrics.json,scores.csv,evaluation.png}`` plus
``results/ablation.{json,png}``, and prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
from face_classifier.evaluate import evaluate_model

RESULTS = Path(__file__).parent / "results"


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--model", action="append", required=True, help="NAME=PATH (repeatable)")
    p.add_argument("--bootstrap", type=int, default=1000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--clean-only", action="append", default=[], help="NAME: skip the robustness perturbations")
    args = p.parse_args()
    rows = []
    for spec in args.model:
        name, path = spec.split("=", 1)
        pert = ("clean",) if name in args.clean_only else None
        res = evaluate_model(path, RESULTS / name, n_boot=args.bootstrap, threads=args.threads, perturbations=pert)
        s = res["summary"]
        rows.append(
            {
                "name": name,
                **s,
                "epochs": (res.get("train_summary") or {}).get("epochs"),
                "unseen_tpr": res["unseen"]["tpr_at_threshold"],
                "unseen_tnr": res["unseen"]["tnr_at_threshold"],
            }
        )
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "load_avg_1m": round(os.getloadavg()[0], 1),
    }
    (RESULTS / "ablation.json").write_text(json.dumps({"rows": rows, "machine": machine}, indent=1))
    print(f"machine: {machine}")
    head = f"{'model':14} {'test acc [95% CI]':>22} {'test AUC [95% CI]':>22} {'ECE':>5} {'unseen acc':>10} {'unseen AUC [95% CI]':>22} {'unseen TPR':>10}"
    print(head)
    for r in rows:
        ca, cu, cn = r["test_accuracy_ci95"], r["test_auc_ci95"], r["unseen_auc_ci95"]
        print(
            f"{r['name']:14} {r['test_accuracy']:.3f} [{ca[0]:.2f},{ca[1]:.2f}]     {r['test_auc']:.3f} [{cu[0]:.2f},{cu[1]:.2f}]    "
            f"{r['test_ece']:.3f} {r['unseen_accuracy']:>10.3f}  {r['unseen_auc']:.3f} [{cn[0]:.2f},{cn[1]:.2f}]    {r['unseen_tpr']:>10.3f}"
        )
    fig, ax = plt.subplots(figsize=(8, 4))
    keys = ["test_accuracy", "test_auc", "unseen_accuracy", "unseen_auc"]
    for i, r in enumerate(rows):
        ax.bar(
            [k + i * 0.8 / len(rows) for k in range(len(keys))],
            [r[k] for k in keys],
            width=0.8 / len(rows),
            label=r["name"],
        )
    ax.set_xticks([k + 0.4 - 0.4 / len(rows) for k in range(len(keys))], keys)
    ax.axhline(0.5, color="k", ls=":", lw=0.8)
    ax.set(ylim=(0.3, 1.0), title="augmentation ablation (held-out test; unseen = StyleGAN3 @ JPEG 75)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / "ablation.png", dpi=80)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
