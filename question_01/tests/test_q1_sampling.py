"""The sampler is uniform over cells and within cells (statistical tests with fixed seeds)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from face_dataset.errors import FaceDatasetError
from face_dataset.sampling import sample_uniform
from scipy import stats


def _frame():
    # very unbalanced cells: 600 / 60 / 6 rows
    sizes = {("real", "none"): 600, ("fake", "StyleGAN"): 60, ("fake", "StyleGAN3"): 6}
    rows = [{"id": f"{a}-{b}-{i}", "label": a, "generator": b} for (a, b), n in sizes.items() for i in range(n)]
    return pd.DataFrame(rows)


def test_with_replacement_is_uniform_over_cells_and_within_cells():
    df = _frame()
    res = sample_uniform(df, ["label", "generator"], 6000, replace=True, seed=123)
    counts = res.report.set_index("cell")["drawn"]
    assert stats.chisquare(counts.to_numpy()).pvalue > 0.01
    assert res.chi2_pvalue > 0.01
    within = res.sample[res.sample["generator"] == "StyleGAN"]["id"].value_counts()
    assert len(within) == 60  # every row of the cell reachable
    assert stats.chisquare(within.to_numpy()).pvalue > 0.01
    # weights bring the sample back to population shares
    w = res.sample.groupby("generator")["weight"].sum() / res.sample["weight"].sum()
    assert w["none"] == pytest.approx(600 / 666, abs=0.02)


def test_without_replacement_exhausts_small_cells_and_splits_the_rest_equally():
    res = sample_uniform(_frame(), ["label", "generator"], 120, seed=5)
    drawn = dict(zip(res.report["cell"], res.report["drawn"], strict=True))
    assert drawn["fake | StyleGAN3"] == 6
    assert abs(drawn["fake | StyleGAN"] - drawn["real | none"]) <= 20
    assert res.sample["id"].is_unique and len(res.sample) == 120


def test_same_seed_same_sample_other_seed_other_sample():
    df = _frame()
    a = sample_uniform(df, ["label"], 50, seed=1).sample["id"].tolist()
    b = sample_uniform(df, ["label"], 50, seed=1).sample["id"].tolist()
    c = sample_uniform(df, ["label"], 50, seed=2).sample["id"].tolist()
    assert a == b and a != c


def test_min_cell_leaves_small_cells_out():
    res = sample_uniform(_frame(), ["label", "generator"], 100, seed=0, min_cell=10)
    assert "StyleGAN3" not in set(res.sample["generator"])
    assert set(np.unique(res.report.loc[res.report["cell"].str.contains("StyleGAN3"), "drawn"])) == {0}


@pytest.mark.parametrize(
    ("by", "n", "kw", "msg"),
    [(["nope"], 5, {}, "unknown label column"), (["label"], 0, {}, "must be >= 1"),
     (["label"], 10_000, {}, "without replacement"), (["label"], 5, {"min_cell": 10_000}, "no cell")],
)  # fmt: skip
def test_bad_requests_are_clear_errors(by, n, kw, msg):
    with pytest.raises(FaceDatasetError, match=msg):
        sample_uniform(_frame(), by, n, **kw)
