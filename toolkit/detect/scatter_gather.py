"""Scatter-gather and gather-scatter: money split over several accounts and joined again.

Why time matters here: a firm paying five suppliers who all bank with one wholesaler is a
scatter-gather in the static graph; what makes it laundering is that the *same* money fans out
and comes back together within days, each intermediate forwarding only after it received.

Definitions (``k``, ``W`` from :class:`~toolkit.detect.params.TypologyParams`):

scatter_gather (``sg_min_intermediates``, ``sg_window_s``)
    A source ``s``, a sink ``d != s`` and at least ``k`` distinct intermediates ``m`` such that
    for each ``m`` there are transfers ``s -> m`` at ``t1`` and ``m -> d`` at ``t2 >= t1``, all of
    them inside one window ``[T, T + W]``. Reported on the source.
gather_scatter (``gs_min_counterparties``, ``gs_window_s``)
    A hub ``h`` and a window ``[T, T + W]`` with a split time ``tau``: at least ``k`` distinct
    senders pay ``h`` within ``[T, tau]`` and ``h`` pays at least ``k`` distinct receivers within
    ``[tau, T + W]`` (gather first, then scatter). Reported on the hub.

Windows are chosen greedily per source-sink pair (per hub), earliest first, never overlapping.

Score: :func:`~toolkit.detect.fan.fan_score` with ``c`` the number of intermediates (for
gather-scatter the smaller side) and ``balance = min(a, b) / max(a, b)`` of the amounts
scattered and gathered in place of the moved-on share: the same money going out and coming back
together scores high, a coincidental shape with unrelated amounts low. Gather-scatter also has
the surprise factor, with the chance that the hub's ordinary traffic gives both sides in one
window (the two Poisson tails multiplied), because a busy shop buys and sells every week;
scatter-gather needs none, its gather at one sink is itself the unusual part.

How it stays fast: only transfers that lie in a window where the source has ``>= k`` distinct
receivers (the sink ``>= k`` distinct senders) can be hops of a scatter-gather, so two-hop paths
are expanded from those alone, in memory-bounded chunks of source accounts; the distinct
intermediates of every candidate window are then counted for all windows at once with interval
coverage (see :func:`_window_distinct`), and the chosen windows become findings all at once
(:func:`_sg_findings`, with :func:`group_sums` giving the very totals a per-window ``sum`` gives).
"""

from __future__ import annotations

import numpy as np

from toolkit.details import detail_rows
from toolkit.findings import Finding
from toolkit.frames import Network
from toolkit.detect.fan import fan_score
from toolkit.detect.layering import episode_burst
from toolkit.detect.params import TypologyParams
from toolkit.detect.view import Detection, FlowView, as_view
from toolkit.detect.windows import (
    chunks_by_weight,
    covered_rows,
    distinct_window_counts,
    evidence_per_group,
    expand_ranges,
    greedy_starts,
    pair_links,
    range_search,
    split_groups,
    unique_per_group,
)

__all__ = ["detect_scatter_gather", "detect_gather_scatter"]

#: Most two-hop paths held in memory at once (a dozen int64 arrays of this length). Chunks hold
#: whole source accounts, so the findings do not depend on it. At 600k transfers 2M paths made
#: the detector peak 154 MB above its start, 250k 51 MB, in the same time (2.1 / 1.9 s CPU).
_PAIR_BUDGET = 250_000


