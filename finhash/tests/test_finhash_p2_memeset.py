"""Meme-like benchmark: deterministic by seed, transforms tagged; loaders for the three layouts."""

import hashlib
import zipfile

import numpy as np
import pytest
from finhash.memeset import transforms as T
from finhash.memeset.build import build_memeset
from finhash.memeset.loaders import (
    DAS_ZIP_MD5,
    LabelledSetError,
    load_labels_csv,
    load_meme_generator,
    load_memeset,
    load_nearduplicates,
    verify_das_zip,
)
from PIL import Image


@pytest.fixture
def p2_data_root(dataset):
    dataset("faces")
    return dataset("fashion").parent


def _digest(folder):
    return {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in sorted((folder / "images").iterdir())}


@pytest.mark.data
def test_build_is_deterministic_by_seed(tmp_path, p2_data_root):
    a = build_memeset(tmp_path / "a", 2, seed=7, data_root=p2_data_root, progress=False)
    b = build_memeset(tmp_path / "b", 2, seed=7, data_root=p2_data_root, progress=False)
    c = build_memeset(tmp_path / "c", 2, seed=8, data_root=p2_data_root, progress=False)
    assert a.read_text() == b.read_text()
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert a.read_text() != c.read_text()
    ds = load_memeset(tmp_path / "a")
    n_tr = len(T.DEFAULT_TRANSFORMS)
    assert len(ds) == 2 * (n_tr + 1) and ds.n_families == 2
    assert ds.transforms.count("original") == 2
    assert set(ds.transforms) == {"original", *(t.tag for t in T.DEFAULT_TRANSFORMS)}
    # one face base and one fashion base (enlarged 4x to 240x320)
    sizes = {Image.open(p).size for p, t in zip(ds.paths, ds.transforms, strict=True) if t == "original"}
    assert sizes == {(256, 256), (240, 320)}


@pytest.mark.data
def test_build_validates_counts(tmp_path, p2_data_root):
    with pytest.raises(ValueError, match=">= 1"):
        build_memeset(tmp_path, 0, data_root=p2_data_root)
    with pytest.raises(ValueError, match="only"):
        build_memeset(tmp_path, 5000, data_root=p2_data_root, face_fraction=1.0)


def test_build_without_data_says_what_to_do(tmp_path):
    from imagecore.config import DataNotFoundError

    with pytest.raises(DataNotFoundError, match="IMAGECORE_DATA_DIR"):
        build_memeset(tmp_path / "out", 1, data_root=tmp_path / "empty")


def _photo(w=120, h=90):
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))


@pytest.mark.parametrize("t", T.DEFAULT_TRANSFORMS, ids=lambda t: t.tag)
def test_each_transform_is_reproducible_and_changes_the_image(t):
    img = _photo()
    a, pa = t(img, np.random.default_rng(3))
    b, pb = t(img, np.random.default_rng(3))
    assert pa == pb and np.array_equal(np.asarray(a), np.asarray(b))
    data = T.encode(a, t, pa)
    assert data[:2] == b"\xff\xd8" if t.fmt == "JPEG" else data[:4] == b"\x89PNG"
    if t.tag != "jpeg":  # the JPEG edit changes pixels only when encoded
        assert a.size != img.size or not np.array_equal(np.asarray(a.convert("RGB")), np.asarray(img))


def test_transform_parameter_ranges():
    img = _photo(200, 100)
    rng = np.random.default_rng(0)
    for _ in range(20):
        _, p = T.JpegQuality()(img, rng)
        assert 20 <= p["quality"] <= 90
        out, p = T.Crop()(img, rng)
        assert all(0.02 <= f <= 0.10 for f in p["left_top_right_bottom"])
        assert 0.8 * 200 <= out.width < 200
        _, p = T.Rotate()(img, rng)
        assert 2 <= abs(p["degrees"]) <= 6
    assert T.Caption("both").tag == "caption_both"


def _write_jpeg(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), (10, 20, 30)).save(path, "JPEG")


def test_meme_generator_layout(tmp_path):
    root = tmp_path / "das_images"
    for name in ["0001_a.jpg", "0001_b.jpg", "sub/0002x.jpg", "0003.JPG", "readme.txt", "x0004.jpg"]:
        if name.endswith(".txt"):
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text("hi")
        else:
            _write_jpeg(root / name)
    ds = load_meme_generator(root)
    assert sorted(zip(ds.families, [p.split("/")[-1] for p in ds.paths], strict=True)) == [
        ("0001", "0001_a.jpg"), ("0001", "0001_b.jpg"), ("0002", "0002x.jpg"), ("0003", "0003.JPG")]
    assert ds.n_families == 3 and ds.transforms is None
    with pytest.raises(LabelledSetError, match="55972"):
        load_meme_generator(root, strict=True)
    with pytest.raises(LabelledSetError, match="not a folder"):
        load_meme_generator(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(LabelledSetError, match="four digits"):
        load_meme_generator(tmp_path / "empty")


def test_das_zip_md5_check(tmp_path):
    z = tmp_path / "das_images.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("0001_a.jpg", b"x")
    assert verify_das_zip(z) is False
    assert len(DAS_ZIP_MD5) == 32


def test_labels_csv_errors(tmp_path):
    with pytest.raises(LabelledSetError, match=r"labels\.csv not found"):
        load_labels_csv(tmp_path, "x", None)
    (tmp_path / "labels.csv").write_text("filename,group\na.jpg,1\n")
    with pytest.raises(LabelledSetError, match="needs columns"):
        load_labels_csv(tmp_path, "x", None)
    (tmp_path / "labels.csv").write_text("filename,family\na.jpg,1\n")
    with pytest.raises(LabelledSetError, match="missing"):
        load_labels_csv(tmp_path, "x", None)


@pytest.mark.data
def test_nearduplicates_loader_and_subset(dataset):
    ds = load_nearduplicates(dataset("nearduplicates"))
    assert len(ds) == 576 and ds.n_families == 284
    sub = ds.subset(10, random_state=1)
    assert sub.n_families == 10 and sub.subset(10, random_state=1).paths == sub.paths
    assert sub.paths == ds.subset(10, random_state=1).paths
