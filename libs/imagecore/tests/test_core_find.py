"""FINd production implementation: golden bit-exactness, API, robustness."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import imagehash
import numpy as np
import pytest
from imagecore.hashing import find_hash, find_hashes
from imagecore.hashing.find import box_at_samples, dct_16x16, hash_from_dct, iter_find_hashes, luma
from imagecore.io import ImageDecodeError, ImageTooLargeError, normalize_mode
from PIL import Image


@pytest.fixture(scope="module")
def golden(dataset) -> tuple[Path, list[dict[str, str]]]:
    root = dataset("finhash")
    with open(root / "find_golden.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 234
    return root / "golden_images", rows


@pytest.mark.data
def test_bit_exact_on_all_golden_images(golden):
    folder, rows = golden
    for row in rows:
        h = find_hash(folder / row["file"])
        assert str(h) == row["corrected"], row["file"]
        if row["width"] == row["height"]:
            assert str(h) == row["reference"], row["file"]


@pytest.mark.data
def test_batch_api_matches_and_uses_processes(golden):
    folder, rows = golden
    sub = rows[::6]
    paths = [folder / r["file"] for r in sub]
    hashes = find_hashes(paths, workers=2, chunksize=8)
    assert [str(h) for h in hashes] == [r["corrected"] for r in sub]
    assert [str(h) for h in find_hashes(paths[:3], workers=1)] == [r["corrected"] for r in sub[:3]]


@pytest.mark.data
def test_pil_image_input_equals_path_input(golden):
    folder, rows = golden
    for row in rows[::40]:
        with Image.open(folder / row["file"]) as img:
            img.load()
            assert str(find_hash(img)) == row["corrected"]


def test_value_type_and_hamming():
    a = find_hash(Image.new("RGB", (40, 30), (10, 20, 30)))
    b = find_hash(Image.fromarray(np.random.default_rng(1).integers(0, 256, (30, 40, 3), dtype=np.uint8)))
    assert isinstance(a, imagehash.ImageHash) and a.hash.shape == (16, 16)
    assert len(str(a)) == 64
    assert a - a == 0 and 0 < a - b <= 256


def test_half_the_bits_are_set_on_a_generic_image():
    rng = np.random.default_rng(7)
    h = find_hash(Image.fromarray(rng.integers(0, 256, (100, 80, 3), dtype=np.uint8)))
    assert int(h.hash.sum()) == 128  # strictly above the 128th smallest of 256 distinct values


def test_batched_steps_equal_single_steps():
    rng = np.random.default_rng(3)
    pix = rng.integers(0, 256, (3, 50, 70, 3), dtype=np.uint8)
    batch = hash_from_dct(dct_16x16(box_at_samples(luma(pix, rgb=True))))
    for k in range(3):
        single = hash_from_dct(dct_16x16(box_at_samples(luma(pix[k]))))
        assert np.array_equal(batch[k], single)


def test_grey_luma_equals_rgb_luma():
    v = np.arange(256, dtype=np.uint8).reshape(16, 16)
    assert np.array_equal(luma(v), luma(np.stack([v, v, v], axis=-1)))
    with pytest.raises(TypeError):
        luma(v.astype(np.float32))
    # a stack of grey images 3 px wide is not RGB when the caller says so
    stack = np.stack([v[:, :3], v[:, 3:6]])
    assert luma(stack, rgb=False).shape == (2, 16, 3)
    with pytest.raises(ValueError, match="3 channels"):
        luma(v, rgb=True)


def test_exif_orientation_is_applied(tmp_path):
    rng = np.random.default_rng(5)
    upright = Image.fromarray(rng.integers(0, 256, (60, 90, 3), dtype=np.uint8))
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # display = rotate 90 clockwise, which undoes ROTATE_90
    path = tmp_path / "rotated.png"
    stored.save(path, exif=exif)
    assert str(find_hash(path)) == str(find_hash(upright))
    assert str(find_hash(path)) != str(find_hash(stored))


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGBA", "CMYK", "I;16"])
def test_modes(mode, tmp_path):
    rng = np.random.default_rng(11)
    base = Image.fromarray(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8))
    if mode == "I;16":
        arr16 = (np.asarray(base.convert("L")).astype(np.uint16) * 257).astype("<u2")
        img = Image.fromarray(arr16)
        assert img.mode == "I;16"
        expected = find_hash(normalize_mode(img, "L"))
    else:
        img = base.convert(mode)
        expected = find_hash(img.convert("RGB"))
    path = tmp_path / ("x.tif" if mode in ("CMYK", "I;16") else "x.png")
    img.save(path)
    assert str(find_hash(path)) == str(expected)
    assert str(find_hash(img)) == str(expected)


@pytest.mark.parametrize("size", [(1, 1), (1, 300), (700, 1), (3, 2000)])
def test_tiny_and_very_thin_images(size):
    rng = np.random.default_rng(size[0] * 7 + size[1])
    img = Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))
    h = find_hash(img)
    assert h.hash.shape == (16, 16)


def test_thumbnail_step_for_large_images():
    rng = np.random.default_rng(2)
    big = Image.fromarray(rng.integers(0, 256, (600, 1100, 3), dtype=np.uint8))
    small = big.copy()
    small.thumbnail((512, 512))
    assert small.size == (512, 279)
    assert str(find_hash(big)) == str(find_hash(small))


def test_decompression_bomb_limit(tmp_path):
    path = tmp_path / "big.png"
    Image.new("L", (300, 200)).save(path)
    with pytest.raises(ImageTooLargeError, match=r"big\.png"):
        find_hash(path, max_pixels=10_000)


def test_truncated_and_corrupt_files_name_the_file(tmp_path):
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(buf, "PNG")
    trunc = tmp_path / "trunc.png"
    trunc.write_bytes(buf.getvalue()[:40])
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"not an image at all")
    for path in (trunc, junk):
        with pytest.raises(ImageDecodeError, match=re.escape(path.name)):
            find_hash(path)
    with pytest.raises(FileNotFoundError, match=r"missing\.png"):
        find_hash(tmp_path / "missing.png")


def test_batch_reports_failures_and_continues(tmp_path):
    good = tmp_path / "good.png"
    Image.new("RGB", (30, 30), "blue").save(good)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    missing = tmp_path / "missing.png"
    results = list(iter_find_hashes([good, bad, missing, good], workers=1))
    assert [r[0] for r in results] == [0, 1, 2, 3]
    assert results[0][1] is not None and results[0][2] is None
    assert results[1][1] is None and "bad.png" in results[1][2]
    assert results[2][1] is None and "missing.png" in results[2][2]
    skipped = find_hashes([good, bad, good], on_error="skip")
    assert skipped[1] is None and str(skipped[0]) == str(skipped[2])
    with pytest.raises(ValueError, match=r"bad\.png"):
        find_hashes([good, bad], on_error="raise")
