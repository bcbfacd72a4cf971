"""Every variant bit-exact: golden file (square: reference; all: corrected) and random images."""

from __future__ import annotations

import numpy as np
import pytest
from finhash.baseline import FINDBaseline
from finhash.golden import load_golden
from finhash.variants import get_variant, variant_names
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from imagecore.hashing import find_hash
from imagecore.io import open_image
from PIL import Image

FAST = ["numpy", "numba", "torch"]


@pytest.fixture(scope="module")
def golden(dataset):
    rows = load_golden(dataset("finhash"))
    return rows, [open_image(g.path) for g in rows]


@pytest.fixture(scope="module")
def variants():
    out = {name: get_variant(name) for name in variant_names()}
    for v in out.values():
        v.warm_up()
    return out


def _baseline_subset(rows):
    """Small golden images for the slow baseline: all MNIST, a few of every other kind."""
    picks = [g for g in rows if g.name.startswith("mnist28_")]
    for prefix, k in (("sq64_", 4), ("land224x160_", 1), ("port160x224_", 1), ("pal_", 1), ("rgba_", 1)):
        picks += [g for g in rows if g.name.startswith(prefix)][:k]
    return picks


@pytest.mark.data
def test_baseline_matches_golden_subset(golden):
    rows, _ = golden
    base = FINDBaseline()
    for g in _baseline_subset(rows):
        with Image.open(g.path) as img:
            h = str(base.from_image(img))
        assert h == g.corrected, g.name
        if g.square:
            assert h == g.reference, g.name


@pytest.mark.data
def test_baseline_with_reference_defects_reproduces_the_original(golden):
    rows, _ = golden
    buggy = FINDBaseline(reference_defects=True)
    land = next(g for g in rows if g.name.startswith("land"))
    port = next(g for g in rows if g.name.startswith("port"))
    with Image.open(land.path) as img:
        assert str(buggy.from_image(img)) == land.reference != land.corrected
    assert port.reference == "ERROR:IndexError"
    with Image.open(port.path) as img, pytest.raises(IndexError):
        buggy.from_image(img)


@pytest.mark.data
@pytest.mark.parametrize("name", [*FAST, "numpy-integral"])
def test_fast_variants_bit_exact_on_all_golden(golden, variants, name):
    rows, images = golden
    variant = variants[name]
    if name == "torch":  # one image per call is slow on CPU: single calls on a subset, batches below
        rows, images = rows[::10], images[::10]
    got = [str(variant.hash_image(im)) for im in images]
    assert got == [g.corrected for g in rows]
    assert all(h == g.reference for h, g in zip(got, rows, strict=True) if g.square)


@pytest.mark.data
@pytest.mark.parametrize("name", ["numpy", "torch"])
def test_batched_calls_equal_single_calls(golden, variants, name):
    rows, images = golden
    got = [str(h) for h in variants[name].hash_images(images)]
    assert got == [g.corrected for g in rows]


def _image(draw_kind: str, h: int, w: int, seed: int, mode: str) -> np.ndarray:
    rng = np.random.default_rng(seed)
    shape = (h, w, 3) if mode == "RGB" else (h, w)
    if draw_kind == "noise":
        return rng.integers(0, 256, shape, dtype=np.uint8)
    if draw_kind == "flat":  # degenerate: DCT coefficients are pure rounding noise
        return np.full(shape, rng.integers(0, 256), dtype=np.uint8)
    if draw_kind == "two-level":
        mask = rng.integers(0, 2, (h, w)) > 0
        out = np.zeros(shape, dtype=np.uint8)
        out[mask] = rng.integers(0, 256)
        return out
    yy, xx = np.mgrid[0:h, 0:w]  # smooth gradient
    grad = ((yy * 3 + xx * 5) % 256).astype(np.uint8)
    return np.stack([grad] * 3, axis=-1) if mode == "RGB" else grad


image_params = st.tuples(
    st.sampled_from(["noise", "flat", "two-level", "gradient"]),
    st.integers(1, 90),
    st.integers(1, 90),
    st.integers(0, 2**31),
    st.sampled_from(["RGB", "L"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=image_params)
def test_exact_variants_agree_on_random_images(variants, params):
    arr = _image(*params)
    img = Image.fromarray(arr)
    expected = str(find_hash(img))
    for name in FAST:
        assert str(variants[name].hash_image(img)) == expected, name
        assert str(variants[name].hash_arrays([arr])[0]) == expected, name


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.tuples(
        st.sampled_from(["noise", "flat", "two-level", "gradient"]),
        st.integers(1, 40),
        st.integers(1, 40),
        st.integers(0, 2**31),
        st.sampled_from(["RGB", "L"]),
    )
)
def test_baseline_agrees_with_production_on_random_images(params):
    img = Image.fromarray(_image(*params))
    assert str(FINDBaseline().from_image(img)) == str(find_hash(img))


def test_integral_variant_is_flagged_inexact_and_differs_on_flat_images(variants):
    assert not variants["numpy-integral"].exact
    assert all(variants[n].exact for n in ("baseline", *FAST))
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (70, 50, 3), dtype=np.uint8)
    assert str(variants["numpy-integral"].hash_arrays([noise])[0]) == str(variants["numpy"].hash_arrays([noise])[0])
    flats = [np.full((40 + k, 60, 3), (17 * k) % 256, dtype=np.uint8) for k in range(1, 12)]
    differ = [
        str(a) != str(b)
        for a, b in zip(
            variants["numpy-integral"].hash_arrays(flats), variants["numpy"].hash_arrays(flats), strict=True
        )
    ]
    assert any(differ)  # rounding noise decides flat images: only op-order-exact variants reproduce it


def test_unknown_variant_name():
    with pytest.raises(ValueError, match="choose from"):
        get_variant("fastest")


def test_large_image_thumbnail_in_every_variant(variants):
    rng = np.random.default_rng(4)
    img = Image.fromarray(rng.integers(0, 256, (530, 700, 3), dtype=np.uint8))
    expected = str(find_hash(img))
    for name in FAST:
        assert str(variants[name].hash_image(img)) == expected
