"""FINd variants benchmark (part 1): speed-up, end-to-end vs decode floor, batch, scaling.

Usage::

    IMAGECORE_DATA_DIR=/path/to/data python finhash/benchmarks/p1_bench.py [--small] [--only PART]

Prints tables, writes ``p1_<part>.json`` and ``p1_*.png`` to ``finhash/benchmarks/results/``
(or ``$FINHASH_RESULTS_DIR``), and records the machine (CPU count, Python, numpy, numba, torch).
Same as ``finhash bench``.
"""

from __future__ import annotations

import sys

from finhash.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["bench", *sys.argv[1:]]))
