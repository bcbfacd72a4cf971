"""Accuracy metrics on constructed cases with known answers."""

import numpy as np
import pytest
from finhash.compare.metrics import (
    auc_from_hist,
    between_family_pairs,
    curves_from_hist,
    evaluate,
    hamming,
    n_between_pairs,
    tpr_at_fpr,
    within_family_pairs,
)


def codes_from_ints(values, nbytes=1):
    return np.array([[(v >> (8 * (nbytes - 1 - b))) & 255 for b in range(nbytes)] for v in values], np.uint8)


def test_hamming_counts_differing_bits():
    a = codes_from_ints([0b0000_0000, 0b1111_0000, 0xFF])
    b = codes_from_ints([0b0000_0001, 0b0000_1111, 0x00])
    assert hamming(a, b).tolist() == [1, 8, 8]


def test_pairs_within_and_between():
    fam = ["a", "b", "a", "c", "a", "b"]
    pos = within_family_pairs(fam)
    assert sorted(map(tuple, pos.tolist())) == [(0, 2), (0, 4), (1, 5), (2, 4)]
    neg = between_family_pairs(fam, 500, random_state=1)
    assert len(neg) == 500
    assert all(fam[i] != fam[j] for i, j in neg)
    assert n_between_pairs(fam) == 15 - 4
    with pytest.raises(ValueError, match="two families"):
        between_family_pairs(["x", "x"], 3)


def test_auc_perfect_reversed_and_tied():
    bits = 8
    pos = np.bincount([0, 1, 1], minlength=bits + 1).astype(float)
    neg = np.bincount([5, 6, 7], minlength=bits + 1).astype(float)
    assert auc_from_hist(pos, neg) == 1.0
    assert auc_from_hist(neg, pos) == 0.0
    assert auc_from_hist(pos, pos) == 0.5


def test_auc_equals_mann_whitney_on_random_distances():
    rng = np.random.default_rng(0)
    dp, dn = rng.integers(0, 20, 300), rng.integers(5, 40, 500)
    expected = np.mean((dp[:, None] < dn[None, :]) + 0.5 * (dp[:, None] == dn[None, :]))
    got = auc_from_hist(np.bincount(dp, minlength=41).astype(float), np.bincount(dn, minlength=41).astype(float))
    assert got == pytest.approx(expected)


def test_tpr_at_fpr_and_precision_at_prior():
    # positives at distances 0..9 (one each), negatives: 1 at 5, 99 at 20
    pos = np.bincount(np.arange(10), minlength=33).astype(float)
    neg = np.bincount([5] + [20] * 99, minlength=33).astype(float)
    c = curves_from_hist(pos, neg, neg_scale=10.0)
    assert tpr_at_fpr(c, 0.0) == (0.5, 4)  # thresholds 0..4 have no false positive
    assert tpr_at_fpr(c, 0.01) == (1.0, 19)
    # at t=9: TP=10, FP (sampled) = 1, scaled x10 -> precision 10/20
    assert c.precision[9] == pytest.approx(0.5)
    assert c.tpr[9] == 1.0 and c.f1[9] == pytest.approx(2 * 0.5 / 1.5)
    # no threshold allowed when even t=0 has false positives
    c0 = curves_from_hist(pos, np.bincount([0, 1], minlength=33).astype(float))
    assert tpr_at_fpr(c0, 0.1) == (0.0, -1)


def _families(n_fam=30, size=5, bits=64, flip=2, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.random((n_fam, bits)) < 0.5
    fam = np.repeat(np.arange(n_fam), size)
    b = centres[fam].copy()
    for i in range(len(b)):
        b[i, rng.choice(bits, flip, replace=False)] ^= True
    tags = np.array((["original"] + ["near"] * (size - 2) + ["far"]) * n_fam)
    far = np.flatnonzero(tags == "far")
    b[far] = rng.random((len(far), bits)) < 0.5  # "far" variants are unrelated: never recalled
    return np.packbits(b, axis=1), fam, tags


def test_evaluate_separable_families_and_per_transform():
    codes, fam, tags = _families()
    ev = evaluate(codes, fam, n_neg=3000, transforms=tags, n_boot=30, random_state=0)
    assert ev.bits == 64
    assert ev.per_transform["near"]["recall"] == 1.0
    assert ev.per_transform["far"]["recall"] <= 0.1
    assert 0.5 < ev.point["auc"] < 1.0
    lo, hi = ev.ci["auc"]
    assert lo <= ev.point["auc"] <= hi
    assert set(ev.to_dict()) >= {"point", "ci", "curves", "per_transform"}


def test_evaluate_is_deterministic_by_seed():
    codes, fam, tags = _families(seed=3)
    a = evaluate(codes, fam, n_neg=2000, transforms=tags, n_boot=10, random_state=5)
    b = evaluate(codes, fam, n_neg=2000, transforms=tags, n_boot=10, random_state=5)
    assert a.point == b.point and a.ci == b.ci


def test_evaluate_rejects_bad_input():
    codes, fam, _ = _families()
    with pytest.raises(ValueError, match="family labels"):
        evaluate(codes, fam[:-1])
    with pytest.raises(ValueError, match="single image"):
        evaluate(codes[:5], np.arange(5), n_neg=10)
