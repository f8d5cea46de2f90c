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
from toolkit.findings import EMPTY, Rows, split_rows

__all__ = [
    "compact",
    "pair_links",
    "distinct_window_counts",
    "range_search",
    "covered_rows",
    "greedy_starts",
    "expand_ranges",
    "chunks_by_weight",
    "account_max",
    "split_groups",
    "unique_per_group",
    "evidence_per_group",
    "limit_evidence",
]


def compact(a: np.ndarray) -> np.ndarray:
    """Row numbers as int32 when they fit (halves the memory of per-row index arrays)."""
    if a.dtype == np.int32 or len(a) == 0:
        return a
    if a.max(initial=0) < 2**31 - 1 and a.min(initial=0) >= -(2**31):
        return a.astype(np.int32)
    return a


def pair_links(side: FlowSide) -> tuple[np.ndarray, np.ndarray]:
    """Previous and next row of the same (account, counterparty), for every row.

    Returns
    -------
    prev : ndarray of int
        Previous row with the same account and counterparty, ``-1`` if none.
    nxt : ndarray of int
        Next such row, ``len(side)`` if none.
    """
    m = len(side)
    pair = side.acc.astype(np.int64) * (int(side.cp.max(initial=0)) + 2) + (side.cp.astype(np.int64) + 1)
    order = np.argsort(pair, kind="stable")  # rows of one (account, counterparty) stay in time order
    ps = pair[order]
    del pair
    same = ps[1:] == ps[:-1]
    del ps
    a, b = order[:-1][same], order[1:][same]
    del order, same
    dt = np.int32 if m < 2**31 - 1 else np.int64
    prev = np.full(m, -1, dtype=dt)
    prev[b] = a
    nxt = np.full(m, m, dtype=dt)
    nxt[a] = b
    return prev, nxt


def distinct_window_counts(side: FlowSide, window_s: int, prev: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Distinct counterparties in the window ``[t_i, t_i + W]`` starting at every row ``i``.

    Cash rows (counterparty ``-1``) are never counted. The window of row ``i`` holds the rows
    ``i .. end[i] - 1``; rows of the same account and the same second *before* ``i`` are not in
    it, which never matters because the first row of a tie has the larger window and is the one
    callers pick.

    Parameters
    ----------
    side : FlowSide
    window_s : int
    prev : ndarray, optional
        ``pair_links(side)[0]`` if the caller already has it.

    Returns
    -------
    distinct : ndarray of int
        Number of distinct counterparties among the transfers of the window.
    end : ndarray of int
        One past the window's last row.
    """
    m = len(side)
    if m == 0:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
    if prev is None:
        prev = pair_links(side)[0]
    key = side.key
    start = np.searchsorted(key, key - window_s, side="left")  # first row with t >= t_k - W
    np.maximum(start, prev + 1, out=start)  # row k counts for window starts start[k] .. k
    cash = side.cp < 0
    start[cash] = m  # cash never counts (an empty interval)
    # #{k : start[k] <= i <= k} = #{k : start[k] <= i} - #{k < i : k counts}, as start[k] <= k.
    distinct = np.cumsum(np.bincount(start, minlength=m + 1)[:m])
    del start
    distinct[1:] -= np.cumsum(~cash[:-1])
    distinct = compact(distinct)
    end = compact(np.searchsorted(key, key + window_s, side="right"))
    return distinct, end


def range_search(key: np.ndarray, base: np.ndarray, t_lo: np.ndarray | int, t_hi: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``[lo, hi)`` of the sorted ``key`` with ``base + t_lo <= key <= base + t_hi``.

    Large batches of unordered queries are searched in sorted order (and put back): binary
    searches over millions of keys run several times faster when consecutive queries are close,
    which repays the sort of the queries; over a short ``key`` (in cache) they do not.
    """
    q_lo, q_hi = base + t_lo, base + t_hi
    if len(q_lo) < 50_000 or len(key) < 250_000 or bool(np.all(q_lo[1:] >= q_lo[:-1])):
        return np.searchsorted(key, q_lo, side="left"), np.searchsorted(key, q_hi, side="right")
    order = np.argsort(q_lo)
    lo = np.empty(len(q_lo), dtype=np.int64)
    hi = np.empty(len(q_lo), dtype=np.int64)
    lo[order] = np.searchsorted(key, q_lo[order], side="left")
    hi[order] = np.searchsorted(key, q_hi[order], side="right")
    return lo, hi


def covered_rows(starts: np.ndarray, end: np.ndarray, m: int) -> np.ndarray:
    """Rows lying in at least one of the windows ``starts[j] .. end[starts[j]] - 1``."""
    diff = np.bincount(starts, minlength=m + 1).astype(np.int64)
    diff -= np.bincount(end[starts], minlength=m + 1)
    return np.cumsum(diff[:m]) > 0


def greedy_starts(key: np.ndarray, candidates: np.ndarray, window_s: int, stride: int) -> np.ndarray:
    """Earliest qualifying window, then the next one starting after it ends, and so on.

    Why greedy and non-overlapping: a burst longer than ``W`` should give one finding per
    ``W``-slice, not one per row; windows of one account never share rows, so a movement is
    evidence of at most one finding per detector. The chains of all accounts advance together,
    one window per round (rounds = most windows of one account).

    Parameters
    ----------
    key : ndarray of int64
        Sorted keys ``group * stride + t`` of all rows.
    candidates : ndarray of int
        Rows whose window qualifies, ascending.
    window_s : int
    stride : int

    Returns
    -------
    ndarray of int64
        The chosen rows, ascending.
    """
    if len(candidates) == 0:
        return np.zeros(0, dtype=np.int64)
    ck = key[candidates]
    nxt = np.searchsorted(ck, ck + window_s, side="right")
    grp = ck // stride
    cur = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]])  # each group's first candidate
    chosen: list[np.ndarray] = []
    while len(cur):
        chosen.append(cur)
        nx = nxt[cur]
        ok = nx < len(ck)
        cur, nx = cur[ok], nx[ok]
        cur = nx[grp[nx] == grp[cur]]
    return np.asarray(candidates)[np.sort(np.concatenate(chosen))].astype(np.int64)


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


