"""Demo: restore the MNIST test set cut in half (``--small``: the first 1,000 test digits).

``python -m mnist_halves.demo [--small]``; exits 3 with the data message when MNIST is absent.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from imagecore.config import DataNotFoundError


def main(argv: list[str] | None = None) -> int:
    """Make a test-set puzzle (seed 0), restore it with the default model, print the accuracy."""
    ap = argparse.ArgumentParser(prog="python -m mnist_halves.demo")
    ap.add_argument("--small", action="store_true", help="1,000 test digits instead of 10,000")
    args = ap.parse_args(argv)
    from imagecore.mnist import load_mnist
    from imagecore.torch import set_threads

    from mnist_halves.evaluate import score_pairs
    from mnist_halves.model import load_model
    from mnist_halves.puzzle import make_puzzle
    from mnist_halves.restore import restore
    from mnist_halves.settings import Settings

    try:
        data = load_mnist("test")
    except DataNotFoundError as exc:
        print(str(exc), file=sys.stderr)
        return 3
    settings = Settings.from_env()
    set_threads(settings.threads)
    path = settings.resolve_model()
    if path is None:
        print("no model: run `mnist-halves train` first", file=sys.stderr)
        return 2
    n = 1000 if args.small else len(data.images)
    p = make_puzzle(np.asarray(data.images[:n]), np.asarray(data.labels[:n]), seed=0)
    t0 = time.perf_counter()
    model = load_model(path)
    res = restore(p.left, p.right, model=model, k=settings.top_k)
    dt = time.perf_counter() - t0
    assert p.right_of_left is not None
    s = score_pairs(res.left_index, res.right_index, p.right_of_left, p.label)
    print(f"model: {path}")
    print(f"restored {n} test digits from shuffled halves in {dt:.1f} s")
    print(s.table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
