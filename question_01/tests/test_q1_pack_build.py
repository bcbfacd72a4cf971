"""Build from folders, the parquet contract, pack/unpack round trip, checksum and traversal failures."""

from __future__ import annotations

import io
import shutil
import tarfile
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from face_dataset.build import build_dataset, verify_checksums
from face_dataset.cli import main
from face_dataset.errors import ChecksumError, FaceDatasetError, UnsafeArchiveError
from face_dataset.pack import pack, unpack
from face_dataset.schema import REQUIRED
from face_dataset.settings import Settings
from face_dataset.sources import from_folder
from q1_helpers import make_image

CONTRACT = ["image_id", "path", "label", "generator", "source", "filename", "format", "width", "height",
            "file_size", "jpeg_quality", "sha256", "phash"]  # fmt: skip


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("q1build")
    (root / "real").mkdir()
    (root / "fake").mkdir()
    for i in range(12):
        make_image(i).save(root / "real" / f"r{i:02d}.jpg", quality=80)
        make_image(100 + i).save(root / "fake" / f"f{i:02d}.png")
    (root / "fake/f00_copy.png").write_bytes((root / "fake/f00.png").read_bytes())
    (root / "real" / "broken.jpg").write_bytes(b"\xff\xd8\xff garbage")
    cands = from_folder(f"{root / 'real'}:real") + from_folder(f"{root / 'fake'}:fake:StyleGAN3:sg3")
    res = build_dataset(cands, root / "ds", settings=Settings(workers=1, min_size=32), progress=False)
    assert len(res.rejected) == 1 and "broken.jpg" in res.rejected["reason"][0]
    assert len(res.duplicates) == 1 and res.duplicates["kind"][0] == "exact"
    return res.out


@pytest.fixture
def built(built_once: Path, tmp_path: Path) -> Path:
    """A private copy of the module's built dataset (tests may modify it)."""
    return Path(shutil.copytree(built_once, tmp_path / "ds"))


def test_build_writes_the_contract(built: Path):
    df = pd.read_parquet(built / "metadata.parquet")
    assert set(CONTRACT) <= set(df.columns) and list(df.columns[: len(REQUIRED)]) == REQUIRED
    assert len(df) == 24 and df["image_id"].is_unique
    assert set(df["label"]) == {"real", "fake"}
    assert set(df.loc[df["label"] == "real", "generator"]) == {"none"}
    assert set(df.loc[df["label"] == "fake", "generator"]) == {"StyleGAN3"}
    assert all((built / p).is_file() for p in df["path"])
    assert df.loc[df["format"] == "JPEG", "jpeg_quality"].eq(80).all()
    assert df.loc[df["format"] == "PNG", "jpeg_quality"].isna().all()
    assert df["path"].str.match(r"images/(real|fake)/[^/]+$").all()
    assert pd.read_csv(built / "metadata.csv").shape[0] == 24
    assert "## Schema of metadata.parquet" in (built / "CARD.md").read_text()
    assert (built / "plots" / "overview.png").stat().st_size > 1000
    assert verify_checksums(built) > 24


def test_build_refuses_non_empty_out_and_empty_input(built: Path):
    with pytest.raises(FaceDatasetError, match="not empty"):
        build_dataset(from_folder(f"{built / 'images' / 'real'}:real"), built, settings=Settings(workers=1))
    with pytest.raises(FaceDatasetError, match="no images"):
        build_dataset([], built.parent / "empty")


@pytest.mark.parametrize("suffix", [".tar.gz", ".zip"])
def test_pack_unpack_round_trip(built: Path, tmp_path: Path, suffix: str):
    archive = pack(built, tmp_path / f"mini{suffix}")
    folder = unpack(archive, tmp_path / "restored")
    assert folder.name == "mini"
    assert sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file()) == sorted(
        p.relative_to(built) for p in built.rglob("*") if p.is_file())  # fmt: skip
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "metadata.parquet"), pd.read_parquet(built / "metadata.parquet"))


def test_unpack_detects_a_tampered_file(built: Path, tmp_path: Path):
    archive = pack(built, tmp_path / "mini.tar.gz")
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(bad, "w:gz") as dst:
        for m in src.getmembers():
            data = src.extractfile(m).read() if m.isfile() else None
            if m.name.endswith(".png") and data is not None and "tampered" not in m.pax_headers:
                data = data[:-1] + bytes([data[-1] ^ 1])
                m.pax_headers = {"tampered": "1"}
            m.size = len(data) if data is not None else 0
            dst.addfile(m, io.BytesIO(data) if data is not None else None)
    with pytest.raises(ChecksumError, match="sha256 differs"):
        unpack(bad, tmp_path / "out")


