"""Compare models on the validation digits only (held-out *training* digits; never the test set).

Run: ``python mnist_halves/benchmarks/validate_models.py MODEL [MODEL ...] [--val-size 5000]``

For each model it reports

* the restore accuracy of the validation puzzle (the default pipeline, overall and per digit);
* the third stage's group metrics on the validation digits: every validation digit anchors
  two groups (its left half with the ``negatives`` best-scored wrong right halves, and the
  other way round), impostors mined with the model's own towers and pair head as in
  training; ``group_top1`` is how often the true pair wins its group on the final score
  (pair head + the weighted third stage and palette prior, as ``restore`` scores) and ``group_ce`` the mean cross-entropy of that score.
  The group metrics count every hard case, so they separate models whose puzzle accuracy ties.

Prints a table, writes ``benchmarks/results/validate_models.json`` and a bar plot.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch
from imagecore.mnist import load_mnist
from mnist_halves.evaluate import score_pairs
from mnist_halves.joint import joint_scores
from mnist_halves.model import load_model
from mnist_halves.palette import palette_similarity, palettes
from mnist_halves.puzzle import CUT, make_puzzle
from mnist_halves.restore import restore
from mnist_halves.scoring import embed, geometry_prior, head_scores, prior_offsets
from mnist_halves.settings import Settings
from mnist_halves.train_joint import mine_impostors

RESULTS = Path(__file__).parent / "results"


def group_metrics(model: Any, digits: np.ndarray, negatives: int, seed: int) -> dict[str, float]:
    """Group top-1 and cross-entropy of the final pair score on ``digits`` (see module doc)."""
    left, right = np.ascontiguousarray(digits[:, :, :CUT]), np.ascontiguousarray(digits[:, :, CUT:])
    n = len(digits)
    imp_r, imp_l = mine_impostors(model, digits, negatives, 16, np.random.default_rng(seed))
    anchor = np.arange(n)[:, None]
    rows = np.concatenate([np.repeat(anchor, 1 + negatives, 1), np.concatenate([anchor, imp_l], 1)])
    cols = np.concatenate([np.concatenate([anchor, imp_r], 1), np.repeat(anchor, 1 + negatives, 1)])
    r, c = rows.reshape(-1), cols.reshape(-1)
    fl, fr = embed(model, left, "left"), embed(model, right, "right")
    geo = geometry_prior(left, right)
    score = head_scores(model, fl, fr, r, c) + prior_offsets(geo, r, c)
    if model.joint is not None:
        score = score + model.cfg.joint_weight * joint_scores(model.joint, left, right, r, c)
    if model.cfg.palette_weight > 0:
        score = score + model.cfg.palette_weight * palette_similarity(palettes(left), palettes(right), r, c)
    logits = torch.from_numpy(score.reshape(2 * n, 1 + negatives).astype(np.float32))
    ce = torch.nn.functional.cross_entropy(logits, torch.zeros(2 * n, dtype=torch.long))
    return {"group_top1": float((logits.argmax(1) == 0).float().mean()), "group_ce": float(ce)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+", type=Path)
    ap.add_argument("--val-size", type=int, default=5000, help="last training digits held out (as in training)")
    ap.add_argument("--negatives", type=int, default=7)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=RESULTS / "validate_models.json")
    args = ap.parse_args(argv)
    settings = Settings.from_env()
    torch.set_num_threads(settings.threads or torch.get_num_threads())
    data = load_mnist("train")
    digits, labels = data.images[-args.val_size :], data.labels[-args.val_size :]
    p = make_puzzle(digits, labels, seed=args.seed)
    assert p.right_of_left is not None and p.label is not None
    rows: list[dict[str, Any]] = []
    for path in args.models:
        model = load_model(path)
        res = restore(p.left, p.right, model=model)
        sc = score_pairs(res.left_index, res.right_index, p.right_of_left, p.label)
        rec: dict[str, Any] = {"model": str(path), "val_n": len(digits), "val_accuracy": sc.accuracy,
                               "per_digit": {str(c): ok / tot for c, (ok, tot) in sc.per_class.items()}, "restore_s": res.timings.get("total_s")}  # fmt: skip
        rec.update(group_metrics(model, digits, args.negatives, args.seed))
        rows.append(rec)
        print(f"{path}: accuracy {rec['val_accuracy']:.4f}  group top-1 {rec['group_top1']:.4f}  "
              f"group CE {rec['group_ce']:.4f}", flush=True)  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2))
    print("\n| model | validation puzzle | group top-1 | group CE | digit 1 |\n|---|---|---|---|---|")
    for r in rows:
        d1 = r["per_digit"].get("1", float("nan"))
        print(
            f"| {Path(r['model']).name} | {r['val_accuracy']:.2%} | {r['group_top1']:.2%} | {r['group_ce']:.4f} | {d1:.2%} |"
        )
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    names = [Path(r["model"]).stem for r in rows]
    axes[0].barh(names, [100 * r["val_accuracy"] for r in rows])
    axes[0].set_xlabel("validation puzzle restored (%)")
    axes[1].barh(names, [r["group_ce"] for r in rows])
    axes[1].set_xlabel("group cross-entropy (lower is better)")
    axes[0].set_xlim(left=80)
    fig.tight_layout()
    fig.savefig(args.out.with_suffix(".png"), dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main())
