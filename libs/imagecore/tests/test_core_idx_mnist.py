import gzip

import numpy as np
import pytest
from imagecore.config import DataNotFoundError
from imagecore.idx import IdxFormatError, encode_idx, parse_idx, read_idx, write_idx
from imagecore.mnist import MNIST_FILES, ChecksumError, load_mnist, md5sum


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("suffix", [".idx", ".idx.gz"])
def test_idx_round_trip_all_dtypes(tmp_path, dtype, suffix):
    arr = (np.arange(2 * 3 * 4) - 7).astype(dtype).reshape(2, 3, 4)
    path = write_idx(tmp_path / f"a{suffix}", arr)
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.shape == arr.shape
    np.testing.assert_array_equal(back, arr)


def test_idx_header_is_big_endian():
    data = encode_idx(np.array([1, 2], dtype=np.int32))
    assert data[:4] == b"\x00\x00\x0c\x01"
    assert data[4:8] == b"\x00\x00\x00\x02"
    assert data[8:12] == b"\x00\x00\x00\x01"


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"\x01\x00\x08\x01\x00\x00\x00\x01\x05", "magic"),
        (b"\x00\x00\x07\x01\x00\x00\x00\x01\x05", "type code"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x05\x05", "shape"),
        (b"\x00\x00", "too short"),
        (b"\x1f\x8bnot-gzip", "gzip"),
    ],
)
def test_idx_bad_input_names_file(data, match):
    with pytest.raises(IdxFormatError, match=match):
        parse_idx(data, "bad.idx")


def test_mnist_official_files(mnist_dir):
    for name, md5 in MNIST_FILES.values():
        assert md5sum(mnist_dir / name) == md5
    train = load_mnist("train", mnist_dir)
    test = load_mnist("test")
    assert train.images.shape == (60000, 28, 28) and train.images.dtype == np.uint8
    assert np.bincount(train.labels).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(test.labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert train.labels[:5].tolist() == [5, 0, 4, 1, 9]


def test_mnist_missing_says_what_to_do(tmp_path):
    with pytest.raises(DataNotFoundError, match="make data"):
        load_mnist("test", tmp_path)


def test_mnist_checksum_mismatch(tmp_path):
    for kind in ("test-images", "test-labels"):
        name = MNIST_FILES[kind][0]
        shape = (10000, 28, 28) if "images" in kind else (10000,)
        (tmp_path / name).write_bytes(gzip.compress(encode_idx(np.zeros(shape, np.uint8))))
    with pytest.raises(ChecksumError, match="does not match"):
        load_mnist("test", tmp_path)
    # raw files are accepted without md5 (shape checked)
    assert len(load_mnist("test", tmp_path, verify=False)) == 10000


def test_mnist_bad_split():
    with pytest.raises(ValueError, match="split"):
        load_mnist("validation")  # type: ignore[arg-type]
