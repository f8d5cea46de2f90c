"""Read the financial network out of Neo4j into NumPy arrays, in one bulk read.

Why: the amount rules, typology detectors, random-walk maths and feature building are all
vectorised passes over every movement. Reading the graph once, as a handful of column lists, and
working in process is an order of magnitude faster than asking the server the same questions per
account; the results go back in batched writes.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from toolkit.db import Database
from toolkit.frames import AccountFrame, MovementFrame, Network

__all__ = ["read_network"]


def read_network(db: Database) -> Network:
    """The whole network (accounts, deposits, transfers, withdrawals) as a :class:`Network`.

    Movements are sorted by (time, id) so every detector sees the same order on every run.
    """
    a = db.run_one("read/network_accounts") or {}
    ids = np.array(a.get("ids", []), dtype=object)
    capital = np.array(a.get("capital", []), dtype=np.float64)
    capital[capital < 0] = np.nan
    accounts = AccountFrame(
        ids=ids,
        cls=np.array(a.get("classes", []), dtype=object),
        currency=np.array(a.get("currencies", []), dtype=object),
        country=np.array(a.get("countries", []), dtype=object),
        opened=np.array(a.get("opened", []), dtype=np.int64),
        registered_capital=capital,
        customer=np.array(a.get("customers", []), dtype=object),
    )
    m = db.run_one("read/network_movements") or {}
    index = pd.Index(ids)

    def refs(values: list) -> np.ndarray:
        if not values:
            return np.empty(0, dtype=np.int64)
        pos = index.get_indexer(pd.Series(values, dtype=object))
        return pos.astype(np.int64)  # -1 where null (cash side)

    mids = np.array(m.get("ids", []), dtype=object)
    ts = np.array(m.get("ts", []), dtype=np.int64)
    order = np.lexsort((mids, ts)) if len(mids) else np.empty(0, dtype=np.int64)
    movements = MovementFrame(
        ids=mids[order],
        kind=np.array(m.get("kinds", []), dtype=np.int8)[order],
        src=refs(m.get("src", []))[order],
        dst=refs(m.get("dst", []))[order],
        amount=np.array(m.get("amounts", []), dtype=np.float64)[order],
        currency=np.array(m.get("currencies", []), dtype=object)[order],
        ts=ts[order],
        channel=np.array(m.get("channels", []), dtype=object)[order],
    )
    return Network(accounts, movements)
