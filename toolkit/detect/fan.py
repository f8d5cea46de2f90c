"""Fan-in and fan-out: many distinct counterparties within a few days, and does the money move on?

Why the moving-on share: a count of distinct senders alone also flags a birthday, a shared
dinner bill, a landlord collecting rent. What gives a mule away is that the collected money
*leaves again* soon (a funnel account), or that a scatter is paid out of money that just came in.
Each fan therefore carries the share of its amount that moves on within the same window, and the
finding's score is low when the money stays.

Definitions (``n`` = :attr:`~TypologyParams.fan_min_counterparties`, ``W`` =
:attr:`~TypologyParams.fan_window_s`, transfers only for the counting):

fan_in
    Hub ``h`` receives transfers from at least ``n`` distinct senders within ``[t0, t0 + W]``
    (``t0`` = the first of those transfers). ``moved_on_share`` = outflows of ``h`` (transfers
    and cash withdrawals) within ``[t0, t0 + W]`` / the fan's inflow total, capped at 1.
fan_out
    Hub ``h`` sends transfers to at least ``n`` distinct receivers within ``[t0, t0 + W]``.
    ``moved_on_share`` = inflows of ``h`` (transfers and cash deposits) within
    ``[t1 - W, t1]`` (``t1`` = the fan's last transfer) / the fan's outflow total, capped at 1:
    the share of the scatter paid with money that had just arrived. It mirrors fan_in under time
    reversal.

One hub can have several fans: windows are chosen greedily (earliest qualifying window, then the
next one starting after it ends), so they never overlap.

Score (:func:`fan_score`): ``(1 - 0.5 * n / c) * (0.2 + 0.8 * moved_on_share) * surprise``
with ``c`` the number of counterparties: 0.5 for a fan of exactly ``n`` whose money all moves on,
towards 1 for large fans, at most 0.2 of that when nothing moves on (friends paying one person).
``surprise = clip(-log10(usual_chance) / 2, 0, 1)`` where ``usual_chance``
(:meth:`~toolkit.detect.view.FlowView.chance`) is how many windows this busy the hub's own
ordinary rate would produce over the data span: a shop whose every week looks like a fan scores
near 0, a quiet account that suddenly hears from many senders keeps its score.
"""

from __future__ import annotations

import numpy as np

from toolkit.details import detail_rows
from toolkit.findings import Finding
from toolkit.frames import Network
from toolkit.detect.params import TypologyParams
from toolkit.detect.view import Detection, FlowSide, FlowView, as_view
from toolkit.detect.layering import episode_burst, episode_match
from toolkit.detect.windows import (
    account_max,
    compact,
    distinct_window_counts,
    evidence_per_group,
    expand_ranges,
    greedy_starts,
    unique_per_group,
)

__all__ = ["detect_fan_in", "detect_fan_out", "fan_score", "surprise"]


def surprise(chance: np.ndarray | float) -> np.ndarray | float:
    """``clip(-log10(chance) / 2, 0, 1)``: 1 when at most 1 in 100 spans would show the window
    by ordinary traffic, 0 when ordinary traffic shows it at least once per span."""
    c = np.asarray(chance, dtype=np.float64)
    with np.errstate(divide="ignore"):
        out = np.clip(-np.log10(c) / 2.0, 0.0, 1.0)
    return out if out.ndim else float(out)


