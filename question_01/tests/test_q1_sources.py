"""Sources: URL lists over a real loopback HTTP server, folder specs, generator normalisation."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest
from face_dataset.errors import FaceDatasetError
from face_dataset.sources import from_folder, from_url_list, normalise_generator
from q1_helpers import make_image


@pytest.fixture
def http_root(tmp_path: Path):
    root = tmp_path / "www"
    root.mkdir()
    make_image(1).save(root / "a.jpg")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_url_list_downloads_once_and_skips_failures(http_root: str, tmp_path: Path):
    urls = tmp_path / "urls.csv"
    urls.write_text(f"url,label,generator\n{http_root}/a.jpg,fake,StyleGAN2\n{http_root}/missing.jpg,real,\n")
    cache = tmp_path / "cache"
    cands = from_url_list(urls, cache)
    assert len(cands) == 1 and cands[0].generator == "StyleGAN2" and cands[0].src.is_file()
    assert cands[0].extra["url"].endswith("/a.jpg") and cands[0].source == "127.0.0.1:" + http_root.rsplit(":", 1)[1]
    mtime = cands[0].src.stat().st_mtime_ns
    assert from_url_list(urls, cache)[0].src.stat().st_mtime_ns == mtime  # cached, not downloaded again


def test_url_list_refuses_other_schemes(tmp_path: Path):
    urls = tmp_path / "urls.csv"
    urls.write_text("url,label\nfile:///etc/passwd,real\n")
    with pytest.raises(FaceDatasetError, match="only http"):
        from_url_list(urls, tmp_path / "cache")


def test_folder_spec_errors(tmp_path: Path):
    with pytest.raises(FaceDatasetError, match="expected DIR:LABEL"):
        from_folder(str(tmp_path))
    with pytest.raises(FaceDatasetError, match="not a folder"):
        from_folder(f"{tmp_path / 'nope'}:real")


@pytest.mark.parametrize(("label", "text", "source", "want"), [
    ("real", "StyleGAN", "", "none"), ("fake", "StyleGAN2-ADA", "", "StyleGAN2"),
    ("fake", "", "Kaggle 1-million-fake-faces sample", "StyleGAN"), ("fake", "", "somewhere", "unknown")])  # fmt: skip
def test_generator_normalisation(label, text, source, want):
    assert normalise_generator(label, text, source) == want
