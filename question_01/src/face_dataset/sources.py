"""Where images come from: folders, a labels CSV, a list of URLs. Each gives candidate records."""

from __future__ import annotations

import csv
import hashlib
import logging
import re
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from face_dataset.errors import FaceDatasetError

log = logging.getLogger(__name__)

LABELS = ("real", "fake")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")

#: Known sources: (pattern in the source text, generator of fakes, licence note).
KNOWN_SOURCES = [
    (r"stylegan3", "StyleGAN3", "StyleGAN3 samples; model under NVIDIA Source Code License (non-commercial); "
     "no licence in the origin repository"),
    (r"1-million-fake-faces|1 Million Fake Faces", "StyleGAN",
     "Kaggle '1 Million Fake Faces' (StyleGAN samples); licence to be checked on the Kaggle page"),
    (r"FFHQ", "none", "FFHQ dataset: CC BY-NC-SA 4.0; each image under its own Flickr licence"),
]  # fmt: skip


@dataclass
class Candidate:
    """One image to ingest, before validation."""

    src: Path
    filename: str
    label: str
    source: str
    generator: str = "unknown"
    licence: str = "unknown"
    extra: dict[str, str] = field(default_factory=dict)
    listed: str = ""


def normalise_generator(label: str, text: str | None, source: str = "") -> str:
    """Map a free-text generator description to ``none``/``StyleGAN``/``StyleGAN3``/``StyleGAN2``/``unknown``.

    Examples
    --------
    >>> normalise_generator("fake", "StyleGAN3 stylegan3-r-ffhq-1024x1024.pkl; seed=1")
    'StyleGAN3'
    >>> normalise_generator("real", "")
    'none'
    """
    if label == "real":
        return "none"
    blob = f"{text or ''} {source}".lower()
    for name in ("stylegan3", "stylegan2", "stylegan"):
        if name in blob:
            return {"stylegan3": "StyleGAN3", "stylegan2": "StyleGAN2", "stylegan": "StyleGAN"}[name]
    for pattern, gen, _ in KNOWN_SOURCES:
        if re.search(pattern, blob, flags=re.I) and gen != "none":
            return gen
    return "unknown"


def licence_for(source: str, generator_text: str = "") -> str:
    """The licence note of a known source, else ``"unknown"``."""
    blob = f"{source} {generator_text}"
    for pattern, _, licence in KNOWN_SOURCES:
        if re.search(pattern, blob, flags=re.I):
            return licence
    return "unknown"


def _check_label(label: str, where: str) -> str:
    label = label.strip().lower()
    if label not in LABELS:
        raise FaceDatasetError(f"{where}: label must be one of {', '.join(LABELS)}, got {label!r}")
    return label


def from_labels_csv(csv_path: str | Path, root: str | Path | None = None) -> list[Candidate]:
    """Candidates from a CSV with at least ``filename,label`` (paths relative to ``root``).

    Optional columns: ``source``, ``generator`` or ``generator_if_known``, ``licence``; every
    other column is kept as an extra label (e.g. ``origin_repo``).

    Raises
    ------
    FaceDatasetError
        Missing file or columns, or an invalid label.
    """
    csv_path = Path(csv_path)
    if not csv_path.is_file():
        raise FaceDatasetError(f"{csv_path}: labels CSV not found")
    root = Path(root) if root is not None else csv_path.parent
    out = []
    with csv_path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        cols = set(reader.fieldnames or [])
        if not {"filename", "label"} <= cols:
            raise FaceDatasetError(f"{csv_path}: needs columns filename,label; has {sorted(cols)}")
        for i, row in enumerate(reader, start=2):
            label = _check_label(row["label"], f"{csv_path}:{i}")
            source = (row.get("source") or csv_path.parent.name).strip()
            gen_text = (row.get("generator") or row.get("generator_if_known") or "").strip()
            known = {"filename", "label", "source", "generator", "generator_if_known", "licence"}
            extra = {k: (v or "") for k, v in row.items() if k not in known and k is not None}
            if gen_text:
                extra["generator_detail"] = gen_text
            out.append(
                Candidate(
                    src=root / row["filename"],
                    filename=Path(row["filename"]).name,
                    label=label,
                    source=source,
                    generator=normalise_generator(label, gen_text, source),
                    licence=(row.get("licence") or "").strip() or licence_for(source, gen_text),
                    extra=extra,
                    listed=row["filename"],
                )
            )
    return out


