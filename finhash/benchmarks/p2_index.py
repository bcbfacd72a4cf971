"""Benchmark the Hamming indexes on ~56k synthetic 256-bit codes (1,034 families of ~54).

Prints a table, writes ``results/p2_index.json`` and ``results/p2_index.png``, states the machine.
Run: ``python finhash/benchmarks/p2_index.py [--small]`` (same as ``finhash index bench``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from finhash.compare.cost import machine_info
from finhash.index.bench import bench_index

from finhash.report.figures import fig_index

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--small", action="store_true", help="5k codes instead of 56k")
    a = ap.parse_args()
    fams, q = (100, 500) if a.small else (1034, 2000)
    r = bench_index(fams, 54.0, n_queries=q, numpy_queries=200, cluster_backends=("faiss_flat",))
    r["machine"] = machine_info()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "p2_index.json").write_text(json.dumps(r, indent=1))
    fig_index({"index": r}, RESULTS / "p2_index.png")
    print(f"machine: {r['machine']}")
    print(f"{r['n_codes']:,} codes, radius {r['radius']}, k {r['k']}")
    print(f"{'backend':11} {'range q/s':>10} {'knn q/s':>9} {'= scan':>7} {'knn recall':>10}")
    for b, v in r["backends"].items():
        print(f"{b:11} {v['range_qps']:10,.0f} {v['knn_qps']:9,.0f} {v['range_equal_numpy']!s:>7} {v['knn_recall']:10.3f}")
    for b, v in r["clustering"].items():
        print(f"all-pairs clustering ({b}): {v['seconds']:.2f} s, ARI {v['ari']:.3f}")


if __name__ == "__main__":
    main()
