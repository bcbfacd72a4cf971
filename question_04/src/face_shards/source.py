"""Where samples come from: a face data set folder, or synthetic JPEGs for tests and benchmarks."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image


@dataclass
class Sample:
    """One sample: a unique key, the encoded image, its extension and JSON-able metadata."""

    key: str
    image: bytes
    ext: str
    meta: dict = field(default_factory=dict)


def _generator(raw: object, label: str) -> str:
    if label == "real":
        return "none"
    text = "" if raw is None or (isinstance(raw, float) and np.isnan(raw)) else str(raw)
    return text.split()[0] if text.strip() else "unknown"


def iter_dataset(root: str | Path) -> Iterator[Sample]:
    """Yield the samples of a face data set folder.

    Accepts the question_01 builder output (``metadata.parquet`` + ``images/``) or the raw shared
    layout (``labels.csv`` + ``real/`` + ``fake/``). Keys are ``<label>/<file stem>``.

    Raises
    ------
    FileNotFoundError
        Neither ``metadata.parquet`` nor ``labels.csv`` in ``root``.
    """
    root = Path(root)
    if (root / "metadata.parquet").is_file():
        df = pd.read_parquet(root / "metadata.parquet")
        rows = [(r["path"], r["label"], r.get("generator", "unknown")) for r in df.to_dict("records")]
    elif (root / "labels.csv").is_file():
        df = pd.read_csv(root / "labels.csv")
        gens = df["generator_if_known"] if "generator_if_known" in df else [None] * len(df)
        rows = [(f, lab, _generator(g, lab)) for f, lab, g in zip(df["filename"], df["label"], gens, strict=False)]
    else:
        raise FileNotFoundError(f"{root}: neither metadata.parquet nor labels.csv (not a face data set folder)")
    for rel, label, gen in sorted(rows):
        path = root / rel
        data = path.read_bytes()
        yield Sample(
            key=f"{label}/{Path(rel).stem.replace('.', '_')}",  # WebDataset keys: no dots
            image=data,
            ext=path.suffix.lstrip(".").lower() or "bin",
            meta={
                "label": label,
                "generator": gen,
                "filename": Path(rel).name,
                "sha256": hashlib.sha256(data).hexdigest(),
            },
        )


def iter_synthetic(n: int, size: int = 64, seed: int = 0, quality: int = 85) -> Iterator[Sample]:
    """Yield ``n`` small random JPEG samples with labels/generators in fixed proportions."""
    rng = np.random.default_rng(seed)
    gens = ("none", "StyleGAN", "StyleGAN3")
    for i in range(n):
        arr = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
        buf = io.BytesIO()
        Image.fromarray(arr).save(buf, format="JPEG", quality=quality)
        gen = gens[i % 3]
        label = "real" if gen == "none" else "fake"
        yield Sample(
            f"{label}/s{i:07d}",
            buf.getvalue(),
            "jpg",
            {"label": label, "generator": gen, "filename": f"s{i:07d}.jpg", "index": i},
        )
