"""Exact (sha256) and near-duplicate (perceptual-hash distance) removal with a report."""

from __future__ import annotations

import numpy as np
import pandas as pd

from face_dataset.hashing import hamming_matrix

REPORT_COLUMNS = ["removed_id", "removed_filename", "removed_label", "kept_id", "kept_filename",
                  "kept_label", "kind", "distance", "cross_label"]  # fmt: skip


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def deduplicate(
    df: pd.DataFrame, *, threshold: int = 3, hash_column: str = "phash"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Remove exact and near-duplicates, keeping the first row of each group.

    Exact duplicates share a ``sha256``. Near-duplicates are linked when the Hamming distance
    of their perceptual hashes is ``<= threshold``; linked rows form groups (single-linkage),
    and every group keeps its first row in ``df`` order. A group mixing ``real`` and ``fake``
    is flagged ``cross_label`` (a label error or a shortcut risk worth a look).

    Parameters
    ----------
    df
        Metadata with ``image_id, filename, label, sha256`` and ``hash_column``.
    threshold
        Largest Hamming distance counted as a near-duplicate; a negative value disables the near pass.
    hash_column
        Column of hex perceptual hashes.

    Returns
    -------
    (kept, report)
        The de-duplicated frame (index reset) and one report row per removed image.
    """
    df = df.reset_index(drop=True)
    n = len(df)
    parent = list(range(n))
    first_by_sha: dict[str, int] = {}
    for i, sha in enumerate(df["sha256"]):
        if sha in first_by_sha:
            parent[i] = first_by_sha[sha]
        else:
            first_by_sha[sha] = i
    if threshold >= 0 and n > 1:
        uniq = sorted(first_by_sha.values())
        hashes = df.loc[uniq, hash_column].astype(str).tolist()
        D = hamming_matrix(hashes)
        ii, jj = np.nonzero(np.triu(D <= threshold, k=1))
        for a, b in zip(ii, jj, strict=True):
            ra, rb = _find(parent, uniq[a]), _find(parent, uniq[b])
            if ra != rb:
                lo, hi = min(ra, rb), max(ra, rb)
                parent[hi] = lo
    rows = []
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        root = _find(parent, i)
        if root == i:
            continue
        keep[i] = False
        k = "exact" if df.at[i, "sha256"] == df.at[root, "sha256"] else "near"
        d = 0 if k == "exact" else int(hamming_matrix([df.at[i, hash_column]], [df.at[root, hash_column]])[0, 0])
        rows.append(
            [df.at[i, "image_id"], df.at[i, "filename"], df.at[i, "label"], df.at[root, "image_id"],
             df.at[root, "filename"], df.at[root, "label"], k, d, df.at[i, "label"] != df.at[root, "label"]]
        )  # fmt: skip
    report = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    return df[keep].reset_index(drop=True), report
