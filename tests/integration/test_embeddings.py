"""Embeddings and K-means on the real server: planted communities, seeds, GDS vs NumPy/scikit-learn
oracles, projections dropped on failure, write-back and explain."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from toolkit.config import load_settings
from toolkit.embeddings import (
    AbnormalParams,
    Clustering,
    EmbeddingParams,
    KMeansParams,
    abnormal_actors,
    accounts_projection,
    choose_k,
    fastrp,
    gds_degrees,
    node2vec,
)
from toolkit.errors import QueryError
from toolkit.explain import explain
from toolkit.gds import list_projections
from toolkit.jobs.embeddings import EmbeddingJobParams, run_embeddings_job
from toolkit.network import read_network
from toolkit.scoring.features import distinct_degrees

# Three communities of 12 accounts. Inside a community every account pays the next four (a dense
# ring, 48 transfers); one transfer bridges community 0 to 1 and one 1 to 2. Whom an account deals
# with is its community, so K-means on the embeddings must give back the three communities.
SIZE, COMMUNITIES = 12, 3


def _planted(seed: int = 42) -> tuple[list[str], list[int], list[tuple[str, str, float]]]:
    rng = np.random.default_rng(seed)
    ids = [f"P{i:03d}" for i in rng.permutation(SIZE * COMMUNITIES)]  # shuffled ids
    members = [ids[c * SIZE:(c + 1) * SIZE] for c in range(COMMUNITIES)]
    edges = []
    for c, group in enumerate(members):
        for i, a in enumerate(group):
            for step in range(1, 5):
                edges.append((a, group[(i + step) % SIZE], float(rng.integers(50, 5000))))
    edges.append((members[0][0], members[1][0], 100.0))
    edges.append((members[1][5], members[2][5], 100.0))
    truth = [c for c in range(COMMUNITIES) for _ in range(SIZE)]
    return [a for g in members for a in g], truth, edges


ACCOUNTS, TRUTH, EDGES = _planted()


@pytest.fixture(scope="module")
def planted(db):
    order = np.random.default_rng(3).permutation(len(EDGES))  # insertion order can't fake it
    db.cypher("UNWIND $ids AS id MERGE (:Account {id: id, class: 'personal', currency: 'USD', country: 'US', opened: date('2020-01-01')})", ids=ACCOUNTS)
    db.cypher(
        "UNWIND $rows AS r MATCH (a:Account {id: r[0]}), (b:Account {id: r[1]}) "
        "CREATE (a)-[:TRANSFER {id: r[3], amount: toFloat(r[2]), currency: 'USD', "
        "ts: datetime({epochSeconds: 1735689600 + toInteger(r[4]) * 3600}), channel: 'wire'}]->(b)",
        rows=[[EDGES[i][0], EDGES[i][1], EDGES[i][2], f"T{j:04d}", j] for j, i in enumerate(order)],
    )
    return db


def _truth_of(ids) -> list[int]:
    where = dict(zip(ACCOUNTS, TRUTH))
    return [where[str(a)] for a in ids]


def _ours(projections: list[str]) -> list[str]:
    return [p for p in projections if p.startswith(("aml-emb-", "aml-deg-"))]


def test_kmeans_recovers_planted_communities(planted):
    settings = load_settings()
    params = EmbeddingJobParams(embedding=EmbeddingParams(dimension=16, random_seed=7),
                                kmeans=KMeansParams(k=3, random_seed=7), features=())
    res = run_embeddings_job(planted, settings, params)
    rows = planted.cypher("MATCH (a:Account) WHERE a.amlClusterRunId = $run "
                          "RETURN a.id AS id, a.amlCluster AS c ORDER BY id", run=res.run_id)
    assert len(rows) == len(ACCOUNTS)
    ari = adjusted_rand_score(_truth_of([r["id"] for r in rows]), [r["c"] for r in rows])
    assert ari >= 0.9
    assert sorted(res.cluster_sizes) == [SIZE] * COMMUNITIES or ari >= 0.9


def test_k_by_silhouette_finds_three(planted):
    with accounts_projection(planted) as g:
        emb = fastrp(planted, g["graphName"], EmbeddingParams(dimension=16, random_seed=7))
    from toolkit.embeddings import standardize

    k, scores = choose_k(standardize(emb.vectors), (2, 3, 4, 6), random_state=0)
    assert k == 3 and scores[3] == max(scores.values())


def test_embeddings_are_reproducible_with_a_seed(planted):
    p = EmbeddingParams(dimension=16, random_seed=11)
    with accounts_projection(planted) as g:
        a = fastrp(planted, g["graphName"], p)
        b = fastrp(planted, g["graphName"], p)
        c = fastrp(planted, g["graphName"], dataclasses.replace(p, random_seed=12))
        n2v = EmbeddingParams(method="node2vec", dimension=8, walk_length=8, walks_per_node=3, random_seed=5)
        w1 = node2vec(planted, g["graphName"], n2v)
        w2 = node2vec(planted, g["graphName"], n2v)
    assert np.array_equal(a.aligned(ACCOUNTS), b.aligned(ACCOUNTS))
    assert not np.allclose(a.aligned(ACCOUNTS), c.aligned(ACCOUNTS))
    assert np.array_equal(w1.aligned(ACCOUNTS), w2.aligned(ACCOUNTS))
    assert a.vectors.shape == (len(ACCOUNTS), 16) and w1.vectors.shape == (len(ACCOUNTS), 8)


def test_gds_kmeans_agrees_with_sklearn_on_the_same_embeddings(planted):
    p = EmbeddingParams(dimension=16, random_seed=7)
    with accounts_projection(planted) as g:
        name = g["graphName"]
        planted.run("gds/fastrp_mutate", graph_name=name, config={**p.gds_config(), "mutateProperty": "embedding"})
        emb = fastrp(planted, name, p)  # the same vectors (same seed, concurrency 1)
        rows = list(planted.stream("gds/kmeans_stream", graph_name=name, config={
            "nodeProperty": "embedding", "k": 3, "randomSeed": 1, "concurrency": 1, "numberOfRestarts": 10, "initialSampler": "kmeans++"}))
    gds_labels = dict((r[0], r[1]) for r in rows)
    gds_dist = dict((r[0], r[2]) for r in rows)
    X = emb.vectors.astype(np.float64)
    lab = np.array([gds_labels[str(i)] for i in emb.ids])
    assert sorted(set(lab.tolist())) == [0, 1, 2]
    centroids = np.vstack([X[lab == c].mean(axis=0) for c in range(3)])
    # GDS's answer is a K-means fixed point: Lloyd's algorithm in scikit-learn, started from the
    # centroids of GDS's clusters, moves nobody (which local optimum a seeded search lands in
    # depends on node order, so comparing two independent searches would test luck, not GDS)
    km = KMeans(n_clusters=3, init=centroids, n_init=1, random_state=0).fit(X)
    assert adjusted_rand_score(km.labels_, lab) == pytest.approx(1.0)
    # distanceFromCentroid is the Euclidean distance to the centroid of the member's cluster
    oracle = np.linalg.norm(X - centroids[lab], axis=1)
    assert np.allclose([gds_dist[str(i)] for i in emb.ids], oracle, atol=1e-4)


def test_degree_features_from_gds_equal_numpy(planted):
    ids, din, dout = gds_degrees(planted)
    net = read_network(planted)
    np_in, np_out = distinct_degrees(net)
    pos = {str(a): i for i, a in enumerate(net.accounts.ids)}
    order = [pos[str(a)] for a in ids]
    assert np.array_equal(din, np_in[order]) and np.array_equal(dout, np_out[order])
    assert len(ids) == len(ACCOUNTS)


def test_projection_dropped_when_gds_fails(planted):
    before = _ours(list_projections(planted))
    bad = EmbeddingJobParams(embedding=EmbeddingParams(iteration_weights=()), kmeans=KMeansParams(k=3), features=())
    with pytest.raises(QueryError):
        run_embeddings_job(planted, load_settings(), bad, write=False)
    assert _ours(list_projections(planted)) == before == []


def test_projection_dropped_when_python_fails(planted, monkeypatch):
    import toolkit.jobs.embeddings as job

    def boom(*_a, **_k):
        raise RuntimeError("clustering failed")

    monkeypatch.setattr(job, "cluster", boom)
    with pytest.raises(RuntimeError):
        run_embeddings_job(planted, load_settings(),
                           EmbeddingJobParams(kmeans=KMeansParams(k=3), features=()), write=False)
    assert _ours(list_projections(planted)) == []


def test_writeback_flags_and_explain(planted):
    settings = load_settings()
    params = EmbeddingJobParams(embedding=EmbeddingParams(dimension=16, random_seed=7),
                                kmeans=KMeansParams(k=3, random_seed=7),
                                abnormal=AbnormalParams(distance_percentile=90.0), features=())
    res = run_embeddings_job(planted, settings, params)
    rows = planted.cypher(
        "MATCH (a:Account) RETURN count(a) AS n, count(a.amlCluster) AS clustered, "
        "sum(CASE WHEN a.amlAbnormal THEN 1 ELSE 0 END) AS abnormal, "
        "count(DISTINCT a.amlClusterRunId) AS runs, min(a.amlCentroidDistance) >= 0 AS nonneg")
    assert rows[0]["n"] == rows[0]["clustered"] == len(ACCOUNTS)
    assert rows[0]["runs"] == 1 and rows[0]["nonneg"]
    assert rows[0]["abnormal"] == res.counts["abnormal"] > 0
    flagged = planted.cypher("MATCH (f:Flag {rule: 'abnormal_cluster', runId: $run})-[:FLAGS]->(a) "
                             "RETURN a.id AS id ORDER BY id", run=res.run_id)
    assert len(flagged) == res.counts["abnormal"]
    reasons = explain(planted, flagged[0]["id"])["reasons"]
    assert any(r["rule"] == "abnormal_cluster" and "cluster" in r["details"] for r in reasons)
    # the same parameters again replace the run: one set of flags, not two
    res2 = run_embeddings_job(planted, settings, params)
    count = "MATCH (f:Flag {rule: 'abnormal_cluster', runId: $run}) RETURN count(f) AS n"
    assert planted.cypher(count, run=res.run_id)[0]["n"] == 0
    assert planted.cypher(count, run=res2.run_id)[0]["n"] == res2.counts["abnormal"] == res.counts["abnormal"]


# -- abnormal actors on a hand-made clustering (no server) --------------------------------------

def test_abnormal_criteria_by_hand():
    # 1000 accounts: cluster 0 has 990 at distance 1 (and one at 10), cluster 1 has 8 (small),
    # cluster 2 has 2 whose centroid sits far from the rest (outlying and small).
    labels = np.array([0] * 990 + [1] * 8 + [2] * 2)
    dist = np.ones(1000)
    dist[5] = 10.0
    centers = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [40.0, 40.0]])[[0, 1, 4]]
    # k = 3 clusters; add two empty ones so the robust z-score has enough centroids
    c = Clustering(labels, np.vstack([centers, [[0.5, 0.0], [0.0, 0.5]]]), dist, 5)
    ab = abnormal_actors(c, AbnormalParams(distance_percentile=99.9, small_cluster_share=0.01, outlier_z=3.0))
    assert ab.abnormal[5] and "far_from_centroid" in ab.reasons[5]
    assert all("small_cluster" in ab.reasons[i] for i in range(990, 1000))
    assert all("outlying_cluster" in ab.reasons[i] for i in (998, 999))
    assert not ab.abnormal[0] and ab.score[0] < ab.score[5]
    assert "no rule evidence given: flag_enriched skipped" in ab.notes


def test_flag_enriched_cluster():
    labels = np.array([0] * 900 + [1] * 40 + [2] * 60)
    c = Clustering(labels, np.eye(3), np.ones(1000), 3)
    evidence = np.zeros(1000)
    evidence[900:920] = 0.8  # half of cluster 1 is flagged by the rules
    evidence[0:5] = 0.8
    ab = abnormal_actors(c, AbnormalParams(distance_percentile=100.0, small_cluster_share=0.0), evidence)
    assert ab.cluster_enriched.tolist() == [False, True, False]
    assert ab.abnormal[900:940].all() and not ab.abnormal[:900].any()
