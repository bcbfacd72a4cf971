"""Retries with exponential back-off for transient storage and database errors."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


def is_transient(exc: BaseException) -> bool:
    """True for errors worth retrying: storage errors other than not-found, DB operational errors."""
    from imagecore.storage import ObjectNotFoundError, StorageError
    from sqlalchemy.exc import DBAPIError, OperationalError

    if isinstance(exc, ObjectNotFoundError):
        return False
    if isinstance(exc, (StorageError, OperationalError, ConnectionError, TimeoutError)):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def retry(
    fn: Callable[[], T],
    *,
    attempts: int = 4,
    base_delay: float = 0.2,
    max_delay: float = 5.0,
    transient: Callable[[BaseException], bool] = is_transient,
    what: str = "operation",
) -> T:
    """Call ``fn`` until it succeeds, up to ``attempts`` times, sleeping ``base_delay * 2**k`` (+ jitter).

    Parameters
    ----------
    fn
        Zero-argument callable.
    attempts
        Total number of calls (>= 1).
    transient
        Predicate: only exceptions for which it is true are retried; others propagate at once.

    Raises
    ------
    Exception
        The last exception when every attempt failed, or the first non-transient one.
    """
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except Exception as exc:
            if attempt >= attempts or not transient(exc):
                raise
            delay = min(max_delay, base_delay * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)
            log.warning("%s failed (attempt %d/%d): %s; retrying in %.2fs", what, attempt, attempts, exc, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")
