"""Turn a face data set (question_01 layout or the raw shared layout) into one manifest.

Two layouts are accepted:

* the question_01 builder output: ``DIR/metadata.parquet`` (columns ``path`` relative to DIR,
  ``label``, ``generator``, optionally ``phash``) with images under ``DIR/images/``;
* the raw shared layout: ``DIR/labels.csv`` (``filename,label,source,generator_if_known,...``)
  with ``DIR/real/`` and ``DIR/fake/``.

The result is a :class:`pandas.DataFrame` with columns ``path`` (absolute), ``filename``,
``label`` (0 real, 1 fake), ``label_name``, ``generator`` and ``phash`` (16-hex string).
"""

from __future__ import annotations

import logging
from pathlib import Path

import imagehash
import numpy as np
import pandas as pd
from imagecore.io import open_image

log = logging.getLogger(__name__)

LABELS = {"real": 0, "fake": 1}
KNOWN_GENERATORS = ("StyleGAN3", "StyleGAN2", "StyleGAN")


class ManifestError(ValueError):
    """The data set folder does not look like either supported layout."""


def normalize_generator(raw: object, label: str) -> str:
    """Map a free-text generator description to ``none``/``StyleGAN``/``StyleGAN3``/``unknown``.

    Examples
    --------
    >>> normalize_generator("StyleGAN3 stylegan3-r-ffhq; seed=1", "fake")
    'StyleGAN3'
    >>> normalize_generator(float("nan"), "real")
    'none'
    """
    if label == "real":
        return "none"
    text = "" if raw is None or (isinstance(raw, float) and np.isnan(raw)) else str(raw)
    for name in KNOWN_GENERATORS:  # longest names first
        if text.startswith(name):
            return name
    return text.split()[0] if text.strip() else "unknown"


def load_manifest(root: str | Path, *, compute_phash: bool = True) -> pd.DataFrame:
    """Read a face data set folder into a manifest.

    Parameters
    ----------
    root
        A question_01 output folder (``metadata.parquet``) or a raw ``faces/`` folder (``labels.csv``).
    compute_phash
        Compute ``imagehash.phash`` for rows that have none (needed for near-duplicate grouping).

    Returns
    -------
    pandas.DataFrame
        One row per image, sorted by ``path``.

    Raises
    ------
    ManifestError
        Neither ``metadata.parquet`` nor ``labels.csv`` exists, or labels are not real/fake.
    """
    root = Path(root)
    if (root / "metadata.parquet").is_file():
        raw = pd.read_parquet(root / "metadata.parquet")
        df = pd.DataFrame(
            {
                "path": [str((root / p).resolve()) for p in raw["path"]],
                "filename": raw.get("filename", raw["path"].map(lambda p: Path(p).name)),
                "label_name": raw["label"].astype(str),
                "generator": raw.get("generator", pd.Series(["unknown"] * len(raw))).astype(str),
                "phash": raw["phash"].astype(str) if "phash" in raw else None,
            }
        )
        df.loc[df["label_name"] == "real", "generator"] = "none"
    elif (root / "labels.csv").is_file():
        raw = pd.read_csv(root / "labels.csv")
        if "filename" not in raw or "label" not in raw:
            raise ManifestError(f"{root / 'labels.csv'}: needs columns filename,label")
        gen_col = raw["generator_if_known"] if "generator_if_known" in raw else pd.Series([None] * len(raw))
        df = pd.DataFrame(
            {
                "path": [str((root / f).resolve()) for f in raw["filename"]],
                "filename": raw["filename"].map(lambda f: Path(f).name),
                "label_name": raw["label"].astype(str),
                "generator": [
                    normalize_generator(g, lab) for g, lab in zip(gen_col, raw["label"].astype(str), strict=False)
                ],
                "phash": None,
            }
        )
    else:
        raise ManifestError(f"{root}: neither metadata.parquet nor labels.csv found (not a face data set folder)")
    bad = sorted(set(df["label_name"]) - set(LABELS))
    if bad:
        raise ManifestError(f"{root}: labels must be real/fake, found {bad}")
    df["label"] = df["label_name"].map(LABELS).astype(int)
    df = df.sort_values("path").reset_index(drop=True)
    return add_phash(df) if compute_phash else df


def add_phash(df: pd.DataFrame) -> pd.DataFrame:
    """Fill missing ``phash`` values with ``imagehash.phash`` of the decoded image (returns a copy)."""
    df = df.copy()
    df["phash"] = df["phash"].astype(object)
    missing = df["phash"].isna()
    if missing.any():
        log.info("computing phash for %d images", int(missing.sum()))
        df.loc[missing, "phash"] = [str(imagehash.phash(open_image(p, mode="RGB"))) for p in df.loc[missing, "path"]]
    return df
