"""``face-classifier evaluate``: held-out test, unseen generator, robustness and calibration.

* **test**: the held-out real/StyleGAN split (never used for training or model selection);
* **unseen**: every StyleGAN3 face (never in training) against the held-out real test faces,
  *both* re-encoded as JPEG quality 75 so neither the PNG format nor double compression is a cue;
* **robustness**: the test split after JPEG re-compression, Gaussian blur and down-scaling;
* calibration: expected calibration error before/after the validation-fitted temperature.
"""

from __future__ import annotations

import io
import json
import logging
import platform
from pathlib import Path

import cv2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from imagecore.torch import set_threads
from PIL import Image
from sklearn.metrics import roc_curve

from .data import load_images, standardize
from .metrics import binary_metrics
from .torchutil import load_model, predict_logits, resolve_model_path, sigmoid

log = logging.getLogger(__name__)


def jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    """Re-encode a uint8 RGB array as JPEG at ``quality`` (Pillow, 4:2:0) and decode it again."""
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=quality)
    return np.asarray(Image.open(buf).convert("RGB"))


def blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur with standard deviation ``sigma`` pixels."""
    return cv2.GaussianBlur(img, (0, 0), sigma)


def downscale(img: np.ndarray, factor: float) -> np.ndarray:
    """Shrink by ``factor`` (area); the scoring pipeline then brings it back to 256 px."""
    h, w = img.shape[:2]
    small = cv2.resize(img, (round(w * factor), round(h * factor)), interpolation=cv2.INTER_AREA)
    return standardize(small)


PERTURBATIONS = {
    "clean": lambda x: x,
    "jpeg95": lambda x: jpeg(x, 95),
    "jpeg75": lambda x: jpeg(x, 75),
    "jpeg50": lambda x: jpeg(x, 50),
    "jpeg30": lambda x: jpeg(x, 30),
    "blur1": lambda x: blur(x, 1.0),
    "blur2": lambda x: blur(x, 2.0),
    "resize0.5": lambda x: downscale(x, 0.5),
    "resize0.75": lambda x: downscale(x, 0.75),
}


def _apply(images: np.ndarray, fn) -> np.ndarray:
    return np.stack([fn(im) for im in images]) if len(images) else images


def evaluate_model(
    model_path: str | Path,
    out_dir: str | Path,
    *,
    n_boot: int = 1000,
    threads: int = 2,
    perturbations: tuple[str, ...] | None = None,
) -> dict:
    """Evaluate a trained model on its own held-out splits (``split.csv`` beside the model).

    Parameters
    ----------
    model_path
        ``model.pt`` or the training output folder (which also holds ``split.csv``).
    out_dir
        Folder for ``metrics.json``, ``scores.csv`` and the plots.
    n_boot
        Bootstrap resamples for the 95% confidence intervals.
    threads
        torch threads.
    perturbations
        Names from :data:`PERTURBATIONS` to run (default: all).

    Returns
    -------
    dict
        ``summary`` (headline numbers) and the full metric blocks.
    """
    set_threads(threads)
    path = resolve_model_path(model_path)
    split_csv = path.parent / "split.csv"
    if not split_csv.is_file():
        raise FileNotFoundError(f"{split_csv}: missing (evaluate needs the training output folder)")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model, ckpt = load_model(path)
    temperature = float(ckpt.get("temperature", 1.0))
    df = pd.read_csv(split_csv)
    test = df[df["split"] == "test"].reset_index(drop=True)
    unseen = df[df["split"] == "unseen"].reset_index(drop=True)
    x_test = load_images(test["path"].tolist())
    y_test = test["label"].to_numpy()

    def score(x: np.ndarray, temp: float = temperature) -> np.ndarray:
        return sigmoid(predict_logits(model, x) / temp)

    result: dict = {"model": str(path), "temperature": temperature, "train_summary": ckpt.get("summary")}
    logits_test = predict_logits(model, x_test)
    p_test = sigmoid(logits_test / temperature)
    result["test"] = binary_metrics(y_test, p_test, n_boot=n_boot)
    result["test"]["ece_before_temperature"] = binary_metrics(y_test, sigmoid(logits_test), n_boot=0)["ece"]
    scores = test[["filename", "label", "generator"]].assign(split="test", prob_fake=p_test)
    if len(unseen):
        reals = x_test[y_test == 0]
        x_unseen = np.concatenate([load_images(unseen["path"].tolist()), reals])
        y_unseen = np.concatenate([np.ones(len(unseen), int), np.zeros(len(reals), int)])
        p_unseen = score(_apply(x_unseen, lambda x: jpeg(x, 75)))
        result["unseen"] = binary_metrics(y_unseen, p_unseen, n_boot=n_boot)
        result["unseen"]["generators"] = sorted(unseen["generator"].unique().tolist())
        scores = pd.concat(
            [
                scores,
                unseen[["filename", "label", "generator"]].assign(
                    split="unseen_jpeg75", prob_fake=p_unseen[: len(unseen)]
                ),
            ]
        )
    result["robustness"] = {}
    for name in perturbations or tuple(PERTURBATIONS):
        p = p_test if name == "clean" else score(_apply(x_test, PERTURBATIONS[name]))
        result["robustness"][name] = binary_metrics(y_test, p, n_boot=0)
    scores.to_csv(out / "scores.csv", index=False)
    result["machine"] = {
        "cpus": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "platform": platform.platform(),
    }
    t, u = result["test"], result.get("unseen", {})
    result["summary"] = {
        "test_accuracy": t["accuracy"],
        "test_accuracy_ci95": t.get("ci95", {}).get("accuracy"),
        "test_auc": t["auc"],
        "test_auc_ci95": t.get("ci95", {}).get("auc"),
        "test_ece": t["ece"],
        "test_n": t["n"],
        "unseen_accuracy": u.get("accuracy"),
        "unseen_auc": u.get("auc"),
        "unseen_ap": u.get("ap"),
        "unseen_auc_ci95": (u.get("ci95") or {}).get("auc"),
        "unseen_best_threshold_accuracy": u.get("best_threshold_accuracy"),
        "unseen_n": u.get("n"),
        "robustness_auc": {k: round(v["auc"], 3) for k, v in result["robustness"].items()},
        "robustness_accuracy": {k: round(v["accuracy"], 3) for k, v in result["robustness"].items()},
    }
    (out / "metrics.json").write_text(json.dumps(result, indent=1))
    _plots(
        out, y_test, p_test, y_unseen if len(unseen) else None, p_unseen if len(unseen) else None, result["robustness"]
    )
    return result


def _plots(out: Path, y_test, p_test, y_unseen, p_unseen, robust: dict) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    ax = axes[0]
    for name, y, p in (("held-out test", y_test, p_test), ("unseen StyleGAN3 (JPEG 75)", y_unseen, p_unseen)):
        if y is not None and len(np.unique(y)) == 2:
            fpr, tpr, _ = roc_curve(y, p)
            ax.plot(fpr, tpr, label=name)
    ax.plot([0, 1], [0, 1], "k:", lw=0.8)
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
    ax.legend(loc="lower right")
    ax = axes[1]
    edges = np.linspace(0, 1, 11)
    idx = np.clip(np.digitize(p_test, edges[1:-1]), 0, 9)
    conf = [p_test[idx == b].mean() if (idx == b).any() else np.nan for b in range(10)]
    acc = [y_test[idx == b].mean() if (idx == b).any() else np.nan for b in range(10)]
    ax.plot([0, 1], [0, 1], "k:", lw=0.8)
    ax.plot(conf, acc, "o-")
    ax.set(xlabel="mean predicted P(fake)", ylabel="fraction fake", title="reliability (held-out test)")
    ax = axes[2]
    names = list(robust)
    ax.bar(names, [robust[n]["auc"] for n in names], color="tab:blue", label="AUC")
    ax.plot(names, [robust[n]["accuracy"] for n in names], "ro", label="accuracy @0.5")
    ax.set(ylim=(0.3, 1.0), title="robustness (held-out test)")
    ax.tick_params(axis="x", rotation=45)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "evaluation.png", dpi=80)
    plt.close(fig)
