"""Honest look-alikes (decoys) and everyday camouflage on laundering accounts.

Why: a detector that flags every fan-in, every cycle and every chain is useless at a bank, where
friends chip in for a present, firms pay their suppliers, flatmates settle bills round a circle
and payroll bureaux forward a client's payroll within hours. Decoys put those honest shapes in
the data (recorded in ``truth/decoys.csv``, labelled honest everywhere), so precision is
measurable. Camouflage gives laundering accounts ordinary card payments, salaries and invoices,
so that "does nothing but move money" is not a free give-away at medium and high hardness.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from toolkit.generate.hardness import Hardness
from toolkit.generate.population import EXTERNAL, PERSONAL, RATES, Population
from toolkit.generate.rows import Block, RowBuilder
from toolkit.generate.streams import ordinary_usd
from toolkit.generate.constants import REPORTING_THRESHOLD_USD, STRUCTURING_FLOOR

__all__ = ["DECOY_SHAPES", "Decoy", "inject_decoys", "camouflage"]

DAY = 86_400
HOUR = 3600
#: Shapes of honest look-alikes: what they imitate is in the name.
DECOY_SHAPES: tuple[str, ...] = ("fan_in", "fan_out", "cycle", "chain", "cash_business")


@dataclass(frozen=True)
class Decoy:
    """One honest look-alike: its shape and its accounts (rows)."""

    shape: str
    accounts: tuple[int, ...]


class _Honest:
    """Draws honest (non-laundering, active) accounts of a pool."""

    def __init__(self, pop: Population, rng: np.random.Generator, laundering: np.ndarray):
        self.pop, self.rng = pop, rng
        self.ok = ~laundering & (pop.w_out > 0) & (pop.w_in > 0)

    def take(self, pool: str, n: int) -> list[int]:
        rows = self.pop.pools[pool]
        rows = rows[self.ok[rows]]
        if len(rows) == 0:
            rows = self.pop.pools[pool]
        return [int(a) for a in self.rng.choice(rows, size=min(n, len(rows)), replace=False)]


def _start(rng: np.random.Generator, t0: int, days: int, span: float) -> float:
    return t0 + float(rng.uniform(0, max(1.0, days * DAY - span - DAY)))


def _fan_in(b: RowBuilder, h: _Honest, rng: np.random.Generator, idx: int, t0: int,
            days: int) -> list[int]:
    """Friends chipping in for one person (a gift, a trip): small, close together, no onward."""
    friends = h.take("personal", int(rng.integers(6, 17)))
    target = h.take("personal", 1)[0]
    friends = [f for f in friends if f != target]
    t = _start(rng, t0, days, 3 * DAY)
    for f in friends:
        b.transfer(f, target, float(rng.lognormal(math.log(40), 0.5)),
                   int(t + rng.uniform(0, 3 * DAY)), "ach", decoy=idx)
    return [target, *friends]


def _fan_out(b: RowBuilder, h: _Honest, rng: np.random.Generator, idx: int, t0: int,
             days: int) -> list[int]:
    """A firm paying its suppliers on a payment run."""
    payer = h.take("business", 1)[0]
    sup = [s for s in h.take("org", int(rng.integers(5, 21))) if s != payer]
    t = _start(rng, t0, days, 2 * DAY)
    for s in sup:
        b.transfer(payer, s, float(ordinary_usd(rng, "invoice")),
                   int(t + rng.uniform(0, 2 * DAY)), "ach" if rng.random() < 0.6 else "wire",
                   decoy=idx)
    return [payer, *sup]


def _cycle(b: RowBuilder, h: _Honest, rng: np.random.Generator, idx: int, t0: int,
           days: int) -> list[int]:
    """Money going round honestly (flatmates settling bills): irregular amounts and gaps."""
    ring = h.take("personal", int(rng.integers(3, 6)))
    gaps = rng.uniform(0.5, 10, size=len(ring)) * DAY
    room = (days - 2) * DAY
    if gaps.sum() > room:  # short periods: keep the irregular rhythm, squeeze it in
        gaps *= room / gaps.sum()
    t = _start(rng, t0, days, float(gaps.sum()))
    for i, a in enumerate(ring):
        b.transfer(a, ring[(i + 1) % len(ring)], float(rng.lognormal(math.log(50), 0.8)),
                   int(t), "ach", decoy=idx)
        t += gaps[i]
    return ring


def _chain(b: RowBuilder, h: _Honest, rng: np.random.Generator, idx: int, t0: int,
           days: int) -> list[int]:
    """A payroll chain: client firm -> payroll bureau -> employees, within hours."""
    client = h.take("business", 1)[0]
    bureau = h.take("payroll", 1)[0]
    staff = h.take("personal", int(rng.integers(3, 11)))
    pay = rng.lognormal(math.log(3800), 0.4, size=len(staff))
    t = _start(rng, t0, days, 2 * DAY)
    b.transfer(client, bureau, float(pay.sum() / 0.985), int(t), "ach", decoy=idx)
    t += float(rng.uniform(2, 20)) * HOUR
    for s, p in zip(staff, pay):
        b.transfer(bureau, s, float(p), int(t + rng.uniform(0, 2 * HOUR)), "ach", decoy=idx)
    return [client, bureau, *staff]


def _cash_business(b: RowBuilder, h: _Honest, rng: np.random.Generator, idx: int, t0: int,
                   days: int) -> list[int]:
    """A cash-heavy merchant: reported deposits above the threshold and a few just below it,
    never three below it within a week (so it is not structuring)."""
    m = h.take("merchant", 1)[0]
    rate = RATES[h.pop.currency[m]]
    limit = REPORTING_THRESHOLD_USD / rate
    for _ in range(int(rng.integers(3, 9))):
        amt = float(rng.uniform(1.0, 1.6)) * limit
        b.deposit(m, amt * rate, int(_start(rng, t0, days, DAY)), decoy=idx, amount_ccy=amt)
    first = _start(rng, t0, days, 9 * DAY)
    for k in range(int(rng.integers(1, 3))):  # at most two near-threshold, 8+ days apart
        t = first + k * 8.5 * DAY
        if t >= t0 + (days - 1) * DAY:
            break
        amt = math.floor(float(rng.uniform(STRUCTURING_FLOOR + 0.02, 0.99)) * limit * 100) / 100
        b.deposit(m, amt * rate, int(t), decoy=idx, amount_ccy=amt)
    return [m]


_SHAPES = {
    "fan_in": _fan_in,
    "fan_out": _fan_out,
    "cycle": _cycle,
    "chain": _chain,
    "cash_business": _cash_business,
}


def inject_decoys(pop: Population, rng: np.random.Generator, hard: Hardness, n_alerts: int,
                  laundering: np.ndarray, t0: int, days: int) -> tuple[Block, list[Decoy]]:
    """Honest look-alike instances, ``hard.decoy_ratio`` per laundering instance.

    Accounts are drawn from honest, active accounts; their movements carry ``decoy`` = the
    instance index and are never labelled laundering.
    """
    n = int(round(hard.decoy_ratio * n_alerts))
    if hard.decoy_ratio > 0 and n_alerts > 0:
        n = max(n, 1)
    b = RowBuilder(pop)
    h = _Honest(pop, rng, laundering)
    decoys: list[Decoy] = []
    order = list(DECOY_SHAPES)
    for i in range(n):
        if i % len(order) == 0:
            rng.shuffle(order)
        shape = order[i % len(order)]
        accs = _SHAPES[shape](b, h, rng, i, t0, days)
        decoys.append(Decoy(shape, tuple(accs)))
    return b.block(), decoys


def camouflage(pop: Population, rng: np.random.Generator, hard: Hardness,
               laundering: np.ndarray, t0: int, days: int) -> Block:
    """Everyday activity for laundering bank accounts (``hard.camouflage`` transfers each).

    People pay merchants by card, get paid by an employer and send friends money; firms and
    shells invoice and get invoiced. These rows are honest (alert ``-1``).
    """
    b = RowBuilder(pop)
    if hard.camouflage <= 0:
        return b.block()
    accs = np.flatnonzero(laundering & (pop.cls != EXTERNAL))
    merchants, employers = pop.pools["merchant"], pop.pools["employer"]
    orgs, persons = pop.pools["org"], pop.pools["personal"]
    span = days * DAY - HOUR
    employer_of: dict[int, int] = {}
    for a in accs.tolist():
        for _ in range(hard.camouflage):
            t = t0 + int(rng.uniform(0, span))
            u = rng.random()
            if pop.cls[a] == PERSONAL:
                if u < 0.55:
                    b.transfer(a, int(rng.choice(merchants)), float(ordinary_usd(rng, "card")),
                               t, "card")
                elif u < 0.75:
                    emp = employer_of.setdefault(a, int(rng.choice(employers)))
                    b.transfer(emp, a, float(ordinary_usd(rng, "salary")), t, "ach")
                else:
                    f = int(rng.choice(persons))
                    if f != a:
                        b.transfer(a, f, float(ordinary_usd(rng, "p2p")), t, "ach")
            else:
                other = int(rng.choice(orgs))
                if other == a:
                    continue
                src, dst = (a, other) if u < 0.5 else (other, a)
                b.transfer(src, dst, float(ordinary_usd(rng, "invoice")), t,
                           "ach" if rng.random() < 0.6 else "wire")
    return b.block()
