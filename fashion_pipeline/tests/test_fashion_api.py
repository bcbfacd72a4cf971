"""REST API contract tests (TestClient on loopback S3 + SQLite), a bounded schemathesis run,
and one test against a real ``fashion-pipeline serve`` (uvicorn) process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from fashion_pipeline.api.app import create_app
from fashion_pipeline.config import Settings
from fashion_pipeline.db.session import session_factory
from fashion_pipeline.ingest import ingest
from fashion_pipeline.query import QuerySpec, run_query
from fastapi.testclient import TestClient
from hypothesis import HealthCheck
from hypothesis import settings as hsettings

pytestmark = [pytest.mark.data, pytest.mark.s3]


@pytest.fixture(scope="module")
def api_settings(tmp_path_factory: pytest.TempPathFactory, s3_server: object, fashion_dir: Path) -> Settings:
    """30 real images ingested into a loopback S3 bucket + SQLite, shared by the module."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("api"), storage="s3", s3_bucket="fp-api",
                        s3_endpoint_url=s3_server.endpoint_url, styles_path=fashion_dir / "styles.csv",  # type: ignore[attr-defined]
                        images_dir=fashion_dir / "images")
    report = ingest(settings, limit=30, progress=False)
    assert report.ingested == 30
    return settings


@pytest.fixture(scope="module")
def client(api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings)) as c:
        yield c


