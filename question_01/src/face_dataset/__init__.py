"""Q1: a real-vs-fake face dataset builder.

Collect face images from folders, a labels CSV or URLs; validate them; extract metadata
(size, format, JPEG quality, EXIF, hashes, faces); de-duplicate; store the metadata with
pandas (parquet + CSV); sample uniformly over label cells; pack the result as one file.
"""

from face_dataset.errors import (
    ChecksumError,
    FaceDatasetError,
    ImageValidationError,
    UnsafeArchiveError,
)
from face_dataset.hashing import perceptual_hash
from face_dataset.metadata import extract_metadata
from face_dataset.quality import estimate_jpeg_quality
from face_dataset.sampling import sample_uniform

__version__ = "0.1.0"

__all__ = [
    "ChecksumError",
    "FaceDatasetError",
    "ImageValidationError",
    "UnsafeArchiveError",
    "estimate_jpeg_quality",
    "extract_metadata",
    "perceptual_hash",
    "sample_uniform",
]
