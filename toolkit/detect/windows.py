"""Sliding-window building blocks shared by the detectors, all vectorised over every account.

Why these exist: "how many *distinct* counterparties did ``a`` deal with in ``[t, t + W]``" is
the core of fan, scatter-gather and gather-scatter detection, and answering it per account with
Python sets would be a loop per movement. The trick used here turns it into prefix sums: a row
``k`` of account ``a`` with counterparty ``c`` is the *first* occurrence of ``c`` in a window
starting at row ``i`` exactly when ``prev[k] < i <= k`` (``prev[k]`` = previous row of ``a``
with the same ``c``) and ``t_k <= t_i + W``. For fixed ``k`` those ``i`` form one interval, so
adding ``+1`` over every interval (a difference array) counts, for every start ``i`` at once,
the distinct counterparties of its window.
"""

from __future__ import annotations

import numpy as np

from toolkit.detect.view import FlowSide

__all__ = [
    "distinct_window_counts",
    "window_end",
    "covered_rows",
    "greedy_starts",
    "expand_ranges",
    "account_max",
    "limit_evidence",
]


def window_end(side: FlowSide, window_s: int) -> np.ndarray:
    """For each row ``i``, one past the last row of the same account with ``t <= t_i + W``."""
    return np.searchsorted(side.key, side.key + window_s, side="right")


def distinct_window_counts(side: FlowSide, window_s: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct counterparties in the window ``[t_i, t_i + W]`` starting at every row ``i``.

    Cash rows (counterparty ``-1``) are never counted. The window of row ``i`` holds the rows
    ``i .. end[i] - 1``; rows of the same account and the same second *before* ``i`` are not in
    it, which never matters because the first row of a tie has the larger window and is the one
    callers pick.

    Returns
    -------
    distinct : ndarray of int64
        Number of distinct counterparties among the transfers of the window.
    end : ndarray of int64
        One past the window's last row.
    """
    m = len(side)
    if m == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    key = side.key
    end = np.searchsorted(key, key + window_s, side="right")
    lo = np.searchsorted(key, key - window_s, side="left")
    pair = side.acc.astype(np.int64) * (int(side.cp.max()) + 2) + (side.cp.astype(np.int64) + 1)
    order = np.argsort(pair, kind="stable")  # rows of one (account, counterparty) stay in time order
    ps = pair[order]
    same = ps[1:] == ps[:-1]
    prev = np.full(m, -1, dtype=np.int64)
    prev[order[1:][same]] = order[:-1][same]
    del pair, order, ps, same
    start = np.maximum(prev + 1, lo)  # row k counts for window starts start[k] .. k
    start[side.cp < 0] = m  # cash never counts (an empty interval)
    counts = np.cumsum(np.bincount(start, minlength=m + 1)[:m])
    distinct = counts - np.arange(m, dtype=np.int64)
    return distinct, end


def covered_rows(starts: np.ndarray, end: np.ndarray, m: int) -> np.ndarray:
    """Rows lying in at least one of the windows ``starts[j] .. end[starts[j]] - 1``."""
    diff = np.bincount(starts, minlength=m + 1).astype(np.int64)
    diff -= np.bincount(end[starts], minlength=m + 1)
    return np.cumsum(diff[:m]) > 0


def greedy_starts(key: np.ndarray, candidates: np.ndarray, window_s: int) -> np.ndarray:
    """Earliest qualifying window, then the next one starting after it ends, and so on.

    Why greedy and non-overlapping: a burst longer than ``W`` should give one finding per
    ``W``-slice, not one per row; windows of one account never share rows, so a movement is
    evidence of at most one finding per detector. The loop runs once per *chosen* window (each
    becomes a finding), jumping with :func:`numpy.searchsorted`.

    Parameters
    ----------
    key : ndarray of int64
        Sorted keys of all rows.
    candidates : ndarray of int
        Rows whose window qualifies, ascending.
    window_s : int

    Returns
    -------
    ndarray of int64
        The chosen rows, ascending.
    """
    if len(candidates) == 0:
        return np.zeros(0, dtype=np.int64)
    ck = key[candidates]
    chosen: list[int] = []
    i, n = 0, len(candidates)
    while i < n:
        chosen.append(int(candidates[i]))
        i = int(np.searchsorted(ck, ck[i] + window_s, side="right"))
    return np.asarray(chosen, dtype=np.int64)


def expand_ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs ``(j, p)`` with ``lo[j] <= p < hi[j]``, as two parallel arrays."""
    counts = np.maximum(hi - lo, 0)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    rep = np.repeat(np.arange(len(lo), dtype=np.int64), counts)
    first = np.cumsum(counts) - counts
    pos = np.arange(total, dtype=np.int64) - np.repeat(first - lo, counts)
    return rep, pos


def chunks_by_weight(weights: np.ndarray, budget: int) -> list[tuple[int, int]]:
    """Split ``0..len(weights)`` into consecutive ranges whose weights sum to about ``budget``.

    Used to bound the memory of pair expansions: each range expands to at most ``budget`` pairs
    (or one item, if that item alone is larger).
    """
    n = len(weights)
    if n == 0:
        return []
    cum = np.cumsum(weights)
    out: list[tuple[int, int]] = []
    lo = 0
    while lo < n:
        base = cum[lo - 1] if lo > 0 else 0
        hi = int(np.searchsorted(cum, base + budget, side="right"))
        hi = max(hi, lo + 1)
        out.append((lo, min(hi, n)))
        lo = hi
    return out


def account_max(values: np.ndarray, side: FlowSide, n_accounts: int, fill: float = 0) -> np.ndarray:
    """Per-account maximum of a per-row array (``fill`` for accounts without rows)."""
    out = np.full(n_accounts, fill, dtype=np.result_type(values.dtype, type(fill)))
    if len(values) == 0:
        return out
    starts = side.ptr[:-1]
    nonempty = side.ptr[1:] > starts
    out[nonempty] = np.maximum.reduceat(values, starts[nonempty])
    return out


def limit_evidence(mov: np.ndarray, amount: np.ndarray, ts: np.ndarray, limit: int) -> tuple[int, ...]:
    """Movement rows as evidence: at most ``limit`` (the largest amounts), in time order.

    Why cap: a busy hub can have thousands of movements in one window and writing them all back
    to every finding makes the graph heavy; the largest carry the case and the finding's
    ``details`` still give the totals over all of them.
    """
    if len(mov) > limit:
        keep = np.argsort(-amount, kind="stable")[:limit]
        mov, ts = mov[keep], ts[keep]
    order = np.lexsort((mov, ts))
    return tuple(int(x) for x in mov[order])
