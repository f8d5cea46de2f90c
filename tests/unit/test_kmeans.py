"""K-means in NumPy (toolkit.embeddings.kmeans) without a server: planted communities come back,
k by silhouette picks the planted number, the silhouette is scikit-learn's (the oracle), seeds
reproduce, and the old backend name still works."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score

from toolkit.embeddings import Clustering, KMeansParams, choose_k, cluster, kmeans, silhouette, standardize
from toolkit.errors import ConfigError

# Three communities of 60 accounts in 16 dimensions (centres drawn with spread 3, members with
# spread 1 around theirs). Standardised, the centres are 4.4-5.7 apart and a member is 2.6 from
# its own on average, so the communities are what K-means must return. Rows are shuffled so
# order can't fake it.
SIZE, COMMUNITIES, DIM = 60, 3, 16


def _planted(seed: int = 42) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 3.0, (COMMUNITIES, DIM))
    truth = np.repeat(np.arange(COMMUNITIES), SIZE)
    X = centres[truth] + rng.normal(0.0, 1.0, (len(truth), DIM))
    order = rng.permutation(len(truth))
    return standardize(X[order]), truth[order]


X, TRUTH = _planted()


@pytest.mark.parametrize("seed", [0, 7, 42])
def test_kmeans_recovers_planted_communities(seed):
    res = kmeans(X, 3, random_state=seed, n_init=2)
    assert adjusted_rand_score(TRUTH, res.labels) >= 0.9
    assert sorted(res.sizes().tolist()) == [SIZE] * COMMUNITIES
    assert res.backend == "numpy" and res.centers.shape == (3, DIM)


def test_distances_are_to_the_own_centroid_and_centroids_are_means():
    res = kmeans(X, 3, random_state=1)
    means = np.vstack([X[res.labels == c].mean(axis=0) for c in range(3)])
    assert np.allclose(res.centers, means)
    assert np.allclose(res.distances, np.linalg.norm(X - means[res.labels], axis=1))
    # a K-means fixed point: Lloyd's algorithm in scikit-learn started there moves nobody
    km = KMeans(n_clusters=3, init=res.centers, n_init=1).fit(X)
    assert adjusted_rand_score(km.labels_, res.labels) == pytest.approx(1.0)


def test_inertia_as_good_as_scikit_learn_on_structureless_data():
    Y = np.random.default_rng(3).normal(size=(2000, 8))
    ours = kmeans(Y, 6, random_state=0, n_init=4)
    ours_inertia = float(((Y - ours.centers[ours.labels]) ** 2).sum())
    theirs = KMeans(n_clusters=6, n_init=4, random_state=0).fit(Y).inertia_
    assert ours_inertia <= 1.02 * theirs


def test_same_seed_same_clusters():
    Y = np.random.default_rng(5).normal(size=(500, 4))
    a, b = kmeans(Y, 5, random_state=11), kmeans(Y, 5, random_state=11)
    assert np.array_equal(a.labels, b.labels) and np.array_equal(a.centers, b.centers)


def test_k_by_silhouette_finds_three():
    k, scores = choose_k(X, (2, 3, 4, 6), random_state=0)
    assert k == 3 and scores[3] == max(scores.values())
    res = cluster(X, KMeansParams(k_candidates=(2, 3, 4, 6), random_seed=0))
    assert res.k == 3 and set(res.silhouette) == {2, 3, 4, 6}


def test_silhouette_is_scikit_learns():
    rng = np.random.default_rng(9)
    Y = rng.normal(size=(700, 5))
    labels = rng.integers(0, 4, 700)
    labels[3] = 9  # a cluster of one: silhouette 0 for that row
    assert silhouette(Y, labels, chunk=64) == pytest.approx(silhouette_score(Y, labels), abs=1e-12)
    assert silhouette(X, TRUTH) == pytest.approx(silhouette_score(X, TRUTH), abs=1e-12)
    with pytest.raises(ValueError):
        silhouette(Y, np.zeros(700, dtype=int))


def test_edge_cases():
    assert kmeans(np.empty((0, 3)), 4).k == 0
    one = kmeans(np.ones((1, 3)), 4)
    assert one.k == 1 and one.labels.tolist() == [0] and one.distances.tolist() == [0.0]
    same = kmeans(np.ones((10, 2)), 3)  # identical rows: no crash, all at distance 0
    assert same.labels.shape == (10,) and np.allclose(same.distances, 0.0)
    assert isinstance(same, Clustering)


def test_backend_names():
    assert KMeansParams().backend == "numpy"
    assert KMeansParams(backend="sklearn").backend == "numpy"  # the old name still works
    assert KMeansParams.from_mapping({"kmeans_backend": "sklearn"}).backend == "numpy"
    assert KMeansParams(backend="gds").backend == "gds"
    with pytest.raises(ConfigError, match="expected one of numpy, gds"):
        KMeansParams(backend="spark")
