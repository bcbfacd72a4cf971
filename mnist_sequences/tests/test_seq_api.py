"""The function API `generate_numbers_sequence` and the object API `SequenceGenerator.generate`."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from imagecore.config import DataNotFoundError
from seq_helpers import assert_layout_matches

from mnist_sequences import SequenceGenerator, generate_numbers_sequence, get_generator


def test_shape_dtype_range_and_polarity(mnist_dir):
    img = generate_numbers_sequence([3, 5, 0], (2, 8), 120, rng=0, root=mnist_dir)
    assert isinstance(img, np.ndarray)
    assert img.shape == (28, 120)
    assert img.dtype == np.float32
    assert 0.0 <= img.min() and img.max() <= 1.0
    # MNIST polarity: mostly black background, white strokes
    assert img.max() == 1.0 and np.median(img) == 0.0


def test_same_seed_same_image_and_different_seeds_differ(mnist_dir):
    a = generate_numbers_sequence([1, 2, 3, 4], (0, 10), 150, rng=7, root=mnist_dir)
    b = generate_numbers_sequence([1, 2, 3, 4], (0, 10), 150, rng=7, root=mnist_dir)
    c = generate_numbers_sequence([1, 2, 3, 4], (0, 10), 150, rng=8, root=mnist_dir)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    g1 = generate_numbers_sequence([9], (0, 0), 28, rng=np.random.default_rng(3), root=mnist_dir)
    g2 = generate_numbers_sequence([9], (0, 0), 28, rng=np.random.default_rng(3), root=mnist_dir)
    np.testing.assert_array_equal(g1, g2)


def test_function_api_reuses_one_generator_per_split(mnist_dir):
    first = get_generator("train", mnist_dir)
    generate_numbers_sequence([1], (0, 0), 40, rng=0, root=mnist_dir)
    assert get_generator("train", mnist_dir) is first
    assert get_generator("test", mnist_dir) is not first


def test_function_and_object_api_agree(mnist_gen, mnist_dir):
    img = generate_numbers_sequence([4, 2], (3, 9), 80, rng=11, root=mnist_dir)
    image, layout = mnist_gen.generate([4, 2], (3, 9), 80, rng=11)
    np.testing.assert_array_equal(img, image)
    assert layout.label == "42"


def test_each_block_is_an_mnist_image_of_the_requested_class(mnist_gen):
    digits = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    image, layout = mnist_gen.generate(digits, (0, 5), 330, rng=5)
    assert layout.digits == tuple(digits)
    assert_layout_matches(image, layout, mnist_gen.source)
    gaps = np.diff(layout.x) - 28
    assert tuple(gaps) == layout.gaps
    assert all(0 <= g <= 5 for g in gaps)


def test_test_split_is_selectable(mnist_dir):
    gen = SequenceGenerator("test", root=mnist_dir, seed=0)
    assert len(gen.source) == 10_000 and gen.source.name == "mnist-test"
    image, layout = gen.generate([7, 7], (1, 1), 57)
    assert_layout_matches(image, layout, gen.source)


def test_missing_data_raises_the_helpful_error(tmp_path):
    with pytest.raises(DataNotFoundError, match="make data"):
        SequenceGenerator("train", root=tmp_path)


@pytest.mark.parametrize(
    ("digits", "spacing", "width", "match"),
    [
        ([3, 10], (0, 2), 100, "0-9"),
        ([-1], (0, 2), 100, "0-9"),
        ([3, 2.5], (0, 2), 100, "integer"),
        ([True], (0, 2), 100, "integer"),
        ("350", (0, 2), 100, "string"),
        ([], (0, 2), 100, "empty"),
        (5, (0, 2), 100, "list-like"),
        ([1, 2], (5, 2), 100, "greater than maximum"),
        ([1, 2], (-1, 2), 100, ">= 0"),
        ([1, 2], (1,), 100, "pair"),
        ([1, 2], (0, 2), 0, "positive"),
        ([1, 2], (0, 2), -5, "positive"),
        ([1, 2], (0, 2), 60.5, "integer"),
        ([1, 2, 3], (10, 12), 100, r"3 x 28 px \+ 2 gaps x minimum spacing 10 px = 104 px"),
    ],
)
def test_invalid_requests_raise_value_error_before_loading(digits, spacing, width, match, tmp_path):
    # root points to an empty folder: validation must happen before MNIST is needed
    with pytest.raises(ValueError, match=match):
        generate_numbers_sequence(digits, spacing, width, rng=0, root=tmp_path)


def test_invalid_options_and_rng(synth_gen):
    with pytest.raises(ValueError, match="align"):
        synth_gen.generate([1], (0, 0), 40, align="middle")
    with pytest.raises(ValueError, match="overflow"):
        synth_gen.generate([1], (0, 0), 40, overflow="crop")
    with pytest.raises(ValueError, match="rng"):
        synth_gen.generate([1], (0, 0), 40, rng="seed")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="split"):
        SequenceGenerator("validation")


def test_numpy_inputs_are_accepted(synth_gen):
    image, layout = synth_gen.generate(np.array([1, 2, 3]), np.array([2, 4]), np.int64(100), rng=np.int64(1))
    assert image.shape == (28, 100) and layout.digits == (1, 2, 3)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    digits=st.lists(st.integers(0, 9), min_size=1, max_size=8),
    lo=st.integers(0, 12),
    extra=st.integers(0, 12),
    slack=st.integers(0, 80),
    seed=st.integers(0, 2**32 - 1),
    align=st.sampled_from(["center", "left", "right", "random"]),
)
def test_property_layout_is_exact(synth_gen, digits, lo, extra, slack, seed, align):
    hi = lo + extra
    n = len(digits)
    width = 28 * n + lo * (n - 1) + slack  # always feasible
    image, layout = synth_gen.generate(digits, (lo, hi), width, rng=seed, align=align)
    assert image.shape == (28, width) and image.dtype == np.float32
    assert 0.0 <= image.min() and image.max() <= 1.0
    assert layout.digits == tuple(digits)
    assert all(lo <= g <= hi for g in layout.gaps)
    assert tuple(int(v) for v in np.diff(layout.x) - 28) == layout.gaps
    assert layout.x[0] >= 0 and layout.x[-1] + 28 <= width
    assert_layout_matches(image, layout, synth_gen.source)
    again, _ = synth_gen.generate(digits, (lo, hi), width, rng=seed, align=align)
    np.testing.assert_array_equal(image, again)
