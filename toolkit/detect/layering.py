"""Layering: receipts that leave again within days, minus a small cut, and the chains they form.

Why last-in first-out: every account that pays bills forwards money; what sets a layering
account apart is that a receipt *leaves again within days*, almost entirely, while the account's
ordinary money stays. A mule usually has a salary and a balance of its own, so matching its
outflows to its *oldest* money first (first-in first-out) attributes the forward of a fresh
deposit to last month's salary and the deposit to next month's groceries: the pass-through
disappears. Matching an outflow to the money that arrived *last* (last-in first-out) is how an
investigator reads a statement ("10 000 came in on Monday, 9 700 went out on Tuesday"), and it
is what the "rapid movement of funds" scenario means.

Why a single receipt, not the account's totals: a mule that forwards one 9 000 deposit a year
and otherwise lives on its salary forwards 15 % of its annual inflow. The evidence is the
*event*, weighed against the account's own usual traffic.

Definitions (``r`` = :attr:`~TypologyParams.layering_min_ratio`, ``D`` =
:attr:`~TypologyParams.layering_max_dwell_s`, ``[c_lo, c_hi]`` =
:attr:`~TypologyParams.layering_min_cut` .. :attr:`~TypologyParams.layering_max_cut`):

forwarded share of a receipt
    Inflows (transfers in and cash deposits) and outflows (transfers out and cash withdrawals)
    of an account, in time order (inflows first at equal times), move its balance ``B``. An
    outflow spends the most recently received money first. Then the part of a receipt of ``a``
    at ``t`` that has left by ``t + D`` is ``clip(B(t+) - min_{[t, t+D]} B, 0, a)`` (its cents
    sit on top of the balance and leave when the balance falls below them). Exact in integer
    cents.
fresh share of an outflow
    The mirror image: the part of an outflow of ``b`` at ``t`` paid with money received within
    ``[t - D, t]``, ``clip(B(t-) - max(B(t+), min_{[t-D, t)} B), 0, b) / b``.
pass-through receipt (an *event*)
    A receipt of which at least ``r`` left within ``D``, in an account that is party to a
    transfer. Its **strength** (in [0, 1]) is ``cut * size * novelty``:

    - ``cut`` = 1 when the account kept ``1 - share`` in ``[c_lo, c_hi]`` (a commission, a fee:
      amounts shrinking hop by hop), 0.5 when it forwarded everything or kept more;
    - ``size`` = mean of ``lg(a / usual_outflow)`` and ``lg(forwarded / other_outflow_D)``,
      ``lg(x) = clip(log10(x) / 2, 0, 1)`` (1 at 100 times the usual): ``usual_outflow`` is the
      geometric mean of the account's outflows, shrunk towards the median of its class's
      accounts with the weight of :attr:`~TypologyParams.usual_prior_weight` outflows (an
      account with three outflows says little about its usual size); ``other_outflow_D`` is the
      rest of its outflow volume spread over the data span, per ``D``. A merchant forwarding
      card takings to its suppliers, a salary paying the rent: sizes near 0;
    - ``novelty`` = ``1 / sqrt(k)`` with ``k`` the number of receipts from the same
      counterparty (cash: of cash deposits): the fourth salary from one employer is routine,
      a one-off payment is not.
layering finding
    One per account whose strongest event has strength ``>=``
    :attr:`~TypologyParams.layering_min_strength`, with that event as evidence (the receipt and
    the outflows that carried it on).
chains
    A **relay** is a transfer ``u -> v`` that was paid with fresh money at ``u`` (fresh share
    ``>= r``) and is a pass-through receipt at ``v``, both accounts having findings. Relays
    ``e -> e'`` chain when ``e'`` leaves the account ``e`` reached within ``D`` after ``e``
    (``t <= t' <= t + D``). An account's chain length is the number of accounts on the longest
    chain through it (1 when alone), capped at :attr:`~TypologyParams.layering_max_chain`;
    ``layer_size`` is the size of its connected group of relays (chains, stacks, bipartite
    layers alike).

Score: ``strength * (0.6 + 0.4 * (1 - 1 / chain_length))``: a lone pass-through receipt scores
at most 0.6, one handed on along a chain of relays approaches its strength.
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
from toolkit.detect.windows import evidence_per_group, expand_ranges, range_min, unique_per_group

__all__ = [
    "detect_layering",
    "pass_through",
    "PassThrough",
    "flow_strength",
    "FlowStrength",
    "layering_score",
    "event_strength",
    "usual_outflow",
    "log_excess",
    "DEDICATED",
]

#: Merged (inflow + outflow) rows handled per round of :func:`pass_through`.
_CHUNK = 1_000_000


def log_excess(x: np.ndarray | float) -> np.ndarray | float:
    """``clip(log10(x) / 2, 0, 1)``: 0 up to the usual, 1 from 100 times the usual (inf -> 1)."""
    v = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.clip(np.log10(np.where(np.isnan(v), 0.0, v)) / 2.0, 0.0, 1.0)
    return out if out.ndim else float(out)


def event_strength(
    share: np.ndarray | float,
    size: np.ndarray | float,
    novelty: np.ndarray | float,
    min_cut: float,
    max_cut: float,
) -> np.ndarray | float:
    """``cut * size * novelty`` of pass-through receipts (see the module docstring)."""
    kept = 1.0 - np.asarray(share, dtype=np.float64)
    cut = np.where((kept >= min_cut - 1e-12) & (kept <= max_cut + 1e-12), 1.0, 0.5)
    out = cut * np.clip(np.asarray(size, dtype=np.float64), 0, 1) * np.clip(np.asarray(novelty, dtype=np.float64), 0, 1)
    return out if out.ndim else float(out)


def layering_score(strength: np.ndarray | float, chain_length: np.ndarray | float) -> np.ndarray | float:
    """Score of a layering finding: ``strength * (0.6 + 0.4 * (1 - 1 / chain_length))``."""
    c = np.maximum(np.asarray(chain_length, dtype=np.float64), 1.0)
    out = np.clip(np.asarray(strength, dtype=np.float64), 0, 1) * (0.6 + 0.4 * (1.0 - 1.0 / c))
    return out if out.ndim else float(out)


def _cents(side: FlowSide, lo: int, hi: int) -> np.ndarray:
    return np.rint(side.amount[lo:hi] * 100.0).astype(np.int64)


@dataclass(frozen=True, eq=False)
class PassThrough:
    """Last-in first-out matching of every account's receipts to its outflows within ``D``.

    Attributes
    ----------
    in_cents, forwarded_cents : ndarray, per account
        Total inflow, and the part of it that left within ``D`` of arriving.
    ratio : ndarray of float64, per account
        ``forwarded / inflow`` (NaN without inflow).
    passing : ndarray of bool, per account
        Ratio ``>= min_ratio`` and at least one transfer: the account as a whole is a conduit.
    share : ndarray of float32, per row of ``view.inn``
        Forwarded share of each receipt (0 for a zero amount).
    fresh : ndarray of float32, per row of ``view.out``
        Share of each outflow paid with money received within ``D`` before it.
    """

    in_cents: np.ndarray
    forwarded_cents: np.ndarray
    ratio: np.ndarray
    passing: np.ndarray
    share: np.ndarray
    fresh: np.ndarray


def _account_chunks(view: FlowView, budget: int) -> list[tuple[int, int]]:
    """Consecutive account ranges holding about ``budget`` inflow + outflow rows each."""
    n = view.n_accounts
    rows = view.inn.ptr + view.out.ptr  # rows of accounts < a, for a = 0..n
    out: list[tuple[int, int]] = []
    a = 0
    while a < n:
        b = int(np.searchsorted(rows, rows[a] + budget, side="right")) - 1
        b = min(max(b, a + 1), n)
        out.append((a, b))
        a = b
    return out


def pass_through(view: FlowView, max_dwell_s: int, min_ratio: float) -> PassThrough:
    """Forwarded share of every receipt and fresh share of every outflow (last-in first-out).

    The inflow and outflow rows of a range of accounts are merged into one sequence per
    account (the two sides are sorted already, so each row's position is one
    :func:`numpy.searchsorted`); the balance is a running sum of integer cents, and the window
    minima come from :func:`~toolkit.detect.windows.range_min`. Ranges of whole accounts are
    handled in turn, so memory stays bounded.
    """
    inn, out = view.inn, view.out
    n, d = view.n_accounts, int(max_dwell_s)
    share = np.zeros(len(inn), dtype=np.float32)
    fresh = np.zeros(len(out), dtype=np.float32)
    forwarded = np.zeros(n)
    in_total = np.zeros(n)
    for a0, a1 in _account_chunks(view, _CHUNK):
        i0, i1 = int(inn.ptr[a0]), int(inn.ptr[a1])
        o0, o1 = int(out.ptr[a0]), int(out.ptr[a1])
        if i1 == i0:
            continue
        ik, ok = inn.key[i0:i1], out.key[o0:o1]
        ci, co = _cents(inn, i0, i1), _cents(out, o0, o1)
        pin = np.arange(i1 - i0) + np.searchsorted(ok, ik, side="left")  # outflows at the same time come after
        pout = np.arange(o1 - o0) + np.searchsorted(ik, ok, side="right")
        m = len(pin) + len(pout)
        mkey = np.empty(m, dtype=np.int64)
        mkey[pin] = ik * 2
        mkey[pout] = ok * 2 + 1
        delta = np.empty(m, dtype=np.int64)
        delta[pin] = ci
        delta[pout] = -co
        after = np.cumsum(delta)  # the chunk's base cancels out: only differences within an account matter
        # Receipts: the balance right after, against its minimum over [t, t + D].
        hi = np.searchsorted(mkey, (ik + d) * 2 + 1, side="right") - 1
        low = range_min(after, pin, hi)
        fwd = np.clip(after[pin] - low, 0, ci)
        del hi, low
        acc_i = inn.acc[i0:i1]
        forwarded += np.bincount(acc_i, weights=fwd, minlength=n)
        in_total += np.bincount(acc_i, weights=ci, minlength=n)
        with np.errstate(divide="ignore", invalid="ignore"):
            share[i0:i1] = np.where(ci > 0, fwd / ci, 0.0)
        del fwd, acc_i
        if o1 > o0:
            before = after - delta
            lo = np.searchsorted(mkey, (ok - d) * 2, side="left")
            low = range_min(before, lo, pout)
            paid = np.clip(before[pout] - np.maximum(after[pout], low), 0, co)
            with np.errstate(divide="ignore", invalid="ignore"):
                fresh[o0:o1] = np.where(co > 0, paid / co, 0.0)
            del before, lo, low, paid
        del mkey, delta, after, pin, pout
    active = view.active()
    has_in = in_total > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(has_in, forwarded / np.where(has_in, in_total, 1), np.nan)
    passing = active & has_in & (np.nan_to_num(ratio) >= min_ratio)
    return PassThrough(in_total, forwarded, ratio, passing, share, fresh)


def usual_outflow(view: FlowView, prior_weight: float) -> np.ndarray:
    """Per account the usual size of an outflow (USD): the geometric mean of its outflows,
    shrunk towards the median of that figure over the accounts of its class (``view.group``)
    with the weight of ``prior_weight`` outflows. NaN for accounts of a class without
    outflows at all."""
    out = view.out
    n = view.n_accounts
    cnt = np.bincount(out.acc, minlength=n).astype(np.float64)
    with np.errstate(divide="ignore"):
        logs = np.log(np.maximum(out.amount, 0.01))
    mean_log = np.bincount(out.acc, weights=logs, minlength=n) / np.maximum(cnt, 1)
    group = view.group
    ref = np.full(n, np.nan)
    for g in np.unique(group):
        members = (group == g) & (cnt > 0)
        if members.any():
            ref[group == g] = float(np.median(mean_log[members]))
    w = float(prior_weight)
    with np.errstate(invalid="ignore"):
        blended = np.where(cnt > 0, (cnt * mean_log + w * ref) / (cnt + w), ref)
    return np.exp(blended)


def _pair_counts(side: FlowSide, rows: np.ndarray, n_accounts: int) -> np.ndarray:
    """For the given rows: how many rows of the side share their (account, counterparty)."""
    stride = np.int64(n_accounts + 1)
    pk = np.sort(side.acc.astype(np.int64) * stride + (side.cp.astype(np.int64) + 1))
    q = side.acc[rows].astype(np.int64) * stride + (side.cp[rows].astype(np.int64) + 1)
    return np.searchsorted(pk, q, side="right") - np.searchsorted(pk, q, side="left")


#: Slack of share comparisons (row shares are float32).
_EPS = 1e-6
#: Most transfers (sent and received, over the whole data) of an account that exists for one
#: shape: as a counterparty it counts as a relay (:class:`FlowStrength`).
DEDICATED = 2


@dataclass(frozen=True, eq=False)
class FlowStrength:
    """Pass-through evidence of every movement, shared by the detectors.

    Attributes
    ----------
    pt : PassThrough
    receipt : ndarray of float32, per row of ``view.inn``
        Strength of the receipt as a pass-through event (``cut * size * novelty``, module
        docstring); 0 unless at least ``r`` of it left within ``D`` and the account is party to
        a transfer.
    payment : ndarray of float32, per row of ``view.out``
        Strength of the outflow as a forward of fresh money: 0 unless at least ``r`` of it was
        received within ``D`` before; else ``size * novelty`` with ``size`` the mean of
        ``lg(b / usual_outflow)`` and ``lg(fresh / other_inflow_D)`` and ``novelty``
        ``1 / sqrt(payments to the same counterparty)``. A mule paying a collector with the
        deposit it just got scores high; a customer paying its shop from its salary does not.
    usual : ndarray of float64, per account
        :func:`usual_outflow`.
    payment_of_in : ndarray of float32, per row of ``view.inn``
        ``payment`` of the same transfer at its sender (0 for cash): did the sender pay with
        money it had just received? 1 when the sender is *dedicated* (no more than
        :data:`DEDICATED` transfers in the whole data: an account that exists to make this
        payment).
    receipt_of_out : ndarray of float32, per row of ``view.out``
        ``receipt`` of the same transfer at its receiver (0 for cash): did the receiver pass it
        on? 1 when the receiver is dedicated.
    """

    pt: PassThrough
    receipt: np.ndarray
    payment: np.ndarray
    usual: np.ndarray
    payment_of_in: np.ndarray
    receipt_of_out: np.ndarray


def flow_strength(view: FlowView, p: TypologyParams) -> FlowStrength:
    """:class:`FlowStrength` of ``view`` under ``p`` (computed once per view and parameters)."""
    key = ("flow_strength", p.layering_max_dwell_s, p.layering_min_ratio, p.layering_min_cut, p.layering_max_cut, p.usual_prior_weight)
    hit = view.cache.get(key)
    if hit is not None:
        return hit
    n, D, r = view.n_accounts, p.layering_max_dwell_s, p.layering_min_ratio
    inn, out = view.inn, view.out
    pt = pass_through(view, D, r)
    usual = usual_outflow(view, p.usual_prior_weight)
    per_d = min(1.0, D / view.span) if view.span > 0 else 1.0
    active = view.active()
    receipt = np.zeros(len(inn), dtype=np.float32)
    rows = np.flatnonzero((pt.share >= r - _EPS) & (inn.amount > 0) & active[inn.acc])
    if len(rows):
        acc = inn.acc[rows]
        a = inn.amount[rows]
        sh = pt.share[rows].astype(np.float64)
        fwd = a * sh
        other = np.maximum(np.bincount(out.acc, weights=out.amount, minlength=n)[acc] - fwd, 0.0) * per_d
        with np.errstate(divide="ignore", invalid="ignore"):
            size = 0.5 * (log_excess(a / usual[acc]) + np.where(other > 0, log_excess(fwd / other), 1.0))
        novelty = 1.0 / np.sqrt(np.maximum(_pair_counts(inn, rows, n), 1))
        receipt[rows] = event_strength(sh, size, novelty, p.layering_min_cut, p.layering_max_cut)
    payment = np.zeros(len(out), dtype=np.float32)
    rows = np.flatnonzero((pt.fresh >= r - _EPS) & (out.amount > 0))
    if len(rows):
        acc = out.acc[rows]
        b = out.amount[rows]
        fresh = b * pt.fresh[rows].astype(np.float64)
        other = np.maximum(np.bincount(inn.acc, weights=inn.amount, minlength=n)[acc] - fresh, 0.0) * per_d
        with np.errstate(divide="ignore", invalid="ignore"):
            size = 0.5 * (log_excess(b / usual[acc]) + np.where(other > 0, log_excess(fresh / other), 1.0))
        novelty = 1.0 / np.sqrt(np.maximum(_pair_counts(out, rows, n), 1))
        payment[rows] = np.clip(size, 0, 1) * novelty
    # The other end of every transfer, through the movement rows. A counterparty with no more
    # than DEDICATED transfers in all exists for this one shape (a mule account opened to pay a
    # hub, or to be paid and cash out): it counts as a relay of strength 1.
    n_mov = int(max(out.mov.max(initial=-1), inn.mov.max(initial=-1))) + 1
    dedicated = (view.transfer_counts(out) + view.transfer_counts(inn)) <= DEDICATED
    by_mov = np.zeros(n_mov, dtype=np.float32)
    by_mov[out.mov] = payment
    payment_of_in = np.where(inn.cp >= 0, by_mov[inn.mov], 0).astype(np.float32)
    payment_of_in[(inn.cp >= 0) & dedicated[np.maximum(inn.cp, 0)]] = 1.0
    by_mov[:] = 0
    by_mov[inn.mov] = receipt
    receipt_of_out = np.where(out.cp >= 0, by_mov[out.mov], 0).astype(np.float32)
    receipt_of_out[(out.cp >= 0) & dedicated[np.maximum(out.cp, 0)]] = 1.0
    del by_mov, dedicated
    res = FlowStrength(pt, receipt, payment, usual, payment_of_in, receipt_of_out)
    view.cache[key] = res
    return res


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
    """Accounts with a pass-through receipt of strength ``>= layering_min_strength``.

    Returns
    -------
    Detection
        ``findings``: rule ``layering``, one per account: ``account`` it, ``accounts`` the
        accounts it is linked to by relays, ``movements`` its strongest receipt and the
        outflows that carried it on, ``value`` that receipt's forwarded share, ``threshold``
        ``r``, ``details`` ``share``, ``kept`` (``1 - share``), ``amount``, ``forwarded``,
        ``strength``, ``usual_outflow``, ``same_source`` (receipts from that counterparty),
        ``events`` (receipts of the account with strength ``>=`` the minimum),
        ``median_dwell_s`` (until half the forwarded amount had left), ``max_dwell_s``,
        ``ratio`` / ``inflow`` / ``account_forwarded`` (the account over the whole data),
        ``chain_length``, ``layer_size``, ``layer`` (smallest account row of its group),
        ``upstream``/``downstream`` (relay senders / receivers). ``stats``:
        ``pass_through_ratio`` (NaN without inflow), ``strength`` (of the strongest receipt,
        0 if none) and ``chain_length`` (0 unless a finding), per account.
    """
    p = params or TypologyParams()
    view = as_view(data, p.usd_rates)
    n, D, r = view.n_accounts, p.layering_max_dwell_s, p.layering_min_ratio
    inn, out = view.inn, view.out
    fs = flow_strength(view, p)
    pt = fs.pt
    ev = np.flatnonzero(fs.receipt > 0)
    acc = inn.acc[ev].astype(np.int64)
    amount = inn.amount[ev]
    share_ev = pt.share[ev].astype(np.float64)
    fwd = amount * share_ev
    strength = fs.receipt[ev].astype(np.float64)
    best_strength = np.zeros(n)
    np.maximum.at(best_strength, acc, strength)
    strong = strength >= p.layering_min_strength
    n_events = np.bincount(acc[strong], minlength=n)
    flagged = n_events > 0
    # The strongest receipt of every flagged account (ties: the earliest).
    sel = np.flatnonzero(strong)
    order = np.lexsort((ev[sel], -strength[sel], acc[sel]))
    sel = sel[order]
    sel = sel[np.r_[True, acc[sel][1:] != acc[sel][:-1]]] if len(sel) else sel
    members = acc[sel]

    # Relays between flagged accounts: fresh at the sender, a strong receipt at the receiver.
    is_event = np.zeros(len(inn), dtype=bool)
    is_event[ev[strong]] = True
    n_mov = int(max(out.mov.max(initial=-1), inn.mov.max(initial=-1))) + 1
    strong_mov = np.zeros(n_mov, dtype=bool)
    strong_mov[inn.mov[is_event]] = True
    del is_event
    tr = np.flatnonzero(out.cp >= 0)
    link = tr[flagged[out.acc[tr]] & flagged[out.cp[tr]]]
    link = link[strong_mov[out.mov[link]] & (pt.fresh[link] >= r - _EPS)]
    del tr, strong_mov
    ls, ld = out.acc[link].astype(np.int64), out.cp[link].astype(np.int64)
    lt = out.ts_rel(link)
    chain = np.where(flagged, 1, 0).astype(np.int64)
    if len(link):
        f = _chain_levels(ls, ld, lt, D, view.stride, p.layering_max_chain, forward=True)
        b = _chain_levels(ls, ld, lt, D, view.stride, p.layering_max_chain, forward=False)
        through = np.minimum(f + b, p.layering_max_chain)
        np.maximum.at(chain, ls, through)
        np.maximum.at(chain, ld, through)
        g = csr_matrix((np.ones(len(link), dtype=np.int8), (ls, ld)), shape=(n, n))
        _, comp = connected_components(g, directed=True, connection="weak")
    else:
        comp = np.arange(n)
    comp_size = np.bincount(comp[members], minlength=int(comp.max(initial=0)) + 1)
    comp_min = np.full(len(comp_size), n, dtype=np.int64)
    np.minimum.at(comp_min, comp[members], members)
    stats = {"pass_through_ratio": pt.ratio, "strength": best_strength, "chain_length": chain}
    nm = len(members)
    if nm == 0:
        return Detection("layering", [], stats)

    # Evidence: the receipt, then the account's outflows from it on until the forwarded amount
    # has left (outflows within [t, t + D], in time order).
    rows_in = ev[sel]
    t_in = inn.ts_rel(rows_in)
    key_in = inn.key[rows_in]
    o_lo = np.searchsorted(out.key, key_in, side="left")
    o_hi = np.searchsorted(out.key, key_in + D, side="right")
    g_o, r_o = expand_ranges(o_lo, o_hi)
    cum = np.cumsum(out.amount[r_o])
    first = np.searchsorted(g_o, np.arange(nm), side="left")
    base = np.where(first > 0, cum[np.maximum(first - 1, 0)], 0.0)
    spent = cum - base[g_o]  # outflow since the receipt, per group
    fwd_sel = fwd[sel]
    # Keep outflows up to (and including) the one that completes the forwarded amount.
    prev_spent = spent - out.amount[r_o]
    keep = prev_spent < fwd_sel[g_o] * (1 - 1e-9)
    half = (spent >= 0.5 * fwd_sel[g_o]) & keep
    dwell = np.full(nm, np.nan)
    if half.any():
        hg, hr = g_o[half], r_o[half]
        first_half = np.r_[True, hg[1:] != hg[:-1]]
        dwell[hg[first_half]] = out.ts_rel(hr[first_half]) - t_in[hg[first_half]]
    g_o, r_o = g_o[keep], r_o[keep]
    ev_group = np.concatenate([np.arange(nm), g_o])
    ev_mov = np.concatenate([inn.mov[rows_in], out.mov[r_o]]).astype(np.int64)
    ev_ts = np.concatenate([t_in, out.ts_rel(r_o)])
    evidence = evidence_per_group(
        ev_group, ev_mov, np.concatenate([inn.amount[rows_in], out.amount[r_o]]), ev_ts, nm, p.evidence_limit
    )
    n_ev = np.bincount(ev_group, minlength=nm)
    t_hi = np.full(nm, np.iinfo(np.int64).min)
    np.maximum.at(t_hi, ev_group, ev_ts)
    # Relay neighbours: receivers (downstream) and senders (upstream).
    pos = np.full(n, -1, dtype=np.int64)
    pos[members] = np.arange(nm)
    down_g, up_g = pos[ls], pos[ld]
    nbrs, _ = unique_per_group(np.concatenate([down_g, up_g]), np.concatenate([ld, ls]), nm)
    _, n_down = unique_per_group(down_g, ld, nm)
    _, n_up = unique_per_group(up_g, ls, nm)
    score = np.asarray(layering_score(strength[sel], chain[members]))
    sh = share_ev[sel]
    same = _pair_counts(inn, rows_in, n)
    am = amount[sel]
    ua = fs.usual[members]
    findings = []
    for i, a in enumerate(members.tolist()):
        c = int(comp[a])
        j = int(sel[i])
        findings.append(
            Finding(
                rule="layering",
                account=a,
                movements=evidence[i],
                value=float(sh[i]),
                threshold=float(r),
                accounts=nbrs[i],
                window=(view.t0 + int(t_in[i]), view.t0 + int(t_hi[i])),
                score=float(score[i]),
                details={
                    "share": float(sh[i]),
                    "kept": float(1.0 - sh[i]),
                    "amount": float(am[i]),
                    "forwarded": float(fwd[j]),
                    "strength": float(strength[j]),
                    "usual_outflow": float(ua[i]),
                    "same_source": int(same[i]),
                    "events": int(n_events[a]),
                    "median_dwell_s": float(dwell[i]),
                    "max_dwell_s": int(D),
                    "ratio": float(pt.ratio[a]),
                    "inflow": float(pt.in_cents[a] / 100.0),
                    "account_forwarded": float(pt.forwarded_cents[a] / 100.0),
                    "chain_length": int(chain[a]),
                    "layer_size": int(comp_size[c]),
                    "layer": int(comp_min[c]),
                    "upstream": int(n_up[i]),
                    "downstream": int(n_down[i]),
                    "movements": int(n_ev[i]),
                },
            )
        )
    return Detection("layering", findings, stats)
