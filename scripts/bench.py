"""Run every package's benchmark scripts (the `make bench` command).

Each ``<package>/benchmarks/*.py`` script prints a table and writes JSON + a PNG plot to
``<package>/benchmarks/results/``. Pass ``--only finhash mnist_sequences`` to restrict, and
extra arguments after ``--`` to every script (e.g. ``-- --small``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", help="package folders to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the scripts and exit")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help="arguments passed to every script (after --)")
    args = parser.parse_args(argv)
    extra = [a for a in args.rest if a != "--"]
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["monorepo"]["packages"]
    scripts = [
        script
        for folder in packages
        if not args.only or folder in args.only or Path(folder).name in args.only
        for script in sorted((ROOT / folder / "benchmarks").glob("*.py"))
        if not script.name.startswith("_")
    ]
    if args.list:
        print("\n".join(str(s.relative_to(ROOT)) for s in scripts))
        return 0
    failures = []
    for script in scripts:
        print(f"\n===== {script.relative_to(ROOT)} =====", flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, str(script), *extra], cwd=script.parent.parent)
        print(f"-- exit {code} in {time.perf_counter() - start:.1f} s")
        if code:
            failures.append(str(script.relative_to(ROOT)))
    if failures:
        print("failed:", *failures, sep="\n  ")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
