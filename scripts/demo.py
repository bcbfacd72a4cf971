"""Run every system's main job on its embedded default (the `make demo` command).

Each system offers ``python -m <package>.demo``; a system without that module is listed as
"not yet available". A system whose data set is absent says how to get it (exit code 3)
and the demo goes on with the others. The exit code is non-zero when any demo failed.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time

#: (system folder, python package) in demo order.
SYSTEMS = [
    ("mnist_sequences", "mnist_sequences"),
    ("mnist_halves", "mnist_halves"),
    ("finhash", "finhash"),
    ("fashion_pipeline", "fashion_pipeline"),
    ("question_01", "face_dataset"),
    ("question_02", "classifier_report"),
    ("question_03", "face_classifier"),
    ("question_04", "face_shards"),
]
MISSING_DATA = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", help="run only these systems (folder names)")
    parser.add_argument("--small", action="store_true", help="pass --small to each demo (fast smoke run)")
    args = parser.parse_args(argv)
    rows = []
    for folder, package in SYSTEMS:
        if args.only and folder not in args.only:
            continue
        print(f"\n===== {folder} =====", flush=True)
        if importlib.util.find_spec(package) is None or importlib.util.find_spec(f"{package}.demo") is None:
            print(f"{folder}: not yet available")
            rows.append((folder, "not yet available", 0.0))
            continue
        cmd = [sys.executable, "-m", f"{package}.demo"] + (["--small"] if args.small else [])
        start = time.perf_counter()
        code = subprocess.call(cmd)
        elapsed = time.perf_counter() - start
        status = {0: "ok", MISSING_DATA: "skipped: data missing (see message above)"}.get(code, f"FAILED (exit {code})")
        rows.append((folder, status, elapsed))
    print("\n===== demo summary =====")
    for folder, status, elapsed in rows:
        print(f"{folder:<18} {status:<45} {elapsed:7.1f} s")
    return 1 if any(status.startswith("FAILED") for _, status, _ in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
