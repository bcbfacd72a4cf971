"""Rerun the whole FINd-vs-imagehash comparison and regenerate finhash/report/REPORT.md + figures.

Same as ``finhash report [--small]``: prints where the results JSON, figures and report went; the
results JSON states the machine (cpu count, load average, library versions).
"""

from __future__ import annotations

import argparse
import logging

from finhash.report.run import run_report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--small", action="store_true")
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    out = run_report("small" if a.small else "full")
    for k, v in out.items():
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
