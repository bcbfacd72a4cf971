"""Object store backed by a local directory (the persistent embedded default)."""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from imagecore.storage.base import ObjectInfo, ObjectNotFoundError, ObjectStore, validate_key

_META_SUFFIX = ".meta.json"


class LocalStore(ObjectStore):
    """Objects as files under ``root``; content type and metadata in a sidecar JSON file.

    Writes are atomic (temp file + rename), so a killed writer never leaves a partial object.

    Parameters
    ----------
    root
        Directory holding the objects; created when missing.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser().resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        validate_key(key)
        if key.endswith(_META_SUFFIX):
            raise ValueError(f"keys ending in {_META_SUFFIX!r} are reserved")
        return self.root / key

    @staticmethod
    def _atomic_write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def put(
        self, key: str, data: bytes, *, content_type: str | None = None, metadata: dict[str, str] | None = None
    ) -> ObjectInfo:
        path = self._path(key)
        content_type = content_type or mimetypes.guess_type(key)[0] or "application/octet-stream"
        etag = hashlib.md5(data).hexdigest()
        meta = {"content_type": content_type, "etag": etag, "metadata": dict(metadata or {})}
        self._atomic_write(path.with_name(path.name + _META_SUFFIX), json.dumps(meta).encode())
        self._atomic_write(path, bytes(data))
        return ObjectInfo(key, len(data), etag, content_type, dict(metadata or {}))

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise ObjectNotFoundError(f"{self.uri(key)}: no such object") from exc

    def get_range(self, key: str, start: int, length: int) -> bytes:
        if start < 0 or length < 0:
            raise ValueError(f"invalid range start={start} length={length}")
        path = self._path(key)
        try:
            with path.open("rb") as fh:
                fh.seek(start)
                return fh.read(length)
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise ObjectNotFoundError(f"{self.uri(key)}: no such object") from exc

    def head(self, key: str) -> ObjectInfo:
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFoundError(f"{self.uri(key)}: no such object")
        return self._info(key, path)

    def _info(self, key: str, path: Path) -> ObjectInfo:
        sidecar = path.with_name(path.name + _META_SUFFIX)
        try:
            meta = json.loads(sidecar.read_text())
        except (FileNotFoundError, ValueError):
            meta = {}
        return ObjectInfo(
            key,
            path.stat().st_size,
            meta.get("etag", ""),
            meta.get("content_type") or mimetypes.guess_type(key)[0],
            meta.get("metadata", {}),
        )

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        keys = []
        for path in self.root.rglob("*"):
            if path.is_file() and not path.name.endswith(_META_SUFFIX) and not path.name.endswith(".tmp"):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    keys.append(key)
        for key in sorted(keys):
            path = self.root / key
            if path.is_file():
                yield self._info(key, path)

    def delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
        path.with_name(path.name + _META_SUFFIX).unlink(missing_ok=True)

    def presign(self, key: str, expires: int = 3600) -> str:
        return self.uri(key)

    def uri(self, key: str) -> str:
        return (self.root / validate_key(key)).as_uri()
