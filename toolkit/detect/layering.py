"""Layering: pass-through accounts that forward almost everything they receive, and their chains.

Why dwell time: every account that pays bills forwards money; what sets a layering account apart
is that the money it receives *leaves again within days* and little stays. Following individual
dollars first-in first-out through an account gives, for every received dollar, when it left
(its dwell); a layer is an account where most dollars leave within the dwell window. Several such
accounts paying each other in quick succession (chains, stacks, bipartite layers) are the
signature of layering.

Definitions (``r`` = :attr:`~TypologyParams.layering_min_ratio`, ``D`` =
:attr:`~TypologyParams.layering_max_dwell_s`):

pass-through ratio
    Inflows (transfers in and cash deposits) and outflows (transfers out and cash withdrawals) of
    an account are matched first-in first-out, amounts in USD cents. Outflows first consume the
    smallest opening balance that keeps the account out of overdraft (money from before the
    data), then inflows in time order; at equal times inflows come first, so a same-second
    forward has dwell 0. The ratio is the share of the account's inflow that leaves within ``D``
    of arriving. An account is **pass-through** when the ratio is ``>= r`` and it is party to at
    least one transfer (cash in, cash out alone is another module's business).
median dwell
    Amount-weighted median time between arrival and departure of the forwarded money.
chain length
    Pass-through accounts linked by transfers ``u -> v`` (both pass-through) form chains when each
    hop follows the previous one within ``D`` (``t_prev <= t <= t_prev + D``). An account's chain
    length is the number of accounts (counted along the chain) on the longest such chain through
    it (1 when alone), capped at :attr:`~TypologyParams.layering_max_chain`; ``layer_size`` is the
    size of its connected group of linked pass-through accounts (chains, stacks, bipartite layers
    alike).

Score: ``ratio * (1 - 0.5 * min(1, median_dwell / D)) * (0.4 + 0.6 * (1 - 1 / chain_length))``:
grows with the ratio, with the shortness of the dwell and with the chain; a lone pass-through
account stays below 0.4, a long fast chain approaches 1. An account whose best pass-through
*episode* (:func:`pass_episodes`) is strong scores ``1 - (1 - strength) * (1 - w * g(link))``
instead when that is higher, where ``link`` (:func:`episode_links`) is the strength of a transfer
to or from another account inside both accounts' episodes (the same money bursting through two
accounts, as from mules to their collector), ``w`` is
:attr:`~TypologyParams.episode_link_weight` and ``g`` (:func:`link_evidence`) reads the link on a
ramp from :attr:`~TypologyParams.episode_link_floor` (0) to
:attr:`~TypologyParams.episode_link_full` (1). Measured on the 200k evaluation sets (medium
hardness), linking raised the combined PR-AUC from 0.54-0.61 to 0.81-0.85 (with the score
using the layering hit score without population rarity, :mod:`toolkit.detect.score`), and the
ramp from 0.89/0.87/0.84 to 0.91/0.89/0.87.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from toolkit.findings import Finding
from toolkit.frames import Network
from toolkit.detect.params import TypologyParams
from toolkit.detect.view import Detection, FlowSide, FlowView, as_view
from toolkit.detect.windows import account_max, compact, evidence_per_group, expand_ranges, unique_per_group

__all__ = ["detect_layering", "pass_through", "PassThrough", "layering_score", "pass_episodes", "Episodes", "episode_match", "episode_burst", "EPISODE_SCALES", "EPISODE_LINK_SCALES", "episode_links", "link_evidence"]


def layering_score(ratio: np.ndarray | float, median_dwell_s: np.ndarray | float, chain_length: np.ndarray | float, max_dwell_s: int) -> np.ndarray | float:
    """Strength of a pass-through account in [0, 1]."""
    r = np.clip(np.asarray(ratio, dtype=np.float64), 0.0, 1.0)
    d = np.asarray(median_dwell_s, dtype=np.float64)
    dwell_term = 1.0 - 0.5 * (np.clip(d / max_dwell_s, 0.0, 1.0) if max_dwell_s > 0 else (d > 0))
    c = np.maximum(np.asarray(chain_length, dtype=np.float64), 1.0)
    out = r * dwell_term * (0.4 + 0.6 * (1.0 - 1.0 / c))
    return out if out.ndim else float(out)


def _cents(side: FlowSide) -> np.ndarray:
    return np.rint(side.amount * 100.0).astype(np.int64)


def _excl_cumsum(x: np.ndarray) -> np.ndarray:
    out = np.zeros(len(x) + 1, dtype=np.int64)
    np.cumsum(x, out=out[1:])
    return out


#: Outflow rows matched per round (bounds the memory of the matched pairs; rounds hold whole
#: accounts, whose figures are each summed within one round, so it changes no result). At 600k
#: transfers 250k rows made layering peak 52 MB above its start, 100k rows 39 MB, in 1.6 s both.
_FIFO_CHUNK = 100_000


@dataclass(frozen=True, eq=False)
class PassThrough:
    """First-in first-out matching of every account's inflows to its outflows.

    Attributes
    ----------
    in_cents, forwarded_cents, opening_cents : ndarray of int64 / float64, per account
        Total inflow, the part of it that left within the dwell window, and the opening balance
        assumed (the smallest that keeps the account out of overdraft).
    ratio : ndarray of float64, per account
        ``forwarded / inflow`` (NaN without inflow).
    passing : ndarray of bool, per account
        Ratio ``>= min_ratio`` and at least one transfer.
    pair_in, pair_out, pair_cents, pair_dwell, pair_acc : ndarray
        The matched (inflow row of ``view.inn``, outflow row of ``view.out``) pieces of the
        *passing* accounts: cents carried, seconds between arrival and departure, account.
    """

    in_cents: np.ndarray
    forwarded_cents: np.ndarray
    opening_cents: np.ndarray
    ratio: np.ndarray
    passing: np.ndarray
    pair_in: np.ndarray
    pair_out: np.ndarray
    pair_cents: np.ndarray
    pair_dwell: np.ndarray
    pair_acc: np.ndarray


def pass_through(view: FlowView, max_dwell_s: int, min_ratio: float) -> PassThrough:
    """Match inflows to outflows first-in first-out, per account, all accounts at once.

    Every account's cents are laid out on one global axis (account after account): the inflow
    rows cover ``[opening + CI_{j-1}, opening + CI_j)`` of their account's stretch, the outflow
    rows ``[CO_{k-1}, CO_k)``, so the inflows an outflow carries are found with two
    :func:`numpy.searchsorted` calls for all outflows together, and exactly (integer cents).
    """
    inn, out = view.inn, view.out
    n = view.n_accounts
    ci = _cents(inn)
    CIg = _excl_cumsum(ci)
    COg = _excl_cumsum(_cents(out))
    in_base, out_base = CIg[inn.ptr], COg[out.ptr]  # per account (length n + 1)
    in_total = in_base[1:] - in_base[:-1]
    out_total = out_base[1:] - out_base[:-1]
    # Opening balance: the largest shortfall of inflows (up to each outflow's time) behind outflows.
    sf = np.searchsorted(inn.key, out.key, side="right")
    sf = CIg[sf]
    sf -= in_base[out.acc]
    sf -= COg[1:]
    sf += out_base[out.acc]  # sf = -(outflow so far - inflow so far)
    opening = np.maximum(account_max(-sf, out, n, fill=0), 0).astype(np.int64)
    del sf
    # Lay every account's cents on one global axis so one searchsorted matches all accounts.
    span = np.maximum(opening + in_total, out_total) + 1
    offset = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(span, out=offset[1:])
    del span
    ie = CIg[1:] - in_base[inn.acc]  # end of each inflow on the global axis
    del CIg
    ie += offset[inn.acc]
    ie += opening[inn.acc]
    active = view.active()
    forwarded = np.zeros(n)
    passing = np.zeros(n, dtype=bool)
    ratio = np.full(n, np.nan)
    has_in = in_total > 0
    parts: list[tuple[np.ndarray, ...]] = []
    # Chunks of whole accounts, so an account's ratio is complete within its chunk.
    bounds = out.ptr[np.searchsorted(out.ptr, np.arange(0, len(out), _FIFO_CHUNK))]
    bounds = np.unique(np.r_[bounds, len(out)])
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        acc = out.acc[a:b]
        co = COg[a + 1 : b + 1] - COg[a:b]
        os_ = offset[acc] + (COg[a:b] - out_base[acc])
        oe = os_ + co
        j_lo = np.maximum(np.searchsorted(ie, os_, side="right"), inn.ptr[acc])
        j_hi = np.minimum(np.searchsorted(ie, oe - 1, side="right") + 1, inn.ptr[acc + 1])
        j_hi = np.where(co > 0, j_hi, j_lo)
        k, j = expand_ranges(j_lo, j_hi)
        del j_lo, j_hi
        cents = np.minimum(ie[j], oe[k]) - np.maximum(ie[j] - ci[j], os_[k])
        good = cents > 0
        k, j, cents = k[good] + a, j[good], cents[good]
        dwell = out.ts_rel(k) - inn.ts_rel(j)
        pacc = out.acc[k]
        quick = dwell <= max_dwell_s
        forwarded += np.bincount(pacc[quick], weights=cents[quick], minlength=n)
        sl = slice(int(acc[0]), int(acc[-1]) + 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio[sl] = np.where(has_in[sl], forwarded[sl] / np.where(has_in[sl], in_total[sl], 1), np.nan)
        passing[sl] = active[sl] & has_in[sl] & (ratio[sl] >= min_ratio)
        sel = passing[pacc]
        parts.append((j[sel].astype(np.int64), k[sel].astype(np.int64), cents[sel], dwell[sel], pacc[sel].astype(np.int64)))
    # Accounts with inflow but no outflow at all were never in a chunk: ratio 0.
    ratio = np.where(has_in & np.isnan(ratio), 0.0, ratio)
    cat = [np.concatenate([pt[i] for pt in parts]) if parts else np.zeros(0, np.int64) for i in range(5)]
    return PassThrough(
        in_cents=in_total,
        forwarded_cents=forwarded,
        opening_cents=opening,
        ratio=ratio,
        passing=passing,
        pair_in=cat[0],
        pair_out=cat[1],
        pair_cents=cat[2],
        pair_dwell=cat[3],
        pair_acc=cat[4],
    )


#: Fractions of ``episode_window_s`` tried as episode windows.
EPISODE_SCALES = (0.25, 0.5, 1.0, 2.0)
#: Further fractions of ``episode_window_s`` whose best windows serve only as link windows
#: (:func:`episode_links`), never as an account's own episode. Why: a hub that gathers for days
#: and scatters for days more has no single short window holding both, and a receiver paid late
#: in the scatter falls outside the hub's best short window. Measured on the 200k evaluation sets
#: (with links through every scale's best window), adding 12 and 16 days raised the combined
#: PR-AUC at high hardness from 0.15/0.04/0.44 to 0.22/0.12/0.48 and kept medium at 0.92/0.92/0.87
#: (as an account's own episode, windows that long had cost medium hardness: more honest bursts).
EPISODE_LINK_SCALES = (3.0, 4.0)
#: Rows per block in :func:`pass_episodes` (bounds its temporaries, ~20 float64 arrays of this
#: length; blocks only take the first best row of each account, so the result does not depend on
#: it). At 600k transfers 500k rows made layering peak 69 MB above its start, 100k rows 51 MB.
_EP_CHUNK = 100_000


def episode_match(ratio: np.ndarray | float, fee: float, tolerance: float) -> np.ndarray | float:
    """Amount match of an episode in [0, 1]: 1 when out/in equals ``1 - fee``, falling linearly in
    ``|log(ratio / (1 - fee))|`` to 0 at ``log(1 + tolerance)``."""
    r = np.asarray(ratio, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = np.abs(np.log(np.where(r > 0, r, np.nan) / (1.0 - fee))) / np.log1p(tolerance)
    out = np.where(np.isfinite(dev), np.clip(1.0 - dev, 0.0, 1.0), 0.0)
    return out if out.ndim else float(out)


def episode_burst(volume: np.ndarray, usual: np.ndarray) -> np.ndarray:
    """``clip(log(volume / usual) / log(100), 0, 1)``: 1 when the episode moves 100 times what
    the account usually moves in a window of that length, 0 at or below the usual."""
    with np.errstate(divide="ignore", invalid="ignore"):
        b = np.log(volume / usual) / np.log(100.0)
    return np.where(np.isfinite(b), np.clip(b, 0.0, 1.0), np.where(volume > 0, 1.0, 0.0))


@dataclass(frozen=True, eq=False)
class Episodes:
    """Every account's strongest pass-through episode (:func:`pass_episodes`).

    Attributes (per account; 0 / NaN / -1 where the account has no episode)
    ----------
    strength : ndarray of float64
        ``match * burst`` of the best episode.
    match, burst, ratio : ndarray of float64
        Its amount match, burst and out/in ratio.
    inflow, outflow : ndarray of float64
        USD in and out within its window.
    t_lo, t_hi : ndarray of int64
        Its window, relative to ``view.t0`` (-1 without an episode).
    scale_strength, scale_lo, scale_hi : ndarray, shape (n_accounts, n_scales)
        The best window of every scale (:data:`EPISODE_SCALES`, then the link-only scales):
        its strength (0 without one) and its bounds (-1 without one).
    """

    strength: np.ndarray
    match: np.ndarray
    burst: np.ndarray
    ratio: np.ndarray
    inflow: np.ndarray
    outflow: np.ndarray
    t_lo: np.ndarray
    t_hi: np.ndarray
    scale_strength: np.ndarray
    scale_lo: np.ndarray
    scale_hi: np.ndarray


def pass_episodes(view: FlowView, window_s: int, fee: float, tolerance: float,
                  link_scales: tuple[float, ...] = EPISODE_LINK_SCALES) -> Episodes:
    """Best pass-through episode of every account: money in, about the same out, within days,
    far above the account's usual flow.

    Why episodes and not a whole-period ratio: a mule keeps its ordinary life (salary, card
    payments, rent) and launders now and then; over the whole period it forwards a small share of
    its inflow, but in the days of a hop nearly everything that came in leaves again, less a fee.

    Definition. A window is ``[t_j, t_j + L]`` after every inflow row ``j`` and ``[t_k - L, t_k]``
    before every outflow row ``k`` (inclusive; the anchor's own second ties included), for ``L``
    in ``window_s`` times :data:`EPISODE_SCALES`. With ``X`` / ``Y`` the account's inflows /
    outflows (transfers and cash) in the window, ``ratio = Y / X``, ``match =``
    :func:`episode_match` ``(ratio)`` and ``burst =`` :func:`episode_burst` ``(X, u * L / span)``
    where ``u`` is what the account moves *outside* the window (the mean of its total inflow and
    total outflow, less the window's ``(X + Y) / 2``) spread over the rest of the data span
    (:meth:`~toolkit.detect.view.FlowView.usual_per_window`). ``strength = match * burst``; ties go to the earlier window and the smaller
    ``L``. The best window of each ``L`` is kept too, and of each ``L`` in ``window_s`` times
    ``link_scales`` (windows that serve only as link windows, :func:`episode_links`).
    """
    inn, out = view.inn, view.out
    n = view.n_accounts
    strength = np.zeros(n)
    best = np.full((n, 4), np.nan)  # ratio, inflow, outflow, burst
    t_lo = np.full(n, -1, dtype=np.int64)
    t_hi = np.full(n, -1, dtype=np.int64)
    scales = tuple(EPISODE_SCALES) + tuple(link_scales)
    sc_str = np.zeros((n, len(scales)))
    sc_lo = np.full((n, len(scales)), -1, dtype=np.int64)
    sc_hi = np.full((n, len(scales)), -1, dtype=np.int64)
    if len(inn) == 0 or len(out) == 0:
        return Episodes(strength, np.zeros(n), np.zeros(n), best[:, 0], np.zeros(n), np.zeros(n), t_lo, t_hi,
                        sc_str, sc_lo, sc_hi)
    csi, cso = inn.cumsum(), out.cumsum()
    usual = (csi[inn.ptr[1:]] - csi[inn.ptr[:-1]] + cso[out.ptr[1:]] - cso[out.ptr[:-1]]) / 2.0
    # The window edge at the anchor does not depend on L: its rows are found once. On the
    # anchor's own side they are the first (last) row of its tie group, on the other side a
    # search (kept as int32 row numbers where they fit).
    own_edge = {id(inn): _tie_first(inn.key), id(out): _tie_end(out.key)}
    cross_edge = {id(inn): compact(np.searchsorted(out.key, inn.key, side="left")),
                  id(out): compact(np.searchsorted(inn.key, out.key, side="right"))}
    for si, scale in enumerate(scales):
        L = int(round(window_s * scale))
        scale_l = L / max(view.span - L, L, 1)
        for anchor in (inn, out):
            m = len(anchor)
            for a in range(0, m, _EP_CHUNK):
                b = min(a + _EP_CHUNK, m)
                k = anchor.key[a:b]
                own, cross = own_edge[id(anchor)][a:b], cross_edge[id(anchor)][a:b]
                if anchor is inn:  # window [k, k + L]
                    lo, hi = k, k + L
                    X = csi[np.searchsorted(inn.key, hi, side="right")] - csi[own]
                    Y = cso[np.searchsorted(out.key, hi, side="right")] - cso[cross]
                else:  # window [k - L, k]
                    lo, hi = k - L, k
                    X = csi[cross] - csi[np.searchsorted(inn.key, lo, side="left")]
                    Y = cso[own] - cso[np.searchsorted(out.key, lo, side="left")]
                acc = anchor.acc[a:b]
                with np.errstate(divide="ignore", invalid="ignore"):
                    r = np.where(X > 0, Y / np.where(X > 0, X, 1.0), np.inf)
                bu = episode_burst(X, np.maximum(usual[acc] - (X + Y) / 2.0, 0.0) * scale_l)
                s = episode_match(r, fee, tolerance) * bu
                # Best row of every account in this block (first on ties); rows are by account.
                starts = np.flatnonzero(np.r_[True, acc[1:] != acc[:-1]])
                top = np.fmax.reduceat(s, starts)
                hit = np.flatnonzero(s == np.repeat(top, np.diff(np.r_[starts, len(s)])))
                first = hit[np.r_[True, acc[hit][1:] != acc[hit][:-1]]]
                ac = acc[first].astype(np.int64)
                up = s[first] > sc_str[ac, si]
                f_up, a_up = first[up], ac[up]
                sc_str[a_up, si] = s[f_up]
                sc_lo[a_up, si] = lo[f_up] - a_up * view.stride
                sc_hi[a_up, si] = hi[f_up] - a_up * view.stride
                if si >= len(EPISODE_SCALES):  # a link-only window
                    continue
                better = s[first] > strength[ac]
                first, ac = first[better], ac[better]
                strength[ac] = s[first]
                best[ac] = np.column_stack([r[first], X[first], Y[first], bu[first]])
                t_lo[ac] = (lo[first] - ac * view.stride)
                t_hi[ac] = (hi[first] - ac * view.stride)
    has = strength > 0
    ratio = np.where(has, best[:, 0], np.nan)
    match = np.where(has, episode_match(np.nan_to_num(best[:, 0], nan=0.0, posinf=0.0), fee, tolerance), 0.0)
    return Episodes(
        strength=strength,
        match=match,
        burst=np.where(has, best[:, 3], 0.0),
        ratio=ratio,
        inflow=np.where(has, best[:, 1], 0.0),
        outflow=np.where(has, best[:, 2], 0.0),
        t_lo=np.where(has, t_lo, -1),
        t_hi=np.where(has, t_hi, -1),
        scale_strength=sc_str,
        scale_lo=sc_lo,
        scale_hi=sc_hi,
    )


def episode_links(view: FlowView, ep: Episodes) -> np.ndarray:
    """Per account, the strongest *episode link*: a transfer to or from another account that
    falls inside an episode window of both (0 without one).

    Why: a mule's episode is only a burst of money in and out; the same money arriving inside the
    receiver's own episode (a collector's, the next layer's) ties the two bursts into one flow.
    Honest bursts (a bonus spent on a holiday, a firm paying a big invoice from a receipt) are
    seldom joined by a transfer to another account that is bursting at the same time.

    An account's episode windows are the best window of every scale (``ep.scale_*``: the
    :data:`EPISODE_SCALES` and the longer link-only :data:`EPISODE_LINK_SCALES`). The link of a
    transfer ``u -> v`` at ``t`` is ``sqrt(s_u * s_v)``, where ``s_u`` (``s_v``) is the strongest
    of ``u``'s (``v``'s) windows holding ``t`` (0 if none does); an account's value is the largest
    over its transfers. Why every scale and not only the best window: the best window of a hub is
    often its short, sharp gather, while the receivers it pays days later are inside its longer
    windows only. Measured on the 200k evaluation sets (with :data:`EPISODE_LINK_SCALES`), the
    combined PR-AUC at medium hardness went from 0.91/0.89/0.87 to 0.92/0.92/0.87 and at high from
    0.15/0.04/0.44 to 0.22/0.12/0.48.
    """
    out = view.out
    n = view.n_accounts
    link = np.zeros(n)
    S = ep.scale_strength
    has = S.max(axis=1, initial=0.0) > 0 if S.size else np.zeros(n, dtype=bool)
    rows = np.flatnonzero(out.cp >= 0)
    rows = rows[has[out.acc[rows]] & has[out.cp[rows]]]
    if len(rows) == 0:
        return link
    u, v = out.acc[rows].astype(np.int64), out.cp[rows].astype(np.int64)
    t = out.ts_rel(rows)
    su = np.zeros(len(rows))
    sv = np.zeros(len(rows))
    for si in range(S.shape[1]):
        lo, hi, st = ep.scale_lo[:, si], ep.scale_hi[:, si], S[:, si]
        np.maximum(su, np.where((t >= lo[u]) & (t <= hi[u]), st[u], 0.0), out=su)
        np.maximum(sv, np.where((t >= lo[v]) & (t <= hi[v]), st[v], 0.0), out=sv)
    w = np.sqrt(su * sv)
    np.maximum.at(link, u, w)
    np.maximum.at(link, v, w)
    return link


def link_evidence(link: np.ndarray | float, floor: float, full: float) -> np.ndarray | float:
    """How much an episode link says, in [0, 1]: 0 up to ``floor``, rising linearly to 1 at
    ``full``.

    Why a ramp and not the link itself: honest accounts that burst at the same moment as a
    counterparty are joined by weak links (a weak episode on one side), laundering hops by strong
    ones. On the 200k evaluation sets (medium hardness) the links of honest accounts had a median
    of 0.11 (75th percentile 0.18, none above 0.47); those of laundering accounts a median of 0.67
    (25th percentile 0.49). Read as it is, a link of 0.35 added little to a weak episode, and the
    many weak honest links added noise.
    """
    x = np.asarray(link, dtype=np.float64)
    out = np.clip((x - floor) / (full - floor), 0.0, 1.0) if full > floor else (x >= full).astype(np.float64)
    return out if out.ndim else float(out)


def _tie_first(key: np.ndarray) -> np.ndarray:
    """``np.searchsorted(key, key, side="left")`` of a sorted ``key``: each row's first equal row."""
    new = np.r_[True, key[1:] != key[:-1]] if len(key) else np.zeros(0, dtype=bool)
    return compact(np.maximum.accumulate(np.where(new, np.arange(len(key)), 0)))


