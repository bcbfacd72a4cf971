import imagehash
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from imagecore.hashing import (
    HASH_METHODS,
    hamming_distance,
    hashes_to_array,
    hex_to_hash,
    pairwise_hamming,
    perceptual_hash,
)
from imagecore.hashing.hamming import distances_to, nearest
from PIL import Image


@given(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32))
@settings(max_examples=50, deadline=None)
def test_hamming_matches_bit_count(a, b):
    expected = bin(int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).count("1")
    assert hamming_distance(a.hex(), b.hex()) == expected
    assert hamming_distance(hex_to_hash(a.hex()), hex_to_hash(b.hex())) == expected
    assert hex_to_hash(a.hex()) - hex_to_hash(b.hex()) == expected  # imagehash agrees


def test_hex_round_trip_and_errors():
    h = imagehash.phash(Image.new("L", (64, 64)))
    assert str(hex_to_hash(str(h))) == str(h)
    with pytest.raises(ValueError, match="not a hex"):
        hex_to_hash("zz")
    with pytest.raises(ValueError, match="square"):
        hex_to_hash("fff")
    with pytest.raises(ValueError, match="differ"):
        hamming_distance("ff", "ffff")


def test_pairwise_equals_naive():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 256, size=(50, 32), dtype=np.uint8)
    d = pairwise_hamming(codes, block=7)
    naive = np.array([[hamming_distance(x.tobytes(), y.tobytes()) for y in codes] for x in codes])
    np.testing.assert_array_equal(d, naive)
    assert (np.diag(d) == 0).all()
    np.testing.assert_array_equal(distances_to(codes[3], codes), naive[3])
    assert nearest(codes[3], codes, k=1) == [3]
    odd = rng.integers(0, 256, size=(5, 3), dtype=np.uint8)  # width not a multiple of 8
    assert pairwise_hamming(odd).shape == (5, 5)


def test_hashes_to_array_orders_bits_like_str():
    hashes = [hex_to_hash("8000000000000001"), hex_to_hash("ffffffffffffffff")]
    arr = hashes_to_array(hashes)
    assert arr.shape == (2, 8)
    assert bytes(arr[0]).hex() == "8000000000000001"
    with pytest.raises(ValueError, match="different lengths"):
        hashes_to_array(["ff", "ffff"])


@pytest.mark.parametrize("method", ["ahash", "phash", "dhash", "whash", "pdq"])
def test_registry_methods_are_stable_under_small_edits(method):
    rng = np.random.default_rng(1)
    base = (rng.random((64, 64, 3)) * 255).astype(np.uint8)
    base = np.kron(base[::8, ::8], np.ones((8, 8, 1), dtype=np.uint8))  # smooth-ish blocks
    img = Image.fromarray(base)
    brighter = Image.fromarray(np.clip(base.astype(int) + 10, 0, 255).astype(np.uint8))
    other = Image.fromarray(255 - base)
    h, h2, h3 = (perceptual_hash(x, method) for x in (img, brighter, other))
    bits = HASH_METHODS[method][1] ** 2
    assert len(str(h)) * 4 == bits
    assert h - h2 < h - h3


def test_unknown_method_and_bad_size():
    with pytest.raises(ValueError, match="unknown hash method"):
        perceptual_hash(Image.new("L", (8, 8)), "md5")
    with pytest.raises(ValueError, match="256 bits"):
        perceptual_hash(Image.new("L", (8, 8)), "pdq", hash_size=8)


def test_hash_from_path(tmp_path):
    path = tmp_path / "x.png"
    Image.new("RGB", (20, 20), "blue").save(path)
    assert perceptual_hash(path, "ahash") == perceptual_hash(Image.open(path), "ahash")