def split_groups(flat: np.ndarray, counts: np.ndarray) -> list[Rows]:
    """Cut a flat array of row numbers into consecutive :class:`~toolkit.findings.Rows` of the
    given lengths (what findings keep: 4 bytes per row instead of a tuple's 36)."""
    return split_rows(flat, counts)


def unique_per_group(group: np.ndarray, values: np.ndarray, n_groups: int) -> tuple[list[Rows], np.ndarray]:
    """The distinct values of every group, ascending, and how many there are.

    ``group`` numbers ``0..n_groups-1``; all groups get an entry, empty ones ``()``.
    """
    if len(group) == 0:
        return [EMPTY] * n_groups, np.zeros(n_groups, dtype=np.int64)
    key = _pack((group, values))
    if key is None:
        order = np.lexsort((values, group))
        g, v = group[order], values[order]
        new = np.r_[True, (g[1:] != g[:-1]) | (v[1:] != v[:-1])]
    else:
        order = np.argsort(key)
        key = key[order]
        new = np.r_[True, key[1:] != key[:-1]]
        del key
        g, v = group[order], values[order]
    g, v = g[new], v[new]
    counts = np.bincount(g, minlength=n_groups)
    return split_groups(v, counts), counts


def evidence_per_group(
    group: np.ndarray, mov: np.ndarray, amount: np.ndarray, ts: np.ndarray, n_groups: int, limit: int
) -> list[Rows]:
    """Evidence of many findings at once: per group at most ``limit`` movement rows (the largest
    amounts, ties by movement row), distinct, in time order. Vectorised version of
    :func:`limit_evidence`."""
    if len(group) == 0:
        return [EMPTY] * n_groups
    key = _pack((group, mov))
    if key is None:
        order = np.lexsort((mov, group))
        g, mv = group[order], mov[order]
        first = np.r_[True, (g[1:] != g[:-1]) | (mv[1:] != mv[:-1])]
        del g, mv
    else:
        order = np.argsort(key, kind="stable")
        key = key[order]
        first = np.r_[True, key[1:] != key[:-1]]
    del key
    order = order[first]  # distinct (group, movement), by group
    cnt = np.bincount(group[order], minlength=n_groups)
    big = cnt[group[order]] > limit
    if big.any():  # only groups over the limit need the ranking by amount
        ob = order[big]
        ob = ob[np.lexsort((mov[ob], -amount[ob], group[ob]))]
        gb = group[ob]
        rank = np.arange(len(gb)) - np.searchsorted(gb, gb, side="left")
        keep = np.concatenate([order[~big], ob[rank < limit]])
        del ob, gb, rank
    else:
        keep = order
    del order, big
    key = _pack((group[keep], ts[keep], mov[keep]))
    keep = keep[np.lexsort((mov[keep], ts[keep], group[keep])) if key is None else np.argsort(key)]
    counts = np.bincount(group[keep], minlength=n_groups)
    return split_groups(mov[keep], counts)


def _pack(cols: tuple[np.ndarray, ...]) -> np.ndarray | None:
    """One int64 key ordering like ``np.lexsort(cols[::-1])`` (first column major), or ``None``
    when the integer columns' ranges do not fit 63 bits together."""
    lows, spans = [], []
    size = 1
    for c in cols:
        if c.dtype.kind not in "iu":
            return None
        lo, hi = int(c.min()), int(c.max())
        lows.append(lo)
        spans.append(hi - lo + 1)
        size *= hi - lo + 1
    if size >= 2**62:
        return None
    key = np.zeros(len(cols[0]), dtype=np.int64)
    for c, lo, span in zip(cols, lows, spans):
        key *= span
        key += c.astype(np.int64) - lo
    return key


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
