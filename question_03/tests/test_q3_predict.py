import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from face_classifier.cli import main
from face_classifier.predict import predict
from face_classifier.safezip import UnsafeArchiveError


def _zip_from(faces_dir: Path, zpath: Path, names: list[str], arcname=lambda n: n, extra: dict | None = None) -> Path:
    with zipfile.ZipFile(zpath, "w") as zf:
        for n in names:
            zf.write(faces_dir / n, arcname(n))
        for k, v in (extra or {}).items():
            zf.writestr(k, v)
    return zpath


def _names(faces_dir: Path) -> list[str]:
    return pd.read_csv(faces_dir / "labels.csv")["filename"].tolist()


def test_train_writes_model_split_and_history(tiny_model: Path) -> None:
    assert (tiny_model / "model.pt").is_file() and (tiny_model / "last.pt").is_file()
    split = pd.read_csv(tiny_model / "split.csv")
    assert set(split["split"]) >= {"train", "val", "test", "unseen"}
    assert 1 <= len(json.loads((tiny_model / "history.json").read_text())) <= 2


def test_predict_zip_with_real_fake_folders(tiny_model: Path, faces_dir: Path, tmp_path: Path) -> None:
    z = _zip_from(faces_dir, tmp_path / "faces.zip", _names(faces_dir), arcname=lambda n: "batch/" + n)
    res = predict(tiny_model, z, tmp_path / "pred.csv", progress=False)
    out = pd.read_csv(tmp_path / "pred.csv")
    assert list(out.columns) == ["filename", "prob_fake", "label"] and len(out) == 28
    assert out["prob_fake"].between(0, 1).all() and set(out["label"]) <= {"real", "fake"}
    m = json.loads((tmp_path / "pred.metrics.json").read_text())
    assert m["labelled"] == 28 and sum(map(sum, m["confusion"])) == 28
    assert 0 <= m["accuracy"] <= 1 and res["auc"] == m["auc"]


def test_predict_zip_with_labels_csv_and_flat_names(tiny_model: Path, faces_dir: Path, tmp_path: Path) -> None:
    names = _names(faces_dir)
    labels = pd.read_csv(faces_dir / "labels.csv")[["filename", "label"]]
    labels["filename"] = labels["filename"].str.replace("/", "_")
    z = _zip_from(
        faces_dir,
        tmp_path / "flat.zip",
        names,
        arcname=lambda n: n.replace("/", "_"),
        extra={"labels.csv": labels.to_csv(index=False)},
    )
    res = predict(tiny_model, z, tmp_path / "p.csv", metrics_path=tmp_path / "m.json", progress=False)
    m = json.loads((tmp_path / "m.json").read_text())
    assert m["labelled"] == 28 and res["scored"] == 28


def test_predict_without_ground_truth_writes_no_metrics(tiny_model: Path, faces_dir: Path, tmp_path: Path) -> None:
    z = _zip_from(faces_dir, tmp_path / "anon.zip", _names(faces_dir)[:5], arcname=lambda n: Path(n).name)
    res = predict(tiny_model, z, tmp_path / "p.csv", progress=False)
    assert res["scored"] == 5 and "metrics" not in res and not (tmp_path / "p.metrics.json").exists()


def test_bad_members_are_skipped_and_reported(tiny_model: Path, faces_dir: Path, tmp_path: Path) -> None:
    z = _zip_from(
        faces_dir,
        tmp_path / "mixed.zip",
        _names(faces_dir)[:3],
        extra={"notes.txt": "hello", "real/broken.jpg": b"\xff\xd8\xff garbage", "__MACOSX/._x.jpg": b"x"},
    )
    res = predict(tiny_model, z, tmp_path / "p.csv", progress=False)
    reasons = dict(res["skipped"])
    assert res["scored"] == 3
    assert "not an image" in reasons["notes.txt"]
    assert "not a decodable image" in reasons["real/broken.jpg"]
    assert "__MACOSX/._x.jpg" in reasons


def test_predict_folder(tiny_model: Path, faces_dir: Path, tmp_path: Path) -> None:
    res = predict(tiny_model, faces_dir, tmp_path / "p.csv", progress=False)
    assert res["scored"] == 28 and ["labels.csv", "not an image file name"] in res["skipped"]


