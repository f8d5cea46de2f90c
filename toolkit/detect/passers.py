"""Passers: the counterparties of a hub who passed the hub's money straight on (or paid the hub
money that had just arrived), amount for amount less a fee.

Why: at medium hardness many mules of a fan or gather-scatter leave no trace of their own. Their
hop is one payment of a few hundred dollars among an ordinary life, so no pass-through episode
stands out over their usual flow (:func:`toolkit.detect.layering.pass_episodes`), and the hub's
finding lists them among all its other counterparties. What still tells them apart is the hop
itself: the hub's payment leaves again within days, less a fee (a fan-out's receivers cashing
out), or the payment to the hub is the money that came in just before (a fan-in's senders). On
the 200k evaluation sets (medium hardness), of the laundering accounts the combined score missed,
25 of 49 had such a hop with a hub flagged on its own, against 14 of about 56,000 honest accounts
not flagged, once a hub's share is spread over its counterparties
(:mod:`toolkit.scoring.combined`, step 3c).

Definitions (``D`` = :attr:`~TypologyParams.layering_max_dwell_s`, amount match as in
:func:`toolkit.detect.layering.episode_match` with :attr:`~TypologyParams.episode_fee` and
:attr:`~TypologyParams.episode_tolerance`): an inflow of account ``a`` is **forwarded** and an
outflow of ``a`` is **fed** when the outflow leaves within ``D`` after the inflow (at or after
it) and ``out / in`` matches ``1 - fee`` (match > 0). Only the first :data:`HOP_CAP` outflows
after each inflow are looked at: an account paying out more often than that within ``D`` is a
busy one, not a mule, and the cap bounds the work on millions of transfers.

A hub finding (fan-in, fan-out, scatter-gather, gather-scatter) then lists in
``details["passers"]`` the positions in its ``accounts`` of the counterparties whose evidence
transfer with the hub was forwarded (the hub paid them) or fed (they paid the hub).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from toolkit.details import set_many
from toolkit.finding_table import FindingTable
from toolkit.findings import Finding
from toolkit.detect.layering import episode_match
from toolkit.detect.view import FlowView

__all__ = ["HOP_CAP", "HUB_TYPOLOGIES", "matched_hops", "mark_passers"]

#: Most outflows matched against one inflow (see the module docstring).
HOP_CAP = 16
#: Typologies whose finding is about a hub and lists its counterparties.
HUB_TYPOLOGIES = ("fan_in", "fan_out", "scatter_gather", "gather_scatter")
#: Hub findings whose passers are worked out together (bounds the temporaries: ~30 bytes per
#: evidence movement of the block).
_HUB_BATCH = 10_000
#: Inflow rows matched per block (bounds the temporaries: up to HOP_CAP pairs per row, each with
#: a dozen 8-byte temporaries). At 600k transfers 500k rows made the cycle detector (which asks
#: first) peak 129 MB above its start, 100k rows 81 MB, and no slower.
_CHUNK = 100_000


def matched_hops(view: FlowView, max_dwell_s: int, fee: float, tolerance: float,
                 cap: int = HOP_CAP) -> tuple[np.ndarray, np.ndarray]:
    """``(forwarded, fed)``: per movement row, whether it is an inflow its receiver passed on, and
    whether it is an outflow such an inflow paid for (module docstring).

    Kept on the view for the same arguments: the cycle detector's long rings and the passers
    both need them (0.4 s at 2.1M transfers). Callers must not modify the arrays."""
    key = (int(max_dwell_s), float(fee), float(tolerance), int(cap))
    cache = view.__dict__.setdefault("_matched_hops", {})
    if key not in cache:
        cache.clear()
        cache[key] = _matched_hops(view, max_dwell_s, fee, tolerance, cap)
    return cache[key]


def _matched_hops(view: FlowView, max_dwell_s: int, fee: float, tolerance: float,
                  cap: int) -> tuple[np.ndarray, np.ndarray]:
    inn, out = view.inn, view.out
    n_mov = int(max(out.mov.max(initial=-1), inn.mov.max(initial=-1))) + 1
    forwarded = np.zeros(n_mov, dtype=bool)
    fed = np.zeros(n_mov, dtype=bool)
    if len(inn) == 0 or len(out) == 0:
        return forwarded, fed
    for a in range(0, len(inn), _CHUNK):
        b = min(a + _CHUNK, len(inn))
        key = inn.key[a:b]
        lo = np.searchsorted(out.key, key, side="left")
        hi = np.minimum(np.searchsorted(out.key, key + max_dwell_s, side="right"), lo + cap)
        counts = np.maximum(hi - lo, 0)
        total = int(counts.sum())
        if total == 0:
            continue
        j = np.repeat(np.arange(a, b, dtype=np.int64), counts)
        k = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(lo, counts)
        ok = episode_match(out.amount[k] / np.maximum(inn.amount[j], 1e-12), fee, tolerance) > 0
        forwarded[inn.mov[j[ok]]] = True
        fed[out.mov[k[ok]]] = True
    return forwarded, fed


def mark_passers(findings: Sequence[Finding], src: np.ndarray, dst: np.ndarray, forwarded: np.ndarray,
                 fed: np.ndarray) -> Sequence[Finding]:
    """The findings with ``details["passers"]`` set on every hub finding that has passers (module
    docstring); ``src`` / ``dst`` are the sender and receiver row of every movement (-1 for
    cash).

    The details are set in place, one column per detector's details (:func:`toolkit.details.
    set_many`; a ``dataclasses.replace`` per finding cost 0.8 s at 2.1M transfers), and the hubs'
    movements and counterparties are read as packed int32 rows, :data:`_HUB_BATCH` hubs at a
    time: with Python ints and int64 arrays of all hubs at once this step peaked 66 MB above its
    start at 0.6M transfers. A :class:`~toolkit.finding_table.FindingTable` is read by column
    and returned itself (its details objects are the findings'), any other sequence as a list of
    its findings.
    """
    table = findings if isinstance(findings, FindingTable) else FindingTable.pack(findings)
    out = table if isinstance(findings, FindingTable) else list(findings)
    hub = np.flatnonzero(np.isin(table.rules(), list(HUB_TYPOLOGIES)))
    n = np.int64(max(int(src.max(initial=-1)), int(dst.max(initial=-1))) + 1)
    details = table.details  # the findings' own details objects (shared by a packed list, too)
    targets: list = []
    values: list[list[int]] = []
    for lo in range(0, len(hub), _HUB_BATCH):
        part = hub[lo : lo + _HUB_BATCH]
        for j, passers in _passers(table, part, src, dst, forwarded, fed, n):
            targets.append(details[part[j]])
            values.append(passers)
    set_many(targets, "passers", values)
    return out


def _passers(table: FindingTable, hub: np.ndarray, src: np.ndarray, dst: np.ndarray, forwarded: np.ndarray,
             fed: np.ndarray, n: np.int64) -> list[tuple[int, list[int]]]:
    """``(i, positions)`` for every finding ``hub[i]`` with passers: their positions in its
    ``accounts``, ascending."""
    nh = len(hub)
    counts, mov = table.movements_rows(hub)
    grp = np.repeat(np.arange(nh, dtype=np.int32 if nh < 2**31 else np.int64), counts)
    owner = table.account[hub].astype(src.dtype)[grp]
    s, d = src[mov], dst[mov]
    paid = (s == owner) & forwarded[mov]  # the hub paid them, they passed it on
    payer = (d == owner) & fed[mov]  # they paid the hub money that had just come in
    del owner, mov
    sel = paid | payer
    if not sel.any():
        return []
    keys = np.unique(grp[sel].astype(np.int64) * n + np.where(paid, d, s)[sel])  # (finding, passer)
    del grp, s, d, paid, payer, sel
    a_counts, acc = table.accounts_rows(hub)
    a_grp = np.repeat(np.arange(nh, dtype=np.int64), a_counts)
    pos = np.arange(len(acc), dtype=np.int64) - np.repeat(np.cumsum(a_counts) - a_counts, a_counts)
    q = a_grp * n + acc
    hit = keys[np.minimum(np.searchsorted(keys, q), len(keys) - 1)] == q
    g_hit, p_hit = a_grp[hit], pos[hit]
    if not len(g_hit):  # passers among the movements' ends but not among the findings' accounts
        return []
    bounds = np.flatnonzero(np.r_[True, g_hit[1:] != g_hit[:-1], True])
    p_list = p_hit.tolist()
    return [(int(g_hit[a]), p_list[a:b]) for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist())]
