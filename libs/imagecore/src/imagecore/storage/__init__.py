"""One small object-store interface with a local-directory and an S3 backend.

>>> store = open_store("/tmp/imagecore-doctest-store")
>>> store.put("a/b.txt", b"hi").size
2
>>> store.get("a/b.txt")
b'hi'
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from imagecore.storage.base import ObjectInfo, ObjectNotFoundError, ObjectStore, StorageError, validate_key
from imagecore.storage.local import LocalStore
from imagecore.storage.s3 import S3Store, make_s3_client

__all__ = [
    "LocalStore",
    "ObjectInfo",
    "ObjectNotFoundError",
    "ObjectStore",
    "S3Store",
    "StorageError",
    "make_s3_client",
    "open_store",
    "validate_key",
]


def open_store(url: str, *, create_bucket: bool = False) -> ObjectStore:
    """Open a store from a URL.

    Parameters
    ----------
    url
        ``s3://bucket/prefix?endpoint_url=http://127.0.0.1:9000&region=us-east-1`` for S3;
        ``file:///abs/dir`` or a plain path for a local directory.
    create_bucket
        For S3: create the bucket when missing.

    Raises
    ------
    ValueError
        Unsupported scheme or missing bucket.
    """
    parsed = urlparse(url)
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise ValueError(f"{url!r}: missing bucket name")
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        return S3Store(
            parsed.netloc,
            parsed.path.lstrip("/"),
            endpoint_url=query.get("endpoint_url"),
            region=query.get("region", "us-east-1"),
            create_bucket=create_bucket,
        )
    if parsed.scheme == "file":
        return LocalStore(parsed.path)
    if parsed.scheme in ("", None) or len(parsed.scheme) == 1:  # plain path (or a Windows drive letter)
        return LocalStore(url)
    raise ValueError(f"{url!r}: unsupported store scheme {parsed.scheme!r} (use s3://, file:// or a path)")
