"""CLI of part 2: transform, transforms, process, job submit/status/results/resume, models, train-category-model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from fashion_pipeline.cli import main
from fashion_pipeline.config import Settings
from fashion_pipeline.db.session import dispose_engines
from PIL import Image


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory, dataset) -> Path:  # type: ignore[no-untyped-def]
    from fashion_pipeline.ingest import ingest

    fashion = dataset("fashion")
    root = tmp_path_factory.mktemp("p2cli") / "state"
    assert ingest(Settings(data_dir=root, storage="local", styles_path=fashion / "styles.csv",
                           images_dir=fashion / "images"), limit=6, progress=False).ok
    dispose_engines()
    return root


@pytest.fixture()
def state(ingested: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ingested, tmp_path / "state")
    monkeypatch.setenv("FASHION_DATA_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("FASHION_STORAGE", "local")
    monkeypatch.setenv("FASHION_JOB_BACKEND", "inprocess")
    yield tmp_path / "state"
    dispose_engines()


def _png(path: Path, size=(60, 80)) -> Path:  # type: ignore[no-untyped-def]
    Image.fromarray(np.random.default_rng(0).integers(0, 200, (size[1], size[0], 3), dtype=np.uint8)).save(path)
    return path


def test_transform_one_file_and_list_steps(tmp_path, capsys):
    src = _png(tmp_path / "in.png")
    assert main(["transform", str(src), str(tmp_path / "out.png"), "--seed", "3"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["steps"][0]["name"] == "random_crop"
    assert Image.open(tmp_path / "out.png").size == (256, 256)
    assert main(["transforms"]) == 0
    assert "random_crop" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["transform", "missing.png", "o.png"],
        ["transform", "{src}", "o.png", "--steps", "[{\"name\": \"warp\"}]"],
        ["transform", "{src}", "o.png", "--steps", "not json"],
    ],
)
def test_transform_bad_input_is_one_line_exit_2(argv, tmp_path, capsys):
    src = _png(tmp_path / "in.png")
    assert main([a.replace("{src}", str(src)) for a in argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("fashion-pipeline:") and "\n" not in err and "Traceback" not in err


def test_job_submit_status_results_and_process(state, tmp_path, capsys):
    assert main(["job", "submit", "--limit", "4", "--model", "category_cnn", "--chunk-size", "2", "--wait"]) == 0
    job = json.loads(capsys.readouterr().out)
    assert job["status"] == "succeeded" and job["succeeded"] == 4
    assert main(["job", "status", job["id"]]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == job["id"]
    assert main(["job", "results", job["id"], "--limit", "3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and "articleType" in json.loads(lines[0])["model"]
    assert main(["job", "resume", job["id"], "--wait"]) == 0  # nothing pending: a no-op
    assert json.loads(capsys.readouterr().out)["processed"] == 4
    pid = json.loads(lines[0])["id"]
    out = tmp_path / "one.jpg"
    assert main(["process", "--id", str(pid), "--out", str(out), "--model", "category_cnn"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["product"]["id"] == pid and Image.open(out).size == (256, 256)
    assert main(["process", "--image", str(_png(tmp_path / "u.png")), "--steps", "none", "--model", "fashionnet",
                 "--model-options", '{"width_mult": 0.0625, "input_size": 64}']) == 0
    assert json.loads(capsys.readouterr().out)["model"]["weights"] == "untrained"


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["job", "status", "nope"], "no job"),
        (["job", "submit", "--steps", "none"], "needs a transform step"),
        (["job", "submit", "--model", "resnet"], "unknown model"),
        (["job", "submit", "--year-min", "2015", "--year-max", "2010"], "year_min"),
        (["process", "--id", "999999999"], "no product"),
        (["process", "--image", "/nonexistent.jpg"], "nonexistent"),
    ],
)
def test_job_cli_errors(state, argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err and "Traceback" not in err


def test_models_list_and_train_category_model_quick(dataset, tmp_path, monkeypatch, capsys):
    fashion = dataset("fashion")
    assert main(["models"]) == 0
    assert "category_cnn" in capsys.readouterr().out
    monkeypatch.setenv("FASHION_STYLES_PATH", str(fashion / "styles.csv"))
    monkeypatch.setenv("FASHION_IMAGES_DIR", str(fashion / "images"))
    out = tmp_path / "cnn.pt"
    assert main(["train-category-model", "--limit", "80", "--epochs", "1", "--input-size", "32", "--output", str(out)]) == 0
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["n_train"] + card["n_held_out"] == 80 and 0 <= card["held_out_accuracy"]["masterCategory"] <= 1
    from fashion_pipeline.models.category_cnn import CategoryModel

    model = CategoryModel(out)
    assert model.input_size == 32 and model.predict([np.zeros((80, 60, 3), np.uint8)])[0]["weights"].startswith(
        "category_cnn:cnn.pt@")
    monkeypatch.setenv("FASHION_STYLES_PATH", str(tmp_path / "missing.csv"))
    assert main(["train-category-model", "--limit", "5"]) == 3

