"""Read a zip (or a folder) of images safely.

A zip is never extracted to disk at all: each member is checked, then read into memory with a
hard byte cap, so nothing can be written outside (or inside) any folder. Rejected outright (the whole
archive): too many members, a declared total uncompressed size over the limit, a member whose
name escapes the archive root (absolute path, ``..``, drive letter: "zip-slip"). Skipped and
reported: directories, non-image members, members over the per-member size limit, members that
do not decode, and symlinks.
"""

from __future__ import annotations

import logging
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif")


class UnsafeArchiveError(ValueError):
    """The archive is refused as a whole (zip-slip, too many members, too large, not a zip)."""


@dataclass
class Member:
    """One image candidate: its name inside the archive/folder and its bytes."""

    name: str
    data: bytes


@dataclass
class ScanReport:
    """What was skipped and why (``(name, reason)`` pairs)."""

    skipped: list[tuple[str, str]] = field(default_factory=list)


def safe_member_name(name: str) -> PurePosixPath:
    """Validate a member name and return it as a relative POSIX path.

    Raises
    ------
    UnsafeArchiveError
        Absolute path, drive letter, backslash trickery or ``..`` component.

    Examples
    --------
    >>> str(safe_member_name("real/a.jpg"))
    'real/a.jpg'
    >>> safe_member_name("../evil.jpg")
    Traceback (most recent call last):
    ...
    face_classifier.safezip.UnsafeArchiveError: unsafe member name '../evil.jpg' (zip-slip)
    """
    norm = name.replace("\\", "/")
    path = PurePosixPath(norm)
    if (
        norm.startswith("/")
        or (len(norm) > 1 and norm[1] == ":")
        or any(part == ".." for part in path.parts)
        or "\x00" in norm
    ):
        raise UnsafeArchiveError(f"unsafe member name {name!r} (zip-slip)")
    return path


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def iter_zip(
    path: str | Path, *, max_members: int, max_total: int, max_member: int, report: ScanReport
) -> Iterator[Member]:
    """Check the whole archive's limits and names now, then return an iterator over its image members.

    Parameters
    ----------
    path
        The zip file.
    max_members
        Most entries the archive may list.
    max_total
        Most uncompressed bytes all entries may declare together.
    max_member
        Most uncompressed bytes of a single image; bigger ones are skipped.
    report
        Receives ``(name, reason)`` for each skipped member.

    Raises
    ------
    UnsafeArchiveError
        Not a zip, too many members, too large in total, or a zip-slip name.
    """
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        raise UnsafeArchiveError(f"{path}: not a valid zip file ({exc})") from exc
    infos = zf.infolist()
    try:
        if len(infos) > max_members:
            raise UnsafeArchiveError(f"{path}: {len(infos)} members exceed the limit of {max_members}")
        total = sum(i.file_size for i in infos)
        if total > max_total:
            raise UnsafeArchiveError(f"{path}: {total} uncompressed bytes exceed the limit of {max_total}")
        for info in infos:
            safe_member_name(info.filename)
    except UnsafeArchiveError:
        zf.close()
        raise
    return _zip_members(zf, infos, max_member, report)


def _zip_members(
    zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], max_member: int, report: ScanReport
) -> Iterator[Member]:
    with zf:
        for info in infos:
            name = info.filename
            if info.is_dir():
                continue
            if name.startswith("__MACOSX/") or PurePosixPath(name).name.startswith("."):
                report.skipped.append((name, "hidden/system file"))
            elif _is_symlink(info):
                report.skipped.append((name, "symbolic link"))
            elif not name.lower().endswith(IMAGE_SUFFIXES):
                report.skipped.append((name, "not an image file name"))
            elif info.file_size > max_member:
                report.skipped.append((name, f"{info.file_size} bytes exceed the per-image limit of {max_member}"))
            else:
                # Read with a hard cap: the declared size can lie.
                try:
                    with zf.open(info) as fh:
                        data = fh.read(max_member + 1)
                except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError) as exc:
                    report.skipped.append((name, f"unreadable member ({exc})"))
                    continue
                if len(data) > max_member:
                    report.skipped.append((name, "expands beyond the per-image limit"))
                    continue
                yield Member(name, data)


def iter_folder(path: str | Path, *, max_members: int, max_member: int, report: ScanReport) -> Iterator[Member]:
    """Yield image files under a folder (recursively, symlinks skipped), same checks as zips."""
    root = Path(path)
    files = sorted(p for p in root.rglob("*") if not p.is_dir())
    if len(files) > max_members:
        raise UnsafeArchiveError(f"{root}: {len(files)} files exceed the limit of {max_members}")
    for p in files:
        name = p.relative_to(root).as_posix()
        if p.is_symlink():
            report.skipped.append((name, "symbolic link"))
        elif not name.lower().endswith(IMAGE_SUFFIXES):
            report.skipped.append((name, "not an image file name"))
        elif p.stat().st_size > max_member:
            report.skipped.append((name, f"{p.stat().st_size} bytes exceed the per-image limit of {max_member}"))
        else:
            yield Member(name, p.read_bytes())


def read_text_member(path: str | Path, name: str, max_bytes: int = 10 * 1024**2) -> str | None:
    """Return a small text member (e.g. ``labels.csv``) of a zip or folder, or None if absent."""
    path = Path(path)
    if path.is_dir():
        f = path / name
        return f.read_text() if f.is_file() and f.stat().st_size <= max_bytes else None
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if PurePosixPath(info.filename.replace("\\", "/")).name == name and not info.is_dir():
                if info.file_size > max_bytes:
                    return None
                with zf.open(info) as fh:
                    return fh.read(max_bytes).decode("utf-8", errors="replace")
    return None