def from_folder(spec: str) -> list[Candidate]:
    """Candidates from ``DIR:LABEL[:GENERATOR[:SOURCE]]`` (every image file under DIR, sorted).

    Raises
    ------
    FaceDatasetError
        Malformed spec, missing folder, or an invalid label.
    """
    parts = spec.split(":")
    if len(parts) < 2:
        raise FaceDatasetError(f"--folder {spec!r}: expected DIR:LABEL[:GENERATOR[:SOURCE]]")
    folder = Path(parts[0])
    label = _check_label(parts[1], f"--folder {spec}")
    generator = parts[2] if len(parts) > 2 and parts[2] else ("none" if label == "real" else "unknown")
    source = parts[3] if len(parts) > 3 else folder.name
    if not folder.is_dir():
        raise FaceDatasetError(f"--folder {spec!r}: {folder} is not a folder")
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    return [
        Candidate(p, p.name, label, source, generator, licence_for(source), listed=p.relative_to(folder).as_posix())
        for p in files
    ]


def from_url_list(csv_path: str | Path, cache: str | Path, *, timeout: float = 20.0) -> list[Candidate]:
    """Download images listed in a CSV ``url,label[,generator,source,licence]`` into ``cache``.

    Files are cached by the sha1 of their URL, so a second build does not download again.
    A URL that fails is logged and skipped.

    Raises
    ------
    FaceDatasetError
        Missing CSV or columns, or an invalid label.
    """
    csv_path, cache = Path(csv_path), Path(cache)
    if not csv_path.is_file():
        raise FaceDatasetError(f"{csv_path}: URL list not found")
    cache.mkdir(parents=True, exist_ok=True)
    out = []
    with csv_path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if not {"url", "label"} <= set(reader.fieldnames or []):
            raise FaceDatasetError(f"{csv_path}: needs columns url,label")
        for i, row in enumerate(reader, start=2):
            url = row["url"].strip()
            label = _check_label(row["label"], f"{csv_path}:{i}")
            scheme = urllib.parse.urlparse(url).scheme
            if scheme not in ("http", "https"):
                raise FaceDatasetError(f"{csv_path}:{i}: only http(s) URLs are accepted, got {url!r}")
            name = Path(urllib.parse.urlparse(url).path).name or "image"
            target = cache / f"{hashlib.sha1(url.encode()).hexdigest()[:12]}_{name}"
            if not target.exists():
                try:
                    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - scheme checked
                        target.write_bytes(resp.read())
                except OSError as exc:
                    log.warning("skipping %s: %s", url, exc)
                    continue
            source = (row.get("source") or urllib.parse.urlparse(url).netloc).strip()
            gen = (row.get("generator") or "").strip()
            out.append(
                Candidate(target, name, label, source, normalise_generator(label, gen, source),
                          (row.get("licence") or "").strip() or licence_for(source), {"url": url}, url)
            )
    return out


def read_extra_labels(csv_path: str | Path) -> dict[str, dict[str, str]]:
    """Optional extra labels (e.g. ``age_group, gender_presentation, pose``) keyed by ``filename``.

    Raises
    ------
    FaceDatasetError
        Missing file or no ``filename`` column.
    """
    csv_path = Path(csv_path)
    if not csv_path.is_file():
        raise FaceDatasetError(f"{csv_path}: extra labels CSV not found")
    with csv_path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if "filename" not in (reader.fieldnames or []):
            raise FaceDatasetError(f"{csv_path}: needs a filename column")
        return {Path(r["filename"]).name: {k: v for k, v in r.items() if k != "filename"} for r in reader}
