"""Validate one image file and extract its metadata row."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

from imagecore.io import ImageDecodeError, ImageTooLargeError, normalize_mode, open_image

from face_dataset.errors import ImageValidationError
from face_dataset.faces import detect_faces
from face_dataset.hashing import perceptual_hash
from face_dataset.quality import estimate_jpeg_quality

#: Pillow modes accepted as they are; others are refused (CMYK, 16-bit, float, palette...).
ACCEPTED_MODES = ("RGB", "RGBA", "L")
#: Pillow modes refused outright, with a reason.
REFUSED_MODES = {
    "CMYK": "CMYK colour (print separation) is not a camera/generator output; convert to RGB first",
    "I;16": "16-bit images are not supported",
    "I": "32-bit integer images are not supported",
    "F": "floating-point images are not supported",
}


def resolution_bucket(width: int, height: int) -> str:
    """Coarse resolution class of an image from its shorter side, e.g. ``"256"`` or ``"<128"``."""
    side = min(width, height)
    for edge in (128, 256, 512, 1024):
        if side < edge:
            return f"<{edge}"
        if side == edge:
            return str(edge)
    return ">1024"


def extract_metadata(
    path: str | Path,
    *,
    min_size: int = 64,
    max_pixels: int | None = 40_000_000,
    allow_grayscale: bool = False,
    hash_method: str = "phash",
    detect: bool = True,
) -> dict[str, Any]:
    """Validate an image file and compute its metadata.

    Parameters
    ----------
    path
        The image file.
    min_size
        Refuse images whose width or height is smaller.
    max_pixels
        Refuse images with more pixels (checked before decoding).
    allow_grayscale
        Accept single-channel images (``L``); refused by default because every face in the
        data set should be colour and a grayscale class would be a shortcut.
    hash_method
        Perceptual hash method (see :func:`face_dataset.hashing.perceptual_hash`).
    detect
        Run the Haar face detector.

    Returns
    -------
    dict
        ``format, mode, width, height, file_size, jpeg_quality, has_exif, sha256, phash,
        face_count, face_x, face_y, face_w, face_h, face_area_ratio, face_detector,
        resolution_bucket``.

    Raises
    ------
    ImageValidationError
        The file cannot be decoded, is too small or too large, or has a refused mode.
        The message names the file and the reason.
    FileNotFoundError
        The file does not exist.
    """
    path = Path(path)
    data = path.read_bytes()
    name = str(path)
    try:
        img = open_image(data, max_pixels=max_pixels, exif_transpose=False)
    except ImageTooLargeError as exc:
        raise ImageValidationError(name, f"too large: {exc.reason}") from exc
    except ImageDecodeError as exc:
        raise ImageValidationError(name, exc.reason) from exc
    width, height = img.size
    if min(width, height) < min_size:
        raise ImageValidationError(name, f"too small: {width}x{height} (minimum side {min_size} px)")
    mode = img.mode
    if mode in REFUSED_MODES:
        raise ImageValidationError(name, f"unsupported mode {mode}: {REFUSED_MODES[mode]}")
    if mode == "L" and not allow_grayscale:
        raise ImageValidationError(name, "grayscale image (mode L) refused; use --allow-grayscale to accept")
    if mode not in ACCEPTED_MODES and mode not in ("P", "LA", "PA", "1"):
        raise ImageValidationError(name, f"unsupported mode {mode}")
    fmt = img.format or "UNKNOWN"
    quality = estimate_jpeg_quality(img) if fmt == "JPEG" else math.nan
    has_exif = bool(img.info.get("exif")) or len(img.getexif()) > 0
    rgb = normalize_mode(img, "RGB")
    row: dict[str, Any] = {
        "format": fmt,
        "mode": mode,
        "width": int(width),
        "height": int(height),
        "file_size": len(data),
        "jpeg_quality": quality,
        "has_exif": has_exif,
        "sha256": hashlib.sha256(data).hexdigest(),
        "phash": str(perceptual_hash(rgb, "phash")),
        "resolution_bucket": resolution_bucket(width, height),
    }
    if hash_method != "phash":
        row[f"{hash_method}_hash"] = str(perceptual_hash(rgb, hash_method))
    if detect:
        faces = detect_faces(rgb)
        box = faces.box or (-1, -1, -1, -1)
        row.update(
            face_count=faces.count,
            face_x=box[0],
            face_y=box[1],
            face_w=box[2],
            face_h=box[3],
            face_area_ratio=faces.area_ratio,
            face_detector=faces.detector,
        )
    return row

