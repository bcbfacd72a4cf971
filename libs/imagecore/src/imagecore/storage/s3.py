"""Object store on any S3-compatible endpoint (AWS, MinIO, localstack, moto) via boto3."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlparse

from imagecore.storage.base import ObjectInfo, ObjectNotFoundError, ObjectStore, StorageError, validate_key

log = logging.getLogger(__name__)

_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
_NOT_FOUND = {"404", "NoSuchKey", "NotFound", "NoSuchBucket"}


def make_s3_client(
    endpoint_url: str | None = None,
    *,
    region: str = "us-east-1",
    access_key: str | None = None,
    secret_key: str | None = None,
    max_attempts: int = 5,
    max_pool_connections: int = 32,
) -> Any:
    """Create a boto3 S3 client with retries (exponential backoff, ``standard`` mode).

    With a loopback ``endpoint_url`` and no credentials configured anywhere, dummy credentials
    are used (local test servers accept any).
    """
    import boto3
    from botocore.config import Config

    host = urlparse(endpoint_url).hostname if endpoint_url else None
    if access_key is None and host in _LOOPBACK and not os.environ.get("AWS_ACCESS_KEY_ID"):
        access_key, secret_key = "test", "test"
    config = Config(
        retries={"max_attempts": max_attempts, "mode": "standard"},
        max_pool_connections=max_pool_connections,
        s3={"addressing_style": "path"} if endpoint_url else {},
        signature_version="s3v4",
    )
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=config,
    )


def _is_not_found(exc: Exception) -> bool:
    response = getattr(exc, "response", None) or {}
    code = str(response.get("Error", {}).get("Code", ""))
    return code in _NOT_FOUND


class S3Store(ObjectStore):
    """Objects in one bucket, optionally under a key prefix.

    Parameters
    ----------
    bucket
        Bucket name.
    prefix
        Key prefix prepended to every key (``"datasets/faces/"``); keys returned by
        :meth:`list` are relative to it.
    endpoint_url
        S3 endpoint; ``None`` means AWS.
    create_bucket
        Create the bucket if it does not exist.
    max_attempts
        boto3 retry attempts (standard mode: exponential backoff with jitter).
    client
        An existing boto3 client to use instead of building one.
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key: str | None = None,
        secret_key: str | None = None,
        create_bucket: bool = False,
        max_attempts: int = 5,
        client: Any = None,
    ) -> None:
        if not bucket:
            raise ValueError("bucket name must not be empty")
        self.bucket = bucket
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self.endpoint_url = endpoint_url
        # Kept so a copy in a worker process can rebuild an identical client.
        self._client_args: dict[str, Any] = {
            "region": region,
            "access_key": access_key,
            "secret_key": secret_key,
            "max_attempts": max_attempts,
        }
        self.client = client or make_s3_client(endpoint_url, **self._client_args)
        if create_bucket:
            self.ensure_bucket()

    def __repr__(self) -> str:
        return f"S3Store(bucket={self.bucket!r}, prefix={self.prefix!r}, endpoint_url={self.endpoint_url!r})"

    def __getstate__(self) -> dict[str, Any]:  # boto3 clients do not pickle: rebuild in the child
        state = self.__dict__.copy()
        state["client"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.client = make_s3_client(self.endpoint_url, **self._client_args)

    def ensure_bucket(self) -> None:
        """Create the bucket when it does not exist."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as exc:
            if not _is_not_found(exc) and "403" not in str(exc):
                raise StorageError(f"s3://{self.bucket}: {exc}") from exc
            self.client.create_bucket(Bucket=self.bucket)

    def _key(self, key: str) -> str:
        return self.prefix + validate_key(key)

    def put(
        self, key: str, data: bytes, *, content_type: str | None = None, metadata: dict[str, str] | None = None
    ) -> ObjectInfo:
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": self._key(key), "Body": bytes(data)}
        if content_type:
            kwargs["ContentType"] = content_type
        if metadata:
            kwargs["Metadata"] = {str(k): str(v) for k, v in metadata.items()}
        try:
            resp = self.client.put_object(**kwargs)
        except Exception as exc:
            raise StorageError(f"{self.uri(key)}: upload failed: {exc}") from exc
        return ObjectInfo(key, len(data), resp.get("ETag", "").strip('"'), content_type, dict(metadata or {}))

    def get(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except Exception as exc:
            if _is_not_found(exc):
                raise ObjectNotFoundError(f"{self.uri(key)}: no such object") from exc
            raise StorageError(f"{self.uri(key)}: download failed: {exc}") from exc

    def get_range(self, key: str, start: int, length: int) -> bytes:
        """Return ``length`` bytes of ``key`` from byte ``start`` (an HTTP range request)."""
        if start < 0 or length < 0:
            raise ValueError(f"invalid range start={start} length={length}")
        if length == 0:
            return b""
        try:
            resp = self.client.get_object(
                Bucket=self.bucket, Key=self._key(key), Range=f"bytes={start}-{start + length - 1}"
            )
            return resp["Body"].read()
        except Exception as exc:
            if _is_not_found(exc):
                raise ObjectNotFoundError(f"{self.uri(key)}: no such object") from exc
            raise StorageError(f"{self.uri(key)}: ranged download failed: {exc}") from exc

    def head(self, key: str) -> ObjectInfo:
        try:
            resp = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as exc:
            if _is_not_found(exc):
                raise ObjectNotFoundError(f"{self.uri(key)}: no such object") from exc
            raise StorageError(f"{self.uri(key)}: head failed: {exc}") from exc
        return ObjectInfo(
            key,
            int(resp["ContentLength"]),
            resp.get("ETag", "").strip('"'),
            resp.get("ContentType"),
            dict(resp.get("Metadata", {})),
        )

    def list(self, prefix: str = "", *, page_size: int = 1000) -> Iterator[ObjectInfo]:
        paginator = self.client.get_paginator("list_objects_v2")
        pages = paginator.paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix, PaginationConfig={"PageSize": page_size}
        )
        for page in pages:
            for obj in page.get("Contents", []):
                yield ObjectInfo(obj["Key"][len(self.prefix) :], int(obj["Size"]), obj.get("ETag", "").strip('"'))

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as exc:
            if not _is_not_found(exc):
                raise StorageError(f"{self.uri(key)}: delete failed: {exc}") from exc

    def delete_many(self, keys: Sequence[str]) -> None:
        """Delete many keys with batched requests (1,000 per request)."""
        for start in range(0, len(keys), 1000):
            batch = [{"Key": self._key(k)} for k in keys[start : start + 1000]]
            if batch:
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})

    def presign(self, key: str, expires: int = 3600) -> str:
        return str(
            self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": self._key(key)}, ExpiresIn=expires
            )
        )

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"
