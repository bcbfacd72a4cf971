"""Build the meme-like benchmark from real photos, reproducibly from a seed.

Each family is one real photo (an FFHQ face from ``faces/real/`` at 256x256, or a fashion catalogue
photo from ``fashion/images/`` enlarged 4x from 60x80 to 240x320 so that captions are legible) plus
one variant per transform in :data:`finhash.memeset.transforms.DEFAULT_TRANSFORMS`. The base is saved
as JPEG quality 95 (tag ``original``); variants as their transform says.

Output layout (the same as ``nearduplicates/``)::

    <out>/images/<family>_<NN>_<tag>.jpg|png
    <out>/labels.csv     filename,family,transform,source,params

The same seed, sources and counts give byte-identical files.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from finhash.memeset.transforms import DEFAULT_TRANSFORMS, Transform, encode

log = logging.getLogger(__name__)


def list_sources(data_root: str | os.PathLike[str] | None = None) -> dict[str, list[Path]]:
    """Real photos available as family bases: ``{"faces": [...], "fashion": [...]}`` (sorted).

    Raises
    ------
    imagecore.config.DataNotFoundError
        Neither ``faces/real`` nor ``fashion/images`` exists under the data root.
    """
    from imagecore import config

    root = config.data_root(data_root)
    out = {
        "faces": sorted((root / "faces" / "real").glob("*.jpg")),
        "fashion": sorted((root / "fashion" / "images").glob("*.jpg")),
    }
    if not out["faces"] and not out["fashion"]:
        raise config.DataNotFoundError(config.missing_data_message("faces", root / "faces"))
    return out


def _prepare_base(path: Path, kind: str) -> Image.Image:
    from imagecore.io import open_image

    img = open_image(path, mode="RGB")
    if kind == "fashion":
        img = img.resize((img.width * 4, img.height * 4), Image.Resampling.BICUBIC)
    return img


def build_memeset(
    out_dir: str | os.PathLike[str],
    n_families: int,
    *,
    seed: int = 0,
    data_root: str | os.PathLike[str] | None = None,
    transforms: Sequence[Transform] = DEFAULT_TRANSFORMS,
    face_fraction: float = 0.5,
    progress: bool = True,
) -> Path:
    """Write ``n_families`` families (base + one variant per transform) under ``out_dir``.

    Parameters
    ----------
    out_dir
        Output folder (created; an existing ``labels.csv`` there is overwritten).
    n_families
        Number of families (base photos).
    seed
        Seeds the choice of base photos and every random edit.
    data_root
        Data root holding ``faces/real`` and ``fashion/images`` (default ``$IMAGECORE_DATA_DIR``).
    transforms
        The edits; one variant each per family.
    face_fraction
        Share of bases taken from faces (the rest from fashion), when both are present.
    progress
        Show a progress bar.

    Returns
    -------
    pathlib.Path
        The ``labels.csv`` written.
    """
    if n_families < 1:
        raise ValueError("n_families must be >= 1")
    src = list_sources(data_root)
    rng = np.random.default_rng(seed)
    n_faces = round(n_families * face_fraction) if src["faces"] and src["fashion"] else (n_families if src["faces"] else 0)
    n_fash = n_families - n_faces
    for kind, n in (("faces", n_faces), ("fashion", n_fash)):
        if n > len(src[kind]):
            raise ValueError(f"asked for {n} {kind} bases, only {len(src[kind])} available")
    picks = [("faces", src["faces"][i]) for i in sorted(rng.choice(len(src["faces"]), n_faces, replace=False))] if n_faces else []
    picks += [("fashion", src["fashion"][i]) for i in sorted(rng.choice(len(src["fashion"]), n_fash, replace=False))] if n_fash else []
    order = rng.permutation(len(picks))
    out = Path(out_dir)
    (out / "images").mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, str]] = []
    for fam_i, k in enumerate(tqdm(order, desc="memeset", unit="family", disable=not progress)):
        kind, path = picks[int(k)]
        fam = f"{fam_i + 1:04d}"
        frng = np.random.default_rng([seed, fam_i])
        base = _prepare_base(path, kind)
        buf = io.BytesIO()
        base.save(buf, format="JPEG", quality=95)
        name = f"images/{fam}_00_original.jpg"
        (out / name).write_bytes(buf.getvalue())
        rows.append({"filename": name, "family": fam, "transform": "original", "source": f"{kind}/{path.name}", "params": "{}"})
        for vi, t in enumerate(transforms, start=1):
            img, params = t(base, frng)
            ext = "png" if t.fmt == "PNG" else "jpg"
            name = f"images/{fam}_{vi:02d}_{t.tag}.{ext}"
            (out / name).write_bytes(encode(img, t, params))
            rows.append({"filename": name, "family": fam, "transform": t.tag, "source": f"{kind}/{path.name}",
                         "params": json.dumps(params, sort_keys=True)})
    labels = out / "labels.csv"
    with labels.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["filename", "family", "transform", "source", "params"])
        w.writeheader()
        w.writerows(rows)
    log.info("memeset: %d images in %d families -> %s", len(rows), n_families, out)
    return labels
