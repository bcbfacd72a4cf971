"""Grouped, stratified, seeded train/val/test split with a held-out (unseen) generator.

Near-duplicates are found by perceptual hash (pHash Hamming distance <= ``max_distance``) and
joined into groups with union-find; a whole group goes to one split. Groups are then dealt to
splits inside each stratum (label x generator) so every split has the same class/generator mix.
Images of ``holdout_generators`` never enter train/val/test: they form the ``unseen`` split.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SPLITS = ("train", "val", "test")


def phash_groups(hashes: list[str] | pd.Series, max_distance: int = 6) -> np.ndarray:
    """Group ids such that any two images within ``max_distance`` bits share a group.

    Parameters
    ----------
    hashes
        64-bit perceptual hashes as 16-hex strings.
    max_distance
        Largest Hamming distance still counted as a near-duplicate.

    Returns
    -------
    numpy.ndarray
        int64 group id per input (the smallest index in the group).

    Examples
    --------
    >>> phash_groups(["ffffffffffffffff", "fffffffffffffffe", "0000000000000000"]).tolist()
    [0, 0, 2]
    """
    values = np.array([int(h, 16) for h in hashes], dtype=np.uint64)
    n = len(values)
    parent = np.arange(n)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    bits = np.unpackbits(values.view(np.uint8).reshape(n, 8), axis=1).astype(np.uint8)
    for i in range(n):
        dist = np.count_nonzero(bits[i + 1 :] != bits[i], axis=1)
        for j in np.nonzero(dist <= max_distance)[0] + i + 1:
            a, b = find(i), find(int(j))
            if a != b:
                parent[max(a, b)] = min(a, b)
    return np.array([find(i) for i in range(n)], dtype=np.int64)


def split_manifest(
    df: pd.DataFrame,
    *,
    fractions: tuple[float, float, float] = (0.7, 0.15, 0.15),
    holdout_generators: tuple[str, ...] = ("StyleGAN3",),
    max_distance: int = 6,
    random_state: int = 0,
) -> pd.DataFrame:
    """Add ``group`` and ``split`` columns (train/val/test/unseen) to a manifest.

    Parameters
    ----------
    df
        Manifest with ``label``, ``generator`` and ``phash`` columns.
    fractions
        Train/val/test shares of the images of seen generators (must sum to 1).
    holdout_generators
        Generators kept out of training entirely (their images get split ``unseen``).
    max_distance
        pHash Hamming distance up to which images count as near-duplicates.
    random_state
        Seed of the group shuffle.

    Returns
    -------
    pandas.DataFrame
        A copy of ``df`` with ``group`` (int) and ``split`` (str) columns.

    Raises
    ------
    ValueError
        Fractions do not sum to 1 or are negative.
    """
    if abs(sum(fractions) - 1.0) > 1e-6 or min(fractions) < 0:
        raise ValueError(f"fractions must be non-negative and sum to 1, got {fractions}")
    out = df.copy()
    out["group"] = phash_groups(out["phash"].tolist(), max_distance)
    out["split"] = "unseen"
    rng = np.random.default_rng(random_state)
    seen = ~out["generator"].isin(holdout_generators)
    # A group's stratum is that of its first member (groups almost always share label/generator).
    strata = out[seen].groupby("group")[["label", "generator"]].first()
    strata["key"] = strata["label"].astype(str) + "/" + strata["generator"]
    sizes = out[seen].groupby("group").size()
    assign: dict[int, str] = {}
    for _, block in strata.groupby("key"):
        groups = block.index.to_numpy().copy()
        rng.shuffle(groups)
        total = int(sizes[groups].sum())
        targets = np.array(fractions) * total
        filled = np.zeros(3)
        for g in groups:
            k = int(np.argmax(targets - filled))  # the split furthest below its target
            assign[int(g)] = SPLITS[k]
            filled[k] += sizes[g]
    # A group touching a held-out generator stays unseen entirely so nothing leaks into training.
    tainted = set(out.loc[~seen, "group"])
    mask = seen & ~out["group"].isin(tainted)
    out.loc[mask, "split"] = out.loc[mask, "group"].map(assign)
    out.loc[seen & out["group"].isin(tainted), "split"] = "excluded"
    return out
