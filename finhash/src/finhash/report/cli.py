"""``finhash report``: rerun the measurements and regenerate REPORT.md, its figures and numbers."""

from __future__ import annotations

import argparse
from pathlib import Path

from finhash.compare._cli_util import guarded, parse_methods


@guarded
def run(args: argparse.Namespace) -> int:
    """Run :func:`finhash.report.run.run_report` and print where the outputs went."""
    from finhash.report.run import render_only, run_report

    if args.render_only:
        out = render_only("small" if args.small else "full", out_dir=Path(args.out) if args.out else None,
                          results_dir=Path(args.results_dir) if args.results_dir else None)
    else:
        out = run_report("small" if args.small else "full", out_dir=Path(args.out) if args.out else None,
                         results_dir=Path(args.results_dir) if args.results_dir else None, data_root=args.data_root,
                         seed=args.seed, methods=parse_methods(args.methods), run_part1_bench=args.run_part1_bench,
                         progress=not args.quiet)
    print(f"report:  {out['report']} ({out['words']} words of prose)")
    print(f"results: {out['results']}")
    print(f"figures: {', '.join(out['figures'])}")
    if out.get("missing"):
        print(f"placeholders without a value (written as n/a): {', '.join(out['missing'])}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``report`` to the ``finhash`` CLI."""
    p = subparsers.add_parser("report", help="rerun the comparison and regenerate finhash/report/REPORT.md + figures",
                              description="Full scale (default) writes finhash/report/; --small (CI) writes "
                                          "finhash/benchmarks/results/p2_report_small/.")
    p.add_argument("--small", action="store_true", help="tiny scale for CI (under a minute)")
    p.add_argument("--out", help="folder for REPORT.md and figures/")
    p.add_argument("--results-dir", help="folder for the results JSON and the built benchmark (default finhash/benchmarks/results)")
    p.add_argument("--data-root", help="data root (default $IMAGECORE_DATA_DIR)")
    p.add_argument("--methods", help="comma-separated method names (default: all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--run-part1-bench", action="store_true", help="run part 1's benchmark if its JSON is absent")
    p.add_argument("--render-only", action="store_true", help="no measuring: redraw figures and re-render REPORT.md from the last results JSON")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)
