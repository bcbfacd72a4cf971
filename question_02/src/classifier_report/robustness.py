"""Robustness: re-score perturbed copies of the evaluated images with a model."""

from __future__ import annotations

import io
import shlex
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageFilter
from sklearn import metrics as skm

from classifier_report.errors import ReportInputError

Scorer = Callable[[Sequence[Image.Image], Sequence[str]], np.ndarray]


def jpeg(quality: int) -> Callable[[Image.Image], Image.Image]:
    """Re-encode as JPEG at ``quality``."""

    def f(img: Image.Image) -> Image.Image:
        buf = io.BytesIO()
        img.convert("RGB").save(buf, "JPEG", quality=quality)
        return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")

    return f


def blur(radius: float) -> Callable[[Image.Image], Image.Image]:
    """Gaussian blur."""
    return lambda img: img.filter(ImageFilter.GaussianBlur(radius))


def resize(factor: float) -> Callable[[Image.Image], Image.Image]:
    """Down-scale by ``factor`` and back up (bicubic): loses high frequencies."""

    def f(img: Image.Image) -> Image.Image:
        w, h = img.size
        small = img.resize((max(1, int(w * factor)), max(1, int(h * factor))), Image.Resampling.BICUBIC)
        return small.resize((w, h), Image.Resampling.BICUBIC)

    return f


def crop(fraction: float) -> Callable[[Image.Image], Image.Image]:
    """Centre crop keeping ``fraction`` of each side, resized back to the original size."""

    def f(img: Image.Image) -> Image.Image:
        w, h = img.size
        cw, ch = int(w * fraction), int(h * fraction)
        box = ((w - cw) // 2, (h - ch) // 2, (w - cw) // 2 + cw, (h - ch) // 2 + ch)
        return img.crop(box).resize((w, h), Image.Resampling.BICUBIC)

    return f


#: The default perturbations: name -> function.
PERTURBATIONS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "none": lambda img: img,
    "jpeg q90": jpeg(90),
    "jpeg q75": jpeg(75),
    "jpeg q50": jpeg(50),
    "blur r=1": blur(1.0),
    "resize x0.5": resize(0.5),
    "crop 0.8": crop(0.8),
}


def command_scorer(template: str) -> Scorer:
    """A scorer that runs an external command on a folder of images.

    ``template`` must contain ``{images}`` (a folder of PNG files) and ``{out}`` (a CSV path the
    command writes with ``filename,prob_fake``), e.g.
    ``face-classifier predict --images {images} --out {out}``.

    Raises
    ------
    ReportInputError
        Placeholders missing; the command fails or writes no usable CSV.
    """
    if "{images}" not in template or "{out}" not in template:
        raise ReportInputError("--score-cmd needs {images} and {out} placeholders")

    def score(images: Sequence[Image.Image], names: Sequence[str]) -> np.ndarray:
        with tempfile.TemporaryDirectory(prefix="q2score_") as tmp:
            folder = Path(tmp) / "images"
            folder.mkdir()
            files = [f"{i:06d}_{Path(n).stem}.png" for i, n in enumerate(names)]
            for img, f in zip(images, files, strict=True):
                img.save(folder / f)
            out = Path(tmp) / "scores.csv"
            cmd = [part.replace("{images}", str(folder)).replace("{out}", str(out)) for part in shlex.split(template)]
            res = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if res.returncode != 0 or not out.is_file():
                raise ReportInputError(f"score command failed ({res.returncode}): {res.stderr.strip()[-300:]}")
            df = pd.read_csv(out)
            df["filename"] = df["filename"].astype(str).str.split("/").str[-1]
            got = df.set_index("filename")["prob_fake"]
            missing = [f for f in files if f not in got.index]
            if missing:
                raise ReportInputError(f"score command returned no score for {len(missing)} images, e.g. {missing[:2]}")
            return got.loc[files].to_numpy(dtype=float)

    return score


def robustness_table(
    images: Sequence[Image.Image],
    names: Sequence[str],
    y_true: np.ndarray,
    scorer: Scorer,
    *,
    perturbations: dict[str, Callable[[Image.Image], Image.Image]] | None = None,
    threshold: float = 0.5,
    groups: np.ndarray | None = None,
) -> pd.DataFrame:
    """Score every perturbed version of the images; report AUC, accuracy and recall per perturbation.

    Parameters
    ----------
    groups
        Optional group label per image (e.g. generator); adds ``recall[<group>]`` columns for the fakes.
    """
    perturbations = perturbations or PERTURBATIONS
    y = np.asarray(y_true).astype(int)
    rows = []
    for name, fn in perturbations.items():
        s = np.asarray(scorer([fn(im) for im in images], names), dtype=float)
        p = (s >= threshold).astype(int)
        row = {"perturbation": name, "auc": float(skm.roc_auc_score(y, s)) if 0 < y.sum() < len(y) else float("nan"),
               "accuracy": float((p == y).mean()), "recall_fake": float(p[y == 1].mean()) if y.any() else float("nan"),
               "specificity_real": float(1 - p[y == 0].mean()) if (y == 0).any() else float("nan"),
               "mean_prob_fake": float(s.mean())}  # fmt: skip
        if groups is not None:
            for g in sorted(set(np.asarray(groups)[y == 1])):
                m = (np.asarray(groups) == g) & (y == 1)
                row[f"recall[{g}]"] = float(p[m].mean())
        rows.append(row)
    return pd.DataFrame(rows)
