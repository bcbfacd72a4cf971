"""API of part 2: POST /jobs, GET /jobs/{id}, results pages, manifest, POST /process, models, transforms."""

from __future__ import annotations

import base64
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fashion_pipeline.config import Settings
from fashion_pipeline.db.session import dispose_engines
from fastapi.testclient import TestClient
from PIL import Image

N = 12


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory, dataset) -> Path:  # type: ignore[no-untyped-def]
    from fashion_pipeline.ingest import ingest

    fashion = dataset("fashion")
    root = tmp_path_factory.mktemp("p2api") / "state"
    report = ingest(Settings(data_dir=root, storage="local", styles_path=fashion / "styles.csv",
                             images_dir=fashion / "images"), limit=N, progress=False)
    assert report.ok
    dispose_engines()
    return root


@pytest.fixture()
def client(ingested: Path, tmp_path: Path) -> Iterator[TestClient]:
    from fashion_pipeline.api.app import create_app

    shutil.copytree(ingested, tmp_path / "state")
    settings = Settings(data_dir=tmp_path / "state", storage="local")
    with TestClient(create_app(settings)) as c:
        yield c
    dispose_engines()


def _jpeg(w: int = 60, h: int = 80, mode: str = "RGB") -> bytes:
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 200, size=(h, w, 3) if mode == "RGB" else (h, w), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="JPEG")
    return buf.getvalue()


def test_post_job_poll_and_page_results(client):
    r = client.post("/jobs", params={"wait": "true"},
                    json={"query": {"limit": 5, "sort": "id"}, "model": {"name": "category_cnn", "top_k": 2},
                          "chunk_size": 2})
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] == "succeeded" and job["total"] == 5 and job["succeeded"] == 5 and job["n_chunks"] == 3
    assert client.get(f"/jobs/{job['id']}").json()["processed"] == 5
    page1 = client.get(f"/jobs/{job['id']}/results", params={"limit": 3}).json()
    page2 = client.get(f"/jobs/{job['id']}/results", params={"limit": 3, "offset": 3}).json()
    assert page1["total"] == 5 and len(page1["items"]) == 3 and len(page2["items"]) == 2
    ids = [i["id"] for i in page1["items"] + page2["items"]]
    assert ids == sorted(ids) and len(set(ids)) == 5
    item = page1["items"][0]
    assert item["output_image"]["key"].endswith(f"/images/{item['id']}.jpg")
    assert len(item["model"]["masterCategory"]) == 2
    manifest = client.get(f"/jobs/{job['id']}/manifest").json()
    assert manifest["counts"]["succeeded"] == 5
    assert any(j["id"] == job["id"] for j in client.get("/jobs").json())


def test_post_job_without_wait_runs_in_the_background(client):
    import time

    r = client.post("/jobs", json={"query": {"limit": 3}})
    assert r.status_code == 202 and r.json()["status"] in ("queued", "running", "succeeded")
    job_id = r.json()["id"]
    for _ in range(300):
        if client.get(f"/jobs/{job_id}").json()["status"] == "succeeded":
            break
        time.sleep(0.1)
    assert client.get(f"/jobs/{job_id}").json()["status"] == "succeeded"


def test_job_errors(client):
    assert client.get("/jobs/nope").status_code == 404
    assert client.get("/jobs/nope/results").status_code == 404
    r = client.post("/jobs", json={"transform": None})
    assert r.status_code == 422 and "transform step, a model step" in r.text
    assert client.post("/jobs", json={"model": {"name": "nope"}}).status_code == 422
    assert client.post("/jobs", json={"query": {"limit": 5}, "colour": "red"}).status_code == 422


def test_process_upload_returns_image_and_json(client):
    r = client.post("/process", files={"file": ("x.jpg", _jpeg(), "image/jpeg")},
                    data={"model": "fashionnet", "top_k": "2", "seed": "4",
                          "model_options": json.dumps({"width_mult": 0.0625, "input_size": 64})})
    assert r.status_code == 200, r.text
    body = r.json()
    img = Image.open(io.BytesIO(base64.b64decode(body["image"]["base64"])))
    assert img.size == (256, 256)
    assert body["transform"]["steps"][0]["name"] == "random_crop"
    assert body["model"]["weights"] == "untrained" and len(body["model"]["categories"]) == 2
    assert body["source"]["upload"] is True and body["source"]["width"] == 60
    r2 = client.post("/process", files={"file": ("x.jpg", _jpeg(), "image/jpeg")}, data={"seed": "4", "format": "image"})
    assert r2.status_code == 200 and r2.headers["content-type"] == "image/jpeg"
    meta = json.loads(r2.headers["X-Process-Metadata"])
    assert meta["transform"] == body["transform"]  # same seed, same crop


def test_process_product_id_with_model_only_and_custom_steps(client):
    pid = client.get("/products", params={"limit": 1}).json()["items"][0]["id"]
    r = client.post("/process", data={"product_id": str(pid), "steps": "none", "model": "category_cnn"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["product"]["id"] == pid and "image" not in body and body["model"]["masterCategory"]
    steps = json.dumps([{"name": "fit", "params": {"size": 64, "mode": "stretch"}}])
    r = client.post("/process", data={"product_id": str(pid), "steps": steps})
    assert Image.open(io.BytesIO(base64.b64decode(r.json()["image"]["base64"]))).size == (64, 64)


def test_process_errors(client):
    assert client.post("/process", data={"product_id": "999999999"}).status_code == 404
    r = client.post("/process", data={"steps": "none", "model": "category_cnn"})
    assert r.status_code == 422 and "exactly one" in r.text
    r = client.post("/process", files={"file": ("x.jpg", b"garbage", "image/jpeg")})
    assert r.status_code == 422 and "decode" in r.text
    r = client.post("/process", files={"file": ("x.jpg", _jpeg(), "image/jpeg")}, data={"steps": "[{\"name\": \"blur\"}]"})
    assert r.status_code == 422 and "unknown transform step" in r.text
    r = client.post("/process", files={"file": ("x.jpg", _jpeg(), "image/jpeg")}, data={"model": "resnet"})
    assert r.status_code == 422
    r = client.post("/process", files={"file": ("x.jpg", _jpeg(), "image/jpeg")},
                    data={"steps": "none", "model": "category_cnn", "format": "image"})
    assert r.status_code == 422
    r = client.post("/process", files={"file": ("x.jpg", _jpeg(), "image/jpeg")},
                    data={"model": "category_cnn", "model_options": json.dumps({"device": "cuda"})})
    assert r.status_code == 422 and "not allowed" in r.text


def test_models_and_transforms_are_listed(client):
    assert {"fashionnet", "category_cnn"} <= set(client.get("/models").json())
    t = client.get("/transforms").json()
    assert "random_crop" in t["steps"] and t["default"][1]["name"] == "fit"
