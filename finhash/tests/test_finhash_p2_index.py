"""Indexes return what brute force returns; clustering and its scores on known cases."""

import numpy as np
import pytest
from finhash.index.cluster import cluster_codes, purity, score_clustering
from finhash.index.hamming import BACKENDS, NumpyIndex, make_index
from finhash.index.synthetic import synthetic_codes


@pytest.fixture(scope="module")
def p2_codes():
    codes, fam = synthetic_codes(40, 12, flip_p=0.05, random_state=3)
    rng = np.random.default_rng(1)
    extra = rng.integers(0, 256, (200, 32), dtype=np.uint8)  # unrelated codes
    return np.concatenate([codes, extra]), np.concatenate([fam, -1 - np.arange(200)])


def brute(codes, queries):
    bits = np.unpackbits(codes, axis=1).astype(np.int64)
    q = np.unpackbits(queries, axis=1).astype(np.int64)
    return (q[:, None, :] != bits[None, :, :]).sum(-1)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("radius", [0, 12, 32, 40])
def test_range_search_equals_brute_force(p2_codes, backend, radius):
    codes, _ = p2_codes
    queries = codes[::7]
    D = brute(codes, queries)
    r = make_index(backend, codes).range_search(queries, radius)
    for i in range(len(queries)):
        expect = sorted((int(D[i, j]), j) for j in np.flatnonzero(D[i] <= radius))
        assert r.neighbours(i) == expect


@pytest.mark.parametrize("backend", ["numpy", "faiss_flat"])
def test_knn_distances_equal_brute_force(p2_codes, backend):
    codes, _ = p2_codes
    queries = codes[::11]
    D = np.sort(brute(codes, queries), axis=1)[:, :5]
    got_d, got_i = make_index(backend, codes).knn(queries, 5)
    assert np.array_equal(got_d, D)
    # ids really are at the stated distances
    full = brute(codes, queries)
    assert np.array_equal(np.take_along_axis(full, got_i, 1), got_d)


def test_numpy_knn_breaks_ties_by_id_and_pads():
    db = np.zeros((3, 4), np.uint8)
    d, i = NumpyIndex(db).knn(np.zeros((1, 4), np.uint8), 5)
    assert i[0].tolist() == [0, 1, 2, -1, -1]
    assert d[0].tolist() == [0, 0, 0, -1, -1]


def test_mih_knn_is_approximate_but_valid(p2_codes):
    codes, _ = p2_codes
    d, i = make_index("faiss_mih", codes).knn(codes[:20], 3)
    full = brute(codes, codes[:20])
    for row in range(20):
        ok = i[row] >= 0
        assert np.array_equal(full[row, i[row][ok]], d[row][ok])
        assert d[row][0] == 0  # the query itself is always found


def test_index_input_validation():
    with pytest.raises(ValueError, match="unknown index backend"):
        make_index("annoy", np.zeros((2, 32), np.uint8))
    with pytest.raises(ValueError, match="2-D"):
        make_index("numpy", np.zeros(32, np.uint8))
    ix = make_index("faiss_flat", np.zeros((2, 32), np.uint8))
    with pytest.raises(ValueError, match="bytes"):
        ix.range_search(np.zeros((1, 8), np.uint8), 3)
    with pytest.raises(ValueError, match="does not divide"):
        make_index("faiss_mih", np.zeros((2, 32), np.uint8), nhash=7)


def test_cluster_recovers_synthetic_families(p2_codes):
    codes, fam = p2_codes
    lab = cluster_codes(codes, 40, backend="faiss_flat")
    s = score_clustering(fam, lab)
    assert s.ari == pytest.approx(1.0) and s.purity == 1.0 and s.n_clusters == s.n_families
    assert np.array_equal(lab, cluster_codes(codes, 40, backend="numpy"))


def test_cluster_chains_through_intermediate_codes():
    # 0 -- 4 bits -- 1 -- 4 bits -- 2 (8 bits from 0); 3 far away: connected components join 0,1,2
    c = np.zeros((4, 1), np.uint8)
    c[1, 0], c[2, 0], c[3, 0] = 0b1111_0000, 0b1111_1111, 0
    c = np.concatenate([c, np.zeros((4, 7), np.uint8)], axis=1)
    c[3, 1:] = 255
    lab = cluster_codes(c, 4, backend="numpy")
    assert lab[0] == lab[1] == lab[2] != lab[3]
    assert len(cluster_codes(np.zeros((0, 8), np.uint8), 3)) == 0


def test_purity_and_ari_known_values():
    true = [0, 0, 0, 1, 1, 1]
    assert purity(true, [0, 0, 0, 0, 0, 0]) == pytest.approx(0.5)
    assert purity(true, [0, 1, 2, 3, 4, 5]) == 1.0
    s = score_clustering(true, [5, 5, 5, 7, 7, 7])
    assert s.ari == 1.0 and s.inverse_purity == 1.0
    assert score_clustering(true, [0, 0, 0, 0, 0, 0]).ari == 0.0


def test_synthetic_codes_deterministic_and_shaped():
    a, fa = synthetic_codes(10, 5, random_state=4)
    b, fb = synthetic_codes(10, 5, random_state=4)
    assert np.array_equal(a, b) and np.array_equal(fa, fb)
    assert a.shape[1] == 32 and a.dtype == np.uint8 and len(set(fa.tolist())) == 10


def test_ari_matches_scikit_learn_values():
    from finhash.index.cluster import adjusted_rand_index

    # reference values from sklearn.metrics.adjusted_rand_score (sklearn 1.9; not imported here: slow)
    assert adjusted_rand_index([0, 0, 0, 1, 1, 2, 2, 2, 2], [0, 0, 1, 1, 2, 2, 2, 3, 3]) == pytest.approx(0.21052631578947367)
    assert adjusted_rand_index([0, 0, 1, 1, 2, 2], [0, 1, 0, 1, 0, 1]) == pytest.approx(-0.36363636363636365)
    assert adjusted_rand_index([1, 1, 1], [2, 2, 2]) == 1.0