def _tie_end(key: np.ndarray) -> np.ndarray:
    """``np.searchsorted(key, key, side="right")`` of a sorted ``key``: one past each row's last equal row."""
    m = len(key)
    last = np.r_[key[1:] != key[:-1], True] if m else np.zeros(0, dtype=bool)
    return compact(np.minimum.accumulate(np.where(last, np.arange(1, m + 1), m)[::-1])[::-1])


def _weighted_median(group: np.ndarray, value: np.ndarray, weight: np.ndarray, n: int) -> np.ndarray:
    """Per group the smallest value at which the cumulative weight reaches half (NaN if none)."""
    out = np.full(n, np.nan)
    if len(group) == 0:
        return out
    order = np.lexsort((value, group))
    g, v, wt = group[order], value[order], weight[order].astype(np.float64)
    cw = np.cumsum(wt)
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    ends = np.r_[starts[1:], len(g)]
    base = np.r_[0.0, cw][starts]
    total = cw[ends - 1] - base
    half = base + total / 2.0
    # First row of the group whose cumulative weight reaches half.
    pos = np.searchsorted(cw, half, side="left")
    pos = np.clip(pos, starts, ends - 1)
    out[g[starts]] = v[pos]
    return out


def _chain_levels(src: np.ndarray, dst: np.ndarray, t: np.ndarray, d: int, stride: int, cap: int, forward: bool) -> np.ndarray:
    """Longest timely chain of linked edges ending (``forward``) or starting at every edge.

    ``forward``: level(e) = 1 + max level(e') over edges e' into src(e) with t(e) - d <= t(e') <=
    t(e). Computed by rounds of "is there a predecessor of level >= k" (a prefix count over the
    predecessors sorted by (account, time)), so each round is one vectorised pass.
    """
    m = len(src)
    level = np.ones(m, dtype=np.int64)
    if m == 0:
        return level
    if forward:  # predecessors: edges into src(e), sorted by (dst, t)
        key = dst * stride + t
        q_lo, q_hi = src * stride + t - d, src * stride + t
    else:  # successors: edges out of dst(e), sorted by (src, t)
        key = src * stride + t
        q_lo, q_hi = dst * stride + t, dst * stride + t + d
    order = np.argsort(key, kind="stable")
    skey = key[order]
    lo = np.searchsorted(skey, q_lo, side="left")
    hi = np.searchsorted(skey, q_hi, side="right")
    for k in range(2, cap + 1):
        ind = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(level[order] >= k - 1, out=ind[1:])
        up = (ind[hi] - ind[lo] > 0) & (level == k - 1)
        if not up.any():
            break
        level[up] = k
    return level


