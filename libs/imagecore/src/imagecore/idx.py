"""IDX file reader and writer (the container format of MNIST).

Format: a 4-byte magic ``0x00 0x00 <dtype code> <ndim>``, then ``ndim`` big-endian uint32
dimension sizes, then the data in C order, big-endian. Files may be gzip-compressed; the
reader detects gzip by its magic bytes, not by the file name.
"""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path

import numpy as np

#: IDX type code -> big-endian numpy dtype.
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dt.newbyteorder("=").kind + str(dt.itemsize): code for code, dt in IDX_DTYPES.items()}


class IdxFormatError(ValueError):
    """The bytes are not a valid IDX file; the message names the file and the problem."""


def parse_idx(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Parse IDX bytes (raw or gzip) into a native-endian numpy array.

    Parameters
    ----------
    data
        The file content.
    name
        Used in error messages.

    Raises
    ------
    IdxFormatError
        Bad magic, unknown dtype, or a size that does not match the header.
    """
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise IdxFormatError(f"{name}: corrupt gzip stream ({exc})") from exc
    if len(data) < 4:
        raise IdxFormatError(f"{name}: too short for an IDX header ({len(data)} bytes)")
    zero, code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0:
        raise IdxFormatError(f"{name}: bad IDX magic {data[:4].hex()} (first two bytes must be zero)")
    if code not in IDX_DTYPES:
        raise IdxFormatError(f"{name}: unknown IDX type code 0x{code:02x}")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IdxFormatError(f"{name}: truncated IDX header")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    dtype = IDX_DTYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) - header != expected:
        raise IdxFormatError(
            f"{name}: header says shape {shape} ({expected} data bytes) but the file has {len(data) - header}"
        )
    arr = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return arr.astype(dtype.newbyteorder("="), copy=True)


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file (``.gz`` or raw) into a native-endian numpy array.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.idx")
    >>> _ = write_idx(p, np.arange(6, dtype=np.uint8).reshape(2, 3))
    >>> read_idx(p).tolist()
    [[0, 1, 2], [3, 4, 5]]
    """
    path = Path(path)
    return parse_idx(path.read_bytes(), str(path))


def encode_idx(array: np.ndarray) -> bytes:
    """Encode an array as IDX bytes (uint8, int8, int16, int32, float32 or float64)."""
    arr = np.asarray(array)
    key = arr.dtype.kind + str(arr.dtype.itemsize)
    if key not in _CODES:
        raise ValueError(f"dtype {arr.dtype} cannot be stored in IDX")
    code = _CODES[key]
    header = struct.pack(">HBB", 0, code, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return header + np.ascontiguousarray(arr, dtype=IDX_DTYPES[code]).tobytes()


def write_idx(path: str | os.PathLike[str], array: np.ndarray, *, compress: bool | None = None) -> Path:
    """Write an array as an IDX file; gzip when ``compress`` is true or the name ends in ``.gz``."""
    path = Path(path)
    data = encode_idx(array)
    if compress or (compress is None and path.suffix == ".gz"):
        data = gzip.compress(data, mtime=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
