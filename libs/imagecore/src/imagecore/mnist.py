"""MNIST: locate, verify and load the official IDX files.

Modelled on ``torchvision.datasets.MNIST``: the loader knows the official file names and
md5 checksums, verifies them, and fails with a message that says exactly what to do.

Files are looked up in ``root`` (explicit) or ``$IMAGECORE_DATA_DIR/mnist``, as ``.gz`` or
uncompressed (``train-images-idx3-ubyte`` or ``train-images.idx3-ubyte``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np

from imagecore.config import DataNotFoundError, dataset_dir, missing_data_message
from imagecore.idx import read_idx

log = logging.getLogger(__name__)

Split = Literal["train", "test"]

#: Official file names and md5 of the gzip files (the same checksums torchvision uses).
MNIST_FILES: dict[str, tuple[str, str]] = {
    "train-images": ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
    "train-labels": ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
    "test-images": ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
    "test-labels": ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
}

#: Public mirrors tried in order by :func:`download_mnist`.
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

#: Expected sizes, used as a cheap sanity check.
MNIST_COUNTS = {"train": 60_000, "test": 10_000}


class ChecksumError(ValueError):
    """A file's md5 does not match the official checksum."""


@dataclass(frozen=True)
class MnistSplit:
    """One MNIST split: ``images`` (N, 28, 28) uint8 and ``labels`` (N,) uint8."""

    images: np.ndarray
    labels: np.ndarray
    split: str

    def __len__(self) -> int:
        return len(self.labels)


def md5sum(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """Hex md5 of a file, read in chunks."""
    digest = hashlib.md5()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _candidates(root: Path, gz_name: str) -> list[Path]:
    raw = gz_name[:-3]
    dotted = raw.replace("-idx", ".idx")  # e.g. train-images.idx3-ubyte
    return [root / gz_name, root / raw, root / dotted, root / (dotted + ".gz")]


def locate_mnist_file(kind: str, root: str | os.PathLike[str] | None = None) -> Path:
    """Return the path of one MNIST file (``kind`` e.g. ``"train-images"``).

    Raises
    ------
    DataNotFoundError
        The file is absent; the message says how to get it.
    """
    gz_name, _ = MNIST_FILES[kind]
    folder = dataset_dir("mnist", root, must_exist=False)
    for path in _candidates(folder, gz_name):
        if path.is_file():
            return path
    raise DataNotFoundError(missing_data_message("mnist", folder) + f" (missing {gz_name})")


def verify_mnist_file(path: Path, kind: str) -> None:
    """Check a gzip file's md5 against the official checksum (raw files are checked by shape).

    Raises
    ------
    ChecksumError
        The md5 differs: the file is damaged or not the official one.
    """
    gz_name, expected = MNIST_FILES[kind]
    if path.suffix == ".gz":
        actual = md5sum(path)
        if actual != expected:
            raise ChecksumError(
                f"{path}: md5 {actual} does not match the official {expected} for {gz_name}; "
                "delete it and run `make data` (or download it again)"
            )


def load_mnist(
    split: Split = "train",
    root: str | os.PathLike[str] | None = None,
    *,
    download: bool = False,
    verify: bool = True,
) -> MnistSplit:
    """Load one MNIST split.

    Parameters
    ----------
    split
        ``"train"`` (60,000 images) or ``"test"`` (10,000).
    root
        Folder holding the IDX files; default ``$IMAGECORE_DATA_DIR/mnist``.
    download
        Download missing files from the official mirrors first (needs internet).
    verify
        Check md5 checksums of gzip files.

    Returns
    -------
    MnistSplit
        ``images`` (N, 28, 28) uint8, white strokes on black; ``labels`` (N,) uint8.

    Raises
    ------
    DataNotFoundError
        Files absent and ``download`` false.
    ChecksumError
        A file is damaged.
    ValueError
        Unknown split.
    """
    if split not in MNIST_COUNTS:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    key = (split, str(dataset_dir("mnist", root, must_exist=False).resolve()), verify)
    if download:
        download_mnist(root)
    return _load_cached(*key)


@lru_cache(maxsize=4)
def _load_cached(split: str, folder: str, verify: bool) -> MnistSplit:
    arrays = []
    for part in ("images", "labels"):
        kind = f"{split}-{part}"
        path = locate_mnist_file(kind, folder)
        if verify:
            verify_mnist_file(path, kind)
        arrays.append(read_idx(path))
    images, labels = arrays
    if images.shape != (MNIST_COUNTS[split], 28, 28) or labels.shape != (MNIST_COUNTS[split],):
        raise ValueError(f"MNIST {split}: unexpected shapes {images.shape} / {labels.shape}")
    images.setflags(write=False)
    labels.setflags(write=False)
    log.debug("loaded MNIST %s from %s", split, folder)
    return MnistSplit(images=images, labels=labels, split=split)


def download_mnist(root: str | os.PathLike[str] | None = None, *, mirrors: tuple[str, ...] = MNIST_MIRRORS) -> Path:
    """Download the four official MNIST files into ``root`` (default: the data root), verifying md5s.

    Files already present with the right checksum are kept.

    Raises
    ------
    RuntimeError
        No mirror served a file with the right checksum.
    """
    folder = dataset_dir("mnist", root, must_exist=False)
    folder.mkdir(parents=True, exist_ok=True)
    for kind, (name, md5) in MNIST_FILES.items():
        target = folder / name
        if target.is_file() and md5sum(target) == md5:
            continue
        errors = []
        for mirror in mirrors:
            tmp = target.with_suffix(".part")
            try:
                log.info("downloading %s from %s", name, mirror)
                urllib.request.urlretrieve(mirror + name, tmp)  # noqa: S310 - fixed https mirrors
                if md5sum(tmp) != md5:
                    raise ChecksumError(f"md5 mismatch for {name} from {mirror}")
                os.replace(tmp, target)
                break
            except Exception as exc:  # try the next mirror
                errors.append(f"{mirror}: {exc}")
                tmp.unlink(missing_ok=True)
        else:
            raise RuntimeError(f"could not download {name} ({kind}): " + "; ".join(errors))
    return folder
