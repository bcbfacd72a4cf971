"""Bulk export: the manifest matches the images, and the seed fixes the whole dataset."""

from __future__ import annotations

import csv
import io
import itertools
import json
import tarfile

import numpy as np
import pytest
from mnist_sequences.export import read_npz_dataset
from PIL import Image

from mnist_sequences import export_dataset


def _manifest(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _check_image(image_u8, row, source):
    """The image's digit cells, at the manifest's offsets, are the manifest's MNIST images of its label."""
    xs = [int(v) for v in row["x"].split()]
    idx = [int(v) for v in row["mnist_indices"].split()]
    gaps = [int(v) for v in row["gaps"].split()]
    assert len(xs) == len(idx) == int(row["length"]) == len(row["label"])
    assert [b - a - 28 for a, b in itertools.pairwise(xs)] == gaps
    for d, x, i in zip(row["label"], xs, idx, strict=True):
        assert int(source.labels[i]) == int(d)
        np.testing.assert_array_equal(image_u8[:, x : x + 28], source.images[i])


@pytest.mark.parametrize("fmt", ["png", "npz", "tar"])
def test_manifest_matches_images(fmt, tmp_path, mnist_dir, mnist_gen):
    res = export_dataset(
        tmp_path,
        25,
        length=(2, 5),
        spacing_range=(1, 6),
        image_width=170,
        fmt=fmt,
        seed=7,
        chunk_size=10,
        root=mnist_dir,
        progress=False,
    )
    assert res.count == 25 and res.manifest == tmp_path / "manifest.csv"
    rows = _manifest(res.manifest)
    assert [int(r["id"]) for r in rows] == list(range(25))
    meta = json.loads((tmp_path / "dataset.json").read_text())
    assert meta["seed"] == 7 and meta["count"] == 25 and meta["format"] == fmt
    if fmt == "png":
        for r in rows:
            image = np.asarray(Image.open(tmp_path / r["file"]))
            assert image.shape == (28, 170) and image.dtype == np.uint8
            _check_image(image, r, mnist_gen.source)
    elif fmt == "npz":
        images, labels = read_npz_dataset(tmp_path)
        assert images.shape == (25, 28, 170) and labels == [r["label"] for r in rows]
        for r in rows:
            _check_image(images[int(r["id"])], r, mnist_gen.source)
        assert sorted(p.name for p in tmp_path.glob("shard-*.npz")) == [f"shard-0000{i}.npz" for i in range(3)]
    else:
        for r in rows:
            with tarfile.open(tmp_path / r["file"]) as tar:
                key = f"{int(r['id']):08d}"
                image = np.asarray(Image.open(io.BytesIO(tar.extractfile(f"{key}.png").read())))
                assert tar.extractfile(f"{key}.cls").read().decode() == r["label"]
                layout = json.loads(tar.extractfile(f"{key}.json").read())
                assert layout["x"] == [int(v) for v in r["x"].split()]
            _check_image(image, r, mnist_gen.source)


def test_dataset_is_reproducible_and_independent_of_workers(tmp_path, mnist_dir):
    common = {
        "length": (1, 4),
        "spacing_range": (0, 5),
        "image_width": 130,
        "fmt": "npz",
        "seed": 11,
        "chunk_size": 8,
        "root": mnist_dir,
        "progress": False,
    }
    export_dataset(tmp_path / "one", 30, workers=1, **common)
    export_dataset(tmp_path / "two", 30, workers=2, **common)
    a, la = read_npz_dataset(tmp_path / "one")
    b, lb = read_npz_dataset(tmp_path / "two")
    np.testing.assert_array_equal(a, b)
    assert la == lb
    assert (tmp_path / "one" / "manifest.csv").read_text() == (tmp_path / "two" / "manifest.csv").read_text()
    export_dataset(tmp_path / "other", 30, **{**common, "seed": 12})
    c, _ = read_npz_dataset(tmp_path / "other")
    assert not np.array_equal(a, c)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"fmt": "jpeg"}, "format"),
        ({"length": (0, 3)}, "length"),
        ({"length": (9, 9), "image_width": 200}, "cannot fit"),
        ({"workers": 0}, "positive"),
        ({"spacing_range": (3, 1)}, "greater"),
    ],
)
def test_export_validation(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        export_dataset(tmp_path, 5, progress=False, **kwargs)


def test_read_npz_dataset_without_shards(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_npz_dataset(tmp_path)
