import numpy as np
import pandas as pd
import pytest
from face_classifier.split import phash_groups, split_manifest


def _manifest(n_groups: int = 120, seed: int = 1) -> pd.DataFrame:
    """Groups of 1-3 near-identical hashes; labels/generators in fixed proportions."""
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(n_groups):
        base = int(rng.integers(0, 2**63))
        label, gen = [(0, "none"), (1, "StyleGAN"), (1, "StyleGAN"), (0, "none"), (1, "StyleGAN3")][g % 5]
        for k in range(1 + g % 3):
            h = base ^ (1 << k) if k else base  # 1-bit flips: near-duplicates
            rows.append({"path": f"p{g}_{k}", "label": label, "generator": gen, "phash": f"{h:016x}", "true_group": g})
    return pd.DataFrame(rows)


def test_phash_groups_join_near_duplicates_transitively() -> None:
    hashes = ["0000000000000000", "0000000000000003", "000000000000000f", "ffffffffffffffff"]
    groups = phash_groups(hashes, max_distance=2)
    assert groups[0] == groups[1] == groups[2]  # 0-1 and 1-2 within 2 bits: one family
    assert groups[3] != groups[0]


def test_no_group_crosses_splits_and_unseen_is_held_out() -> None:
    df = split_manifest(_manifest(), random_state=3)
    assert df.groupby("group")["split"].nunique().max() == 1
    assert df.groupby("true_group")["split"].nunique().max() == 1
    assert set(df.loc[df["generator"] == "StyleGAN3", "split"]) == {"unseen"}
    assert "unseen" not in set(df.loc[df["generator"] != "StyleGAN3", "split"])


def test_split_is_stratified_by_label_and_generator() -> None:
    df = split_manifest(_manifest(300), random_state=0)
    seen = df[df["split"] != "unseen"]
    overall = seen["label"].mean()
    for name in ("train", "val", "test"):
        part = seen[seen["split"] == name]
        assert abs(part["label"].mean() - overall) < 0.08, name
    shares = seen["split"].value_counts(normalize=True)
    assert abs(shares["train"] - 0.7) < 0.05 and abs(shares["test"] - 0.15) < 0.05


def test_split_is_seeded() -> None:
    a = split_manifest(_manifest(), random_state=7)["split"].tolist()
    b = split_manifest(_manifest(), random_state=7)["split"].tolist()
    c = split_manifest(_manifest(), random_state=8)["split"].tolist()
    assert a == b and a != c


def test_bad_fractions_rejected() -> None:
    with pytest.raises(ValueError, match="sum to 1"):
        split_manifest(_manifest(), fractions=(0.5, 0.2, 0.2))
