import pandas as pd
import pytest
from face_shards.resample import select_index, shard_plan, synthetic_manifest, write_index


@pytest.fixture(scope="module")
def manifest() -> pd.DataFrame:
    return synthetic_manifest(20_000, samples_per_shard=500, seed=1).to_pandas()


@pytest.mark.parametrize(
    "where, mask",
    [
        ("label = 'fake' AND width >= 512", lambda d: (d.label == "fake") & (d.width >= 512)),
        (
            "generator IN ('StyleGAN3', 'none') AND jpeg_quality < 60",
            lambda d: d.generator.isin(["StyleGAN3", "none"]) & (d.jpeg_quality < 60),
        ),
        ("TRUE", lambda d: d.label.notna()),
    ],
)
def test_query_equals_pandas_filter(manifest, tmp_path, where, mask) -> None:
    expected = manifest[mask(manifest)].sort_values(["shard", "img_offset"])
    for src in (manifest, write_index(manifest, tmp_path / "m.parquet")):
        got = select_index(src, where)
        assert got["key"].tolist() == expected["key"].tolist()
        assert (got["img_offset"].to_numpy() == expected["img_offset"].to_numpy()).all()


def test_sample_fraction_is_seeded_subset(manifest) -> None:
    a = select_index(manifest, "label = 'real'", sample_fraction=0.1, seed=3)
    b = select_index(manifest, "label = 'real'", sample_fraction=0.1, seed=3)
    c = select_index(manifest, "label = 'real'", sample_fraction=0.1, seed=4)
    assert a.equals(b) and not a.equals(c)
    n_real = int((manifest.label == "real").sum())
    assert 0.07 * n_real < len(a) < 0.13 * n_real
    assert set(a["key"]) <= set(manifest.loc[manifest.label == "real", "key"])


def test_limit_and_plan(manifest) -> None:
    idx = select_index(manifest, "TRUE", limit=1200)
    plan = shard_plan(idx)
    assert len(idx) == 1200 and list(plan) == sorted(plan) and sum(map(len, plan.values())) == 1200


def test_invalid_query(manifest) -> None:
    with pytest.raises(ValueError, match="invalid re-sampling query"):
        select_index(manifest, "no_such_column = 1")
