"""``finhash index``: benchmark the Hamming indexes; cluster a labelled set's hashes."""

from __future__ import annotations

import argparse
import json

from finhash.compare._cli_util import guarded


@guarded
def run_bench(args: argparse.Namespace) -> int:
    """Benchmark numpy scan, FAISS flat and FAISS multi-hash on synthetic 256-bit families."""
    from finhash.index.bench import bench_index

    if args.families < 2 or args.radius < 0 or args.k < 1:
        raise ValueError("need --families >= 2, --radius >= 0, --k >= 1")
    r = bench_index(args.families, args.family_size, n_queries=args.queries, numpy_queries=args.numpy_queries,
                    radius=args.radius, k=args.k, cluster_backends=tuple(args.cluster.split(",")) if args.cluster else ())
    print(f"{r['n_codes']:,} codes in {r['n_families']} families, radius {r['radius']}, k {r['k']}")
    print(f"{'backend':11} {'range q/s':>10} {'knn q/s':>9} {'= scan':>7} {'knn recall':>10}")
    for b, v in r["backends"].items():
        print(f"{b:11} {v['range_qps']:10,.0f} {v['knn_qps']:9,.0f} {v['range_equal_numpy']!s:>7} {v['knn_recall']:10.3f}")
    for b, v in r["clustering"].items():
        print(f"cluster all pairs with {b}: {v['seconds']:.2f} s, ARI {v['ari']:.3f}, purity {v['purity']:.3f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(r, f, indent=1)
    return 0


@guarded
def run_cluster(args: argparse.Namespace) -> int:
    """Hash a labelled set with one method, cluster at a radius, score against the families."""
    from finhash.compare.cli import load_set
    from finhash.compare.hashing import hash_files
    from finhash.compare.methods import get_method
    from finhash.index.cluster import cluster_codes, score_clustering

    get_method(args.method)
    if args.radius < 0:
        raise ValueError("--radius must be >= 0")
    ds = load_set(args.dataset, args.root, args.families, 0)
    t = hash_files(ds.paths, [args.method], processes=args.processes, progress=False)
    fams = dict(zip(ds.paths, ds.families, strict=True))
    lab = cluster_codes(t.codes[args.method], args.radius, backend=args.backend)
    s = score_clustering([fams[p] for p in t.paths], lab)
    print(f"{ds.name} / {args.method} / radius {args.radius}: {s.n_clusters} clusters for {s.n_families} families, "
          f"ARI {s.ari:.3f}, purity {s.purity:.3f}, inverse purity {s.inverse_purity:.3f}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``index`` to the ``finhash`` CLI."""
    p = subparsers.add_parser("index", help="Hamming-radius / k-NN index benchmark and clustering")
    sub = p.add_subparsers(dest="index_command", metavar="ACTION", required=True)
    b = sub.add_parser("bench", help="queries/s of numpy scan, FAISS flat, FAISS multi-hash on synthetic 256-bit codes")
    b.add_argument("--families", type=int, default=1034)
    b.add_argument("--family-size", type=float, default=54.0, help="mean images per family (1034 x 54 ~ 56k codes)")
    b.add_argument("--queries", type=int, default=5000)
    b.add_argument("--numpy-queries", type=int, default=500)
    b.add_argument("--radius", type=int, default=32)
    b.add_argument("--k", type=int, default=10)
    b.add_argument("--cluster", default="faiss_flat", help="backends for all-pairs clustering, comma-separated ('' = none)")
    b.add_argument("--json", help="write results here")
    b.set_defaults(func=run_bench)
    c = sub.add_parser("cluster", help="cluster a labelled set at a Hamming radius and score it (ARI, purity)")
    c.add_argument("--dataset", choices=("nearduplicates", "memeset", "meme-generator"), default="nearduplicates")
    c.add_argument("--root")
    c.add_argument("--families", type=int)
    c.add_argument("--method", default="find256")
    c.add_argument("--radius", type=int, required=True)
    c.add_argument("--backend", choices=("numpy", "faiss_flat", "faiss_mih"), default="faiss_flat")
    c.add_argument("--processes", type=int, default=2)
    c.set_defaults(func=run_cluster)
