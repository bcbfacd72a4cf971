"""Command-line entry point ``finhash``.

Subcommands of part 1: ``hash``, ``profile``, ``bench``. Part-2 subcommands (``compare``,
``index``, ``memeset``, ``report``) are registered when their modules exist: each module
``finhash.<name>.cli`` provides ``register(subparsers)``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence

PLUGIN_NAMES = ("compare", "index", "memeset", "report")

Handler = Callable[[argparse.Namespace], int]


def _register_plugins(subparsers: argparse._SubParsersAction) -> list[str]:  # type: ignore[type-arg]
    """Let part-2 modules add their subcommands; a missing module is skipped silently."""
    registered = []
    for name in PLUGIN_NAMES:
        modname = f"finhash.{name}.cli"
        try:
            module = importlib.import_module(modname)
        except ImportError as exc:
            # Skip only when the plugin module itself (or its package) is absent; a broken
            # import inside an existing plugin is a real error.
            if getattr(exc, "name", None) in (modname, f"finhash.{name}"):
                continue
            raise
        register = getattr(module, "register", None)
        if callable(register):
            register(subparsers)
            registered.append(name)
    return registered


def build_parser() -> argparse.ArgumentParser:
    """The ``finhash`` argument parser with every available subcommand."""
    from finhash import commands

    parser = argparse.ArgumentParser(
        prog="finhash",
        description="FINd perceptual hash: hashing, profiling, benchmarks (and comparison tools).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_hash(subparsers)
    commands.add_profile(subparsers)
    commands.add_bench(subparsers)
    _register_plugins(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and run one subcommand; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    func: Handler | None = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(func(args) or 0)
    except BrokenPipeError:  # e.g. `finhash hash ... | head`: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print("finhash: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one-line message, no traceback
        if args.verbose:
            logging.exception("failed")
        print(f"finhash {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
