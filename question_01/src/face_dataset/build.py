"""Build a dataset folder: validate, extract metadata in parallel, de-duplicate, copy, write."""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from face_dataset.card import write_card
from face_dataset.dedup import deduplicate
from face_dataset.errors import FaceDatasetError, ImageValidationError
from face_dataset.metadata import extract_metadata
from face_dataset.schema import apply_schema
from face_dataset.settings import Settings, get_settings
from face_dataset.sources import Candidate

log = logging.getLogger(__name__)

CHECKSUMS = "checksums.sha256"


@dataclass
class BuildResult:
    """What a build produced."""

    out: Path
    metadata: pd.DataFrame
    rejected: pd.DataFrame
    duplicates: pd.DataFrame


def _extract_one(cand: Candidate, opts: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    try:
        return extract_metadata(cand.src, **opts), None
    except (ImageValidationError, FileNotFoundError, OSError) as exc:
        return None, str(exc)


def subset_per_group(cands: list[Candidate], per_group: int, seed: int = 0) -> list[Candidate]:
    """Keep at most ``per_group`` candidates of each (label, generator) group, chosen at random (seeded)."""
    rng = np.random.default_rng(seed)
    groups: dict[tuple[str, str], list[int]] = {}
    for i, c in enumerate(cands):
        groups.setdefault((c.label, c.generator), []).append(i)
    keep: set[int] = set()
    for idx in groups.values():
        chosen = idx if len(idx) <= per_group else rng.choice(idx, size=per_group, replace=False)
        keep.update(int(i) for i in chosen)
    return [c for i, c in enumerate(cands) if i in keep]


def _parse_generator_detail(text: str) -> tuple[int | None, float | None]:
    seed = re.search(r"seed=(\d+)", text or "")
    psi = re.search(r"psi=([0-9.]+)", text or "")
    return (int(seed.group(1)) if seed else None, float(psi.group(1)) if psi else None)


def build_dataset(
    candidates: Sequence[Candidate],
    out: str | Path,
    *,
    settings: Settings | None = None,
    extra_labels: dict[str, dict[str, str]] | None = None,
    allow_grayscale: bool = False,
    detect: bool = True,
    overwrite: bool = False,
    progress: bool = True,
    plots: bool = True,
) -> BuildResult:
    """Validate candidates, extract metadata, de-duplicate, copy files and write the dataset.

    Writes ``out/images/<label>/<filename>``, ``out/metadata.parquet``, ``out/metadata.csv``,
    ``out/rejected.csv``, ``out/duplicates.csv``, ``out/CARD.md`` (+ ``out/plots/*.png``) and
    ``out/checksums.sha256`` (sha256 of every other file, relative paths).

    Parameters
    ----------
    candidates
        Images to ingest (see :mod:`face_dataset.sources`).
    out
        Output folder; must be empty or absent unless ``overwrite``.
    settings
        Thresholds and worker count (default: from the environment).
    extra_labels
        Extra label columns keyed by file name (e.g. age group, pose).
    allow_grayscale, detect
        Passed to :func:`face_dataset.metadata.extract_metadata`.
    overwrite
        Remove an existing non-empty ``out`` first.
    progress
        Show a tqdm progress bar.
    plots
        Draw the card's plots (``out/plots/overview.png``).

    Raises
    ------
    FaceDatasetError
        No candidates, no valid image, or ``out`` not empty.
    """
    settings = settings or get_settings()
    out = Path(out)
    if not candidates:
        raise FaceDatasetError("no images to ingest (give --labels-csv, --folder or --urls)")
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise FaceDatasetError(f"{out} is not empty; use --overwrite to replace it")
        shutil.rmtree(out)
    opts = {"min_size": settings.min_size, "max_pixels": settings.max_pixels, "allow_grayscale": allow_grayscale,
            "hash_method": settings.hash_method, "detect": detect}
    work = partial(_extract_one, opts=opts)
    cands = list(candidates)
    if settings.workers > 1 and len(cands) > 32:
        with ProcessPoolExecutor(settings.workers) as pool:
            results = list(tqdm(pool.map(work, cands, chunksize=16), total=len(cands), disable=not progress,
                                desc="metadata"))  # fmt: skip
    else:
        results = [work(c) for c in tqdm(cands, disable=not progress, desc="metadata")]
    rows, rejected = [], []
    for cand, (meta, err) in zip(cands, results, strict=True):
        if meta is None:
            rejected.append({"source_path": str(cand.src), "label": cand.label, "reason": err})
            continue
        seed, psi = _parse_generator_detail(cand.extra.get("generator_detail", ""))
        row = {
            "image_id": meta["sha256"][:16],
            "label": cand.label,
            "generator": cand.generator,
            "source": cand.source,
            "licence": cand.licence,
            "filename": cand.filename,
            "source_path": cand.listed or cand.filename,
            "seed": seed,
            "psi": psi if psi is not None else np.nan,
            **cand.extra,
            **meta,
        }
        if extra_labels:
            row.update(extra_labels.get(cand.filename, {}))
        row["_src"] = str(cand.src)
        rows.append(row)
    rejected_df = pd.DataFrame(rejected, columns=["source_path", "label", "reason"])
    if not rows:
        raise FaceDatasetError(f"none of the {len(cands)} images passed validation; first error: {rejected[0]['reason']}")
    df = pd.DataFrame(rows)
    kept, dups = deduplicate(df, threshold=settings.near_dup_threshold)
    # file names: images/<label>/<filename>, prefixed with the id when two kept files share a name
    names = kept["label"] + "/" + kept["filename"]
    clash = names.duplicated(keep=False)
    kept["path"] = np.where(clash, "images/" + kept["label"] + "/" + kept["image_id"] + "_" + kept["filename"],
                            "images/" + names)  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    for src, rel in zip(kept["_src"], kept["path"], strict=True):
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
    kept = apply_schema(kept.drop(columns="_src"))
    kept.to_parquet(out / "metadata.parquet", index=False)
    kept.to_csv(out / "metadata.csv", index=False)
    rejected_df.to_csv(out / "rejected.csv", index=False)
    dups.to_csv(out / "duplicates.csv", index=False)
    write_card(out, kept, rejected_df, dups, settings=settings, plots=plots)
    write_checksums(out)
    log.info("built %s: %d images, %d rejected, %d duplicates removed", out, len(kept), len(rejected_df), len(dups))
    return BuildResult(out, kept, rejected_df, dups)


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_checksums(folder: Path) -> Path:
    """Write ``checksums.sha256`` (``sha256  relative/path`` lines, sorted) for every file in ``folder``."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != CHECKSUMS)
    lines = [f"{sha256_file(p)}  {p.relative_to(folder).as_posix()}" for p in files]
    target = folder / CHECKSUMS
    target.write_text("\n".join(lines) + "\n")
    return target


def verify_checksums(folder: str | Path) -> int:
    """Check every file listed in ``checksums.sha256``; return the number checked.

    Raises
    ------
    ChecksumError
        A listed file is missing or differs, or the checksum file is absent.
    """
    from face_dataset.errors import ChecksumError

    folder = Path(folder)
    listing = folder / CHECKSUMS
    if not listing.is_file():
        raise ChecksumError(f"{listing}: checksum file missing")
    bad = []
    n = 0
    for line in listing.read_text().splitlines():
        if not line.strip():
            continue
        digest, rel = line.split("  ", 1)
        n += 1
        path = folder / rel
        if not path.is_file():
            bad.append(f"{rel} (missing)")
        elif sha256_file(path) != digest:
            bad.append(f"{rel} (sha256 differs)")
    if bad:
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        raise ChecksumError(f"{len(bad)} of {n} files fail verification: {', '.join(bad[:5])}{more}")
    return n
