from pathlib import Path

import pandas as pd
import pytest
from face_classifier.manifest import ManifestError, load_manifest, normalize_generator


def test_raw_layout(faces_dir: Path) -> None:
    df = load_manifest(faces_dir)
    assert len(df) == 28
    assert set(df["generator"]) == {"none", "StyleGAN", "StyleGAN3"}
    assert (df.loc[df["label_name"] == "real", "label"] == 0).all()
    assert df["phash"].str.fullmatch(r"[0-9a-f]{16}").all()
    assert all(Path(p).is_file() for p in df["path"])


def test_question01_parquet_layout(faces_dir: Path, tmp_path: Path) -> None:
    raw = pd.read_csv(faces_dir / "labels.csv")
    (tmp_path / "images").symlink_to(faces_dir)
    meta = pd.DataFrame(
        {
            "image_id": range(len(raw)),
            "path": "images/" + raw["filename"],
            "label": raw["label"],
            "generator": [
                "none" if lab == "real" else ("StyleGAN3" if "sg3" in f else "StyleGAN")
                for f, lab in zip(raw["filename"], raw["label"], strict=False)
            ],
            "filename": raw["filename"].map(lambda f: f.split("/")[-1]),
            "phash": "0123456789abcdef",
        }
    )
    meta.to_parquet(tmp_path / "metadata.parquet")
    df = load_manifest(tmp_path)
    assert len(df) == len(raw) and (df["phash"] == "0123456789abcdef").all()
    assert df["generator"].value_counts()["StyleGAN3"] == 4


def test_not_a_dataset(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"neither metadata\.parquet nor labels\.csv"):
        load_manifest(tmp_path)


def test_bad_labels(tmp_path: Path) -> None:
    pd.DataFrame({"filename": ["a.jpg"], "label": ["maybe"]}).to_csv(tmp_path / "labels.csv", index=False)
    with pytest.raises(ManifestError, match=r"real/fake"):
        load_manifest(tmp_path, compute_phash=False)


@pytest.mark.parametrize(
    ("raw", "label", "expected"),
    [
        ("StyleGAN (per 140k dataset description)", "fake", "StyleGAN"),
        ("StyleGAN3 stylegan3-r; seed=1", "fake", "StyleGAN3"),
        (None, "fake", "unknown"),
        ("anything", "real", "none"),
    ],
)
def test_normalize_generator(raw, label, expected) -> None:
    assert normalize_generator(raw, label) == expected
