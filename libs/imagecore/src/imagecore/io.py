"""Safe image decoding, mode normalisation, array conversion and saving.

Every system opens images through :func:`open_image`, so every system gets the same
guarantees: a decompression-bomb limit checked *before* pixels are decoded, truncated or
corrupt files reported as :class:`ImageDecodeError` naming the file, EXIF orientation
applied, and well-defined conversions from exotic modes (1, LA, P with transparency,
CMYK, I;16, I, F) to RGB or L.
"""

from __future__ import annotations

import io as _io
import os
import tempfile
import warnings
from pathlib import Path
from typing import IO, Literal

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

#: Default limit on decoded pixels (width * height): 64 megapixels, e.g. 8000x8000.
DEFAULT_MAX_PIXELS = 64_000_000

ImageSource = str | os.PathLike | bytes | bytearray | memoryview | IO[bytes] | Image.Image
Mode = Literal["RGB", "L"]


class ImageError(Exception):
    """Base class of image errors; ``source`` names the offending file or buffer."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.reason = message


class ImageDecodeError(ImageError):
    """The file is not an image, is truncated, or is corrupt."""


class ImageTooLargeError(ImageError):
    """The image has more pixels than the allowed limit (decompression-bomb guard)."""


def describe_source(source: ImageSource) -> str:
    """A short human-readable name for an image source (path or ``<bytes>``)."""
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    if isinstance(source, Image.Image):
        return getattr(source, "filename", None) or "<PIL image>"
    name = getattr(source, "name", None)
    return str(name) if isinstance(name, str) else "<bytes>"


def open_image(
    source: ImageSource,
    *,
    mode: Mode | None = None,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
    exif_transpose: bool = True,
    background: tuple[int, int, int] | None = None,
) -> Image.Image:
    """Open and fully decode an image.

    Parameters
    ----------
    source
        A path, raw bytes, a binary file object, or an already open PIL image.
    mode
        ``"RGB"`` or ``"L"`` to normalise the mode (see :func:`normalize_mode`); ``None`` keeps it.
    max_pixels
        Refuse images with more than this many pixels, checked from the header before
        decoding. ``None`` disables the check.
    exif_transpose
        Apply the EXIF orientation tag, so pixels are in display orientation.
    background
        With ``mode``: composite transparent images onto this colour instead of dropping alpha.

    Returns
    -------
    PIL.Image.Image
        A fully loaded image (no lazy file handle left open).

    Raises
    ------
    ImageDecodeError
        Not an image, truncated, or corrupt. The message names the source.
    ImageTooLargeError
        More than ``max_pixels`` pixels.
    FileNotFoundError
        The path does not exist.

    Examples
    --------
    >>> from PIL import Image
    >>> img = open_image(Image.new("P", (4, 3)), mode="RGB")
    >>> img.mode, img.size
    ('RGB', (4, 3))
    """
    name = describe_source(source)
    if isinstance(source, Image.Image):
        img = source
        _check_size(img, name, max_pixels)
    else:
        if isinstance(source, (bytes, bytearray, memoryview)):
            fp: IO[bytes] | str | os.PathLike = _io.BytesIO(bytes(source))
        else:
            fp = source
        if isinstance(fp, (str, os.PathLike)) and not Path(fp).exists():
            raise FileNotFoundError(f"{name}: no such file")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                img = Image.open(fp)
                _check_size(img, name, max_pixels)
                img.load()
        except ImageTooLargeError:
            raise
        except Image.DecompressionBombError as exc:
            raise ImageTooLargeError(name, str(exc)) from exc
        except UnidentifiedImageError as exc:
            raise ImageDecodeError(name, "not a recognised image format") from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ImageDecodeError(name, f"corrupt or truncated image ({exc})") from exc
    if exif_transpose:
        try:
            img = ImageOps.exif_transpose(img)
        except Exception as exc:  # broken EXIF blocks must not lose the image
            warnings.warn(f"{name}: ignoring unreadable EXIF orientation ({exc})", stacklevel=2)
    if mode is not None:
        img = normalize_mode(img, mode, background=background)
    return img


def _check_size(img: Image.Image, name: str, max_pixels: int | None) -> None:
    width, height = img.size
    if width <= 0 or height <= 0:
        raise ImageDecodeError(name, f"invalid size {width}x{height}")
    if max_pixels is not None and width * height > max_pixels:
        raise ImageTooLargeError(
            name, f"{width}x{height} = {width * height:,} pixels exceeds the limit of {max_pixels:,}"
        )


def normalize_mode(img: Image.Image, mode: Mode, *, background: tuple[int, int, int] | None = None) -> Image.Image:
    """Convert any Pillow mode to ``"RGB"`` or ``"L"``.

    High-bit-depth modes (``I;16*``, ``I``, ``F``) are rescaled to 8 bits instead of being
    clipped; ``1`` maps to 0/255; palette and alpha modes drop alpha unless ``background``
    is given, in which case they are composited onto it.

    Parameters
    ----------
    img
        Any PIL image.
    mode
        ``"RGB"`` or ``"L"``.
    background
        RGB colour to composite transparent pixels onto; ``None`` drops alpha.
    """
    if mode not in ("RGB", "L"):
        raise ValueError(f"mode must be 'RGB' or 'L', got {mode!r}")
    if img.mode == mode:
        return img
    if img.mode.startswith("I;16") or img.mode in ("I", "F"):
        arr = np.asarray(img).astype(np.float64)
        if img.mode.startswith("I;16"):
            arr = arr / 257.0
        elif img.mode == "I":
            arr = arr / 257.0 if arr.max(initial=0) > 255 else arr
        elif arr.max(initial=0) <= 1.0:
            arr = arr * 255.0
        img = Image.fromarray(np.clip(np.rint(arr), 0, 255).astype(np.uint8), "L")
        return img if mode == "L" else img.convert("RGB")
    if background is not None and (img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info):
        rgba = img.convert("RGBA")
        base = Image.new("RGBA", rgba.size, (*background, 255))
        img = Image.alpha_composite(base, rgba).convert("RGB")
        return img if mode == "RGB" else img.convert("L")
    return img.convert(mode)


def to_float_array(img: Image.Image | np.ndarray) -> np.ndarray:
    """Return pixels as float32 in [0, 1]: ``(H, W)`` for L, ``(H, W, C)`` otherwise.

    Examples
    --------
    >>> from PIL import Image
    >>> to_float_array(Image.new("L", (2, 1), 255)).tolist()
    [[1.0, 1.0]]
    """
    arr = np.asarray(img)
    if arr.dtype == np.uint8:
        return arr.astype(np.float32) / np.float32(255.0)
    if arr.dtype == np.uint16:
        return arr.astype(np.float32) / np.float32(65535.0)
    if arr.dtype == bool:
        return arr.astype(np.float32)
    return np.clip(arr.astype(np.float32), 0.0, 1.0)


def from_float_array(arr: np.ndarray) -> Image.Image:
    """Inverse of :func:`to_float_array`: clip to [0, 1], scale by 255, round, make an L/RGB/RGBA image.

    Raises
    ------
    ValueError
        Wrong number of dimensions or channels, or non-finite values.
    """
    arr = np.asarray(arr)
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (1, 3, 4)):
        raise ValueError(f"expected (H, W) or (H, W, 1|3|4) array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("array contains NaN or infinite values")
    u8 = np.rint(np.clip(arr, 0.0, 1.0) * 255.0).astype(np.uint8)
    if u8.ndim == 3 and u8.shape[2] == 1:
        u8 = u8[:, :, 0]
    return Image.fromarray(u8)


def to_uint8(arr: np.ndarray) -> np.ndarray:
    """Float [0, 1] array to uint8 (0 -> 0, 1 -> 255, rounded)."""
    return np.rint(np.clip(np.asarray(arr, dtype=np.float32), 0.0, 1.0) * 255.0).astype(np.uint8)


def save_image(image: Image.Image | np.ndarray, path: str | os.PathLike[str], **save_kwargs: object) -> Path:
    """Save an image (PIL or float/uint8 array) atomically: write a temp file, then rename.

    The format follows the suffix. A reader never sees a half-written file.
    """
    path = Path(path)
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image) if image.dtype == np.uint8 else from_float_array(image)
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = Image.registered_extensions().get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"{path}: unknown image suffix {path.suffix!r}")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            image.save(fh, format=fmt, **save_kwargs)  # type: ignore[arg-type]
        os.chmod(tmp, 0o666 & ~_current_umask())  # mkstemp creates 0600; saved images are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def encode_image(image: Image.Image, fmt: str = "PNG", **save_kwargs: object) -> bytes:
    """Encode a PIL image to bytes in the given format (``"PNG"``, ``"JPEG"``, ...)."""
    buf = _io.BytesIO()
    if fmt.upper() in ("JPEG", "JPG") and image.mode not in ("RGB", "L", "CMYK"):
        image = normalize_mode(image, "RGB")
    image.save(buf, format=fmt, **save_kwargs)  # type: ignore[arg-type]
    return buf.getvalue()
