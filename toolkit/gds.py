"""Graph Data Science from Python: projections that always get dropped, and the client.

Why a context manager: a GDS projection lives on the server's heap until someone drops it; a
detection run that fails half-way must not leave gigabytes behind. :func:`projection` drops the
named graph on exit, also when the body raised.

The ``graphdatascience`` client (2.2+) works against the open-source GDS build the toolkit installs:
when ``gds.debug.arrow`` is absent (OpenGDS has no Arrow server) it falls back to Bolt by itself,
so no shim is needed; :func:`client` only pins ``arrow=False`` so that it never tries Arrow on a
server that lacks it, and checks the server's GDS version.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from typing import Any, Iterator

from toolkit.config import Settings
from toolkit.db import Database
from toolkit.errors import NotFound, ToolkitError

__all__ = ["projection", "drop_projection", "list_projections", "client", "gds_available"]

log = logging.getLogger(__name__)


def gds_available(db: Database) -> bool:
    """True when the server has the GDS procedures."""
    try:
        db.run_one("admin/gds_version")
        return True
    except ToolkitError:
        return False


def list_projections(db: Database) -> list[str]:
    rows = db.cypher("CALL gds.graph.list() YIELD graphName RETURN graphName ORDER BY graphName")
    return [r["graphName"] for r in rows]


def drop_projection(db: Database, name: str) -> bool:
    """Drop a projection if it exists; True when one was dropped."""
    rows = db.cypher(
        "CALL gds.graph.drop($name, false) YIELD graphName RETURN graphName", name=name
    )
    return bool(rows)


@contextlib.contextmanager
def projection(db: Database, query: str, /, prefix: str = "aml", **params: Any) -> Iterator[dict[str, Any]]:
    """Project a graph with the named query (``cypher/gds/project_*.cypher``, which takes
    ``$graph_name``) and drop it on exit, whatever happened in between.

    Yields the projection's summary row (``graphName``, ``nodeCount``, ``relationshipCount``...).
    """
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    try:
        row = db.run_one(query, graph_name=name, **params) or {}
        if row.get("graphName") is None:
            # a Cypher projection over no rows creates no graph, and every algorithm called on it
            # then fails with a NullPointerException from inside GDS
            raise NotFound("the graph holds no accounts to project: load data first (aml load PATH)")
        yield row
    finally:
        try:
            drop_projection(db, name)
        except ToolkitError as exc:  # the server went away: nothing left to drop
            log.warning("could not drop projection %s: %s", name, exc)


def client(settings: Settings) -> Any:
    """A ``graphdatascience.GraphDataScience`` for the configured database (Bolt only)."""
    from graphdatascience import GraphDataScience

    n = settings.neo4j
    try:
        gds = GraphDataScience(n.uri, auth=(n.user, n.password), database=n.database, arrow=False)
    except Exception as exc:  # noqa: BLE001 - report as one line
        raise ToolkitError(f"graphdatascience client could not connect to {n.uri}: {exc}") from None
    return gds
