"""De-duplication finds constructed exact and near duplicates."""

from __future__ import annotations

import pandas as pd
from face_dataset.dedup import deduplicate
from face_dataset.hashing import perceptual_hash
from q1_helpers import make_image


def _row(image_id, img, label="real", sha=None):
    return {"image_id": image_id, "filename": f"{image_id}.jpg", "label": label,
            "sha256": sha or image_id, "phash": str(perceptual_hash(img))}  # fmt: skip


def test_exact_and_near_duplicates_are_removed_and_reported():
    base = make_image(7, size=128)
    recompressed = base.resize((100, 100)).resize((128, 128))
    rows = [
        _row("a", base),
        _row("a_copy", base, sha="a"),  # same bytes
        _row("a_resized", recompressed),  # same picture, other bytes
        _row("b", make_image(8, size=128)),
        _row("c", make_image(9, size=128), label="fake"),
        _row("a_as_fake", base, label="fake"),  # same picture with the other label
    ]
    kept, report = deduplicate(pd.DataFrame(rows), threshold=4)
    assert kept["image_id"].tolist() == ["a", "b", "c"]
    by_removed = report.set_index("removed_id")
    assert by_removed.loc["a_copy", "kind"] == "exact"
    assert by_removed.loc["a_resized", "kind"] == "near" and by_removed.loc["a_resized", "kept_id"] == "a"
    assert bool(by_removed.loc["a_as_fake", "cross_label"]) is True
    assert not bool(by_removed.loc["a_copy", "cross_label"])


def test_negative_threshold_keeps_near_duplicates():
    base = make_image(7, size=128)
    rows = [_row("a", base), _row("a2", base.resize((100, 100)).resize((128, 128)))]
    kept, report = deduplicate(pd.DataFrame(rows), threshold=-1)
    assert len(kept) == 2 and report.empty


def test_distinct_images_are_all_kept():
    rows = [_row(f"x{i}", make_image(i, size=128)) for i in range(30)]
    kept, report = deduplicate(pd.DataFrame(rows), threshold=4)
    assert len(kept) == 30 and report.empty
