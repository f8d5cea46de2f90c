"""GDS projections of the financial network for the embeddings, and the GDS degree cross-check.

Why a projection of our own (``gds/project_accounts_weighted``): FastRP and Node2Vec want an
undirected who-deals-with-whom graph. Parallel transfers between two accounts are merged into one
edge whose weight is ``log(1 + total amount)``: raw amounts are heavy-tailed, and one very large
counterparty would otherwise swamp every other neighbour in the propagation. Every account is a
node, also one without transfers, so every account gets an embedding.

Every projection is made through :func:`toolkit.gds.projection`, which drops it on exit, also when
the body raised.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

import numpy as np

from toolkit.db import Database
from toolkit.gds import projection

__all__ = ["WEIGHTED", "NATURAL", "accounts_projection", "gds_degrees"]

#: Undirected, merged, log-amount-weighted projection used by the embeddings.
WEIGHTED = "gds/project_accounts_weighted"
#: Directed, merged projection (distinct counterparties) used for degree features.
NATURAL = "gds/project_transfers_natural"


@contextlib.contextmanager
def accounts_projection(db: Database) -> Iterator[dict[str, Any]]:
    """The weighted undirected projection; yields its summary row (``graphName``, ``nodeCount``,
    ``relationshipCount``) and drops it on exit."""
    with projection(db, WEIGHTED, prefix="aml-emb") as g:
        yield g


def gds_degrees(db: Database) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct senders and receivers of every account, computed by GDS (``gds.degree``).

    Returns
    -------
    ids : ndarray of str
    in_degree, out_degree : ndarray of float64
        In the order of ``ids``.
    """
    with projection(db, NATURAL, prefix="aml-deg") as g:
        out_rows = db.run_one("gds/degree_stream", graph_name=g["graphName"], orientation="NATURAL") or {}
        in_rows = db.run_one("gds/degree_stream", graph_name=g["graphName"], orientation="REVERSE") or {}
    ids = np.array(out_rows.get("ids", []), dtype=object)
    out_deg = np.array(out_rows.get("degrees", []), dtype=np.float64)
    in_pos = {a: i for i, a in enumerate(in_rows.get("ids", []))}
    in_all = np.array(in_rows.get("degrees", []), dtype=np.float64)
    in_deg = in_all[[in_pos[a] for a in ids]] if len(ids) else np.empty(0)
    return ids, in_deg, out_deg