def test_health(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok", "database": "ok", "storage": "ok"}


def test_health_reports_a_dead_store(api_settings: Settings) -> None:
    dead = api_settings.model_copy(update={"s3_endpoint_url": f"http://127.0.0.1:{_free_port()}",
                                           "retry_attempts": 1})
    with TestClient(create_app(dead)) as c:
        r = c.get("/health")
        assert r.status_code == 503 and r.json()["storage"] == "error" and r.json()["database"] == "ok"
        assert c.get("/products/1").status_code in (404, 503)


def test_products_match_run_query(client: TestClient, api_settings: Settings) -> None:
    r = client.get("/products", params={"gender": "Men", "masterCategory": "Apparel,Footwear", "year_min": 2011,
                                        "limit": 5, "sort": "-year"})
    assert r.status_code == 200
    body = r.json()
    with session_factory(api_settings)() as session:
        expected = run_query(session, QuerySpec(gender="Men", masterCategory=["Apparel", "Footwear"], year_min=2011,
                                                limit=5, sort="-year"))
    assert body["total"] == expected.total > 0
    assert [i["id"] for i in body["items"]] == [i.id for i in expected.items]
    item = body["items"][0]
    assert item["gender"] == "Men" and item["masterCategory"] in ("Apparel", "Footwear") and item["year"] >= 2011
    assert item["image_uri"].startswith("s3://fp-api/raw/images/")
    # repeated parameters are any-of, like comma-separated values
    a = client.get("/products?gender=Men&gender=Women&limit=100").json()
    b = client.get("/products?gender=Men,Women&limit=100").json()
    assert a == b and a["total"] == sum(client.get(f"/products?gender={g}").json()["total"] for g in ("Men", "Women"))


def test_post_queries_equals_get(client: TestClient) -> None:
    spec = {"masterCategory": ["Apparel"], "text": "shirt", "sort": "id", "limit": 3}
    post = client.post("/queries", json=spec)
    get = client.get("/products", params={"masterCategory": "Apparel", "text": "shirt", "sort": "id", "limit": 3})
    assert post.status_code == 200 and post.json() == get.json()
    sample = {"sample": 5, "seed": 9, "limit": 5}
    assert client.post("/queries", json=sample).json() == client.post("/queries", json=sample).json()


def test_product_detail_with_working_presigned_url(client: TestClient, api_settings: Settings) -> None:
    pid = client.get("/products?limit=1").json()["items"][0]["id"]
    detail = client.get(f"/products/{pid}").json()
    assert detail["id"] == pid and "X-Amz-Signature" in detail["image_url"]
    original = (api_settings.images_dir / f"{pid}.jpg").read_bytes()
    fetched = httpx.get(detail["image_url"], timeout=10)  # plain HTTP, no credentials
    assert fetched.status_code == 200 and fetched.content == original
    image = client.get(f"/products/{pid}/image")
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg" and image.content == original


def test_stats(client: TestClient) -> None:
    body = client.get("/stats", params={"by": "masterCategory"}).json()
    assert body["total"] == 30 and sum(c["count"] for c in body["counts"]) == 30
    two = client.get("/stats?by=gender&by=season&year_min=2012").json()
    assert two["by"] == ["gender", "season"] and all(set(c) == {"gender", "season", "count"} for c in two["counts"])


@pytest.mark.parametrize("url", [
    "/products?limit=-1", "/products?limit=10001", "/products?limit=abc", "/products?sort=secret",
    "/products?year_min=2015&year_max=2010", "/products?bogus=1", "/products?ids=1,x", "/products?gender=",
    "/products?text=" + "x" * 201, "/products?year_min=99999999999999999999", "/products?seed=-3",
    "/stats?by=productDisplayName", "/stats?by=nope", "/products/-1", "/products/abc",
    "/products/99999999999", "/products?text=a%00b",
])
def test_bad_parameters_are_4xx_with_a_message(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert 400 <= r.status_code < 500, (url, r.status_code, r.text)
    assert r.json()["detail"]


def test_bad_bodies_and_unknown_ids(client: TestClient) -> None:
    assert client.get("/products/123456789").status_code == 404
    assert client.get("/products/123456789/image").status_code == 404
    for body in ({"limit": "many"}, {"x": 1}, [1, 2], {"year_min": 3000, "year_max": 2000}):
        r = client.post("/queries", json=body)
        assert r.status_code == 422 and r.json()["detail"], body
    r = client.post("/queries", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_request_size_limit(client: TestClient, api_settings: Settings) -> None:
    big = b'{"text": "' + b"x" * (api_settings.max_request_bytes + 10) + b'"}'
    r = client.post("/queries", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "larger than" in r.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while streaming
        yield b'{"text": "'
        for _ in range(20):
            yield b"x" * (api_settings.max_request_bytes // 10)
        yield b'"}'

    r = client.post("/queries", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_api_key(api_settings: Settings) -> None:
    secured = api_settings.model_copy(update={"api_key": "s3cret"})
    with TestClient(create_app(secured)) as c:
        assert c.get("/health").status_code == 200
        assert c.get("/products").status_code == 401
        assert c.get("/products", headers={"X-API-Key": "wrong"}).status_code == 401
        assert c.get("/products", headers={"X-API-Key": "s3cret"}).status_code == 200
        assert c.post("/queries", json={}, headers={"X-API-Key": "s3cret"}).status_code == 200


def test_max_limit_setting(api_settings: Settings) -> None:
    small = api_settings.model_copy(update={"max_limit": 5})
    with TestClient(create_app(small)) as c:
        assert c.get("/products?limit=5").status_code == 200
        assert c.get("/products?limit=6").status_code == 422


def test_openapi_docs(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/health", "/products", "/products/{product_id}", "/queries", "/stats"} <= set(paths)
    params = {p["name"] for p in paths["/products"]["get"]["parameters"]}
    assert {"gender", "masterCategory", "year_min", "year_max", "text", "ids", "sort", "limit", "offset",
            "sample", "seed"} <= params


# ----------------------------------------------------------------------------- schemathesis
@pytest.fixture(scope="module")
def api_schema(api_settings: Settings) -> object:
    from fashion_pipeline.db.session import init_db

    init_db(api_settings)
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(api_settings))
    return schema.include(path_regex=r"^/(health|products|queries|stats)")


def test_schemathesis_no_server_errors(api_schema: object) -> None:
    """Bounded property-based run over every part-1 operation: no 5xx, responses match the schema."""
    from hypothesis import given
    from schemathesis.checks import not_a_server_error, response_schema_conformance

    operations = [result.ok() for result in api_schema.get_all_operations()]  # type: ignore[attr-defined]
    assert len(operations) >= 6
    for operation in operations:

        @given(case=operation.as_strategy())
        @hsettings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                   database=None)
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

        run()


# ----------------------------------------------------------------------------- real uvicorn process
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_cli_ingest_then_serve_in_other_processes(subset_dir: Callable[..., Path], tmp_path: Path) -> None:
    """The embedded default persists: ingest in one process, query and serve from others."""
    data = subset_dir(12)
    env = {**os.environ, "FASHION_DATA_DIR": str(tmp_path / "state"), "FASHION_STORAGE": "local"}
    env.pop("FASHION_DATABASE_URL", None)
    exe = [sys.executable, "-m", "fashion_pipeline.cli"]
    ing = subprocess.run([*exe, "ingest", "--styles", str(data / "styles.csv"), "--images", str(data / "images"),
                          "--json", "--no-progress"], env=env, capture_output=True, text=True, timeout=120)
    assert ing.returncode == 0, ing.stderr
    assert json.loads(ing.stdout)["ingested"] == 12
    q = subprocess.run([*exe, "query", "--format", "json", "--limit", "3"], env=env, capture_output=True, text=True,
                       timeout=120)
    assert q.returncode == 0 and json.loads(q.stdout)["total"] == 12
    port = _free_port()
    proc = subprocess.Popen([*exe, "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "server did not come up"
            time.sleep(0.2)
        body = httpx.get(f"{base}/products", params={"limit": 100}, timeout=10).json()
        assert body["total"] == 12 and len(body["items"]) == 12
        pid = body["items"][0]["id"]
        img = httpx.get(f"{base}/products/{pid}/image", timeout=10)
        assert img.content == (data / "images" / f"{pid}.jpg").read_bytes()
        assert httpx.get(f"{base}/products?limit=-5", timeout=10).status_code == 422
    finally:
        proc.terminate()
        proc.wait(timeout=20)
