"""Uniform sampling over the cells of chosen label columns ("i.i.d. given the labels")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from face_dataset.errors import FaceDatasetError


@dataclass
class SampleResult:
    """A sample, its per-cell report and a uniformity test.

    Attributes
    ----------
    sample
        The drawn rows, plus ``cell`` (the cell key) and ``weight`` (population share of the
        cell divided by its target share 1/K: multiply by it to estimate population statistics).
    report
        One row per cell: ``available, drawn, target_share, achieved_share``.
    chi2_pvalue
        p-value of a chi-square test of the drawn counts against equal counts over the cells
        that were never exhausted (``nan`` when fewer than two such cells).
    """

    sample: pd.DataFrame
    report: pd.DataFrame
    chi2_pvalue: float


def sample_uniform(
    df: pd.DataFrame,
    by: Sequence[str],
    n: int,
    *,
    replace: bool = False,
    seed: int | None = 0,
    min_cell: int = 1,
) -> SampleResult:
    """Draw ``n`` rows: each draw picks a cell uniformly, then a row uniformly within that cell.

    With replacement the draws are i.i.d. from the mixture ``p(row) = 1/K * 1/n_cell``:
    every cell has the same probability whatever its size. Without replacement a cell that runs
    out is dropped from later draws (its remaining share goes to the other cells), so small
    cells are fully used and the result is only approximately uniform; the report shows it.

    Parameters
    ----------
    df
        Metadata frame.
    by
        Label columns that define the cells, e.g. ``["label", "generator", "resolution_bucket"]``.
    n
        Number of rows to draw.
    replace
        Sample with replacement (i.i.d.) or without (no row twice).
    seed
        Seed of numpy's ``default_rng``; the same seed gives the same sample.
    min_cell
        Cells with fewer rows are left out (and listed with ``drawn = 0``).

    Returns
    -------
    SampleResult

    Raises
    ------
    FaceDatasetError
        Unknown column, ``n < 1``, no eligible cell, or more rows asked than exist without replacement.

    Examples
    --------
    >>> df = pd.DataFrame({"label": ["real"] * 90 + ["fake"] * 10})
    >>> res = sample_uniform(df, ["label"], 20, seed=1)
    >>> sorted(res.report["drawn"].tolist())
    [10, 10]
    """
    missing = [c for c in by if c not in df.columns]
    if missing:
        raise FaceDatasetError(f"unknown label column(s): {', '.join(missing)}; have {', '.join(map(str, df.columns))}")
    if not by:
        raise FaceDatasetError("give at least one label column to define the cells")
    if n < 1:
        raise FaceDatasetError(f"sample size must be >= 1, got {n}")
    rng = np.random.default_rng(seed)
    keys = df[list(by)].astype(str).agg(" | ".join, axis=1)
    groups = {k: np.flatnonzero(keys.to_numpy() == k) for k in sorted(keys.unique())}
    eligible = [k for k, idx in groups.items() if len(idx) >= min_cell]
    if not eligible:
        raise FaceDatasetError(f"no cell has at least {min_cell} rows")
    sizes = np.array([len(groups[k]) for k in eligible])
    K = len(eligible)
    if replace:
        cells = rng.integers(0, K, size=n)
        counts = np.bincount(cells, minlength=K)
        picks = [groups[eligible[j]][rng.integers(0, sizes[j], size=counts[j])] for j in range(K)]
    else:
        if n > sizes.sum():
            raise FaceDatasetError(f"asked for {n} rows without replacement but the eligible cells hold {sizes.sum()}")
        counts = np.zeros(K, dtype=int)
        for _ in range(n):
            open_cells = np.flatnonzero(counts < sizes)
            counts[open_cells[rng.integers(0, len(open_cells))]] += 1
        picks = [rng.permutation(groups[eligible[j]])[: counts[j]] for j in range(K)]
    rows = np.concatenate(picks) if picks else np.array([], dtype=int)
    order = rng.permutation(len(rows))
    rows = rows[order]
    sample = df.iloc[rows].copy()
    sample["cell"] = keys.iloc[rows].to_numpy()
    pop_share = {k: len(groups[k]) / sum(sizes) for k in eligible}
    sample["weight"] = sample["cell"].map(lambda k: pop_share[k] * K)
    report = pd.DataFrame(
        {
            "cell": list(groups),
            "available": [len(groups[k]) for k in groups],
            "drawn": [int(counts[eligible.index(k)]) if k in eligible else 0 for k in groups],
            "target_share": [1 / K if k in eligible else 0.0 for k in groups],
        }
    )
    report["achieved_share"] = report["drawn"] / n
    free = [j for j in range(K) if replace or counts[j] < sizes[j]]
    pvalue = float(stats.chisquare(counts[free]).pvalue) if len(free) >= 2 and counts[free].sum() > 0 else float("nan")
    return SampleResult(sample.reset_index(drop=True), report, pvalue)
