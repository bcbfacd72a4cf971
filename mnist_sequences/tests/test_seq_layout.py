"""Width policy (padding and overflow) and the statistics of the spacing draws."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from mnist_sequences.layout import SequenceLayout, check_fits, sample_gaps_conditioned
from scipy import stats
from seq_helpers import assert_layout_matches


@pytest.mark.parametrize(
    ("align", "left_pad"),
    [("left", 0), ("right", 20), ("center", 10)],
)
def test_padding_goes_where_align_says(synth_gen, align, left_pad):
    # 3 digits + 2 gaps of exactly 5 px = 94 px in 114 px: 20 px of padding
    image, layout = synth_gen.generate([1, 2, 3], (5, 5), 114, rng=0, align=align)
    assert layout.x == (left_pad, left_pad + 33, left_pad + 66)
    assert_layout_matches(image, layout, synth_gen.source)


def test_center_puts_the_odd_pixel_on_the_right(synth_gen):
    _, layout = synth_gen.generate([1, 2], (0, 0), 61, rng=0, align="center")
    assert layout.x == (2, 30)  # 5 px of padding: 2 left, 3 right


def test_random_alignment_covers_every_offset(synth_gen):
    rng = np.random.default_rng(0)
    seen = {synth_gen.generate([4], (0, 0), 32, rng=rng, align="random").layout.x[0] for _ in range(200)}
    assert seen == {0, 1, 2, 3, 4}


def test_exact_fit_has_no_padding(synth_gen):
    image, layout = synth_gen.generate([1, 2, 3], (4, 4), 92, rng=0)
    assert layout.x == (0, 32, 64)
    assert_layout_matches(image, layout, synth_gen.source)


def test_single_digit_ignores_spacing(synth_gen):
    image, layout = synth_gen.generate([8], (100, 200), 28, rng=0)
    assert layout.x == (0,) and layout.gaps == ()
    assert_layout_matches(image, layout, synth_gen.source)


def test_minimum_does_not_fit_raises_with_numbers():
    with pytest.raises(ValueError, match=r"4 x 28 px \+ 3 gaps x minimum spacing 3 px = 121 px") as info:
        check_fits(4, (3, 9), 120, "resample")
    assert "image_width 120" in str(info.value)
    check_fits(4, (3, 9), 121, "resample")  # exactly fits: no error


def test_overflow_error_refuses_when_the_widest_draw_does_not_fit(synth_gen):
    with pytest.raises(ValueError, match=r"maximum spacing 9 px = 139 px > image_width 120"):
        synth_gen.generate([1, 2, 3, 4], (0, 9), 120, overflow="error")
    image, layout = synth_gen.generate([1, 2, 3, 4], (0, 9), 139, overflow="error", rng=0)
    assert_layout_matches(image, layout, synth_gen.source)


def test_overflow_resample_fits_every_draw(synth_gen):
    rng = np.random.default_rng(2)
    for _ in range(100):
        image, layout = synth_gen.generate([1, 2, 3, 4, 5], (0, 10), 150, rng=rng)
        assert all(0 <= g <= 10 for g in layout.gaps)
        assert sum(layout.gaps) <= 10
        assert_layout_matches(image, layout, synth_gen.source)


def test_overflow_scale_keeps_aspect_and_records_the_scale(synth_gen):
    image, layout = synth_gen.generate([1, 2, 3, 4, 5], (0, 0), 70, overflow="scale", rng=0)
    assert image.shape == (28, 70) and image.dtype == np.float32
    assert layout.scale == pytest.approx(70 / 140)
    assert layout.heights == (14,) * 5 and layout.y == (7,) * 5
    assert layout.x == (0, 14, 28, 42, 56) and layout.widths == (14,) * 5
    assert not image[:7].any() and not image[21:].any()  # letterboxed, centred vertically
    assert 0.0 <= image.min() and image.max() <= 1.0
    # scale never enlarges: a fitting request is rendered as is
    _, plain = synth_gen.generate([1, 2], (0, 0), 80, overflow="scale", rng=0)
    assert plain.scale == 1.0 and plain.widths == (28, 28)


def test_scale_mode_also_handles_impossible_minimums(synth_gen):
    image, layout = synth_gen.generate([1, 2, 3], (10, 10), 52, overflow="scale", rng=0)
    assert image.shape == (28, 52) and layout.scale == pytest.approx(52 / 104)


def test_gaps_are_uniform_chi_square(synth_gen):
    """Over many draws each value of min..max is equally likely (fixed seed, so deterministic)."""
    lo, hi = 2, 9
    batch = synth_gen.sample_batch(4000, 4, (lo, hi), 140, rng=123, dtype=np.uint8)
    gaps = batch.layout.gaps.ravel()
    assert gaps.min() >= lo and gaps.max() <= hi
    counts = np.bincount(gaps - lo, minlength=hi - lo + 1)
    result = stats.chisquare(counts)
    assert result.pvalue > 0.001, counts
    # the gaps of one image are independent: correlation of consecutive gaps ~ 0
    g = batch.layout.gaps
    assert abs(np.corrcoef(g[:, 0], g[:, 1])[0, 1]) < 0.05


def test_digit_images_are_uniform_within_class_chi_square(synth_gen):
    batch = synth_gen.sample_batch(1, 1, (0, 0), 28, rng=0)  # warm-up / API check
    assert batch.images.shape == (1, 28, 28)
    seqs = np.full((7000, 1), 3)
    idx = synth_gen.generate_batch(seqs, (0, 0), 28, rng=9).layout.mnist_indices[:, 0]
    src = synth_gen.source
    assert set(src.labels[idx]) == {3}
    pool = np.flatnonzero(src.labels == 3)
    counts = np.array([(idx == i).sum() for i in pool])
    assert stats.chisquare(counts).pvalue > 0.001


def test_conditioned_sampler_matches_the_conditional_distribution():
    """Exactness of the DP sampler against brute-force enumeration of all gap vectors."""
    lo, hi, n, budget = 1, 4, 3, 7
    admissible = [v for v in itertools.product(range(lo, hi + 1), repeat=n) if sum(v) <= budget]
    rng = np.random.default_rng(42)
    draws = [tuple(int(g) for g in sample_gaps_conditioned(rng, n, lo, hi, budget)) for _ in range(6000)]
    assert set(draws) <= set(admissible)
    counts = np.array([draws.count(v) for v in admissible])
    assert stats.chisquare(counts).pvalue > 0.001  # uniform over admissible vectors


def test_conditioned_sampler_edge_cases():
    rng = np.random.default_rng(0)
    assert sample_gaps_conditioned(rng, 0, 3, 5, 0).size == 0
    np.testing.assert_array_equal(sample_gaps_conditioned(rng, 3, 2, 9, 6), [2, 2, 2])  # only one way
    with pytest.raises(ValueError, match="do not fit"):
        sample_gaps_conditioned(rng, 3, 2, 9, 5)
    big = sample_gaps_conditioned(rng, 40, 0, 500, 300)  # counts far beyond int64: still fine
    assert big.sum() <= 300 and big.min() >= 0


def test_layout_helpers():
    layout = SequenceLayout(
        digits=(3, 5), x=(1, 33), widths=(28, 28), gaps=(4,), mnist_indices=(10, 20), image_width=70
    )
    assert layout.label == "35"
    assert layout.boxes() == [(1, 0, 29, 28), (33, 0, 61, 28)]
    d = layout.to_dict()
    assert d["x"] == [1, 33] and d["heights"] == [28, 28] and d["label"] == "35"