def fan_score(
    counterparties: np.ndarray | float,
    n: int,
    moved_on_share: np.ndarray | float,
    chance: np.ndarray | float | None = None,
    *,
    ratio: np.ndarray | float | None = None,
    burst: np.ndarray | float | None = None,
    fee: float = 0.03,
    tolerance: float = 0.10,
) -> np.ndarray | float:
    """Strength of a fan in [0, 1].

    ``(1 - 0.5 * n / c) * (0.2 + 0.8 * share) * surprise(chance)`` (the last factor 1 when
    ``chance`` is ``None``): size above the threshold, how much of the money moves on, and how
    far the window stands out from the account's own usual traffic
    (:meth:`~toolkit.detect.view.FlowView.chance`).

    With ``ratio`` (money out / money in around the shape, uncapped) the amount term is
    ``0.1 + 0.9 * episode_match(ratio)`` instead: laundered money leaves *in full less a fee*, so
    a hub whose outflows dwarf the fan (a busy firm) scores as low as one that keeps the money.
    With ``burst`` (:func:`~toolkit.detect.layering.episode_burst` of the shape's volume against
    the hub's usual flow) the score is further multiplied by ``0.25 + 0.75 * burst``.
    """
    c = np.maximum(np.asarray(counterparties, dtype=np.float64), 1.0)
    s = np.clip(np.asarray(moved_on_share, dtype=np.float64), 0.0, 1.0)
    amount = 0.2 + 0.8 * s if ratio is None else 0.1 + 0.9 * episode_match(ratio, fee, tolerance)
    out = np.clip((1.0 - 0.5 * n / c), 0.0, 1.0) * amount
    if burst is not None:
        out = out * (0.25 + 0.75 * np.asarray(burst, dtype=np.float64))
    if chance is not None:
        out = out * surprise(chance)
    return out if out.ndim else float(out)


def detect_fan_in(data: Network | FlowView, params: TypologyParams | None = None) -> Detection:
    """Fan-in hubs: at least ``n`` distinct senders within ``W``, with the moved-on share.

    Parameters
    ----------
    data : Network or FlowView
        A prepared :class:`FlowView` avoids re-sorting when several detectors run.
    params : TypologyParams, optional

    Returns
    -------
    Detection
        ``findings``: rule ``fan_in``, ``account`` the hub, ``accounts`` the senders,
        ``movements`` the fan's transfers and the hub's outflows within the window, ``value`` the
        number of distinct senders, ``threshold`` ``n``, ``details`` ``counterparties``,
        ``transfers``, ``total``, ``outflow``, ``moved_on_share``, ``usual_chance``, ``span_s``, ``movements``
        (count before the evidence limit). ``stats``: ``max_counterparties`` (most distinct
        senders in any window of length ``W``) and ``moved_on_share`` (of that window), per
        account.
    """
    p = params or TypologyParams()
    view = as_view(data, p.usd_rates)
    return _fan(view, p, "fan_in", view.inn, view.out)


def detect_fan_out(data: Network | FlowView, params: TypologyParams | None = None) -> Detection:
    """Fan-out hubs: at least ``n`` distinct receivers within ``W``, with the funded share.

    Same shape of result as :func:`detect_fan_in`; ``accounts`` are the receivers, the other
    movements the hub's inflows within ``[t1 - W, t1]``, and ``details`` has ``inflow`` instead
    of ``outflow``.
    """
    p = params or TypologyParams()
    view = as_view(data, p.usd_rates)
    return _fan(view, p, "fan_out", view.out, view.inn)


