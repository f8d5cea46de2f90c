"""Read the financial network out of Neo4j into NumPy arrays, in a few bulk reads.

Why: the amount rules, typology detectors, random-walk maths and feature building are all
vectorised passes over every movement. Reading the graph once, as column lists, and working in
process is an order of magnitude faster than asking the server the same questions per account;
the results go back in batched writes.

Memory: movements are read in chunks of source accounts, each chunk turned into NumPy arrays at
once; accounts are joined as integers (the server's internal ids, valid within the read), and the
few distinct currencies and channels are shared string objects, and movement ids are stored
inline in a NumPy string array (:data:`_IDS`), so the Python side holds little more than the final
arrays.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit.db import Database
from toolkit.frames import AccountFrame, MovementFrame, Network

__all__ = ["read_network"]

#: Movement ids are kept in NumPy's variable-width string dtype: ids of up to 15 bytes live inside
#: the array's 16-byte slots, so 2.4M ids take 38 MB instead of ~170 MB as Python str objects
#: behind an object array. Indexing still gives ``str``.
_IDS = np.dtypes.StringDType()


def _shared(values: list) -> tuple[np.ndarray, np.ndarray]:
    """(codes, categories) of a list of repeated strings."""
    cat = pd.Categorical(values)
    return cat.codes.astype(np.int32), np.asarray(cat.categories, dtype=object)


def read_network(db: Database, chunk_accounts: int = 5000) -> Network:
    """The whole network (accounts, deposits, transfers, withdrawals) as a :class:`Network`.

    Movements are sorted by (time, id) so every detector sees the same order on every run.
    """
    a = db.run_one("read/network_accounts") or {}
    nids = np.array(a.get("nids", []), dtype=np.int64)
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
    order_n = np.argsort(nids)
    sorted_n = nids[order_n]

    def rows(internal: np.ndarray) -> np.ndarray:
        out = np.full(len(internal), -1, dtype=np.int64)
        ok = internal >= 0
        pos = np.searchsorted(sorted_n, internal[ok])
        out[ok] = order_n[pos]
        return out

    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("ids", "kind", "src", "dst", "amount", "ts", "cur", "chan")}
    cur_cats: list[np.ndarray] = []
    chan_cats: list[np.ndarray] = []
    for start in range(0, len(nids), chunk_accounts):
        m = db.run_one("read/network_movements", nids=nids[start : start + chunk_accounts].tolist()) or {}
        if not m.get("ids"):
            continue
        parts["ids"].append(np.array(m["ids"], dtype=_IDS))
        parts["kind"].append(np.array(m["kinds"], dtype=np.int8))
        parts["src"].append(rows(np.array(m["src"], dtype=np.int64)))
        parts["dst"].append(rows(np.array(m["dst"], dtype=np.int64)))
        parts["amount"].append(np.array(m["amounts"], dtype=np.float64))
        parts["ts"].append(np.array(m["ts"], dtype=np.int64))
        codes, cats = _shared(m["currencies"])
        parts["cur"].append(codes)
        cur_cats.append(cats)
        codes, cats = _shared(m["channels"])
        parts["chan"].append(codes)
        chan_cats.append(cats)
        del m

    def strings(code_parts: list[np.ndarray], cat_parts: list[np.ndarray]) -> np.ndarray:
        if not code_parts:
            return np.empty(0, dtype=object)
        allcats = pd.Index(np.concatenate(cat_parts)).unique()
        remapped = [allcats.get_indexer(c)[codes] for codes, c in zip(code_parts, cat_parts)]
        return np.asarray(allcats, dtype=object)[np.concatenate(remapped)]

    def cat(key: str, dtype) -> np.ndarray:
        return np.concatenate(parts[key]) if parts[key] else np.empty(0, dtype=dtype)

    mids = cat("ids", _IDS)
    ts = cat("ts", np.int64)
    order = np.lexsort((mids, ts)) if len(mids) else np.empty(0, dtype=np.int64)
    movements = MovementFrame(
        ids=mids[order],
        kind=cat("kind", np.int8)[order],
        src=cat("src", np.int64)[order],
        dst=cat("dst", np.int64)[order],
        amount=cat("amount", np.float64)[order],
        currency=strings(parts["cur"], cur_cats)[order],
        ts=ts[order],
        channel=strings(parts["chan"], chan_cats)[order],
    )
    return Network(accounts, movements)
