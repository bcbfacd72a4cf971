"""Ingest: catalogue rows with an image -> object store (``raw/images/<id>.jpg``) + ``products`` rows.

Order of operations per image, which makes the ingest idempotent and resumable:

1. read the local file, compute its SHA-256, decode it with :func:`imagecore.io.open_image`
   (corrupt images are reported, never ingested), measure size/mode and the perceptual hash;
2. upload the object (content type + ``sha256`` metadata) unless an object with the same
   SHA-256 is already there;
3. only then upsert the database row, in batches (one transaction per batch).

A row is written only after its object exists, so no row ever points to a missing object.
A run killed between 2 and 3 leaves objects without rows; the next run finds them (by the
``sha256`` metadata), reuses them without uploading again, and writes the rows. Every run ends
with a reconciliation that lists objects under ``images_prefix`` that no row references
(*orphans*) and rows whose object is missing, and reports both.
"""

from __future__ import annotations

import hashlib
import io
import logging
import mimetypes
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fashion_pipeline.catalog import Catalog, StyleRow, read_images_csv, read_styles
from fashion_pipeline.config import Settings, get_store
from fashion_pipeline.db.products import Product, utcnow
from fashion_pipeline.db.session import get_engine, init_db, session_factory
from fashion_pipeline.retry import retry

if TYPE_CHECKING:
    from imagecore.storage import ObjectStore

log = logging.getLogger(__name__)

SHA_META = "sha256"
IMAGE_SUFFIX = ".jpg"


@dataclass
class IngestReport:
    """What an ingest run did; ``summary()`` renders it, ``to_dict()`` serialises it."""

    catalogue_rows: int = 0
    repaired_rows: list[int] = field(default_factory=list)
    rejected_rows: list[tuple[int, str]] = field(default_factory=list)
    missing_image: int = 0
    selected: int = 0
    ingested: int = 0  # new rows written (object uploaded or reused)
    updated: int = 0  # existing rows whose image changed
    already_present: int = 0  # row and identical object already there: no upload
    metadata_updated: int = 0  # of those, rows whose catalogue metadata changed (row updated, no upload)
    uploaded: int = 0  # objects actually sent to the store
    reused_objects: int = 0  # objects already in the store (e.g. from a killed run), not re-sent
    invalid_images: list[tuple[int, str]] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    orphan_objects: list[str] = field(default_factory=list)
    rows_missing_object: list[int] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when nothing failed and the store and database agree."""
        return not self.failed and not self.rows_missing_object

    @property
    def images_per_second(self) -> float:
        """Throughput over the rows processed (new + updated + already present)."""
        done = self.ingested + self.updated + self.already_present
        return done / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (lists included)."""
        data = asdict(self)
        data["ok"] = self.ok
        data["images_per_second"] = round(self.images_per_second, 1)
        return data

    def summary(self) -> str:
        """A human-readable multi-line summary."""
        lines = [
            f"catalogue rows (valid)     {self.catalogue_rows:>8}",
            f"  repaired (extra commas)  {len(self.repaired_rows):>8}",
            f"  rejected (unparseable)   {len(self.rejected_rows):>8}",
            f"  without an image file    {self.missing_image:>8}",
            f"selected for this run      {self.selected:>8}",
            f"  ingested (new rows)      {self.ingested:>8}",
            f"  updated (image changed)  {self.updated:>8}",
            f"  already present          {self.already_present:>8}",
            f"    metadata updated       {self.metadata_updated:>8}",
            f"  invalid images           {len(self.invalid_images):>8}",
            f"  failed uploads/writes    {len(self.failed):>8}",
            f"objects uploaded           {self.uploaded:>8}",
            f"objects reused (resumed)   {self.reused_objects:>8}",
            f"orphan objects (no row)    {len(self.orphan_objects):>8}",
            f"rows whose object is gone  {len(self.rows_missing_object):>8}",
            f"time                       {self.seconds:>8.1f} s ({self.images_per_second:.0f} images/s)",
        ]
        for title, items in (("rejected rows", self.rejected_rows), ("invalid images", self.invalid_images),
                             ("failed", self.failed)):
            for where, why in items[:5]:
                lines.append(f"  {title}: {where}: {why}")
            if len(items) > 5:
                lines.append(f"  ... and {len(items) - 5} more {title}")
        for key in self.orphan_objects[:5]:
            lines.append(f"  orphan object: {key}")
        return "\n".join(lines)