def _through(side: FlowSide, other: FlowSide, rule: str, first: np.ndarray, last: np.ndarray, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``[lo, hi)`` of ``other`` that count as moving on for fans spanning rows first..last."""
    if rule == "fan_in":
        k = side.key[first]
        lo = np.searchsorted(other.key, k, side="left")
        hi = np.searchsorted(other.key, k + w, side="right")
    else:
        k = side.key[last]
        lo = np.searchsorted(other.key, k - w, side="left")
        hi = np.searchsorted(other.key, k, side="right")
    return lo, hi


def _fan(view: FlowView, p: TypologyParams, rule: str, side: FlowSide, other: FlowSide) -> Detection:
    n, w = p.fan_min_counterparties, p.fan_window_s
    m = len(side)
    n_acc = view.n_accounts
    distinct, end = distinct_window_counts(side, w)
    is_tr = side.cp >= 0
    # Last transfer row at or before each row: the window's last transfer is last_tr[end - 1].
    last_tr = compact(np.maximum.accumulate(np.where(is_tr, np.arange(m, dtype=np.int64), -1))) if m else np.zeros(0, np.int64)
    cs = side.cumsum(transfers_only=True)
    cs_other = other.cumsum()

    # Population statistics: the strongest window of every account.
    max_cp = account_max(np.where(is_tr, distinct, 0), side, n_acc, fill=0).astype(np.int64)
    share_at_max = np.full(n_acc, np.nan)
    if m:
        best = np.flatnonzero(is_tr & (distinct == max_cp[side.acc]))
        accs, first_idx = np.unique(side.acc[best], return_index=True)
        rows = best[first_idx]
        if len(rows):
            last = last_tr[end[rows] - 1]
            lo, hi = _through(side, other, rule, rows, last, w)
            total = cs[end[rows]] - cs[rows]
            share_at_max[accs] = _share(cs_other[hi] - cs_other[lo], total)
    stats = {"max_counterparties": max_cp, "moved_on_share": share_at_max}

    chosen = greedy_starts(side.key, np.flatnonzero(is_tr & (distinct >= n)), w, view.stride)
    del distinct
    if len(chosen) == 0:
        return Detection(rule, [], stats)
    e = end[chosen]
    last = last_tr[e - 1]
    del end, last_tr
    lo, hi = _through(side, other, rule, chosen, last, w)
    total = cs[e] - cs[chosen]
    through = cs_other[hi] - cs_other[lo]
    share = _share(through, total)
    t_first, t_last = side.ts_rel(chosen), side.ts_rel(last)
    # Every chosen window's transfers and the other side's rows that moved on: windows of one
    # account never overlap, so these expansions hold each row at most once.
    g1, r1 = expand_ranges(chosen, e)
    tr = is_tr[r1]
    g1, r1 = g1[tr], r1[tr]
    g2, r2 = expand_ranges(lo, hi)
    k = len(chosen)
    cps, c = unique_per_group(g1, side.cp[r1].astype(np.int64), k)
    n_tr = np.bincount(g1, minlength=k)
    chance = view.chance(side, side.acc[chosen], n_tr, n_tr, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = through / total if rule == "fan_in" else np.where(through > 0, total / np.where(through > 0, through, 1.0), np.inf)
    burst = episode_burst(total, view.usual_per_window(side.acc[chosen], (total + through) / 2.0, w))
    score = fan_score(c, n, share, chance, ratio=ratio, burst=burst, fee=p.episode_fee, tolerance=p.episode_tolerance)
    ts1, ts2 = side.ts_rel(r1), other.ts_rel(r2)
    w_lo, w_hi = t_first.copy(), t_last.copy()
    if len(g2):
        np.minimum.at(w_lo, g2, ts2)
        np.maximum.at(w_hi, g2, ts2)
    evidence = evidence_per_group(
        np.concatenate([g1, g2]),
        np.concatenate([side.mov[r1], other.mov[r2]]).astype(np.int64),
        np.concatenate([side.amount[r1], other.amount[r2]]),
        np.concatenate([ts1, ts2]),
        k,
        p.evidence_limit,
    )
    n_ev = n_tr + np.bincount(g2, minlength=k)
    flow_key = "outflow" if rule == "fan_in" else "inflow"
    hubs = side.acc[chosen].tolist()
    i64, f64 = np.int64, np.float64
    details = detail_rows(k, {
        "counterparties": c.astype(i64),
        "transfers": n_tr.astype(i64),
        "total": total.astype(f64),
        flow_key: through.astype(f64),
        "moved_on_share": share.astype(f64),
        "usual_chance": chance.astype(f64),
        "ratio": ratio.astype(f64),
        "burst": burst.astype(f64),
        "span_s": (t_last - t_first).astype(i64),
        "window_s": int(w),
        "movements": n_ev.astype(i64),
    })
    findings = [
        Finding(
            rule=rule,
            account=hubs[j],
            movements=evidence[j],
            value=float(c[j]),
            threshold=float(n),
            accounts=cps[j],
            window=(view.t0 + int(w_lo[j]), view.t0 + int(w_hi[j])),
            score=float(score[j]),
            details=details[j],
        )
        for j in range(k)
    ]
    return Detection(rule, findings, stats)


def _share(through: np.ndarray, total: np.ndarray) -> np.ndarray:
    """``through / total`` capped at 1 (0 where the total is 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(total > 0, through / total, 0.0)
    return np.clip(s, 0.0, 1.0)