def detect_layering(data: Network | FlowView, params: TypologyParams | None = None) -> Detection:
    """Pass-through accounts (ratio ``>= r`` within dwell ``D``) with their chain length.

    Returns
    -------
    Detection
        ``findings``: rule ``layering``, one per pass-through account: ``account`` it,
        ``movements`` the inflows and outflows that carried money through within ``D`` and those
        of its best episode (at most ``evidence_limit``, the largest), ``accounts`` the accounts
        those movements came from or went to (:func:`_evidence_partners`), ``value`` the ratio,
        ``threshold`` ``r``, ``details`` ``ratio``, ``inflow``, ``forwarded``,
        ``median_dwell_s``, ``chain_length``, ``layer_size``, ``layer`` (smallest account row
        of its group), ``upstream``/``downstream`` (linked pass-through senders / receivers).
        ``stats``: ``pass_through_ratio`` (NaN without inflow), ``median_dwell_s`` (NaN unless
        pass-through) and ``chain_length`` (0 unless pass-through), per account.
    """
    p = params or TypologyParams()
    view = as_view(data, p.usd_rates)
    n, D = view.n_accounts, p.layering_max_dwell_s
    inn, out = view.inn, view.out
    pt = pass_through(view, D, p.layering_min_ratio)
    ratio, passing = pt.ratio, pt.passing
    median = _weighted_median(pt.pair_acc, pt.pair_dwell, pt.pair_cents, n)
    ep = pass_episodes(view, p.episode_window_s, p.episode_fee, p.episode_tolerance)
    ep_link = episode_links(view, ep)
    w = p.episode_link_weight
    linked = 1.0 - (1.0 - ep.strength) * (1.0 - w * link_evidence(ep_link, p.episode_link_floor, p.episode_link_full))
    episodic = linked >= p.episode_min_strength
    layer = passing | episodic

    # Links between layer accounts and the chains they form.
    tr = np.flatnonzero(out.cp >= 0)
    link = tr[layer[out.acc[tr]] & layer[out.cp[tr]]]
    del tr
    ls, ld = out.acc[link].astype(np.int64), out.cp[link].astype(np.int64)
    lt = out.ts_rel(link)
    f = _chain_levels(ls, ld, lt, D, view.stride, p.layering_max_chain, forward=True)
    b = _chain_levels(ls, ld, lt, D, view.stride, p.layering_max_chain, forward=False)
    chain = np.where(layer, 1, 0).astype(np.int64)
    if len(link):
        through = np.minimum(f + b, p.layering_max_chain)
        np.maximum.at(chain, ls, through)
        np.maximum.at(chain, ld, through)
        g = csr_matrix((np.ones(len(link), dtype=np.int8), (ls, ld)), shape=(n, n))
        _, comp = connected_components(g, directed=True, connection="weak")
    else:
        comp = np.arange(n)
    members = np.flatnonzero(layer)
    comp_size = np.bincount(comp[members], minlength=int(comp.max(initial=0)) + 1)
    comp_min = np.full(len(comp_size), n, dtype=np.int64)
    np.minimum.at(comp_min, comp[members], members)

    stats = {
        "pass_through_ratio": ratio,
        "median_dwell_s": np.where(passing, median, np.nan),
        "chain_length": chain,
        "episode_strength": ep.strength,
        "episode_link": ep_link,
        "episode_linked": linked,
    }
    nm = len(members)
    if nm == 0:
        return Detection("layering", [], stats)
    pm = passing[members]
    fifo_score = np.where(pm, layering_score(ratio[members], median[members], chain[members], D), 0.0)
    ep_score = np.where(episodic[members], linked[members], 0.0)
    score = np.maximum(fifo_score, ep_score)
    # Evidence: the pieces that left within D (pass-through accounts), and the movements of the
    # best episode's window (episodic accounts).
    quick = (pt.pair_dwell <= D) & layer[pt.pair_acc]
    grp = np.searchsorted(members, pt.pair_acc[quick])
    jin, kout = pt.pair_in[quick], pt.pair_out[quick]
    eg = np.flatnonzero(episodic[members])
    ea = members[eg]
    base = ea * view.stride
    ig, ir = expand_ranges(np.searchsorted(inn.key, base + ep.t_lo[ea], side="left"), np.searchsorted(inn.key, base + ep.t_hi[ea], side="right"))
    og, orow = expand_ranges(np.searchsorted(out.key, base + ep.t_lo[ea], side="left"), np.searchsorted(out.key, base + ep.t_hi[ea], side="right"))
    ig, og = eg[ig], eg[og]
    jin, kout = np.concatenate([jin, ir]), np.concatenate([kout, orow])
    ev_group = np.concatenate([grp, ig, grp, og])
    ev_mov = np.concatenate([inn.mov[jin], out.mov[kout]]).astype(np.int64)
    ev_ts = np.concatenate([inn.ts_rel(jin), out.ts_rel(kout)])
    evidence = evidence_per_group(
        ev_group, ev_mov, np.concatenate([inn.amount[jin], out.amount[kout]]), ev_ts, nm, p.evidence_limit
    )
    _, n_ev = unique_per_group(ev_group, ev_mov, nm)
    t_lo = np.full(nm, np.iinfo(np.int64).max)
    t_hi = np.full(nm, np.iinfo(np.int64).min)
    np.minimum.at(t_lo, ev_group, ev_ts)
    np.maximum.at(t_hi, ev_group, ev_ts)
    # Linked pass-through neighbours: receivers (downstream) and senders (upstream).
    down_g, up_g = np.searchsorted(members, ls), np.searchsorted(members, ld)
    _, n_down = unique_per_group(down_g, ld, nm)
    _, n_up = unique_per_group(up_g, ls, nm)
    partners = _evidence_partners(view, members, evidence)
    mem = members.tolist()
    findings = []
    for i, a in enumerate(mem):
        c = int(comp[a])
        findings.append(
            Finding(
                rule="layering",
                account=a,
                movements=evidence[i],
                value=float(ratio[a]),
                threshold=float(p.layering_min_ratio),
                accounts=partners[i],
                window=(view.t0 + int(t_lo[i]), view.t0 + int(t_hi[i])) if n_ev[i] else None,
                score=float(score[i]),
                details={
                    "ratio": float(ratio[a]),
                    "inflow": float(pt.in_cents[a] / 100.0),
                    "forwarded": float(pt.forwarded_cents[a] / 100.0),
                    "median_dwell_s": float(median[a]) if passing[a] else float(max(ep.t_hi[a] - ep.t_lo[a], 0)),
                    "max_dwell_s": int(D),
                    "chain_length": int(chain[a]),
                    "layer_size": int(comp_size[c]),
                    "layer": int(comp_min[c]),
                    "upstream": int(n_up[i]),
                    "downstream": int(n_down[i]),
                    "movements": int(n_ev[i]),
                    "pass_through": bool(passing[a]),
                    "episode_strength": float(ep.strength[a]),
                    "episode_ratio": float(ep.ratio[a]) if ep.strength[a] > 0 else 0.0,
                    "episode_inflow": float(ep.inflow[a]),
                    "episode_outflow": float(ep.outflow[a]),
                    "episode_burst": float(ep.burst[a]),
                    "episode_span_s": int(ep.t_hi[a] - ep.t_lo[a]) if ep.t_lo[a] >= 0 else 0,
                    "episode_link": float(ep_link[a]),
                    "strength": float(max(ratio[a] if passing[a] else 0.0, linked[a])),
                },
            )
        )
    return Detection("layering", findings, stats)


def _evidence_partners(view: FlowView, members: np.ndarray, evidence: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """Per finding (account ``members[i]``, evidence movement rows ``evidence[i]``), the accounts
    its evidence moved money with, ascending (cash has none).

    Why these and not every layer account it ever paid: the combined score asks whether the
    money of a burst came from or went to an account that is suspicious itself (a mule paying
    its collector during its burst). Counterparties outside the burst say nothing about it; on
    the 200k evaluation sets the linked pass-through neighbours at any time, as partners, added
    as many honest accounts as mules (:mod:`toolkit.scoring.combined`, ``partner_weight``).
    """
    nm = len(members)
    counts = np.fromiter((len(e) for e in evidence), dtype=np.int64, count=nm)
    if counts.sum() == 0:
        return [() for _ in range(nm)]
    src, dst = view.movement_ends()
    flat = np.fromiter((m for e in evidence for m in e), dtype=np.int64, count=int(counts.sum()))
    grp = np.repeat(np.arange(nm), counts)
    own = members[grp]
    cp = np.where(src[flat] == own, dst[flat], src[flat])
    ok = (cp >= 0) & (cp != own)
    return unique_per_group(grp[ok], cp[ok], nm)[0]