@dataclass(frozen=True)
class _Task:
    row: StyleRow
    path: Path
    key: str
    link: str | None
    existing_sha: str | None  # sha256 of the current DB row, if any
    object_listed: bool  # the key was present in the store's listing at start
    existing_meta: tuple[Any, ...] | None = None  # catalogue columns of the current DB row


#: Catalogue columns of a row (compared on re-runs to pick up metadata changes without re-uploading).
META_COLUMNS = ("gender", "master_category", "sub_category", "article_type", "base_colour", "season", "year",
                "usage", "product_display_name", "image_link")


def _meta(row: StyleRow, link: str | None) -> dict[str, Any]:
    return {"gender": row.gender, "master_category": row.masterCategory, "sub_category": row.subCategory,
            "article_type": row.articleType, "base_colour": row.baseColour, "season": row.season, "year": row.year,
            "usage": row.usage, "product_display_name": row.productDisplayName, "image_link": link}


@dataclass(frozen=True)
class _Outcome:
    kind: str  # "new" | "updated" | "present" | "invalid" | "failed"
    product_id: int
    values: dict[str, Any] | None = None
    uploaded: bool = False
    reused: bool = False
    error: str = ""


def _image_facts(data: bytes, source: str) -> dict[str, Any]:
    """Decode and measure one image (raises ImageDecodeError / ImageTooLargeError)."""
    from imagecore.io import open_image
    from PIL import Image

    img = open_image(data, exif_transpose=True)
    with Image.open(io.BytesIO(data)) as raw:
        fmt = raw.format
    content_type = Image.MIME.get(fmt or "", None) or mimetypes.guess_type(source)[0] or "application/octet-stream"
    phash = None
    try:
        import imagehash

        phash = str(imagehash.phash(img))
    except Exception as exc:  # a hash must never lose an image
        log.debug("%s: no perceptual hash: %s", source, exc)
    return {
        "image_width": img.width,
        "image_height": img.height,
        "image_mode": img.mode,
        "image_phash": phash,
        "content_type": content_type,
    }


def _warm_imports() -> None:
    """Import decoders/hashers once in the main thread (threads would serialise on the import lock)."""
    try:
        import imagehash  # noqa: F401
    except ImportError:  # pragma: no cover - optional
        pass


def _process(task: _Task, store: ObjectStore, settings: Settings) -> _Outcome:
    """Worker: validate, upload if needed; never writes the database."""
    from imagecore.io import ImageError
    from imagecore.storage import ObjectNotFoundError

    pid = task.row.id
    try:
        data = task.path.read_bytes()
    except OSError as exc:
        return _Outcome("failed", pid, error=f"cannot read {task.path}: {exc}")
    sha = hashlib.sha256(data).hexdigest()
    if task.existing_sha == sha and task.object_listed:
        meta = _meta(task.row, task.link)
        if task.existing_meta is not None and tuple(meta[c] for c in META_COLUMNS) != task.existing_meta:
            return _Outcome("meta", pid, values={"id": pid, **meta})
        return _Outcome("present", pid)
    try:
        facts = _image_facts(data, str(task.path))
    except ImageError as exc:
        return _Outcome("invalid", pid, error=exc.reason)
    uploaded = reused = False
    try:
        info = None
        if task.object_listed:
            try:
                info = retry(lambda: store.head(task.key), attempts=settings.retry_attempts,
                             base_delay=settings.retry_base_delay, what=f"head {task.key}")
            except ObjectNotFoundError:
                info = None
        if info is not None and info.metadata.get(SHA_META) == sha and info.size == len(data):
            reused = True
        else:
            retry(
                lambda: store.put(task.key, data, content_type=facts["content_type"],
                                  metadata={SHA_META: sha, "product-id": str(pid)}),
                attempts=settings.retry_attempts, base_delay=settings.retry_base_delay, what=f"upload {task.key}",
            )
            uploaded = True
    except Exception as exc:
        return _Outcome("failed", pid, error=f"upload of {task.key} failed: {exc}")
    values = {
        "id": pid, **_meta(task.row, task.link), "image_key": task.key, "image_uri": store.uri(task.key),
        "image_bytes": len(data), "image_sha256": sha, **facts,
    }
    # new row; or an existing row whose image changed or whose object had gone missing
    kind = "new" if task.existing_sha is None else "updated"
    return _Outcome(kind, pid, values=values, uploaded=uploaded, reused=reused)


