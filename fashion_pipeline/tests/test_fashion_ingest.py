"""Ingest into loopback S3 (moto) + SQLite / PostgreSQL: counts, idempotency, resume, failures."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fashion_pipeline.config import Settings, get_store
from fashion_pipeline.db.products import Product
from fashion_pipeline.db.session import session_factory
from fashion_pipeline.ingest import IngestReport, ingest, reconcile
from imagecore.storage import ObjectInfo, ObjectStore, StorageError
from sqlalchemy import func, select

pytestmark = [pytest.mark.data, pytest.mark.s3]


class Killed(BaseException):
    """Simulates the process dying (not an Exception: nothing may catch it)."""


class FaultyStore(ObjectStore):
    """Delegates to a real store; ``fail(key, attempt)`` may raise before a put."""

    def __init__(self, inner: ObjectStore, fail: Callable[[str, int], None]) -> None:
        self.inner = inner
        self.fail = fail
        self.attempts: dict[str, int] = {}
        self.lock = threading.Lock()

    def put(self, key: str, data: bytes, *, content_type: str | None = None,
            metadata: dict[str, str] | None = None) -> ObjectInfo:
        with self.lock:
            n = self.attempts[key] = self.attempts.get(key, 0) + 1
        self.fail(key, n)
        return self.inner.put(key, data, content_type=content_type, metadata=metadata)

    def get(self, key: str) -> bytes:
        return self.inner.get(key)

    def head(self, key: str) -> ObjectInfo:
        return self.inner.head(key)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        return self.inner.list(prefix)

    def delete(self, key: str) -> None:
        self.inner.delete(key)

    def presign(self, key: str, expires: int = 3600) -> str:
        return self.inner.presign(key, expires)

    def uri(self, key: str) -> str:
        return self.inner.uri(key)


def _rows(settings: Settings) -> dict[int, Product]:
    with session_factory(settings)() as session:
        return {p.id: p for p in session.scalars(select(Product))}


def _check_consistent(settings: Settings, report: IngestReport) -> None:
    orphans, missing = reconcile(settings)
    assert orphans == [] and missing == []
    assert report.orphan_objects == [] and report.rows_missing_object == []


def test_ingest_subset_into_s3_and_sqlite(s3_settings: Settings, subset_dir: Callable[..., Path]) -> None:
    data = subset_dir(60, full_csv=True)
    report = ingest(s3_settings, styles_path=data / "styles.csv", images_dir=data / "images", progress=False)
    assert report.catalogue_rows == 44446 and len(report.repaired_rows) == 22
    assert report.missing_image == 44446 - 60
    assert report.selected == report.ingested == report.uploaded == 60
    assert report.ok and not report.failed and not report.invalid_images
    rows = _rows(s3_settings)
    assert len(rows) == 60
    store = get_store(s3_settings)
    pid, row = next(iter(rows.items()))
    raw = (data / "images" / f"{pid}.jpg").read_bytes()
    info = store.head(f"raw/images/{pid}.jpg")
    assert info.content_type == "image/jpeg"
    assert info.metadata["sha256"] == hashlib.sha256(raw).hexdigest() == row.image_sha256
    assert store.get(row.image_key) == raw
    assert row.image_uri == f"s3://{s3_settings.s3_bucket}/raw/images/{pid}.jpg"
    assert row.image_bytes == len(raw) and row.image_width > 0 and row.image_height > 0
    assert row.image_mode in ("RGB", "L") and row.image_phash and len(row.image_phash) == 16
    _check_consistent(s3_settings, report)


def test_reingest_is_idempotent(s3_settings: Settings, subset_dir: Callable[..., Path]) -> None:
    data = subset_dir(40)
    kwargs = {"styles_path": data / "styles.csv", "images_dir": data / "images", "progress": False}
    first = ingest(s3_settings, **kwargs)
    before = {pid: (p.image_sha256, p.updated_at) for pid, p in _rows(s3_settings).items()}
    second = ingest(s3_settings, **kwargs)
    assert first.ingested == 40
    assert (second.ingested, second.updated, second.uploaded, second.already_present) == (0, 0, 0, 40)
    assert {pid: (p.image_sha256, p.updated_at) for pid, p in _rows(s3_settings).items()} == before
    assert sum(1 for _ in get_store(s3_settings).list("raw/images/")) == 40
    _check_consistent(s3_settings, second)


def test_interrupted_ingest_resumes_and_reports_orphans(s3_settings: Settings,
                                                        subset_dir: Callable[..., Path]) -> None:
    data = subset_dir(80)
    settings = s3_settings.model_copy(update={"ingest_batch_size": 20, "ingest_workers": 4})
    kwargs = {"styles_path": data / "styles.csv", "images_dir": data / "images", "progress": False}
    real = get_store(settings)
    puts = 0
    lock = threading.Lock()

    def die_midway(_key: str, _attempt: int) -> None:
        nonlocal puts
        with lock:
            puts += 1
            if puts > 50:
                raise Killed

    with pytest.raises(Killed):
        ingest(settings, store=FaultyStore(real, die_midway), **kwargs)
    rows = _rows(settings)
    assert 0 < len(rows) < 80
    # no row points to a missing object; objects without a row are detected as orphans
    orphans, missing = reconcile(settings)
    assert missing == []
    assert len(orphans) == sum(1 for _ in real.list("raw/images/")) - len(rows) > 0

    resumed = ingest(settings, **kwargs)
    assert resumed.ok
    assert len(_rows(settings)) == 80
    assert resumed.already_present == len(rows)
    assert resumed.reused_objects == len(orphans)  # uploaded before the crash, not sent again
    assert resumed.uploaded == 80 - len(rows) - len(orphans)
    _check_consistent(settings, resumed)


def test_transient_upload_errors_are_retried(s3_settings: Settings, subset_dir: Callable[..., Path]) -> None:
    data = subset_dir(10)

    def flaky(_key: str, attempt: int) -> None:
        if attempt <= 2:
            raise StorageError("503 SlowDown (injected)")

    store = FaultyStore(get_store(s3_settings), flaky)
    report = ingest(s3_settings, styles_path=data / "styles.csv", images_dir=data / "images", store=store,
                    progress=False)
    assert report.ingested == 10 and report.ok
    assert all(n == 3 for n in store.attempts.values())


def test_permanent_upload_failure_is_reported_not_ingested(s3_settings: Settings,
                                                           subset_dir: Callable[..., Path]) -> None:
    data = subset_dir(10)
    bad_id = sorted(int(p.stem) for p in (data / "images").iterdir())[3]

    def broken(key: str, _attempt: int) -> None:
        if key.endswith(f"/{bad_id}.jpg"):
            raise StorageError("AccessDenied (injected)")

    settings = s3_settings.model_copy(update={"retry_attempts": 2})
    report = ingest(settings, styles_path=data / "styles.csv", images_dir=data / "images",
                    store=FaultyStore(get_store(settings), broken), progress=False)
    assert report.ingested == 9 and not report.ok
    assert [pid for pid, _ in report.failed] == [bad_id] and "AccessDenied" in report.failed[0][1]
    assert bad_id not in _rows(settings)
    # the next run (store healthy again) completes
    again = ingest(settings, styles_path=data / "styles.csv", images_dir=data / "images", progress=False)
    assert again.ingested == 1 and again.already_present == 9 and again.ok


def test_corrupt_image_is_reported_and_changed_image_updated(local_settings: Settings,
                                                             subset_dir: Callable[..., Path]) -> None:
    data = subset_dir(6)
    images = sorted((data / "images").iterdir())
    corrupt = images[0]
    corrupt.unlink()
    corrupt.write_bytes(b"\xff\xd8\xff\xe0 definitely not a whole jpeg")
    kwargs = {"styles_path": data / "styles.csv", "images_dir": data / "images", "progress": False}
    report = ingest(local_settings, **kwargs)
    assert report.ingested == 5
    assert [pid for pid, _ in report.invalid_images] == [int(corrupt.stem)]
    assert int(corrupt.stem) not in _rows(local_settings)
    # replace one image with another picture: the row and the object are updated
    changed = images[1]
    other = images[2].resolve().read_bytes()
    changed.unlink()
    changed.write_bytes(other)
    again = ingest(local_settings, **kwargs)
    assert (again.updated, again.already_present, again.uploaded) == (1, 4, 1)
    row = _rows(local_settings)[int(changed.stem)]
    assert row.image_sha256 == hashlib.sha256(other).hexdigest()
    assert get_store(local_settings).get(row.image_key) == other


def test_deleted_object_is_detected_and_restored(local_settings: Settings, subset_dir: Callable[..., Path]) -> None:
    data = subset_dir(5)
    kwargs = {"styles_path": data / "styles.csv", "images_dir": data / "images", "progress": False}
    ingest(local_settings, **kwargs)
    store = get_store(local_settings)
    victim = next(iter(_rows(local_settings).values()))
    store.delete(victim.image_key)
    assert reconcile(local_settings) == ([], [victim.id])
    again = ingest(local_settings, **kwargs)
    assert again.updated == 1 and again.uploaded == 1 and again.ok
    assert store.exists(victim.image_key)


def test_limit_missing_folder_and_images_csv(local_settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="image folder"):
        ingest(local_settings, images_dir=tmp_path / "nope", progress=False)
    report = ingest(local_settings, limit=7, progress=False)
    assert report.selected == report.ingested == 7
    with session_factory(local_settings)() as session:
        assert session.scalar(select(func.count()).select_from(Product)) == 7
    ids = sorted(_rows(local_settings))
    links = tmp_path / "images.csv"
    links.write_text("filename,link\n" + "".join(f"{i}.jpg,http://img.example/{i}.jpg\n" for i in ids) + "x.jpg,bad\n")
    again = ingest(local_settings, limit=7, images_csv=links, progress=False)
    assert again.rejected_rows == [(9, "images.csv: filename 'x.jpg' is not <id>.jpg")]
    # new metadata (the links) updates the rows without re-uploading the unchanged images
    assert (again.already_present, again.metadata_updated, again.uploaded, again.ingested) == (7, 7, 0, 0)
    assert {p.image_link for p in _rows(local_settings).values()} == {f"http://img.example/{i}.jpg" for i in ids}
    third = ingest(local_settings, limit=7, images_csv=links, progress=False)
    assert (third.already_present, third.metadata_updated) == (7, 0)


@pytest.mark.postgres
def test_ingest_into_s3_and_postgres(pg_s3_settings: Settings, subset_dir: Callable[..., Path]) -> None:
    data = subset_dir(50)
    kwargs = {"styles_path": data / "styles.csv", "images_dir": data / "images", "progress": False}
    report = ingest(pg_s3_settings, **kwargs)
    assert report.ingested == 50 and report.ok
    again = ingest(pg_s3_settings, **kwargs)
    assert (again.ingested, again.uploaded, again.already_present) == (0, 0, 50)
    rows = _rows(pg_s3_settings)
    assert len(rows) == 50 and all(p.image_uri.startswith("s3://") for p in rows.values())
    _check_consistent(pg_s3_settings, again)


def test_database_outage_is_retried_then_reported(local_settings: Settings, subset_dir: Callable[..., Path],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import fashion_pipeline.ingest as ingest_mod
    from sqlalchemy.exc import OperationalError

    data = subset_dir(6)
    kwargs = {"styles_path": data / "styles.csv", "images_dir": data / "images", "progress": False}
    real_upsert = ingest_mod.upsert_products
    calls = {"n": 0}

    def locked(session: object, rows: list[dict[str, object]]) -> None:
        calls["n"] += 1
        raise OperationalError("INSERT", {}, Exception("database is locked (injected)"))

    monkeypatch.setattr(ingest_mod, "upsert_products", locked)
    settings = local_settings.model_copy(update={"retry_attempts": 3})
    report = ingest(settings, **kwargs)
    assert calls["n"] == 3  # retried with back-off, then given up
    assert len(report.failed) == 6 and all("database write failed" in why for _, why in report.failed)
    assert report.ingested == 0 and len(report.orphan_objects) == 6  # uploaded, no row: reported
    monkeypatch.setattr(ingest_mod, "upsert_products", real_upsert)
    resumed = ingest(settings, **kwargs)
    assert resumed.ingested == 6 and resumed.reused_objects == 6 and resumed.uploaded == 0
    assert resumed.ok and resumed.orphan_objects == []
