import pickle
import urllib.request

import pytest
from imagecore.storage import LocalStore, ObjectNotFoundError, S3Store, open_store


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalStore(tmp_path / "store")
    return request.getfixturevalue("s3_store")


def test_put_get_head_list_delete(store):
    info = store.put("raw/images/1.jpg", b"\xff\xd8abc", content_type="image/jpeg", metadata={"sha256": "x1"})
    assert info.size == 5 and info.etag
    store.put("raw/images/2.jpg", b"22")
    store.put("other/3.txt", b"3")
    assert store.get("raw/images/1.jpg") == b"\xff\xd8abc"
    head = store.head("raw/images/1.jpg")
    assert head.size == 5 and head.content_type == "image/jpeg" and head.metadata == {"sha256": "x1"}
    assert head.etag == info.etag
    assert [o.key for o in store.list("raw/")] == ["raw/images/1.jpg", "raw/images/2.jpg"]
    assert [o.key for o in store.list()] == ["other/3.txt", "raw/images/1.jpg", "raw/images/2.jpg"]
    assert store.exists("other/3.txt")
    store.delete("other/3.txt")
    store.delete("other/3.txt")  # idempotent
    assert not store.exists("other/3.txt")
    with pytest.raises(ObjectNotFoundError, match="no such object"):
        store.get("other/3.txt")
    with pytest.raises(ObjectNotFoundError):
        store.head("nope")


def test_overwrite_replaces(store):
    store.put("k", b"one")
    store.put("k", b"two!")
    assert store.get("k") == b"two!" and store.head("k").size == 4


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "../x", "a//b", "a\\b", "a/./b"])
def test_bad_keys_rejected(store, key):
    with pytest.raises(ValueError):
        store.put(key, b"x")


def test_presign_fetches_without_credentials(store):
    store.put("p/x.bin", b"payload")
    url = store.presign("p/x.bin", expires=60)
    with urllib.request.urlopen(url) as resp:  # file:// or http:// on loopback
        assert resp.read() == b"payload"


def test_local_store_persists_across_instances(tmp_path):
    LocalStore(tmp_path).put("a/b", b"1", metadata={"m": "v"})
    again = LocalStore(tmp_path)
    assert again.get("a/b") == b"1" and again.head("a/b").metadata == {"m": "v"}
    assert [o.key for o in again.list()] == ["a/b"]
    assert again.uri("a/b").startswith("file://")


def test_s3_prefix_and_uri(s3_server, s3_store):
    scoped = S3Store(s3_store.bucket, "datasets/faces", endpoint_url=s3_server.endpoint_url)
    scoped.put("x.jpg", b"1")
    assert s3_store.get("datasets/faces/x.jpg") == b"1"
    assert [o.key for o in scoped.list()] == ["x.jpg"]
    assert scoped.uri("x.jpg") == f"s3://{s3_store.bucket}/datasets/faces/x.jpg"
    assert scoped.get_range("x.jpg", 0, 1) == b"1"
    clone = pickle.loads(pickle.dumps(scoped))  # stores travel to worker processes
    assert clone.get("x.jpg") == b"1"


def test_s3_listing_paginates(s3_store):
    for i in range(25):
        s3_store.put(f"many/{i:05d}", b"")
    keys = [o.key for o in s3_store.list("many/", page_size=10)]
    assert len(keys) == 25 and keys == sorted(keys)
    s3_store.delete_many(keys[:20])
    assert len(list(s3_store.list("many/"))) == 5


def test_open_store_urls(tmp_path, s3_server, s3_store):
    assert isinstance(open_store(str(tmp_path)), LocalStore)
    assert isinstance(open_store(tmp_path.as_uri()), LocalStore)
    s3 = open_store(f"s3://{s3_store.bucket}/pre?endpoint_url={s3_server.endpoint_url}")
    assert isinstance(s3, S3Store) and s3.prefix == "pre/"
    with pytest.raises(ValueError, match="unsupported"):
        open_store("ftp://host/x")
    with pytest.raises(ValueError, match="bucket"):
        open_store("s3:///nobucket")


def test_s3_unreachable_endpoint_is_a_clear_error():
    from imagecore.storage import StorageError

    store = S3Store("b", endpoint_url="http://127.0.0.1:1", max_attempts=1)
    with pytest.raises(StorageError, match="upload failed"):
        store.put("k", b"x")


def test_get_range(store):
    store.put("r/obj", b"0123456789")
    assert store.get_range("r/obj", 2, 3) == b"234"
    assert store.get_range("r/obj", 8, 10) == b"89"
    assert store.get_range("r/obj", 0, 0) == b""
    with pytest.raises(ValueError, match="invalid range"):
        store.get_range("r/obj", -1, 2)
    with pytest.raises(ObjectNotFoundError):
        store.get_range("r/missing", 0, 1)


def test_pickled_s3_store_keeps_credentials(s3_server):
    store = S3Store("b", endpoint_url=s3_server.endpoint_url, access_key="AK", secret_key="SK", region="eu-west-1")
    clone = pickle.loads(pickle.dumps(store))
    creds = clone.client._request_signer._credentials
    assert (creds.access_key, creds.secret_key) == ("AK", "SK")
    assert clone.client.meta.region_name == "eu-west-1"