def upsert_products(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert or update product rows by id (``INSERT ... ON CONFLICT (id) DO UPDATE``, executemany)."""
    if not rows:
        return
    now = utcnow()
    rows = [{**r, "ingested_at": now, "updated_at": now} for r in rows]
    dialect = session.get_bind().dialect.name
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Product.__table__
    stmt = insert_fn(table)  # type: ignore[arg-type]
    update_cols = {c: stmt.excluded[c] for c in rows[0] if c not in ("id", "ingested_at")}
    session.connection().execute(stmt.on_conflict_do_update(index_elements=["id"], set_=update_cols), rows)


def update_metadata(session: Session, rows: list[dict[str, Any]]) -> None:
    """Update only the catalogue columns of existing rows (``UPDATE ... WHERE id = ?``, executemany)."""
    if not rows:
        return
    table = Product.__table__
    stmt = (
        update(table)  # type: ignore[arg-type]
        .where(table.c.id == bindparam("b_id"))
        .values({**{c: bindparam(f"b_{c}") for c in META_COLUMNS}, "updated_at": bindparam("b_now")})
    )
    now = utcnow()
    params = [{"b_id": r["id"], "b_now": now, **{f"b_{c}": r[c] for c in META_COLUMNS}} for r in rows]
    session.connection().execute(stmt, params)


def _write_batch(settings: Settings, rows: list[dict[str, Any]], meta_rows: list[dict[str, Any]] | None = None) -> None:
    factory = session_factory(settings)

    def write() -> None:
        with factory() as session, session.begin():
            upsert_products(session, rows)
            update_metadata(session, meta_rows or [])

    retry(write, attempts=settings.retry_attempts, base_delay=settings.retry_base_delay, what="database write")


def _bounded_map(
    executor: ThreadPoolExecutor, fn: Callable[[_Task], _Outcome], tasks: Iterable[_Task], window: int
) -> Iterator[_Outcome]:
    """Like ``executor.map`` but unordered and with at most ``window`` tasks in flight."""
    pending: set[Future[_Outcome]] = set()
    for task in tasks:
        pending.add(executor.submit(fn, task))
        if len(pending) >= window:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield fut.result()
    while pending:
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for fut in done:
            yield fut.result()


def list_image_files(images_dir: Path) -> dict[int, Path]:
    """``{id: path}`` of every ``<id>.jpg`` in ``images_dir`` (one directory scan)."""
    found: dict[int, Path] = {}
    with os.scandir(images_dir) as it:
        for entry in it:
            stem, dot, suffix = entry.name.rpartition(".")
            if dot and suffix.lower() in ("jpg", "jpeg") and stem.isdigit() and entry.is_file():
                found[int(stem)] = Path(entry.path)
    return found


def reconcile(
    settings: Settings, store: ObjectStore | None = None, *, keys: set[str] | None = None
) -> tuple[list[str], list[int]]:
    """Compare the store with the database.

    Parameters
    ----------
    keys
        The object keys under ``images_prefix`` if the caller already knows them (saves a listing);
        default: list the store.

    Returns
    -------
    orphans, rows_missing_object
        Keys under ``images_prefix`` that no row references, and ids of rows whose key is
        not in the store.
    """
    if keys is None:
        store = store or get_store(settings)
        keys = {info.key for info in store.list(settings.images_prefix)}
    with session_factory(settings)() as session:
        referenced = dict(session.execute(select(Product.image_key, Product.id)).all())
    orphans = sorted(keys - referenced.keys())
    missing = sorted(pid for key, pid in referenced.items() if key not in keys)
    return orphans, missing


def ingest(
    settings: Settings,
    *,
    styles_path: str | os.PathLike[str] | None = None,
    images_dir: str | os.PathLike[str] | None = None,
    images_csv: str | os.PathLike[str] | None = None,
    store: ObjectStore | None = None,
    limit: int | None = None,
    workers: int | None = None,
    progress: bool = True,
    catalog: Catalog | None = None,
) -> IngestReport:
    """Ingest the catalogue rows that have an image.

    Parameters
    ----------
    settings
        Database, store and ingest tuning (workers, batch size, retries).
    styles_path, images_dir, images_csv
        Input; default to the settings (``styles_path``, ``images_dir``, ``images_csv``).
    store
        Object store to use instead of :func:`~fashion_pipeline.config.get_store`.
    limit
        Only the first ``limit`` catalogue rows that have an image (in file order).
    workers
        Upload threads (default ``settings.ingest_workers``).
    progress
        Show a tqdm progress bar.
    catalog
        An already parsed catalogue (skips reading ``styles_path``).

    Returns
    -------
    IngestReport
        Counts of everything that happened; nothing is dropped silently.

    Raises
    ------
    FileNotFoundError
        ``styles.csv`` or the image folder does not exist.
    """
    from tqdm import tqdm

    t0 = time.perf_counter()
    styles_path = Path(styles_path or settings.styles_path)
    images_dir = Path(images_dir or settings.images_dir)
    images_csv = images_csv or settings.images_csv
    if not images_dir.is_dir():
        raise FileNotFoundError(f"{images_dir}: image folder not found")
    catalog = catalog or read_styles(styles_path)
    links: dict[int, str] = {}
    report = IngestReport(
        catalogue_rows=len(catalog.rows),
        repaired_rows=list(catalog.repaired),
        rejected_rows=[(r.line, r.reason) for r in catalog.rejected],
    )
    if images_csv:
        links, bad = read_images_csv(images_csv)
        report.rejected_rows += [(r.line, f"images.csv: {r.reason}") for r in bad]

    store = store or get_store(settings)
    _warm_imports()
    init_db(settings)
    get_engine(settings)
    files = list_image_files(images_dir)
    with_image = [r for r in catalog.rows if r.id in files]
    report.missing_image = len(catalog.rows) - len(with_image)
    if limit is not None:
        with_image = with_image[:limit]
    report.selected = len(with_image)

    meta_cols = [getattr(Product, c) for c in META_COLUMNS]
    with session_factory(settings)() as session:
        existing: dict[int, tuple[str, tuple[Any, ...]]] = {
            pid: (sha, tuple(meta)) for pid, sha, *meta in session.execute(select(Product.id, Product.image_sha256, *meta_cols))
        }
    listed = {info.key for info in store.list(settings.images_prefix)}
    tasks = (
        _Task(row, files[row.id], settings.image_key(row.id), links.get(row.id),
              existing[row.id][0] if row.id in existing else None, settings.image_key(row.id) in listed,
              existing[row.id][1] if row.id in existing else None)
        for row in with_image
    )
    n_workers = workers or settings.ingest_workers
    batch: list[dict[str, Any]] = []
    batch_kinds: list[str] = []
    meta_batch: list[dict[str, Any]] = []

    def flush() -> None:
        if not batch and not meta_batch:
            return
        try:
            _write_batch(settings, batch, meta_batch)
        except Exception as exc:
            log.error("database write of %d rows failed: %s", len(batch) + len(meta_batch), exc)
            report.failed.extend((v["id"], f"database write failed: {exc}") for v in batch + meta_batch)
            report.already_present -= len(meta_batch)
        else:
            report.ingested += batch_kinds.count("new")
            report.updated += batch_kinds.count("updated")
            report.metadata_updated += len(meta_batch)
        batch.clear()
        batch_kinds.clear()
        meta_batch.clear()

    bar = tqdm(total=len(with_image), unit="img", desc="ingest", disable=not progress, mininterval=0.5)
    try:
        with ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="ingest") as executor:
            for outcome in _bounded_map(executor, lambda t: _process(t, store, settings), tasks, n_workers * 4):
                bar.update(1)
                if outcome.kind == "present":
                    report.already_present += 1
                elif outcome.kind == "meta":
                    report.already_present += 1
                    assert outcome.values is not None
                    meta_batch.append(outcome.values)
                    if len(meta_batch) >= settings.ingest_batch_size:
                        flush()
                elif outcome.kind == "invalid":
                    report.invalid_images.append((outcome.product_id, outcome.error))
                elif outcome.kind == "failed":
                    report.failed.append((outcome.product_id, outcome.error))
                else:
                    report.uploaded += outcome.uploaded
                    report.reused_objects += outcome.reused
                    listed.add(settings.image_key(outcome.product_id))
                    assert outcome.values is not None
                    batch.append(outcome.values)
                    batch_kinds.append(outcome.kind)
                    if len(batch) >= settings.ingest_batch_size:
                        flush()
            flush()
    finally:
        bar.close()
    # the listing taken at the start plus this run's uploads = the store now (single writer)
    report.orphan_objects, report.rows_missing_object = reconcile(settings, store, keys=listed)
    report.seconds = time.perf_counter() - t0
    log.info("ingest done: %d new, %d updated, %d present, %d failed in %.1fs", report.ingested, report.updated,
             report.already_present, len(report.failed), report.seconds)
    return report
