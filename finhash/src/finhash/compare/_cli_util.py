"""Shared helpers for part 2's subcommands: one-line errors and exit codes."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

EXIT_BAD_INPUT = 2
EXIT_NO_DATA = 3


def guarded(fn: Callable[[Any], int]) -> Callable[[Any], int]:
    """Turn expected failures into a one-line message on stderr and a non-zero exit code.

    Missing data (:class:`imagecore.config.DataNotFoundError`) exits 3; bad input (``ValueError``,
    ``KeyError``, ``FileNotFoundError``, malformed sets) exits 2.
    """

    @functools.wraps(fn)
    def wrapper(args: Any) -> int:
        from imagecore.config import DataNotFoundError

        try:
            return int(fn(args) or 0)
        except DataNotFoundError as exc:
            print(f"finhash: {exc}", file=sys.stderr)
            return EXIT_NO_DATA
        except (ValueError, KeyError, FileNotFoundError, NotADirectoryError) as exc:
            msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
            print(f"finhash: {msg}", file=sys.stderr)
            return EXIT_BAD_INPUT

    return wrapper


def parse_methods(text: str | None) -> list[str] | None:
    """``"a,b"`` -> ``["a", "b"]`` validated against the registry; ``None`` keeps the default set."""
    if not text:
        return None
    from finhash.compare.methods import get_method

    names = [t.strip() for t in text.split(",") if t.strip()]
    for n in names:
        get_method(n)
    return names
