"""Where shared data and caches live.

All systems find their data through one documented setting, ``IMAGECORE_DATA_DIR``: a
root folder laid out like this::

    $IMAGECORE_DATA_DIR/
        mnist/            the four official MNIST IDX files (.gz or raw)
        fashion/          styles.csv + images/<id>.jpg (Kaggle Fashion Product Images, small)
        faces/            real/ fake/ labels.csv (real-vs-fake faces)
        nearduplicates/   images/ labels.csv (near-duplicate families)
        finhash/          find_golden.csv + golden_images/ (FINd reference hashes)

When the variable is unset the root defaults to ``~/.cache/imagecore/data`` (or
``$XDG_CACHE_HOME/imagecore/data``), which is where ``make data`` downloads the public
sets. Every system also accepts an explicit path, which wins over the setting.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "IMAGECORE_DATA_DIR"
CACHE_DIR_ENV = "IMAGECORE_CACHE_DIR"

#: Sub-folders of the data root, one per data set.
DATASETS = ("mnist", "fashion", "faces", "nearduplicates", "finhash")


class DataNotFoundError(FileNotFoundError):
    """A data set is not where the settings say; the message says how to get it."""


def _xdg_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def data_root(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the data root.

    Parameters
    ----------
    explicit
        A path given by the caller; wins over ``IMAGECORE_DATA_DIR``.

    Returns
    -------
    pathlib.Path
        The explicit path, else ``$IMAGECORE_DATA_DIR``, else ``~/.cache/imagecore/data``.
        The folder may not exist yet.
    """
    if explicit is not None:
        return Path(explicit).expanduser()
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    return _xdg_cache() / "imagecore" / "data"


def dataset_dir(name: str, explicit: str | os.PathLike[str] | None = None, *, must_exist: bool = True) -> Path:
    """Return the folder of one data set under the data root.

    Parameters
    ----------
    name
        One of :data:`DATASETS`.
    explicit
        A folder given by the caller for this data set; wins over the data root.
    must_exist
        Raise :class:`DataNotFoundError` when the folder is missing.

    Raises
    ------
    DataNotFoundError
        The folder does not exist; the message says which setting to use and how to get the data.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; expected one of {', '.join(DATASETS)}")
    path = Path(explicit).expanduser() if explicit is not None else data_root() / name
    if must_exist and not path.is_dir():
        raise DataNotFoundError(missing_data_message(name, path))
    return path


def missing_data_message(name: str, path: Path) -> str:
    """The one message every system prints when a data set is absent."""
    how = {
        "mnist": "run `make data` (downloads the official files and checks their md5)",
        "fashion": "download Kaggle 'Fashion Product Images (Small)' (paramaggarwal/fashion-product-images-small) "
        "and unpack styles.csv and images/ there",
        "faces": "place real/ and fake/ face images and labels.csv there (see question_01/README.md)",
        "nearduplicates": "place images/ and labels.csv of near-duplicate families there (see finhash/README.md)",
        "finhash": "place find_golden.csv and golden_images/ there (see finhash/README.md)",
    }[name]
    return (
        f"data set {name!r} not found at {path}. Set {DATA_DIR_ENV} to a data root that has a {name}/ folder, "
        f"pass an explicit path, or {how}."
    )


def cache_dir(system: str) -> Path:
    """Return (and create) a per-system cache folder for models, outputs and state.

    ``$IMAGECORE_CACHE_DIR/<system>`` when set, else ``~/.cache/imagecore/<system>``.
    """
    root = os.environ.get(CACHE_DIR_ENV)
    base = Path(root).expanduser() if root else _xdg_cache() / "imagecore"
    path = base / system
    path.mkdir(parents=True, exist_ok=True)
    return path
