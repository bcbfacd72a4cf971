"""Exceptions of the face dataset builder."""

from __future__ import annotations


class FaceDatasetError(Exception):
    """Base class: every error the CLI reports as a one-line message."""


class ImageValidationError(FaceDatasetError):
    """An image failed validation (cannot decode, too small, too large, unsupported mode)."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class ChecksumError(FaceDatasetError):
    """Files of a packed dataset do not match their recorded sha256."""


class UnsafeArchiveError(FaceDatasetError):
    """An archive member would escape the target folder or is not a plain file/folder."""
