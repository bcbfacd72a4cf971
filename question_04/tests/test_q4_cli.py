import json
from pathlib import Path

import pandas as pd
from face_shards.cli import main
from face_shards.resample import copy_index, select_index, synthetic_manifest, write_index
from PIL import Image


def _faces(root: Path, n: int = 6) -> Path:
    rows = []
    for i in range(n):
        label = ("real", "fake")[i % 2]
        (root / label).mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (16, 16), (i * 30, 0, 0)).save(root / label / f"{i}.jpg")
        rows.append((f"{label}/{i}.jpg", label, "" if label == "real" else "StyleGAN x"))
    pd.DataFrame(rows, columns=["filename", "label", "generator_if_known"]).to_csv(root / "labels.csv", index=False)
    return root


def test_copy_index_equals_select_index(tmp_path: Path) -> None:
    path = write_index(synthetic_manifest(3000).to_pandas(), tmp_path / "m.parquet")
    n = copy_index(path, "generator = 'StyleGAN' AND jpeg_quality > 50", tmp_path / "i.parquet")
    got = pd.read_parquet(tmp_path / "i.parquet")
    want = select_index(path, "generator = 'StyleGAN' AND jpeg_quality > 50")
    assert n == len(want) and got["key"].tolist() == want["key"].tolist()


def test_cli_write_resample_stream_on_local_store(tmp_path: Path, capsys) -> None:
    store = tmp_path / "store"
    assert (
        main(["write", "--dataset", str(_faces(tmp_path / "faces")), "--store", str(store), "--shard-samples", "2"])
        == 0
    )
    assert json.loads(capsys.readouterr().out)["shards"] == 3
    assert (
        main(
            [
                "resample",
                "--manifest",
                str(store / "manifest.parquet"),
                "--where",
                "label = 'fake'",
                "--out",
                str(tmp_path / "i.parquet"),
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["selected"] == 3
    assert main(["stream", "--store", str(store), "--index", str(tmp_path / "i.parquet"), "--workers", "0"]) == 0
    assert json.loads(capsys.readouterr().out)["samples"] == 3
    assert main(["stream", "--store", str(store), "--workers", "0"]) == 0
    assert json.loads(capsys.readouterr().out)["samples"] == 6


def test_cli_errors(tmp_path: Path, capsys) -> None:
    assert main(["write", "--dataset", str(tmp_path / "nope"), "--store", str(tmp_path / "s")]) == 3
    write_index(synthetic_manifest(10).to_pandas(), tmp_path / "m.parquet")
    assert (
        main(
            [
                "resample",
                "--manifest",
                str(tmp_path / "m.parquet"),
                "--where",
                "bogus = 1",
                "--out",
                str(tmp_path / "i.parquet"),
            ]
        )
        == 2
    )
    assert "invalid re-sampling query" in capsys.readouterr().err


def test_cli_synth_manifest(tmp_path: Path) -> None:
    assert main(["synth-manifest", "--rows", "1000", "--out", str(tmp_path / "m.parquet")]) == 0
    assert len(pd.read_parquet(tmp_path / "m.parquet")) == 1000
