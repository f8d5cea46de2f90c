"""Injected laundering typologies, each instance one alert with ground truth.

Why these shapes: they are the money-laundering patterns that graph detectors look for (AMLSim's
fan-in, fan-out, cycle, scatter-gather, gather-scatter, bipartite) plus the three that the amount
rules and path search target: layering chains through shell companies, structuring below the
10,000 USD reporting threshold, and front businesses whose turnover dwarfs their registered
capital.

Every instance follows the money: it enters by *placement* (cash deposits, inflows from abroad,
crypto), moves by *layering* hops, each at or after the previous and carrying most of the
previous amount minus a 1-5 % fee, and leaves by *integration* (cash withdrawals, wires abroad,
crypto, high-value purchases). An instance is first laid out on a relative clock and then placed
in the period, squeezed if needed into :data:`LAYER_WINDOW` (30 days), so time order survives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from toolkit.generate.constants import (
    DAY,
    FAN_MIN,
    FEE_RANGE,
    FRONT_MULTIPLE,
    FRONT_SPAN,
    HOUR,
    LAYER_WINDOW,
    REPORTING_THRESHOLD_USD,
    STRUCTURING_FLOOR,
    STRUCTURING_WINDOW,
    TYPOLOGIES,
)
from toolkit.generate.flows import Allocator, FlowContext, Pattern
from toolkit.generate.hardness import Hardness
from toolkit.generate.plan import InstanceSpec, plan_instances, shells_needed
from toolkit.generate.population import RATES, SHELL, Population
from toolkit.generate.rows import Block, RowBuilder

__all__ = [
    "TYPOLOGIES",
    "FAN_MIN",
    "LAYER_WINDOW",
    "STRUCTURING_WINDOW",
    "REPORTING_THRESHOLD_USD",
    "FRONT_MULTIPLE",
    "FEE_RANGE",
    "InstanceSpec",
    "Alert",
    "plan_instances",
    "inject",
    "shells_needed",
]


@dataclass(frozen=True)
class Alert:
    """One injected instance: its typology and its accounts (rows), in role order (e.g. the
    hub, source or front business first; external counterparties last)."""

    typology: str
    accounts: tuple[int, ...]


# -- the typologies ---------------------------------------------------------------------------


def _fan_in(c: FlowContext, al: Allocator, s: InstanceSpec) -> Pattern:
    """Many mules (at least :data:`FAN_MIN`) each pay one collector, who moves it on."""
    pat = Pattern()
    senders = al.take("personal", s.params["m"])
    hub = al.person_or_business(0.3)
    pat.member(hub, *senders)
    times = c.spread(len(senders))
    total = 0.0
    for a, t in zip(senders, times):
        amt = c.amount(c.key("transfer", a, hub))
        c.place(pat, a, amt / (1 - c.fee()), t - c.delay())
        pat.transfer(a, hub, amt, t, c.layer_channel())
        total += amt
    c.integrate(pat, hub, total, float(times[-1]) + c.delay())
    return pat


def _fan_out(c: FlowContext, al: Allocator, s: InstanceSpec) -> Pattern:
    """One account splits placed money over many mules, who each cash it out."""
    pat = Pattern()
    src = al.person_or_business(0.4)
    rcv = al.take("personal", s.params["m"])
    pat.member(src, *rcv)
    amts = [c.amount(c.key("transfer", src, r)) for r in rcv]
    c.place(pat, src, sum(amts) / (1 - c.fee()), 0.0)
    times = c.delay() + c.spread(len(rcv))
    for r, a, t in zip(rcv, amts, times):
        pat.transfer(src, r, a, t, c.layer_channel())
        c.integrate(pat, r, a, t + c.delay())
    return pat


def _cycle(c: FlowContext, al: Allocator, s: InstanceSpec) -> Pattern:
    """Money goes round a ring of accounts, hop after hop, back to where it started."""
    pat = Pattern()
    ring = [al.person_or_business(0.4) for _ in range(s.params["k"])]
    pat.member(*ring)
    amt = c.amount(c.key("transfer", ring[0], ring[1]))
    c.place(pat, ring[0], amt / (1 - c.fee()), 0.0)
    t = c.delay()
    for i in range(len(ring)):
        if i:  # each hop forwards most of what the previous one brought
            amt = c.carry(amt)
        pat.transfer(ring[i], ring[(i + 1) % len(ring)], amt, t, c.layer_channel())
        t += c.delay()
    c.integrate(pat, ring[0], amt, t)
    return pat


def _scatter_gather(c: FlowContext, al: Allocator, s: InstanceSpec) -> Pattern:
    """A source pays several intermediates, which all forward to one sink."""
    pat = Pattern()
    src = al.person_or_business(0.4)
    mids = al.take("personal", s.params["m"])
    sink = al.person_or_business(0.4)
    pat.member(src, *mids, sink)
    amts = [c.amount(c.key("transfer", src, m)) for m in mids]
    c.place(pat, src, sum(amts) / (1 - c.fee()), 0.0)
    times = c.delay() + c.spread(len(mids))
    last, total = 0.0, 0.0
    for m, a, t in zip(mids, amts, times):
        pat.transfer(src, m, a, t, c.layer_channel())
        fwd = c.carry(a)
        t2 = t + c.delay()
        pat.transfer(m, sink, fwd, t2, c.layer_channel())
        last, total = max(last, t2), total + fwd
    c.integrate(pat, sink, total, last)
    return pat


def _gather_scatter(c: FlowContext, al: Allocator, s: InstanceSpec) -> Pattern:
    """Many senders pay one hub, which then pays many receivers."""
    pat = Pattern()
    senders = al.take("personal", s.params["m1"])
    hub = al.person_or_business(0.5)
    rcv = al.take("personal", s.params["m2"])
    pat.member(*senders, hub, *rcv)
    times = c.spread(len(senders))
    total = 0.0
    for a, t in zip(senders, times):
        amt = c.amount(c.key("transfer", a, hub))
        c.place(pat, a, amt / (1 - c.fee()), t - c.delay())
        pat.transfer(a, hub, amt, t, c.layer_channel())
        total += amt
    out = c.carry(total)
    shares = c.rng.dirichlet(np.full(len(rcv), 4.0))
    t_out = float(times[-1]) + c.delay() + c.spread(len(rcv))
    for r, w, t in zip(rcv, shares, t_out):
        pat.transfer(hub, r, out * float(w), t, c.layer_channel())
        c.integrate(pat, r, out * float(w), t + c.delay())
    return pat


def _bipartite(c: FlowContext, al: Allocator, s: InstanceSpec) -> Pattern:
    """A set of senders pays a disjoint set of receivers, many to many."""
    pat = Pattern()
    a_side = al.take("personal", s.params["a"])
    b_side = [al.person_or_business(0.3) for _ in range(s.params["b"])]
    pat.member(*a_side, *b_side)
    edges: set[tuple[int, int]] = set()
    for j in range(len(b_side)):  # every receiver gets at least one sender
        edges.add((int(c.rng.integers(len(a_side))), j))
    for i in range(len(a_side)):  # every sender pays two or three receivers
        want = int(c.rng.integers(2, 4))
        for j in c.rng.permutation(len(b_side))[:want]:
            edges.add((i, int(j)))
    t0 = c.delay()
    sends: dict[int, list] = {}
    recv: dict[int, list] = {}
    for i, j in sorted(edges):
        amt = c.amount(c.key("transfer", a_side[i], b_side[j]))
        t = t0 + float(c.rng.uniform(0, 2 * c.delay()))
        sends.setdefault(i, []).append((j, amt, t))
        recv.setdefault(j, []).append((amt, t))
    for i, rows in sends.items():
        c.place(pat, a_side[i], sum(r[1] for r in rows) / (1 - c.fee()),
                min(r[2] for r in rows))
        for j, amt, t in rows:
            pat.transfer(a_side[i], b_side[j], amt, t, c.layer_channel())
    for j, rows in recv.items():
        c.integrate(pat, b_side[j], sum(r[0] for r in rows), max(r[1] for r in rows))
    return pat


def _chain(c: FlowContext, al: Allocator, s: InstanceSpec) -> Pattern:
    """Layering: an entry account, then two to five shells forwarding most of the money
    within hours or days, sometimes via an offshore or crypto detour; then integration."""
    pat = Pattern()
    entry = al.person_or_business(0.5)
    shells = al.take("shell", s.params["h"])
    pat.member(entry, *shells)
    amt = c.amount(c.key("transfer", entry, shells[0]))
    c.place(pat, entry, amt / (1 - c.fee()), 0.0)
    t = c.delay()
    path = [entry, *shells]
    for i in range(len(path) - 1):
        if i:  # each hop forwards most of what the previous one brought
            amt = c.carry(amt)
        u = c.rng.random()
        if i > 0 and u < 0.3:  # a detour abroad or through crypto (cash carried out, VC)
            ch = "crypto" if u < 0.1 else "cross_border"
            ext = c.external(ch)
            pat.member(ext)
            pat.transfer(path[i], ext, amt, t, ch)
            amt = c.carry(amt)
            t += c.delay()
            pat.transfer(ext, path[i + 1], amt, t, ch)
        else:
            pat.transfer(path[i], path[i + 1], amt, t, c.layer_channel())
        t += c.delay()
    c.integrate(pat, path[-1], amt, t)
    return pat


def _structuring(c: FlowContext, al: Allocator, s: InstanceSpec) -> Pattern:
    """Cash deposits in [0.8 T, T) of the reporting threshold within a week, by one
    customer (sometimes over several of its accounts), then moved on."""
    pat = Pattern()
    accs = al.customer_accounts(s.params["n_acc"])
    pat.member(*accs)
    n = max(3, s.params["n_dep"])
    span = min(c.hard.structuring_span, STRUCTURING_WINDOW - HOUR)
    times = np.sort(c.rng.uniform(0, span, size=n))
    times -= times[0]
    per_acc: dict[int, float] = {}
    last: dict[int, float] = {}
    for i, t in enumerate(times):
        a = accs[i % len(accs)]
        limit = REPORTING_THRESHOLD_USD / RATES[c.pop.currency[a]]  # threshold in its currency
        lo, hi = STRUCTURING_FLOOR * limit, limit
        x = float(c.rng.uniform(lo + 0.01, hi - 0.01))
        if c.hard.round_amounts:
            x = math.floor(x / 100) * 100
            if x < lo:
                x += 100
        x = math.floor(x * 100) / 100
        x = min(max(x, math.ceil(lo * 100) / 100), math.floor((hi - 0.01) * 100) / 100)
        pat.deposit(a, x * RATES[c.pop.currency[a]], float(t), amount_ccy=x)
        per_acc[a] = per_acc.get(a, 0.0) + x * RATES[c.pop.currency[a]]
        last[a] = float(t)
    t_end = max(last.values())
    if s.params["collector"]:
        col = al.one("personal")
        pat.member(col)
        total, t_last = 0.0, t_end
        for a, usd in per_acc.items():
            fwd = c.carry(usd)
            tt = t_end + c.delay()
            pat.transfer(a, col, fwd, tt, c.layer_channel())
            total, t_last = total + fwd, max(t_last, tt)
        c.integrate(pat, col, total, t_last)
    else:
        for a, usd in per_acc.items():
            ext = c.external("cross_border")
            pat.member(ext)
            pat.transfer(a, ext, c.carry(usd), t_end + c.delay(), "cross_border")
    return pat


def _front_business(c: FlowContext, al: Allocator, s: InstanceSpec, span: float) -> Pattern:
    """A quiet business fed by many inflows (mule payments, "cash takings") that it wires
    abroad; its registered capital is set so turnover is 25-60x it (> :data:`FRONT_MULTIPLE`)."""
    pat = Pattern()
    front = al.one("front")
    feeders = al.take("personal", s.params["f"])
    pat.member(front, *feeders)
    n_in = s.params["n_in"]
    times = np.sort(c.rng.uniform(0, span * 0.9, size=n_in))
    turnover, pending, n_fed = 0.0, 0.0, 0
    n_out = int(c.rng.integers(3, 7))
    cuts = set(np.linspace(0, n_in, n_out + 1)[1:].astype(int).tolist())
    for i, t in enumerate(times):
        if c.rng.random() < 0.35:  # cash takings that never were
            amt = c.amount("dep_business")
            pat.deposit(front, amt, float(t))
        else:  # feeders take turns, so every one of them pays in
            f = feeders[n_fed % len(feeders)]
            n_fed += 1
            amt = c.amount("invoice")
            c.place(pat, f, amt / (1 - c.fee()), float(t) - c.delay())
            pat.transfer(f, front, amt, float(t), c.layer_channel())
        turnover += amt
        pending += amt
        if i + 1 in cuts:  # pay the "suppliers" abroad
            ext = c.external("cross_border")
            pat.member(ext)
            pat.transfer(front, ext, c.carry(pending), float(t) + c.delay(), "cross_border")
            pending = 0.0
    rate = RATES[c.pop.currency[front]]
    local = turnover / rate
    capital = local / float(c.rng.uniform(25.0, 60.0))
    if capital >= 1_000:
        capital = math.floor(capital / 100) * 100
    c.pop.capital[front] = round(capital, 2)
    return pat


_BUILDERS = {
    "fan_in": _fan_in,
    "fan_out": _fan_out,
    "cycle": _cycle,
    "scatter_gather": _scatter_gather,
    "gather_scatter": _gather_scatter,
    "bipartite": _bipartite,
    "chain": _chain,
    "structuring": _structuring,
}


def inject(specs: list[InstanceSpec], pop: Population, rng: np.random.Generator,
           hard: Hardness, t0: int, days: int) -> tuple[Block, list[Alert], np.ndarray]:
    """Build every planned instance.

    Returns
    -------
    block : Block
        The laundering movements, ``alert`` = instance index.
    alerts : list of Alert
        One per instance, in id order (``A000001`` is ``alerts[0]``).
    laundering : ndarray of bool
        Accounts (bank and external) taking part in some instance.
    """
    ctx = FlowContext(pop, rng, hard)
    al = Allocator(pop, rng)
    b = RowBuilder(pop)
    alerts: list[Alert] = []
    period = days * DAY
    window = min(LAYER_WINDOW, period - DAY)
    for idx, spec in enumerate(specs):
        if spec.typology == "front_business":
            limit = min(FRONT_SPAN, period - DAY)
            pat = _front_business(ctx, al, spec, limit)
        else:
            limit = window
            pat = _BUILDERS[spec.typology](ctx, al, spec)
        span = pat.span()
        scale = min(1.0, (limit - HOUR) / span) if span > 0 else 1.0
        length = span * scale
        start = t0 + int(rng.uniform(0, max(1.0, period - length - HOUR)))
        pat.emit(b, idx, start, scale)
        alerts.append(Alert(spec.typology, tuple(pat.accounts)))
    block = b.block()
    laundering = np.zeros(len(pop), bool)
    for a in alerts:
        laundering[list(a.accounts)] = True
    if hard.recent_shells and len(block):  # shells opened shortly before they start moving money
        first = np.full(len(alerts), np.iinfo(np.int64).max)
        np.minimum.at(first, block.alert, block.ts)
        for i, a in enumerate(alerts):
            for acc in a.accounts:
                if pop.cls[acc] == SHELL:
                    t = int(first[i] - rng.uniform(5, 60) * DAY)
                    pop.opened[acc] = t - t % DAY
    if not hard.background_on_pattern:  # dedicated accounts: nothing but laundering
        pop.w_out[laundering] = 0.0
        pop.w_in[laundering] = 0.0
    return block, alerts, laundering
