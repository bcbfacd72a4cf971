"""Read labelled image sets: one :class:`LabelledSet` whatever the source.

Sources
-------
* the meme-like benchmark written by :func:`finhash.memeset.build.build_memeset` (``labels.csv``
  with columns ``filename,family,transform,...``);
* ``$IMAGECORE_DATA_DIR/nearduplicates/`` (``labels.csv``: ``filename,family,product_id,variant,...``);
* the Library of Congress "meme generator" set (``das_images.zip`` unpacked: 55,972 JPEGs in 1,034
  families; the family is the first four digits of the file name). :func:`load_meme_generator`
  reads that folder, at any depth; :func:`verify_das_zip` checks the zip's md5.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: md5 of the course's ``das_images.zip``.
DAS_ZIP_MD5 = "fcb1ff3c62f3ca39c39985a4bba0d873"
#: What the full meme-generator folder holds.
DAS_EXPECTED_IMAGES = 55_972
DAS_EXPECTED_FAMILIES = 1_034
_IMAGE_EXT = {".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp"}


class LabelledSetError(ValueError):
    """A labelled set folder is missing or malformed; the message says what to do."""


@dataclass
class LabelledSet:
    """Images with a family label each (and optionally an edit tag).

    Attributes
    ----------
    name
        Short name for tables (``"memeset"``, ``"nearduplicates"``, ``"meme_generator"``).
    paths
        Image files.
    families
        Family label per image (strings).
    transforms
        Edit tag per image (``"original"`` for the family base) or ``None`` when unknown.
    """

    name: str
    paths: list[str]
    families: list[str]
    transforms: list[str] | None = None

    def __len__(self) -> int:
        return len(self.paths)

    @property
    def n_families(self) -> int:
        """Number of distinct families."""
        return len(set(self.families))

    def subset(self, families: int, *, random_state: int = 0) -> LabelledSet:
        """Keep a random subset of ``families`` whole families (all of them if fewer)."""
        fams = sorted(set(self.families))
        if families >= len(fams):
            return self
        keep = set(np.random.default_rng(random_state).choice(fams, families, replace=False).tolist())
        idx = [i for i, f in enumerate(self.families) if f in keep]
        tr = [self.transforms[i] for i in idx] if self.transforms is not None else None
        return LabelledSet(self.name, [self.paths[i] for i in idx], [self.families[i] for i in idx], tr)


def _read_labels(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise LabelledSetError(f"{path}: labels.csv not found")
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def load_labels_csv(root: str | os.PathLike[str], name: str, tag_column: str | None) -> LabelledSet:
    """Read ``root/labels.csv`` (columns ``filename``, ``family`` and optionally ``tag_column``).

    Raises
    ------
    LabelledSetError
        No labels.csv, a required column missing, or a listed file absent.
    """
    root = Path(root)
    rows = _read_labels(root / "labels.csv")
    need = {"filename", "family"} | ({tag_column} if tag_column else set())
    if rows and not need <= set(rows[0]):
        raise LabelledSetError(f"{root / 'labels.csv'}: needs columns {sorted(need)}, has {sorted(rows[0])}")
    paths = [str(root / r["filename"]) for r in rows]
    missing = [p for p in paths if not Path(p).is_file()]
    if missing:
        raise LabelledSetError(f"{root}: {len(missing)} files listed in labels.csv are missing, e.g. {missing[0]}")
    tags = [r[tag_column] for r in rows] if tag_column else None
    return LabelledSet(name, paths, [r["family"] for r in rows], tags)


def load_memeset(root: str | os.PathLike[str]) -> LabelledSet:
    """Read a meme-like benchmark built by :func:`finhash.memeset.build.build_memeset`."""
    return load_labels_csv(root, "memeset", "transform")


def load_nearduplicates(root: str | os.PathLike[str] | None = None) -> LabelledSet:
    """Read the ``nearduplicates`` set (explicit folder, else ``$IMAGECORE_DATA_DIR/nearduplicates``).

    Raises
    ------
    imagecore.config.DataNotFoundError
        The folder is absent; the message says how to get it.
    """
    from imagecore.config import dataset_dir

    ds = load_labels_csv(dataset_dir("nearduplicates", root), "nearduplicates", None)
    return ds


_FAMILY_RE = re.compile(r"^(\d{4})")


def load_meme_generator(root: str | os.PathLike[str], *, strict: bool = False) -> LabelledSet:
    """Read the Library of Congress meme-generator images (``das_images.zip`` unpacked at ``root``).

    Every image file under ``root`` (any depth) whose name starts with four digits is kept; the
    family is those four digits (e.g. ``0123_something.jpg`` -> family ``"0123"``).

    Parameters
    ----------
    root
        The unpacked folder.
    strict
        Also require the full set: 55,972 images in 1,034 families.

    Raises
    ------
    LabelledSetError
        ``root`` is not a folder, holds no image named ``NNNN...``, or (``strict``) the counts differ.
    """
    root = Path(root)
    if not root.is_dir():
        raise LabelledSetError(
            f"{root}: not a folder. Unzip das_images.zip (md5 {DAS_ZIP_MD5}) and pass the folder it creates."
        )
    paths, fams = [], []
    for p in sorted(root.rglob("*")):
        m = _FAMILY_RE.match(p.name)
        if p.is_file() and p.suffix.lower() in _IMAGE_EXT and m:
            paths.append(str(p))
            fams.append(m.group(1))
    if not paths:
        raise LabelledSetError(f"{root}: no image whose file name starts with four digits (the family id)")
    ds = LabelledSet("meme_generator", paths, fams, None)
    if strict and (len(ds) != DAS_EXPECTED_IMAGES or ds.n_families != DAS_EXPECTED_FAMILIES):
        raise LabelledSetError(
            f"{root}: {len(ds)} images in {ds.n_families} families; the full set has "
            f"{DAS_EXPECTED_IMAGES} in {DAS_EXPECTED_FAMILIES}"
        )
    return ds


def verify_das_zip(path: str | os.PathLike[str]) -> bool:
    """Return whether ``path`` has the md5 of the course's ``das_images.zip``."""
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest() == DAS_ZIP_MD5
