"""Shared fixtures: synthetic samples written as shards to the embedded S3 server."""

from __future__ import annotations

import pytest
from face_shards.shards import WriteResult, write_shards
from face_shards.source import iter_synthetic


@pytest.fixture()
def written(s3_store) -> tuple[object, WriteResult]:
    """30 synthetic samples in shards of at most 7 samples, plus one object per image."""
    res = write_shards(s3_store, iter_synthetic(30, size=32), max_samples=7, per_image_copy=True, progress=False)
    return s3_store, res
