import io
import tarfile

import pytest
from face_shards.shards import MANIFEST_KEY, iter_tar_samples, load_manifest, read_sample, write_shards
from face_shards.source import Sample, iter_dataset, iter_synthetic

pytestmark = pytest.mark.s3


def test_round_trip_over_s3(written) -> None:
    store, res = written
    assert len(res.shards) == 5 and res.shards == sorted(res.shards)  # 30 samples / 7 per shard
    originals = {s.key: s for s in iter_synthetic(30, size=32)}
    seen = {}
    for shard in res.shards:
        data = store.get(shard)
        names = tarfile.open(fileobj=io.BytesIO(data)).getnames()
        assert names[0].endswith(".jpg") and names[1].endswith(".json")  # WebDataset: files of a key adjacent
        for key, parts in iter_tar_samples(data):
            seen[key] = parts
    assert set(seen) == set(originals)
    for key, parts in seen.items():
        assert parts["jpg"] == originals[key].image
    manifest = load_manifest(store)
    assert store.exists(MANIFEST_KEY) and len(manifest) == 30 and manifest["key"].is_unique
    assert set(manifest["shard"]) == set(res.shards)


def test_random_access_by_manifest_offsets(written) -> None:
    store, res = written
    originals = {s.key: s for s in iter_synthetic(30, size=32)}
    for row in res.manifest.sample(5, random_state=0).to_dict("records"):
        img, meta = read_sample(store, row)
        assert img == originals[row["key"]].image
        assert meta["__key__"] == row["key"] and meta["generator"] == row["generator"]


def test_shard_size_limit(s3_store) -> None:
    res = write_shards(s3_store, iter_synthetic(20, size=32), max_bytes=5_000, progress=False)
    sizes = [s3_store.head(k).size for k in res.shards]
    biggest_sample = int((res.manifest["img_size"] + res.manifest["json_size"]).max()) + 2048
    assert len(res.shards) > 1 and max(sizes) < 5_000 + biggest_sample + 10_240  # closes right after crossing


def test_local_store_round_trip(tmp_path) -> None:
    from imagecore.storage import LocalStore

    store = LocalStore(tmp_path)
    res = write_shards(store, iter_synthetic(5, size=16), progress=False)
    img, _meta = read_sample(store, res.manifest.iloc[3])
    assert img == list(iter_synthetic(5, size=16))[3].image


@pytest.mark.parametrize("bad", ["../x", "/abs", "a/b.c"])
def test_bad_keys_rejected(tmp_path, bad) -> None:
    from imagecore.storage import LocalStore

    with pytest.raises(ValueError, match="sample key"):
        write_shards(LocalStore(tmp_path), [Sample(bad, b"x", "jpg")], progress=False)


def test_duplicate_keys_rejected(tmp_path) -> None:
    from imagecore.storage import LocalStore

    with pytest.raises(ValueError, match="duplicate"):
        write_shards(LocalStore(tmp_path), [Sample("a", b"x", "jpg"), Sample("a", b"y", "jpg")], progress=False)


def test_dataset_source_raw_layout(tmp_path) -> None:
    from PIL import Image

    (tmp_path / "real").mkdir()
    (tmp_path / "fake").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "real" / "a.jpg")
    Image.new("RGB", (8, 8)).save(tmp_path / "fake" / "sg3_seed1_psi0.50.png")
    (tmp_path / "labels.csv").write_text(
        "filename,label,generator_if_known\nreal/a.jpg,real,\nfake/sg3_seed1_psi0.50.png,fake,StyleGAN3 x\n"
    )
    samples = list(iter_dataset(tmp_path))
    assert [s.key for s in samples] == ["fake/sg3_seed1_psi0_50", "real/a"]
    assert samples[0].meta["generator"] == "StyleGAN3" and samples[1].meta["generator"] == "none"
    with pytest.raises(FileNotFoundError):
        list(iter_dataset(tmp_path / "real"))