def test_pack_refuses_a_folder_that_fails_its_checksums(built: Path, tmp_path: Path):
    victim = next((built / "images" / "real").iterdir())
    victim.write_bytes(victim.read_bytes() + b"x")
    with pytest.raises(ChecksumError):
        pack(built, tmp_path / "x.tar.gz")


def _tar_with(tmp_path: Path, member: tarfile.TarInfo, data: bytes = b"") -> Path:
    path = tmp_path / "evil.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        ok = tarfile.TarInfo("ds/ok.txt")
        ok.size = 2
        tar.addfile(ok, io.BytesIO(b"ok"))
        member.size = len(data)
        tar.addfile(member, io.BytesIO(data))
    return path


@pytest.mark.parametrize("name", ["../escape.txt", "/abs/escape.txt", "ds/../../escape.txt"])
def test_unpack_rejects_path_traversal(tmp_path: Path, name: str):
    archive = _tar_with(tmp_path, tarfile.TarInfo(name), b"x")
    with pytest.raises(UnsafeArchiveError, match="outside the target"):
        unpack(archive, tmp_path / "dest")
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path / "dest" / "ds").exists()


def test_unpack_rejects_symlinks(tmp_path: Path):
    link = tarfile.TarInfo("ds/link")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    with pytest.raises(UnsafeArchiveError, match="link"):
        unpack(_tar_with(tmp_path, link), tmp_path / "dest")


def test_unpack_rejects_zip_traversal(tmp_path: Path):
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("../evil.txt", "x")
    with pytest.raises(UnsafeArchiveError):
        unpack(path, tmp_path / "dest")


def test_cli_end_to_end_and_errors(image_folders: dict[str, Path], tmp_path: Path, capsys):
    out = tmp_path / "cli_ds"
    args = ["build", "--out", str(out), "--folder", f"{image_folders['real']}:real",
            "--folder", f"{image_folders['fake']}:fake", "--workers", "1", "--min-size", "32", "--no-plots"]  # fmt: skip
    assert main(args) == 0
    assert "24 images" in capsys.readouterr().out
    assert main(["sample", str(out), "-n", "10", "--by", "label", "--out", str(tmp_path / "s.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "s.csv")) == 10
    assert main(["pack", str(out), "--out", str(tmp_path / "p.tgz")]) == 0
    assert main(["unpack", str(tmp_path / "p.tgz"), "--dest", str(tmp_path / "u")]) == 0
    assert main(["verify", str(tmp_path / "u" / "p")]) == 0
    capsys.readouterr()
    assert main(["build", "--out", str(out), "--folder", f"{image_folders['real']}:maybe"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "label must be one of real, fake" in err
    assert main(["pack", str(tmp_path), "--out", str(tmp_path / "x.rar")]) == 1
    assert main(["sample", str(out), "-n", "5", "--by", "age"]) == 1


def test_cli_missing_data_set_exits_3(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("IMAGECORE_DATA_DIR", str(tmp_path / "nowhere"))
    assert main(["build", "--out", str(tmp_path / "o")]) == 3
    assert "not found" in capsys.readouterr().err


def test_labels_csv_and_extra_labels(image_folders: dict[str, Path], tmp_path: Path):
    from face_dataset.sources import from_labels_csv, read_extra_labels

    root = image_folders["real"].parent
    (root / "labels.csv").write_text(
        "filename,label,source,generator_if_known,origin_repo\n"
        "real/r00.jpg,real,FFHQ test,,repo/x\n"
        "fake/f01.png,fake,somewhere,StyleGAN3 seed=700001 psi=0.70,repo/y\n"
    )
    (tmp_path / "extra.csv").write_text("filename,age_group,pose\nr00.jpg,adult,frontal\n")
    res = build_dataset(from_labels_csv(root / "labels.csv"), tmp_path / "lab", settings=Settings(workers=1, min_size=32),
                        extra_labels=read_extra_labels(tmp_path / "extra.csv"), progress=False, plots=False)  # fmt: skip
    df = res.metadata.set_index("filename")
    assert df.loc["f01.png", "generator"] == "StyleGAN3" and df.loc["f01.png", "seed"] == 700001
    assert df.loc["f01.png", "psi"] == pytest.approx(0.7)
    assert df.loc["r00.jpg", "age_group"] == "adult" and pd.isna(df.loc["f01.png", "age_group"])
    assert df.loc["r00.jpg", "licence"].startswith("FFHQ") and df.loc["r00.jpg", "origin_repo"] == "repo/x"
