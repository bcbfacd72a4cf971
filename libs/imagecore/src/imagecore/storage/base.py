"""The object-store interface shared by every system."""

from __future__ import annotations

import abc
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


class StorageError(Exception):
    """A storage operation failed (after retries, where they apply)."""


class ObjectNotFoundError(StorageError, KeyError):
    """The key does not exist in the store."""

    def __str__(self) -> str:  # KeyError quotes its argument; keep the message readable
        return str(self.args[0]) if self.args else "object not found"


@dataclass(frozen=True)
class ObjectInfo:
    """What a store knows about one object."""

    key: str
    size: int
    etag: str = ""
    content_type: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


def validate_key(key: str) -> str:
    """Reject keys that could escape a prefix or a directory.

    Raises
    ------
    ValueError
        Empty key, absolute key, ``..`` segment, backslash or NUL byte.
    """
    if not isinstance(key, str) or not key:
        raise ValueError("object key must be a non-empty string")
    if key.startswith("/") or "\\" in key or "\x00" in key:
        raise ValueError(f"invalid object key {key!r}")
    if any(part in ("", ".", "..") for part in key.split("/")[:-1]) or key.split("/")[-1] in (".", ".."):
        raise ValueError(f"invalid object key {key!r} (empty, '.' or '..' segment)")
    return key


class ObjectStore(abc.ABC):
    """A flat key -> bytes store with metadata: the local-directory and S3 backends implement it.

    Keys are ``/``-separated strings such as ``raw/images/15970.jpg``.
    """

    @abc.abstractmethod
    def put(
        self, key: str, data: bytes, *, content_type: str | None = None, metadata: dict[str, str] | None = None
    ) -> ObjectInfo:
        """Store ``data`` under ``key`` (replacing any existing object) and return its info."""

    def put_file(
        self,
        key: str,
        path: str | os.PathLike[str],
        *,
        content_type: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> ObjectInfo:
        """Store the content of a local file under ``key``."""
        return self.put(key, Path(path).read_bytes(), content_type=content_type, metadata=metadata)

    @abc.abstractmethod
    def get(self, key: str) -> bytes:
        """Return the bytes stored under ``key``; :class:`ObjectNotFoundError` when absent."""

    def get_range(self, key: str, start: int, length: int) -> bytes:
        """Return ``length`` bytes of ``key`` from byte ``start`` (fewer at the end of the object).

        Backends override this with a real ranged read; the default slices :meth:`get`.
        """
        if start < 0 or length < 0:
            raise ValueError(f"invalid range start={start} length={length}")
        return self.get(key)[start : start + length]

    @abc.abstractmethod
    def head(self, key: str) -> ObjectInfo:
        """Return the info of ``key``; :class:`ObjectNotFoundError` when absent."""

    def exists(self, key: str) -> bool:
        """True when ``key`` exists."""
        try:
            self.head(key)
        except ObjectNotFoundError:
            return False
        return True

    @abc.abstractmethod
    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Yield the objects whose key starts with ``prefix``, sorted by key."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Delete ``key``; deleting a missing key is not an error."""

    @abc.abstractmethod
    def presign(self, key: str, expires: int = 3600) -> str:
        """A URL that fetches the object without credentials (``file://`` for local stores)."""

    @abc.abstractmethod
    def uri(self, key: str) -> str:
        """The canonical URI of ``key`` (``s3://bucket/...`` or ``file:///...``)."""
