"""Retries with back-off: transient errors are retried, permanent ones are not."""

from __future__ import annotations

import pytest
from fashion_pipeline.retry import is_transient, retry
from imagecore.storage import ObjectNotFoundError, StorageError
from sqlalchemy.exc import IntegrityError, OperationalError


def flaky(failures: list[BaseException]):  # type: ignore[no-untyped-def]
    calls = {"n": 0}

    def fn() -> str:
        calls["n"] += 1
        if failures:
            raise failures.pop(0)
        return "ok"

    return fn, calls


def test_transient_db_and_storage_errors_are_retried() -> None:
    db_err = OperationalError("INSERT", {}, Exception("database is locked"))
    fn, calls = flaky([db_err, StorageError("503 SlowDown")])
    assert retry(fn, attempts=3, base_delay=0.001) == "ok" and calls["n"] == 3


def test_gives_up_after_the_last_attempt() -> None:
    fn, calls = flaky([StorageError("a"), StorageError("b"), StorageError("c")])
    with pytest.raises(StorageError, match="b"):
        retry(fn, attempts=2, base_delay=0.001)
    assert calls["n"] == 2


@pytest.mark.parametrize("error", [
    ObjectNotFoundError("gone"), IntegrityError("INSERT", {}, Exception("duplicate")), ValueError("bug"),
])
def test_permanent_errors_are_not_retried(error: Exception) -> None:
    fn, calls = flaky([error])
    with pytest.raises(type(error)):
        retry(fn, attempts=5, base_delay=0.001)
    assert calls["n"] == 1 and not is_transient(error)
