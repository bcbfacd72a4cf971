"""The batch API: generate_batch / sample_batch."""

from __future__ import annotations

import numpy as np
import pytest
from seq_helpers import assert_layout_matches

from mnist_sequences import generate_batch


def test_batch_of_mixed_lengths_matches_layouts(synth_gen):
    seqs = [[1], [2, 3], [4, 5, 6, 7], [8, 9, 0]]
    batch = synth_gen.generate_batch(seqs, (1, 6), 150, rng=4)
    assert batch.images.shape == (4, 28, 150) and batch.images.dtype == np.float32
    lay = batch.layout
    assert len(lay) == 4 and lay.labels == ["1", "23", "4567", "890"]
    assert lay.lengths.tolist() == [1, 2, 4, 3]
    assert lay.x[0, 1:].tolist() == [-1, -1, -1] and lay.gaps[1, 1:].tolist() == [-1, -1]
    for i in range(4):
        assert_layout_matches(batch.images[i], lay[i], synth_gen.source)


def test_array_fast_path_and_uint8_output_agree_with_float(synth_gen):
    seqs = np.array([[1, 2, 3], [3, 2, 1], [0, 0, 0]])
    f = synth_gen.generate_batch(seqs, (0, 9), 120, rng=5)
    u = synth_gen.generate_batch(seqs, (0, 9), 120, rng=5, dtype=np.uint8)
    assert u.images.dtype == np.uint8
    np.testing.assert_array_equal(np.rint(f.images * 255).astype(np.uint8), u.images)
    np.testing.assert_array_equal(f.layout.x, u.layout.x)
    with pytest.raises(ValueError, match="dtype"):
        synth_gen.generate_batch(seqs, (0, 9), 120, dtype=np.float64)


def test_batch_validation(synth_gen):
    with pytest.raises(ValueError, match="0-9"):
        synth_gen.generate_batch(np.array([[1, 12]]), (0, 1), 100)
    with pytest.raises(ValueError, match="empty"):
        synth_gen.generate_batch(np.zeros((0, 3), dtype=int), (0, 1), 100)
    with pytest.raises(ValueError, match="empty"):
        synth_gen.generate_batch([], (0, 1), 100)
    with pytest.raises(ValueError, match="empty"):
        synth_gen.generate_batch([[1], []], (0, 1), 100)
    with pytest.raises(ValueError, match="minimum spacing"):
        synth_gen.generate_batch([[1], [1, 2, 3, 4]], (3, 4), 100)  # the 4-digit row cannot fit
    with pytest.raises(ValueError, match="length"):
        synth_gen.sample_batch(3, (4, 2), (0, 1), 200)
    with pytest.raises(ValueError, match="positive"):
        synth_gen.sample_batch(0, 3, (0, 1), 200)


def test_sample_batch_lengths_digits_and_determinism(synth_gen):
    a = synth_gen.sample_batch(300, (2, 5), (0, 4), 160, rng=1)
    b = synth_gen.sample_batch(300, (2, 5), (0, 4), 160, rng=1)
    np.testing.assert_array_equal(a.images, b.images)
    assert set(a.layout.lengths.tolist()) == {2, 3, 4, 5}
    assert all(len(label) == n for label, n in zip(a.layout.labels, a.layout.lengths, strict=True))
    assert set("".join(a.layout.labels)) == set("0123456789")
    for i in range(0, 300, 37):
        assert_layout_matches(a.images[i], a.layout[i], synth_gen.source)


def test_batch_with_overflow_mixes_resample_and_scale(synth_gen):
    seqs = [[1, 2, 3, 4, 5]] * 20
    res = synth_gen.generate_batch(seqs, (0, 10), 150, rng=2)
    assert (res.layout.gaps.sum(axis=1) <= 10).all()
    sc = synth_gen.generate_batch(seqs, (0, 10), 150, rng=2, overflow="scale")
    shrunk = sc.layout.scale < 1
    assert shrunk.any() and (sc.layout.scale <= 1).all()
    for i in np.flatnonzero(~shrunk):
        assert_layout_matches(sc.images[i], sc.layout[i], synth_gen.source)


def test_module_level_generate_batch(mnist_dir):
    images = generate_batch(np.array([[1, 2], [3, 4]]), (2, 2), 60, rng=0, root=mnist_dir)
    assert images.shape == (2, 28, 60) and images.dtype == np.float32


@pytest.mark.parametrize(
    ("digits", "spacing", "width", "options"),
    [
        ([3, 5, 0], (2, 8), 120, {}),
        ([1, 2, 3, 4, 5], (0, 10), 150, {}),  # overflow: conditioned resample
        ([1, 2, 3, 4, 5], (0, 10), 150, {"overflow": "scale"}),
        ([7, 7], (0, 30), 140, {"align": "random"}),
        ([9], (0, 0), 60, {"align": "right"}),
    ],
)
def test_single_fast_path_equals_a_batch_of_one(synth_gen, digits, spacing, width, options):
    for seed in range(5):
        image, layout = synth_gen.generate(digits, spacing, width, rng=seed, **options)
        batch = synth_gen.generate_batch([digits], spacing, width, rng=seed, **options)
        np.testing.assert_array_equal(image, batch.images[0])
        assert layout == batch.layout[0]