@pytest.mark.parametrize("evil", ["../evil.jpg", "/abs/evil.jpg", "real/../../evil.jpg", "C:\\\\evil.jpg"])
def test_zip_slip_rejected(tiny_model: Path, faces_dir: Path, tmp_path: Path, evil: str) -> None:
    z = _zip_from(faces_dir, tmp_path / "slip.zip", _names(faces_dir)[:1], extra={evil: b"x"})
    with pytest.raises(UnsafeArchiveError, match="zip-slip"):
        predict(tiny_model, z, tmp_path / "p.csv", progress=False)
    assert not (tmp_path.parent / "evil.jpg").exists() and not (tmp_path / "p.csv").exists()


def test_oversized_member_skipped(tiny_model: Path, faces_dir: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FACECLS_MAX_MEMBER", "100000")
    z = _zip_from(faces_dir, tmp_path / "big.zip", _names(faces_dir)[:2], extra={"real/huge.png": b"\0" * 200_000})
    res = predict(tiny_model, z, tmp_path / "p.csv", progress=False)
    assert res["scored"] == 2 and "per-image limit" in dict(res["skipped"])["real/huge.png"]


def test_total_size_and_member_count_limits(tiny_model: Path, faces_dir: Path, tmp_path: Path, monkeypatch) -> None:
    z = _zip_from(faces_dir, tmp_path / "bomb.zip", [], extra={f"real/{i}.png": b"\0" * 50_000 for i in range(5)})
    monkeypatch.setenv("FACECLS_MAX_UNZIPPED", "100000")
    with pytest.raises(UnsafeArchiveError, match="uncompressed bytes exceed"):
        predict(tiny_model, z, tmp_path / "p.csv", progress=False)
    monkeypatch.setenv("FACECLS_MAX_UNZIPPED", "10000000")
    monkeypatch.setenv("FACECLS_MAX_MEMBERS", "3")
    with pytest.raises(UnsafeArchiveError, match="members exceed"):
        predict(tiny_model, z, tmp_path / "p.csv", progress=False)


def test_cli_errors_are_one_line(tiny_model: Path, tmp_path: Path, capsys) -> None:
    (tmp_path / "x.zip").write_bytes(b"not a zip")
    assert (
        main(
            [
                "predict",
                "--model",
                str(tiny_model),
                "--input",
                str(tmp_path / "x.zip"),
                "--out",
                str(tmp_path / "p.csv"),
            ]
        )
        == 2
    )
    assert "not a valid zip" in capsys.readouterr().err
    assert (
        main(
            [
                "predict",
                "--model",
                str(tmp_path / "nomodel"),
                "--input",
                str(tmp_path),
                "--out",
                str(tmp_path / "p.csv"),
            ]
        )
        == 2
    )
    assert "no model file" in capsys.readouterr().err
    assert main(["train", "--dataset", str(tmp_path / "missing"), "--out", str(tmp_path / "m")]) == 3


def test_cli_predict_and_evaluate(tiny_model: Path, faces_dir: Path, tmp_path: Path) -> None:
    assert (
        main(
            [
                "predict",
                "--model",
                str(tiny_model / "model.pt"),
                "--input",
                str(faces_dir),
                "--out",
                str(tmp_path / "p.csv"),
            ]
        )
        == 0
    )
    from face_classifier.evaluate import evaluate_model

    res = evaluate_model(tiny_model, tmp_path / "eval", n_boot=20, threads=1, perturbations=("clean", "jpeg75"))
    assert res["summary"]["unseen_n"] > 0 and set(res["robustness"]) == {"clean", "jpeg75"}
    assert (tmp_path / "eval" / "evaluation.png").is_file()


def test_export_zip_round_trip(tiny_model: Path, tmp_path: Path) -> None:
    from face_classifier.zipexport import export_zip

    n = export_zip(tiny_model / "split.csv", tmp_path / "t.zip", ("test", "unseen"), jpeg_quality=75)
    names = zipfile.ZipFile(tmp_path / "t.zip").namelist()
    assert n == len(names) > 0 and all(x.split("/")[0] in ("real", "fake") and x.endswith(".jpg") for x in names)
    assert main(["export-zip", "--model", str(tiny_model), "--out", str(tmp_path / "u.zip")]) == 0
