"""GDS on the real server: FastRP, K-means and random walks on a tiny graph of known shape."""

from __future__ import annotations

import pytest

from toolkit.gds import client, list_projections, projection


TWO_TRIANGLES = """
UNWIND [['a1','a2'],['a2','a3'],['a3','a1'],['b1','b2'],['b2','b3'],['b3','b1']] AS e
MERGE (x:Account {id: e[0]}) MERGE (y:Account {id: e[1]})
CREATE (x)-[:TRANSFER {id: e[0] + '-' + e[1], amount: 10.0}]->(y)
"""


@pytest.fixture(scope="module")
def triangles(db):
    db.cypher(TWO_TRIANGLES)
    return db


def test_fastrp_kmeans_randomwalk_shapes(triangles):
    db = triangles
    with projection(db, "gds/project_transfers_undirected") as g:
        name = g["graphName"]
        assert g["nodeCount"] == 6 and g["relationshipCount"] == 12  # undirected: both ways
        emb = db.cypher(
            "CALL gds.fastRP.stream($g, {embeddingDimension: 8, randomSeed: 7, concurrency: 1}) "
            "YIELD nodeId, embedding RETURN gds.util.asNode(nodeId).id AS id, embedding ORDER BY id",
            g=name,
        )
        assert len(emb) == 6 and all(len(r["embedding"]) == 8 for r in emb)
        db.cypher(
            "CALL gds.fastRP.mutate($g, {embeddingDimension: 8, randomSeed: 7, concurrency: 1, "
            "mutateProperty: 'emb'}) YIELD nodePropertiesWritten RETURN nodePropertiesWritten",
            g=name,
        )
        clusters = db.cypher(
            "CALL gds.kmeans.stream($g, {nodeProperty: 'emb', k: 2, randomSeed: 1, concurrency: 1}) "
            "YIELD nodeId, communityId RETURN gds.util.asNode(nodeId).id AS id, communityId",
            g=name,
        )
        by_id = {r["id"]: r["communityId"] for r in clusters}
        # The two triangles are disconnected: each is one community.
        assert by_id["a1"] == by_id["a2"] == by_id["a3"]
        assert by_id["b1"] == by_id["b2"] == by_id["b3"]
        assert by_id["a1"] != by_id["b1"]
        walks = db.cypher(
            "CALL gds.randomWalk.stream($g, {walkLength: 4, walksPerNode: 2, randomSeed: 3, "
            "concurrency: 1}) YIELD nodeIds RETURN [n IN nodeIds | gds.util.asNode(n).id] AS walk",
            g=name,
        )
        assert len(walks) == 12
        for r in walks:
            walk = r["walk"]
            assert len(walk) == 4
            # a walk never leaves its triangle
            assert len({node[0] for node in walk}) == 1
    assert name not in list_projections(db)


def test_projection_is_dropped_when_the_body_fails(triangles):
    db = triangles
    seen = []
    with pytest.raises(RuntimeError):
        with projection(db, "gds/project_transfers_undirected") as g:
            seen.append(g["graphName"])
            raise RuntimeError("boom")
    assert seen and seen[0] not in list_projections(db)


def test_graphdatascience_client_talks_to_open_gds(server):
    from toolkit.config import load_settings

    gds = client(load_settings())
    try:
        assert str(gds.server_version()).startswith("2.13")
    finally:
        gds.close()


def test_projecting_an_empty_graph_is_a_one_line_error(db):
    """A Cypher projection over no rows makes no graph; without this check `aml detect` on an
    empty database ended in a NullPointerException from inside GDS."""
    from toolkit.errors import NotFound

    db.cypher("MATCH (n:Account) DETACH DELETE n")
    with pytest.raises(NotFound, match="no accounts to project"):
        with projection(db, "gds/project_accounts_weighted"):
            pass
