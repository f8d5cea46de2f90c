"""Enumerate candidate laundering paths in pure Python: the oracle for the Cypher enumeration.

Why a pure-Python enumerator: the Cypher path query is the one that runs on the real graph, and it
needs an independent, readable implementation of the same rules to be tested against; when no
database is at hand (tests, a small extract) this is also the fallback. It favours clarity over
speed, with two safe prunings only (a time-window bisection and a hop-distance bound).

The rules (the spec's definition of a candidate path)
-----------------------------------------------------
A path is a sequence of movements ``t_1..t_m`` with ``1 <= m <= max_hops`` such that

- every ``t_i`` has ``kind == TRANSFER`` between two accounts (cash sides and self-transfers
  never chain, so they are no edges);
- ``t_1`` leaves a source account, ``t_m`` arrives at a target account;
- consecutive transfers chain: ``t_{i+1}.src == t_i.dst``;
- the accounts visited are all distinct (a simple path: cycles are never followed, and the
  source is not the target);
- time-respecting: ``ts(t_i) <= ts(t_{i+1}) <= ts(t_i) + window_days * 86400`` (the window is per
  hop, measured from the previous transfer);
- carrying: ``amount(t_{i+1}) >= min_carry * amount(t_i)``, so the money plausibly moves on
  rather than a small unrelated payment being chained onto a large one.

Every such sequence is reported: two transfers between the same accounts give two paths, and a
path that reaches a target and goes on to another target is reported for both (targets are not
absorbing here, unlike the random walk of :mod:`toolkit.paths.reach`).

Hub bound: with ``fanout_cap=K`` an account's eligible out-transfers are only its ``K`` largest
(by amount descending, then movement id ascending), applied to the whole network before the
search; :class:`EnumerationStats` reports how many accounts and transfers that cut.

Order: hits are sorted by (source account id, target account id, tuple of transfer movement ids),
all as the string ids of the frames, which a Cypher ``ORDER BY`` can reproduce.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import deque
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from toolkit.frames import TRANSFER, Network

__all__ = ["PathHit", "EnumerationStats", "PathHits", "enumerate_paths"]

_DAY = 86400


@dataclass(frozen=True)
class PathHit:
    """One candidate laundering path.

    Attributes
    ----------
    source, target : int
        Account rows of the first and last account.
    accounts : tuple of int
        Account rows in path order, ``source`` first and ``target`` last (``hops + 1`` of them).
    transfers : tuple of int
        Movement rows (of ``net.movements``) in path order.
    amounts : tuple of float
        Amount of each transfer, in path order (the ``q_x`` of the utility).
    """

    source: int
    target: int
    accounts: tuple[int, ...]
    transfers: tuple[int, ...]
    amounts: tuple[float, ...]

    @property
    def hops(self) -> int:
        """R1: the number of transfers."""
        return len(self.transfers)


@dataclass(frozen=True)
class EnumerationStats:
    """What the hub bound removed, and what was found.

    Attributes
    ----------
    accounts_capped : int
        Accounts with more than ``fanout_cap`` eligible out-transfers (0 without a cap).
    transfers_cut : int
        Eligible transfers dropped by the cap, over the whole network.
    paths : int
        Number of paths returned.
    """

    accounts_capped: int
    transfers_cut: int
    paths: int


class PathHits(list):  # list[PathHit]; compares equal to a plain list of the same hits
    """The hits of :func:`enumerate_paths`, a plain list plus :attr:`stats`."""

    stats: EnumerationStats

    def __init__(self, hits: Iterable[PathHit], stats: EnumerationStats) -> None:
        super().__init__(hits)
        self.stats = stats


def enumerate_paths(
    net: Network,
    sources: Iterable[int],
    targets: Iterable[int],
    max_hops: int = 6,
    window_days: float | None = 30,
    min_carry: float = 0.5,
    fanout_cap: int | None = None,
) -> PathHits:
    """All candidate laundering paths from ``sources`` to ``targets`` (module docstring: rules).

    Parameters
    ----------
    net : Network
    sources, targets : iterable of int
        Account rows; duplicates are ignored. An account may be both (it is then never a path
        from itself to itself).
    max_hops : int
        Largest number of transfers, ``>= 1``.
    window_days : float or None
        Largest gap between consecutive transfers, in days; None for no upper bound.
    min_carry : float
        Each transfer must carry at least this share of the previous one's amount; 0 disables.
    fanout_cap : int or None
        Keep only each account's ``K`` largest out-transfers; None keeps all.

    Returns
    -------
    PathHits
        A list of :class:`PathHit` in the documented order, with ``.stats``. The number of paths
        can grow exponentially with ``max_hops`` on dense, long-lived graphs: use the hub bound.
    """
    n = len(net.accounts)
    L = int(max_hops)
    if L < 1:
        raise ValueError(f"max_hops must be >= 1, not {max_hops}")
    if window_days is not None and window_days < 0:
        raise ValueError(f"window_days must be >= 0, not {window_days}")
    if min_carry < 0:
        raise ValueError(f"min_carry must be >= 0, not {min_carry}")
    if fanout_cap is not None and int(fanout_cap) < 0:
        raise ValueError(f"fanout_cap must be >= 0, not {fanout_cap}")
    src_set = _rows(sources, n, "sources")
    tgt_set = _rows(targets, n, "targets")

    mov = net.movements
    src = mov.src.astype(np.int64)
    dst = mov.dst.astype(np.int64)
    amt = mov.amount.astype(np.float64)
    ts = mov.ts.astype(np.int64)
    eligible = np.flatnonzero((mov.kind == TRANSFER) & (src >= 0) & (dst >= 0) & (src != dst))
    eligible, capped, cut = _apply_cap(eligible, src, amt, mov.ids, fanout_cap)

    # Out-transfers of each account, sorted by time so that a hop's window is a bisection.
    by_time = eligible[np.lexsort((eligible, ts[eligible], src[eligible]))]
    out_rows: dict[int, list[int]] = {}
    for r in by_time.tolist():
        out_rows.setdefault(int(src[r]), []).append(r)
    out_ts = {u: [int(ts[r]) for r in rs] for u, rs in out_rows.items()}
    dist = _hops_to_targets(eligible, src, dst, tgt_set, L)

    window = None if window_days is None else float(window_days) * _DAY
    found: list[tuple[int, ...]] = []
    path: list[int] = []

    def extend(last: int, depth: int, visited: set[int]) -> None:
        v = int(dst[last])
        if v in tgt_set:
            found.append(tuple(path))
        if depth == L or v not in out_rows:
            return
        t0 = int(ts[last])
        times = out_ts[v]
        lo = bisect_left(times, t0)
        hi = len(times) if window is None else bisect_right(times, t0 + window)
        need = min_carry * amt[last]
        for r in out_rows[v][lo:hi]:
            w = int(dst[r])
            if w in visited or amt[r] < need or dist.get(w, L + 1) > L - depth - 1:
                continue
            visited.add(w)
            path.append(r)
            extend(r, depth + 1, visited)
            path.pop()
            visited.discard(w)

    for s in sorted(src_set):
        for r in out_rows.get(s, []):
            w = int(dst[r])
            if dist.get(w, L + 1) > L - 1:
                continue
            path.append(r)
            extend(r, 1, {s, w})
            path.pop()

    acc_ids, mov_ids = net.accounts.ids, mov.ids
    hits = [
        PathHit(
            source=int(src[p[0]]),
            target=int(dst[p[-1]]),
            accounts=(int(src[p[0]]),) + tuple(int(dst[r]) for r in p),
            transfers=p,
            amounts=tuple(float(amt[r]) for r in p),
        )
        for p in found
    ]
    hits.sort(
        key=lambda h: (
            str(acc_ids[h.source]),
            str(acc_ids[h.target]),
            tuple(str(mov_ids[r]) for r in h.transfers),
        )
    )
    return PathHits(hits, EnumerationStats(capped, cut, len(hits)))


def _rows(values: Iterable[int], n: int, what: str) -> set[int]:
    rows = {int(v) for v in np.asarray(list(values), dtype=np.int64).ravel()}
    bad = [r for r in rows if r < 0 or r >= n]
    if bad:
        raise ValueError(f"{what}: account rows must be in 0..{n - 1}, got {sorted(bad)[:5]}")
    return rows


def _apply_cap(
    eligible: np.ndarray, src: np.ndarray, amt: np.ndarray, ids: np.ndarray, cap: int | None
) -> tuple[np.ndarray, int, int]:
    """Keep each account's ``cap`` largest out-transfers (amount desc, movement id asc)."""
    if cap is None or eligible.size == 0:
        return eligible, 0, 0
    cap = int(cap)
    _, id_rank = np.unique(ids[eligible].astype(str), return_inverse=True)
    order = np.lexsort((id_rank.ravel(), -amt[eligible], src[eligible]))
    rows = eligible[order]
    owners = src[rows]
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
    sizes = np.diff(np.r_[starts, rows.size])
    pos = np.arange(rows.size) - np.repeat(starts, sizes)  # rank within the account
    keep = pos < cap
    over = sizes > cap
    return np.sort(rows[keep]), int(over.sum()), int((sizes[over] - cap).sum())


def _hops_to_targets(
    eligible: np.ndarray, src: np.ndarray, dst: np.ndarray, targets: set[int], L: int
) -> dict[int, int]:
    """Fewest eligible transfers from each account to any target (only those within ``L``).

    It ignores time, carry and simplicity, so it is a lower bound on what a real path needs, and
    a branch that cannot reach a target in the hops left is safely cut.
    """
    into: dict[int, list[int]] = {}
    for u, v in zip(src[eligible].tolist(), dst[eligible].tolist()):
        into.setdefault(v, []).append(u)
    dist = {t: 0 for t in targets}
    queue = deque(targets)
    while queue:
        v = queue.popleft()
        d = dist[v] + 1
        if d > L:
            continue
        for u in into.get(v, ()):
            if u not in dist:
                dist[u] = d
                queue.append(u)
    return dist