def _balance(a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray | float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    hi = np.maximum(a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(hi > 0, np.minimum(a, b) / hi, 0.0)
    return out if out.ndim else float(out)


def detect_scatter_gather(data: Network | FlowView, params: TypologyParams | None = None) -> Detection:
    """Sources that scatter to ``>= k`` intermediates which all forward to one sink within ``W``.

    Returns
    -------
    Detection
        ``findings``: rule ``scatter_gather``, ``account`` the source, ``accounts`` the
        intermediates (ascending) followed by the sink, ``movements`` both hops of every path in
        the window, ``value`` the number of intermediates, ``threshold`` ``k``, ``details``
        ``intermediates``, ``sink``, ``scattered``, ``gathered``, ``balance``, ``span_s``,
        ``paths``. ``stats``: ``max_intermediates`` per account (as source).
    """
    p = params or TypologyParams()
    view = as_view(data, p.usd_rates)
    k, w = p.sg_min_intermediates, p.sg_window_s
    out, inn = view.out, view.inn
    n_acc = view.n_accounts
    max_int = np.zeros(n_acc, dtype=np.int64)
    if len(out) == 0:
        return Detection("scatter_gather", [], {"max_intermediates": max_int})

    # Hops that can be part of a pattern: the first hop in a window where the source fans out to
    # >= k, the second in a window where the sink collects from >= k.
    tr_out = out.cp >= 0
    d_out, end_out = distinct_window_counts(out, w)
    first_ok = covered_rows(np.flatnonzero(tr_out & (d_out >= k)), end_out, len(out)) & tr_out
    del d_out, end_out
    d_in, end_in = distinct_window_counts(inn, w)
    tr_in = inn.cp >= 0
    sink_rows = covered_rows(np.flatnonzero(tr_in & (d_in >= k)), end_in, len(inn)) & tr_in
    del d_in, end_in
    n_mov = int(max(out.mov.max(initial=-1), inn.mov.max(initial=-1))) + 1
    sinkward = np.zeros(n_mov, dtype=bool)
    sinkward[inn.mov[sink_rows]] = True
    second_ok = sinkward[out.mov]
    del sinkward, sink_rows
    cs_second = np.concatenate([[0], np.cumsum(second_ok, dtype=np.int64)])

    r1 = np.flatnonzero(first_ok)
    mid = out.cp[r1].astype(np.int64)
    t1 = out.ts_rel(r1)
    lo, hi = range_search(out.key, mid * out.stride, t1, t1 + w)
    keep = cs_second[hi] > cs_second[lo]
    r1, lo, hi = r1[keep], lo[keep], hi[keep]
    del mid, t1, keep, cs_second

    findings: list[Finding] = []
    # Chunks of whole source accounts, so every (source, sink) group is complete in one chunk.
    src_of = out.acc[r1]
    bounds = np.flatnonzero(np.r_[True, src_of[1:] != src_of[:-1], True])
    weights = np.add.reduceat(hi - lo, bounds[:-1]) if len(r1) else np.zeros(0, np.int64)
    for a, b in chunks_by_weight(weights, _PAIR_BUDGET):
        sel = slice(int(bounds[a]), int(bounds[b]))
        found, best = _sg_chunk(view, p, r1[sel], lo[sel], hi[sel], second_ok)
        findings.extend(found)
        if len(best[0]):
            np.maximum.at(max_int, best[0], best[1])
    return Detection("scatter_gather", findings, {"max_intermediates": max_int})


def _sg_chunk(
    view: FlowView, p: TypologyParams, r1: np.ndarray, lo: np.ndarray, hi: np.ndarray, second_ok: np.ndarray
) -> tuple[list[Finding], tuple[np.ndarray, np.ndarray]]:
    """Scatter-gather findings of the first hops ``r1`` (whole source accounts)."""
    k, w = p.sg_min_intermediates, p.sg_window_s
    out = view.out
    n_acc = view.n_accounts
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    rep, r2 = expand_ranges(lo, hi)
    r1 = r1[rep]
    src = out.acc[r1].astype(np.int64)
    sink = out.cp[r2].astype(np.int64)
    ok = second_ok[r2] & (sink != src)
    r1, r2, src, sink = r1[ok], r2[ok], src[ok], sink[ok]
    if len(r1) == 0:
        return [], empty
    mid = out.cp[r1].astype(np.int64)
    # Groups (source, sink) with >= k distinct intermediates over the whole period.
    group = src * n_acc + sink
    del src, sink
    if n_acc < 2_000_000:  # (group, intermediate) as one int64: one sort instead of a lexsort
        codes = _sorted_unique(group * n_acc + mid)
        pair_g = codes // n_acc
        del codes
    else:
        pair_g, _ = _unique_pairs(group, mid)
    bounds = np.flatnonzero(np.r_[True, pair_g[1:] != pair_g[:-1], True])
    cand = pair_g[bounds[:-1]][np.diff(bounds) >= k]
    del pair_g, bounds
    grank = np.searchsorted(cand, group)
    keep = grank < len(cand)
    keep[keep] = cand[grank[keep]] == group[keep]
    if not keep.any():
        return [], empty
    r1, r2, mid, grank = r1[keep], r2[keep], mid[keep], grank[keep].astype(np.int64)
    del group, keep
    t1 = out.ts_rel(r1)
    stride = out.stride
    ikey = grank * stride + t1
    # Sorted by (group, t1): the windows below only look at sets of paths, never their order.
    order = np.argsort(ikey, kind="stable")
    r1, r2, mid, grank, t1, ikey = r1[order], r2[order], mid[order], grank[order], t1[order], ikey[order]
    del order
    t2 = out.ts_rel(r2)

    anchor_key, distinct = _window_distinct(grank, mid, t1, t2, w, stride)
    chosen = greedy_starts(anchor_key, np.flatnonzero(distinct >= k), w, stride)
    seen = distinct >= 1
    best = (cand[anchor_key[seen] // stride] // n_acc, distinct[seen].astype(np.int64))

    findings = _sg_findings(view, p, chosen, anchor_key, ikey, t2, mid, r1, r2, cand)
    return findings, best


def _sg_findings(
    view: FlowView, p: TypologyParams, chosen: np.ndarray, anchor_key: np.ndarray, ikey: np.ndarray,
    t2: np.ndarray, mid: np.ndarray, r1: np.ndarray, r2: np.ndarray, cand: np.ndarray,
) -> list[Finding]:
    """The findings of the chosen windows, all at once.

    Window ``j`` anchored at ``T`` holds the paths (sorted by group, ``t1``) with ``T <= t1 <=
    T + W`` and ``t2 <= T + W``; chosen windows never overlap, so their paths are expanded
    together. Sums are taken in the order and with the pairwise summation of ``ndarray.sum``
    (:func:`group_sums`), evidence as :func:`~toolkit.detect.windows.limit_evidence` picks it.
    """
    k, w = p.sg_min_intermediates, p.sg_window_s
    out = view.out
    n_acc, stride = view.n_accounts, out.stride
    nf = len(chosen)
    if nf == 0:
        return []
    ak = anchor_key[chosen]
    i0 = np.searchsorted(ikey, ak, side="left")
    i1 = np.searchsorted(ikey, ak + w, side="right")
    fi, pos = expand_ranges(i0, i1)
    inside = t2[pos] <= (ak % stride)[fi] + w
    fi, pos = fi[inside], pos[inside]
    n_paths = np.bincount(fi, minlength=nf)
    mids, c = unique_per_group(fi, mid[pos], nf)
    g1, first = _unique_pairs(fi, r1[pos].astype(np.int64))
    g2, second = _unique_pairs(fi, r2[pos].astype(np.int64))
    del fi, pos
    n1, n2 = np.bincount(g1, minlength=nf), np.bincount(g2, minlength=nf)
    scattered = group_sums(out.amount[first], n1)
    gathered = group_sums(out.amount[second], n2)
    bal = _balance(scattered, gathered)
    gid = cand[ak // stride]
    src, sink = gid // n_acc, gid % n_acc
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(scattered > 0, gathered / np.where(scattered > 0, scattered, 1.0), np.inf)
    burst = episode_burst(scattered, view.usual_per_window(src, scattered, w))
    score = fan_score(c, k, bal, ratio=ratio, burst=burst, fee=p.episode_fee, tolerance=p.episode_tolerance)
    # Each window's movements: its first hops, then its second hops (as limit_evidence sees them).
    g = np.concatenate([g1, g2])
    rows = np.concatenate([first, second])
    start1, start2 = np.cumsum(n1) - n1, np.cumsum(n2) - n2
    rank = np.concatenate([np.arange(len(g1)) - start1[g1], n1[g2] + np.arange(len(g2)) - start2[g2]])
    del g1, g2, first, second
    ts = out.ts_rel(rows)
    t_lo = np.full(nf, np.iinfo(np.int64).max)
    t_hi = np.full(nf, np.iinfo(np.int64).min)
    np.minimum.at(t_lo, g, ts)
    np.maximum.at(t_hi, g, ts)
    n_mov = n1 + n2
    amount = out.amount[rows]
    big = n_mov[g] > p.evidence_limit
    if big.any():  # the largest amounts, ties in list order
        sel = np.flatnonzero(big)
        order = sel[np.lexsort((rank[sel], -amount[sel], g[sel]))]
        go = g[order]
        pos_in = np.arange(len(order)) - np.searchsorted(go, go, side="left")
        drop = np.zeros(len(g), dtype=bool)
        drop[order[pos_in >= p.evidence_limit]] = True
        keep = ~drop
        g, rows, ts = g[keep], rows[keep], ts[keep]
    mov = out.mov[rows].astype(np.int64)
    order = np.lexsort((mov, ts, g))
    evidence = split_groups(mov[order], np.bincount(g, minlength=nf))
    t0 = view.t0
    # (as the dicts held them: Python ints and floats of the same arrays' tolist())
    details = detail_rows(nf, {"intermediates": c, "sink": sink, "scattered": scattered, "gathered": gathered,
                               "balance": bal, "span_s": t_hi - t_lo, "window_s": int(w), "paths": n_paths,
                               "movements": n_mov})
    return [
        Finding(
            rule="scatter_gather",
            account=s_,
            movements=evidence[j],
            value=float(c_),
            threshold=float(k),
            accounts=(*mids[j], d_),
            window=(t0 + lo_, t0 + hi_),
            score=sc_,
            details=details[j],
        )
        for j, (s_, d_, c_, lo_, hi_, sc_) in enumerate(zip(
            src.tolist(), sink.tolist(), c.tolist(), t_lo.tolist(), t_hi.tolist(), score.tolist()))
    ]


def group_sums(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``values[a:b].sum()`` of consecutive groups of the given sizes, bit for bit.

    NumPy sums a float64 array pairwise: fewer than 8 values one after the other, up to 128 in
    eight interleaved running sums joined as ``((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))``
    plus the rest one by one, longer arrays as the sum of two halves. This does the same for all
    groups at once (the rare groups over 128 values one by one), so vectorised findings carry
    exactly the totals the one-window-at-a-time code gave.
    """
    counts = np.asarray(counts, dtype=np.int64)
    starts = np.cumsum(counts) - counts
    res = np.full(len(counts), -0.0)
    small = counts < 8
    for i in range(7):
        g = np.flatnonzero(small & (counts > i))
        res[g] += values[starts[g] + i]
    mid = np.flatnonzero((counts >= 8) & (counts <= 128))
    if len(mid):
        n, s0 = counts[mid], starts[mid]
        full = n - n % 8
        lane = np.arange(8)
        r = values[s0[:, None] + lane]
        for b in range(1, int(full.max()) // 8):
            g = np.flatnonzero(full > 8 * b)
            r[g] += values[s0[g][:, None] + 8 * b + lane]
        tot = ((r[:, 0] + r[:, 1]) + (r[:, 2] + r[:, 3])) + ((r[:, 4] + r[:, 5]) + (r[:, 6] + r[:, 7]))
        for i in range(7):
            g = np.flatnonzero(n % 8 > i)
            tot[g] += values[s0[g] + full[g] + i]
        res[mid] = tot
    for g in np.flatnonzero(counts > 128).tolist():
        res[g] = values[starts[g] : starts[g] + counts[g]].sum()
    return res + 0.0


def _sorted_unique(a: np.ndarray) -> np.ndarray:
    """``np.unique(a)`` of a 1-d integer array by sorting (NumPy 2's hash-based unique is several
    times slower on millions of values)."""
    a = np.sort(a)
    return a[np.r_[True, a[1:] != a[:-1]]] if len(a) else a


def _unique_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ``(a, b)`` pairs, sorted."""
    if len(a) == 0:
        return a, b
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    new = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])]
    return a[new], b[new]


def _window_distinct(
    grank: np.ndarray, mid: np.ndarray, t1: np.ndarray, t2: np.ndarray, w: int, stride: int
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct intermediates of the window anchored at every distinct (group, t1).

    A path (t1, t2) lies in the window ``[T, T + W]`` exactly when ``t2 - W <= T <= t1``, an
    interval of anchors. An intermediate counts for an anchor when any of its paths covers it,
    so per (group, intermediate) the intervals are sorted and each adds coverage only beyond the
    furthest anchor its predecessors reached; a difference array then counts, for all anchors
    at once, the intermediates covering them.

    Returns
    -------
    anchor_key : ndarray of int64
        ``group * stride + T``, ascending.
    distinct : ndarray of int64
    """
    ikey = grank * stride + t1
    anchor_key = _sorted_unique(ikey)
    a_lo = np.searchsorted(anchor_key, grank * stride + t2 - w, side="left")
    a_hi = np.searchsorted(anchor_key, ikey, side="right") - 1
    seg = grank * (int(mid.max()) + 1) + mid
    order = np.lexsort((a_hi, a_lo, seg))
    seg, a_lo, a_hi = seg[order], a_lo[order], a_hi[order]
    n = len(seg)
    # Furthest anchor reached by earlier intervals of the same segment.
    seg_start = np.r_[True, seg[1:] != seg[:-1]]
    big = np.int64(len(anchor_key) + 2)
    seg_id = np.cumsum(seg_start) - 1
    reach = np.maximum.accumulate(seg_id * big + a_hi)
    prev_reach = np.empty(n, dtype=np.int64)
    prev_reach[0] = -1
    prev_reach[1:] = reach[:-1] - seg_id[1:] * big  # negative when the previous row is another segment
    prev_reach[seg_start] = -1
    eff_lo = np.maximum(a_lo, prev_reach + 1)
    add = eff_lo <= a_hi
    diff = np.bincount(eff_lo[add], minlength=len(anchor_key) + 1).astype(np.int64)
    diff -= np.bincount(a_hi[add] + 1, minlength=len(anchor_key) + 1)
    return anchor_key, np.cumsum(diff[:-1])


def detect_gather_scatter(data: Network | FlowView, params: TypologyParams | None = None) -> Detection:
    """Hubs that gather from ``>= k`` senders, then scatter to ``>= k`` receivers, within ``W``.

    Returns
    -------
    Detection
        ``findings``: rule ``gather_scatter``, ``account`` the hub, ``accounts`` the senders
        and receivers (ascending), ``movements`` the gathered transfers within ``[T, tau_out]``
        and the scattered ones within ``[tau_in, T + W]`` (``tau_in``: the ``k``-th distinct
        sender has paid; ``tau_out``: the last time from which ``k`` distinct receivers are
        still paid), ``value`` ``min(senders, receivers)``, ``threshold`` ``k``, ``details``
        ``senders``, ``receivers``, ``counterparties``, ``gathered``, ``scattered``, ``balance``,
        ``usual_chance``, ``span_s``. ``stats``: ``max_counterparties`` per hub (0 where no finding).

    Notes
    -----
    A valid split exists exactly when ``tau_in <= tau_out``: the senders seen by ``tau`` only
    grow with ``tau`` and the receivers paid from ``tau`` on only shrink. Both times are found
    for all candidate windows at once by stepping one row per round from the window's start
    (``tau_in``) and end (``tau_out``); a row is a new sender when the previous transfer from
    the same sender is before the window, a new receiver when the next transfer to the same
    receiver is after it.
    """
    p = params or TypologyParams()
    view = as_view(data, p.usd_rates)
    k, w = p.gs_min_counterparties, p.gs_window_s
    out, inn = view.out, view.inn
    n_acc = view.n_accounts
    best = np.zeros(n_acc, dtype=np.int64)
    if len(out) == 0 or len(inn) == 0:
        return Detection("gather_scatter", [], {"max_counterparties": best})
    prev_in = pair_links(inn)[0]
    d_in, end_in = distinct_window_counts(inn, w, prev_in)
    prev_out, nxt_out = pair_links(out)
    d_out, _ = distinct_window_counts(out, w, prev_out)
    del prev_out
    tr_in, tr_out = inn.cp >= 0, out.cp >= 0
    cand = np.flatnonzero(tr_in & (d_in >= k))
    del d_in
    # Necessary: the hub's out-window starting at its first outflow after T has >= k receivers.
    o_lo = np.searchsorted(out.key, inn.key[cand], side="left")
    o_hi = np.searchsorted(out.key, inn.key[cand] + w, side="right")
    ok = (o_hi > o_lo) & (d_out[np.minimum(o_lo, len(out) - 1)] >= k)
    cand, o_lo, o_hi = cand[ok], o_lo[ok], o_hi[ok]
    del d_out, ok
    e_in = end_in[cand]
    del end_in
    tau_in_row = _kth_new(cand, e_in, tr_in, prev_in, k, forward=True)
    tau_out_row = _kth_new(o_lo, o_hi, tr_out, nxt_out, k, forward=False)
    del prev_in, nxt_out
    found = (tau_in_row >= 0) & (tau_out_row >= 0)
    tau_in = np.where(found, inn.ts_rel(np.maximum(tau_in_row, 0)), 0)
    tau_out = np.where(found, out.ts_rel(np.maximum(tau_out_row, 0)), -1)
    valid = found & (tau_in <= tau_out)
    chosen_rows = greedy_starts(inn.key, cand[valid], w, view.stride)
    ci = np.searchsorted(cand, chosen_rows)
    if len(ci) == 0:
        return Detection("gather_scatter", [], {"max_counterparties": best})
    hub = inn.acc[cand[ci]].astype(np.int64)
    stride = view.stride
    g_end = np.minimum(e_in[ci], np.searchsorted(inn.key, hub * stride + tau_out[ci], side="right"))
    s_lo = np.maximum(o_lo[ci], np.searchsorted(out.key, hub * stride + tau_in[ci], side="left"))
    g1, r1 = expand_ranges(cand[ci], g_end)
    keep = tr_in[r1]
    g1, r1 = g1[keep], r1[keep]
    g2, r2 = expand_ranges(s_lo, o_hi[ci])
    keep = tr_out[r2]
    g2, r2 = g2[keep], r2[keep]
    nf = len(ci)
    _, n_send = unique_per_group(g1, inn.cp[r1].astype(np.int64), nf)
    _, n_recv = unique_per_group(g2, out.cp[r2].astype(np.int64), nf)
    cps, _ = unique_per_group(np.concatenate([g1, g2]), np.concatenate([inn.cp[r1], out.cp[r2]]).astype(np.int64), nf)
    gathered = np.bincount(g1, weights=inn.amount[r1], minlength=nf)
    scattered = np.bincount(g2, weights=out.amount[r2], minlength=nf)
    bal = _balance(gathered, scattered)
    c = np.minimum(n_send, n_recv)
    n_g, n_s = np.bincount(g1, minlength=nf), np.bincount(g2, minlength=nf)
    # Both sides unusual for the hub: the chance of the pair under its ordinary traffic.
    chance = view.chance(inn, hub, n_g, n_g, w) * view.chance(out, hub, n_s, n_s, w) / max(view.span / w, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(gathered > 0, scattered / np.where(gathered > 0, gathered, 1.0), np.inf)
    burst = episode_burst(gathered, view.usual_per_window(hub, (gathered + scattered) / 2.0, w))
    score = fan_score(c, k, bal, chance, ratio=ratio, burst=burst, fee=p.episode_fee, tolerance=p.episode_tolerance)
    ts1, ts2 = inn.ts_rel(r1), out.ts_rel(r2)
    t_lo = np.full(nf, np.iinfo(np.int64).max)
    t_hi = np.full(nf, np.iinfo(np.int64).min)
    for g_, t_ in ((g1, ts1), (g2, ts2)):
        np.minimum.at(t_lo, g_, t_)
        np.maximum.at(t_hi, g_, t_)
    evidence = evidence_per_group(
        np.concatenate([g1, g2]),
        np.concatenate([inn.mov[r1], out.mov[r2]]).astype(np.int64),
        np.concatenate([inn.amount[r1], out.amount[r2]]),
        np.concatenate([ts1, ts2]),
        nf,
        p.evidence_limit,
    )
    n_mov = n_g + n_s
    np.maximum.at(best, hub, c)
    hubs = hub.tolist()
    i64, f64 = np.int64, np.float64
    details = detail_rows(nf, {
        "senders": n_send.astype(i64),
        "receivers": n_recv.astype(i64),
        "counterparties": c.astype(i64),
        "gathered": gathered.astype(f64),
        "scattered": scattered.astype(f64),
        "balance": bal.astype(f64),
        "usual_chance": chance.astype(f64),
        "span_s": (t_hi - t_lo).astype(i64),
        "window_s": int(w),
        "movements": n_mov.astype(i64),
    })
    findings = [
        Finding(
            rule="gather_scatter",
            account=hubs[j],
            movements=evidence[j],
            value=float(c[j]),
            threshold=float(k),
            accounts=cps[j],
            window=(view.t0 + int(t_lo[j]), view.t0 + int(t_hi[j])),
            score=float(score[j]),
            details=details[j],
        )
        for j in range(nf)
    ]
    return Detection("gather_scatter", findings, {"max_counterparties": best})


#: Rounds of one-row steps before the remaining windows are finished one by one.
_STEP_ROUNDS = 64


def _kth_new(lo: np.ndarray, hi: np.ndarray, is_tr: np.ndarray, link: np.ndarray, k: int, forward: bool) -> np.ndarray:
    """Row of the ``k``-th distinct counterparty of every window ``lo..hi-1``, or -1.

    ``forward``: scanning from ``lo`` up, a transfer row ``x`` is new when ``link[x]`` (the
    previous row with the same counterparty) ``< lo``. Backward: scanning from ``hi - 1`` down,
    ``y`` is new when ``link[y]`` (the next such row) ``>= hi``.
    """
    n = len(lo)
    res = np.full(n, -1, dtype=np.int64)
    cnt = np.zeros(n, dtype=np.int64)
    act = np.arange(n)
    for off in range(_STEP_ROUNDS):
        if len(act) == 0:
            return res
        x = lo[act] + off if forward else hi[act] - 1 - off
        inside = x < hi[act] if forward else x >= lo[act]
        act, x = act[inside], x[inside]
        new = is_tr[x] & ((link[x] < lo[act]) if forward else (link[x] >= hi[act]))
        cnt[act] += new
        done = new & (cnt[act] >= k)
        res[act[done]] = x[done]
        act = act[~done]
    for a in act.tolist():  # long windows with many repeats: finish each one vectorised
        rows = np.arange(lo[a], hi[a]) if forward else np.arange(hi[a] - 1, lo[a] - 1, -1)
        new = is_tr[rows] & ((link[rows] < lo[a]) if forward else (link[rows] >= hi[a]))
        hit = np.flatnonzero(np.cumsum(new) >= k)
        if len(hit):
            res[a] = rows[hit[0]]
    return res
