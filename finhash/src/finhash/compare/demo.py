"""A small comparison on real data: ``finhash demo`` calls :func:`run`.

It hashes the ``nearduplicates`` set (all of it, or 20 families with ``small``) and a freshly built
meme-like set (2 or 12 families) with every available method and prints AUC and TPR at FPR 1%.
"""

from __future__ import annotations

import logging
import tempfile

log = logging.getLogger(__name__)


def run(small: bool) -> None:
    """Run the demo comparison (``small``: at most ~30 s on 2 cores).

    Raises
    ------
    imagecore.config.DataNotFoundError
        The data sets are absent (the caller prints the message and exits 3).
    """
    import numpy as np

    from finhash.compare.hashing import hash_files
    from finhash.compare.methods import DEFAULT_METHODS, available_methods
    from finhash.compare.metrics import evaluate
    from finhash.memeset.build import build_memeset
    from finhash.memeset.loaders import load_memeset, load_nearduplicates

    ok, skipped = available_methods(DEFAULT_METHODS)
    for n, why in skipped.items():
        print(f"  (skipped {n}: {why})")
    nd = load_nearduplicates()
    nd = nd.subset(20, random_state=0) if small else nd
    with tempfile.TemporaryDirectory(prefix="finhash_memeset_") as tmp:
        build_memeset(tmp, 2 if small else 12, seed=0, progress=False)
        ms = load_memeset(tmp)
        for ds in (nd, ms):
            table = hash_files(ds.paths, ok, processes=2, progress=False)
            print(f"{ds.name}: {len(ds)} images in {ds.n_families} families")
            print(f"  {'method':14} {'AUC':>6} {'TPR@FPR1%':>10} {'hash CPU ms':>12}")
            for m in ok:
                ev = evaluate(table.codes[m], ds.families, n_neg=20_000, transforms=ds.transforms, n_boot=0)
                cpu = table.hash_cpu_ms[m] if table.hash_cpu_ms is not None else table.hash_ms[m]
                print(f"  {m:14} {ev.point['auc']:6.3f} {ev.point['tpr@0.01']:10.3f} {float(np.median(cpu)):12.2f}")


if __name__ == "__main__":
    import argparse
    import sys

    from imagecore.config import DataNotFoundError

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--small", action="store_true")
    a = ap.parse_args()
    try:
        run(a.small)
    except DataNotFoundError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(3) from None
