"""Command-line entry point `generate-numbers-sequence` (not yet available)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Entry point; the system is not built yet."""
    print("generate-numbers-sequence: not yet available (see issue #3)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
