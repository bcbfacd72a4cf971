"""Method registry, hashing with timings, cost helpers."""

import numpy as np
import pytest
from finhash.compare.cost import machine_rate, per_image_ms, project, size_scaling
from finhash.compare.hashing import HashTable, hash_files
from finhash.compare.methods import DEFAULT_METHODS, REGISTRY, available_methods, get_method, method_status, pack_bits
from PIL import Image

IMAGEHASH_METHODS = ["ahash64", "phash256", "dhash64", "whash256", "pdq256"]


def test_registry_bits_and_families():
    assert set(DEFAULT_METHODS) <= set(REGISTRY)
    for name in ("ahash", "phash", "dhash", "whash"):
        assert REGISTRY[f"{name}64"].bits == 64 and REGISTRY[f"{name}256"].bits == 256
    assert REGISTRY["find256"].family == "FINd" and REGISTRY["pdq256"].bits == 256
    with pytest.raises(KeyError, match="known"):
        get_method("md5")


@pytest.mark.parametrize("name", IMAGEHASH_METHODS)
def test_methods_hash_to_their_length_and_are_stable(name):
    img = Image.fromarray(np.random.default_rng(1).integers(0, 256, (70, 90, 3), dtype=np.uint8))
    h1, h2 = get_method(name).fn(img), get_method(name).fn(img.copy())
    assert np.asarray(h1.hash).size == REGISTRY[name].bits
    assert h1 - h2 == 0
    assert method_status(name) is None


def test_available_methods_reports_broken_ones(monkeypatch):
    from finhash.compare import methods as M

    def broken(img):
        raise NotImplementedError("not yet")

    monkeypatch.setitem(M.REGISTRY, "find256", M.Method("find256", "FINd", 256, broken))
    ok, skipped = available_methods(["find256", "phash64"])
    assert ok == ["phash64"] and "not implemented" in skipped["find256"]


def test_pack_bits_layout():
    bits = np.zeros((1, 16), bool)
    bits[0, 0] = bits[0, 15] = True
    assert pack_bits(bits).tolist() == [[128, 1]]
    with pytest.raises(ValueError, match="multiple of 8"):
        pack_bits(np.zeros((1, 5), bool))


def test_hash_files_codes_timings_failures_and_roundtrip(tmp_path):
    rng = np.random.default_rng(0)
    paths = []
    for i in range(3):
        p = tmp_path / f"{i}.png"
        Image.fromarray(rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)).save(p)
        paths.append(p)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image")
    t = hash_files([*paths, bad], ["phash64", "dhash256"], processes=1, progress=False)
    assert t.paths == [str(p) for p in paths] and str(bad) in t.failed
    assert t.codes["phash64"].shape == (3, 8) and t.codes["dhash256"].shape == (3, 32)
    expected = get_method("phash64").fn(Image.open(paths[1]).convert("RGB"))
    assert np.array_equal(np.unpackbits(t.codes["phash64"][1]).astype(bool), expected.hash.ravel())
    assert (t.decode_ms > 0).all() and (t.hash_ms["phash64"] > 0).all()
    assert t.hash_cpu_ms is not None and t.decode_cpu_ms is not None
    assert (t.hash_cpu_ms["dhash256"] >= 0).all() and len(t.decode_cpu_ms) == 3
    t2 = hash_files(paths, ["phash64", "dhash256"], processes=2, progress=False)
    assert np.array_equal(t2.codes["dhash256"], t.codes["dhash256"])
    t.save(tmp_path / "t.npz")
    back = HashTable.load(tmp_path / "t.npz")
    assert back.paths == t.paths and np.array_equal(back.codes["phash64"], t.codes["phash64"])
    cost = per_image_ms(t)
    assert cost["phash64"]["n"] == 3 and cost["phash64"]["hash_ms_median"] > 0
    assert "hash_cpu_ms_median" in cost["phash64"]
    with pytest.raises(KeyError):
        hash_files(paths, ["nope"])


def test_projection_and_size_scaling():
    p = project(1_000_000_000, 500.0, price_per_machine_hour=0.2)
    assert p.machine_hours == pytest.approx(1e9 / 500 / 3600)
    assert p.cost_usd == pytest.approx(p.machine_hours * 0.2)
    with pytest.raises(ValueError):
        project(10, 0.0)
    s = size_scaling(Image.new("RGB", (50, 50)), ["dhash64"], sides=(32, 64), repeats=1)
    assert set(s["dhash64"]) == {32, 64}


def test_machine_rate():
    assert machine_rate(5.0, cores=2) == 400.0
    assert machine_rate(5.0, cores=4, efficiency=0.5) == 400.0
    with pytest.raises(ValueError):
        machine_rate(0.0)
