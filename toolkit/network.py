"""Read the financial network out of Neo4j into NumPy arrays, in a few bulk reads.

Why: the amount rules, typology detectors, random-walk maths and feature building are all
vectorised passes over every movement. Reading the graph once, as column lists, and working in
process is an order of magnitude faster than asking the server the same questions per account;
the results go back in batched writes.

Memory: movements are read in chunks of source accounts, each chunk turned into NumPy arrays at
once; accounts are joined as integers (the server's internal ids, valid within the read), the
few distinct currencies and channels are kept as one-byte codes (:class:`~toolkit.labels.Labels`),
and movement ids are stored inline in a NumPy string array (:data:`_IDS`), so the Python side
holds little more than the final arrays.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from toolkit.arrays import factorize
from toolkit.db import Database
from toolkit.frames import AccountFrame, MovementFrame, Network
from toolkit.labels import Labels, _code_dtype

__all__ = ["read_network", "as_read", "row_dtype"]

#: Movement ids are kept in NumPy's variable-width string dtype: ids of up to 15 bytes live inside
#: the array's 16-byte slots, so 2.4M ids take 38 MB instead of ~170 MB as Python str objects
#: behind an object array. Indexing still gives ``str``.
_IDS = np.dtypes.StringDType()


def row_dtype(n_accounts: int) -> type:
    """The dtype of the account rows ``src``/``dst`` that :func:`read_network` gives: int32 below
    2**31 accounts. Why: they live for the whole run, and at 0.6M transfers int64 was 5.5 MB more
    for nothing (every reader indexes with them or widens them first)."""
    return np.int32 if n_accounts < 2**31 else np.int64


def as_read(net: Network) -> Network:
    """``net`` (made elsewhere: a generator, a test, a pickle) in the layout :func:`read_network`
    gives: account rows of :func:`row_dtype`, currency and channel as :class:`~toolkit.labels.
    Labels`. Offline benchmarks use it to measure and compare what the pipeline sees."""
    t = row_dtype(len(net.accounts))
    m = net.movements
    if m.src.dtype == t and m.dst.dtype == t and isinstance(m.currency, Labels) and isinstance(m.channel, Labels):
        return net
    mov = MovementFrame(ids=m.ids, kind=m.kind, src=m.src.astype(t), dst=m.dst.astype(t), amount=m.amount,
                        currency=m.currency if isinstance(m.currency, Labels) else Labels.from_values(m.currency),
                        ts=m.ts,
                        channel=m.channel if isinstance(m.channel, Labels) else Labels.from_values(m.channel))
    return Network(net.accounts, mov)


def _shared(values: list) -> tuple[np.ndarray, np.ndarray]:
    """(codes, categories) of a list of repeated strings; a missing value (None) has code -1."""
    codes, cats = factorize(values)
    return codes.astype(np.int32), cats


def time_then_id_order(ts: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The order of movements by (time, id): ``np.lexsort((ids, ts))``, with the string sort
    limited to the movements that share their second with another (8% at 600k transfers: the
    full string sort was 0.7 s of the read, this one is about 0.05 s)."""
    order = np.argsort(ts, kind="stable")
    t = ts[order]
    tied = np.zeros(len(t), dtype=bool)
    same = t[1:] == t[:-1]
    tied[1:] |= same
    tied[:-1] |= same
    if tied.any():
        at = np.flatnonzero(tied)  # tie groups are contiguous runs here: re-sort them by id
        order[at] = order[at][np.lexsort((ids[order[at]], t[at]))]
    return order


def read_network(db: Database, chunk_accounts: int = 1000, readers: int = 2) -> Network:
    """The whole network (accounts, deposits, transfers, withdrawals) as a :class:`Network`.

    Movements are sorted by (time, id) so every detector sees the same order on every run.
    A chunk of ``chunk_accounts`` accounts arrives as Python lists (one object per value) before it
    becomes arrays: 1,000 accounts (about 23,000 movements) keep that transient small (600k
    transfers: peak 218 MB against 251 MB with 5,000, in about the same time).
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
    acc_rows = row_dtype(len(nids))

    def rows(internal: np.ndarray) -> np.ndarray:
        out = np.full(len(internal), -1, dtype=acc_rows)
        ok = internal >= 0
        pos = np.searchsorted(sorted_n, internal[ok])
        out[ok] = order_n[pos]
        return out

    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("ids", "kind", "src", "dst", "amount", "ts", "cur", "chan")}
    cur_cats: list[np.ndarray] = []
    chan_cats: list[np.ndarray] = []
    def chunk(start: int) -> dict | None:
        m = db.run_one("read/network_movements", nids=nids[start : start + chunk_accounts].tolist()) or {}
        if not m.get("ids"):
            return None
        return {"ids": np.array(m["ids"], dtype=_IDS), "kind": np.array(m["kinds"], dtype=np.int8),
                "src": rows(np.array(m["src"], dtype=np.int64)), "dst": rows(np.array(m["dst"], dtype=np.int64)),
                "amount": np.array(m["amounts"], dtype=np.float64), "ts": np.array(m["ts"], dtype=np.int64),
                "cur": _shared(m["currencies"]), "chan": _shared(m["channels"])}

    # Two chunks in flight: the server reads one while this process unpacks the other.
    with ThreadPoolExecutor(max_workers=readers, thread_name_prefix="aml-read") as pool:
        for got in pool.map(chunk, range(0, len(nids), chunk_accounts)):
            if got is None:
                continue
            for key in ("ids", "kind", "src", "dst", "amount", "ts"):
                parts[key].append(got[key])
            parts["cur"].append(got["cur"][0])
            cur_cats.append(got["cur"][1])
            parts["chan"].append(got["chan"][0])
            chan_cats.append(got["chan"][1])

    def strings(code_parts: list[np.ndarray], cat_parts: list[np.ndarray], order: np.ndarray) -> Labels:
        if not code_parts:
            return Labels(np.empty(0, dtype=np.int8), np.empty(0, dtype=object))
        _codes, allcats = factorize(np.concatenate(cat_parts))
        where = {v: i for i, v in enumerate(allcats.tolist())}
        t = _code_dtype(len(allcats))
        # a missing value (code -1) stays -1, which Labels reads as None
        remapped = [np.array([where[v] for v in c.tolist()] + [-1], dtype=t)[codes]
                    for codes, c in zip(code_parts, cat_parts)]
        return Labels(np.concatenate(remapped)[order], allcats)

    def cat(key: str, dtype) -> np.ndarray:
        return np.concatenate(parts[key]) if parts[key] else np.empty(0, dtype=dtype)

    mids = cat("ids", _IDS)
    ts = cat("ts", np.int64)
    order = time_then_id_order(ts, mids)
    movements = MovementFrame(
        ids=mids[order],
        kind=cat("kind", np.int8)[order],
        src=cat("src", acc_rows)[order],
        dst=cat("dst", acc_rows)[order],
        amount=cat("amount", np.float64)[order],
        currency=strings(parts["cur"], cur_cats, order),
        ts=ts[order],
        channel=strings(parts["chan"], chan_cats, order),
    )
    return Network(accounts, movements)
