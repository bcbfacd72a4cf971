"""Metadata extraction on real files and on bad files (clear errors)."""

from __future__ import annotations

import io
import math
import struct
import zlib

import numpy as np
import pytest
from face_dataset.errors import ImageValidationError
from face_dataset.faces import detect_faces
from face_dataset.hashing import hamming_matrix, perceptual_hash
from face_dataset.metadata import extract_metadata, resolution_bucket
from face_dataset.quality import estimate_jpeg_quality
from PIL import Image
from q1_helpers import jpeg_bytes, make_image


@pytest.mark.parametrize("q", [20, 50, 75, 90, 100])
def test_jpeg_quality_is_recovered_exactly_for_ijg_encodes(q):
    img = Image.open(io.BytesIO(jpeg_bytes(make_image(1), q)))
    assert estimate_jpeg_quality(img) == q


def test_jpeg_quality_is_nan_for_png():
    buf = io.BytesIO()
    make_image(1).save(buf, "PNG")
    assert math.isnan(estimate_jpeg_quality(Image.open(buf)))


@pytest.mark.data
def test_real_files_from_the_faces_set(dataset):
    faces = dataset("faces")
    jpg = extract_metadata(faces / "real" / "00000.jpg")
    assert (jpg["format"], jpg["width"], jpg["height"], jpg["jpeg_quality"]) == ("JPEG", 256, 256, 75.0)
    assert len(jpg["phash"]) == 16 and len(jpg["sha256"]) == 64 and jpg["has_exif"] is False
    assert jpg["face_count"] == 1 and 0.1 < jpg["face_area_ratio"] < 1.0
    png = extract_metadata(faces / "fake" / "sg3_seed700000_psi0.50.png")
    assert png["format"] == "PNG" and math.isnan(png["jpeg_quality"]) and png["resolution_bucket"] == "256"


def test_corrupt_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"this is not an image at all")
    with pytest.raises(ImageValidationError, match=r"bad\.jpg: not a recognised image format"):
        extract_metadata(bad)


def test_truncated_jpeg_is_a_clear_error(tmp_path):
    data = jpeg_bytes(make_image(2, size=128), 90)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageValidationError, match="corrupt or truncated"):
        extract_metadata(cut)


def test_tiny_image_is_refused(write_image):
    path = write_image("tiny.png", fmt="PNG", size=20)
    with pytest.raises(ImageValidationError, match=r"too small: 20x20 \(minimum side 64 px\)"):
        extract_metadata(path)
    assert extract_metadata(path, min_size=16, detect=False)["width"] == 20


def test_grayscale_is_refused_unless_allowed(write_image):
    path = write_image("gray.png", fmt="PNG", mode="L")
    with pytest.raises(ImageValidationError, match="grayscale"):
        extract_metadata(path)
    assert extract_metadata(path, allow_grayscale=True)["mode"] == "L"


def test_cmyk_is_refused(write_image):
    path = write_image("cmyk.jpg", mode="CMYK")
    with pytest.raises(ImageValidationError, match="unsupported mode CMYK"):
        extract_metadata(path)


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b"")


def test_huge_image_is_refused_before_decoding(tmp_path):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_header_only(50_000, 50_000))  # 2.5 gigapixels declared in a tiny file
    with pytest.raises(ImageValidationError, match="too large"):
        extract_metadata(bomb)


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        extract_metadata(tmp_path / "nope.jpg")


def test_exif_presence_is_detected(tmp_path):
    img = make_image(3)
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    path = tmp_path / "exif.jpg"
    img.save(path, "JPEG", exif=exif.tobytes())
    assert extract_metadata(path, detect=False)["has_exif"] is True


def test_resolution_buckets():
    assert [resolution_bucket(w, w) for w in (100, 128, 200, 256, 1024, 2000)] == [
        "<128", "128", "<256", "256", "1024", ">1024"]  # fmt: skip


def test_perceptual_hash_find_falls_back_or_works_and_rejects_unknown():
    img = make_image(4)
    h = perceptual_hash(img, "find")
    assert h - h == 0
    with pytest.raises(ValueError, match="unknown hash method"):
        perceptual_hash(img, "md5")


def test_hamming_matrix_matches_imagehash():
    hs = [perceptual_hash(make_image(s)) for s in range(5)]
    D = hamming_matrix([str(h) for h in hs])
    assert D.tolist() == [[a - b for b in hs] for a in hs]


def test_skin_detector_finds_a_central_skin_blob_and_nothing_in_blue():
    arr = np.zeros((128, 128, 3), np.uint8)
    arr[...] = (30, 60, 200)
    arr[24:104, 34:94] = (224, 172, 140)  # skin tone
    res = detect_faces(Image.fromarray(arr), method="skin")
    assert res.count == 1 and 0.2 < res.area_ratio < 0.35
    assert detect_faces(Image.new("RGB", (128, 128), (30, 60, 200)), method="skin").count == 0


def test_haar_detector_when_opencv_has_it():
    from face_dataset.faces import available_detector

    blank = Image.new("RGB", (128, 128), (128, 128, 128))
    if available_detector() == "haar":
        assert detect_faces(blank).count == 0 and detect_faces(blank).detector == "haar"
    else:
        with pytest.raises(ValueError, match="no Haar cascade"):
            detect_faces(blank, method="haar")
    with pytest.raises(ValueError, match="unknown face detector"):
        detect_faces(blank, method="dnn")
