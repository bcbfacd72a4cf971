"""The dataset as one file (tar.gz or zip), and safe unpacking with checksum verification."""

from __future__ import annotations

import shutil
import stat
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

from face_dataset.build import CHECKSUMS, verify_checksums, write_checksums
from face_dataset.errors import FaceDatasetError, UnsafeArchiveError


def _kind(archive: Path) -> str:
    name = archive.name.lower()
    if name.endswith((".tar.gz", ".tgz")):
        return "tar"
    if name.endswith(".zip"):
        return "zip"
    raise FaceDatasetError(f"{archive}: archive name must end with .tar.gz, .tgz or .zip")


def pack(folder: str | Path, archive: str | Path) -> Path:
    """Pack a dataset folder (images, metadata, card, checksums) into one archive.

    The folder's checksums are verified first (written when missing), so a corrupted
    folder is never packed. Members are stored under the top folder ``<archive stem>/``.

    Raises
    ------
    FaceDatasetError
        Not a dataset folder (no ``metadata.parquet``) or an unknown archive suffix.
    ChecksumError
        The folder does not match its checksums.
    """
    folder, archive = Path(folder), Path(archive)
    kind = _kind(archive)
    if not (folder / "metadata.parquet").is_file():
        raise FaceDatasetError(f"{folder}: not a dataset folder (no metadata.parquet)")
    if not (folder / CHECKSUMS).is_file():
        write_checksums(folder)
    verify_checksums(folder)
    top = archive.name.split(".")[0]
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    archive.parent.mkdir(parents=True, exist_ok=True)
    if kind == "tar":
        with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
            for p in files:
                tar.add(p, arcname=f"{top}/{p.relative_to(folder).as_posix()}", recursive=False)
    else:
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for p in files:
                zf.write(p, f"{top}/{p.relative_to(folder).as_posix()}")
    return archive


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise UnsafeArchiveError(f"archive member {name!r} would be written outside the target folder")
    return path


def unpack(archive: str | Path, dest: str | Path, *, verify: bool = True) -> Path:
    """Unpack an archive made by :func:`pack` into ``dest`` and verify its checksums.

    Every member is checked before anything is written: absolute paths, ``..`` parts, links
    and device files are refused.

    Returns
    -------
    pathlib.Path
        The dataset folder (``dest/<top folder>``).

    Raises
    ------
    UnsafeArchiveError
        A member is unsafe (nothing is extracted).
    ChecksumError
        Extracted files differ from ``checksums.sha256`` (the extracted folder is left for inspection).
    FaceDatasetError
        Unknown suffix, missing file, or not one top folder.
    """
    archive, dest = Path(archive), Path(dest)
    kind = _kind(archive)
    if not archive.is_file():
        raise FaceDatasetError(f"{archive}: no such archive")
    tops = set()
    dest.mkdir(parents=True, exist_ok=True)
    if kind == "tar":
        with tarfile.open(archive, "r:gz") as tar:
            members = tar.getmembers()
            for m in members:
                path = _safe_name(m.name)
                if not (m.isfile() or m.isdir()):
                    raise UnsafeArchiveError(f"archive member {m.name!r} is a link or special file")
                tops.add(path.parts[0])
            for m in members:
                target = dest / _safe_name(m.name)
                if m.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                src = tar.extractfile(m)
                assert src is not None
                with src, target.open("wb") as fh:
                    shutil.copyfileobj(src, fh)
    else:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            for info in infos:
                path = _safe_name(info.filename)
                if stat.S_ISLNK(info.external_attr >> 16):
                    raise UnsafeArchiveError(f"archive member {info.filename!r} is a symbolic link")
                tops.add(path.parts[0])
            for info in infos:
                target = dest / _safe_name(info.filename)
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, target.open("wb") as fh:
                    shutil.copyfileobj(src, fh)
    if len(tops) != 1:
        raise FaceDatasetError(f"{archive}: expected one top folder, found {sorted(tops)}")
    folder = dest / tops.pop()
    if verify:
        verify_checksums(folder)
    return folder
