"""Profile the FINd variants (part 1): cProfile, line_profiler, tracemalloc, torch.profiler.

Usage::

    IMAGECORE_DATA_DIR=/path/to/data python finhash/benchmarks/p1_profile.py [--method NAME] [--size 224]

Writes ``<variant>.cprofile.txt|json``, ``<variant>.lines.txt``, ``<variant>.memory.json``,
``profile_summary.json`` and ``p1_profile.png`` to ``finhash/benchmarks/results/profile/``.
Same as ``finhash profile``.
"""

from __future__ import annotations

import sys

from finhash.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["profile", *sys.argv[1:]]))
