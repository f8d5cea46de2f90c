"""The honest background, generated chunk by chunk with NumPy.

Why chunks: 2M+ transfers with string columns would need gigabytes if built at once. Each chunk
is produced from its own random stream (seeded by ``(seed, chunk number)``), so the output is
deterministic however it is consumed, and memory stays at one chunk plus the small in-memory
parts (monthly salary/rent rows, laundering, decoys).

Row-independent streams occupy fixed ranges of a virtual row index (card payments first, then
P2P, ...); a chunk generates the rows of the ranges it covers and shuffles them together with
its share of cash movements and of the in-memory rows, so a file read in order shows a natural
mix and sequential movement ids reveal nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toolkit.generate.population import BUSINESS, MERCHANT, MSB, RATES, SHELL, Population
from toolkit.generate.rows import CH, DEPOSIT, TRANSFER, WITHDRAWAL, Block, concat
from toolkit.generate.streams import (
    DEPOSIT_STREAMS,
    DEPOSITS_PER_TRANSFER,
    RANDOM_STREAMS,
    RENT,
    SALARY,
    WITHDRAWAL_STREAMS,
    WITHDRAWALS_PER_TRANSFER,
    Stream,
)

__all__ = [
    "BackgroundPlan",
    "plan_background",
    "chunk_block",
    "expected_inflow_usd",
    "assign_capital",
    "CHUNK_TRANSFERS",
]

DAY = 86_400
CHUNK_TRANSFERS = 250_000  #: random background transfers per chunk
FAVOURITES = 6  #: favourite counterparties per sender
FRIEND_OFFSETS = np.array([1, 2, 3, 5, 8, -1, -2, -4], dtype=np.int64)


def _largest_remainder(total: int, shares: np.ndarray) -> np.ndarray:
    """Integer counts summing exactly to ``total``, proportional to ``shares``."""
    raw = total * shares / shares.sum()
    base = np.floor(raw).astype(np.int64)
    rest = total - int(base.sum())
    if rest:
        base[np.argsort(-(raw - base), kind="stable")[:rest]] += 1
    return base


def _hash01(a: np.ndarray, b: np.ndarray, salt: int) -> np.ndarray:
    """Deterministic uniform [0, 1) from two integer arrays (splitmix64-style mixing)."""
    with np.errstate(over="ignore"):
        x = a.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        x ^= b.astype(np.uint64) * np.uint64(0xBF58476D1CE4E5B9) + np.uint64(salt)
        x ^= x >> np.uint64(31)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(29)
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)


@dataclass
class _Pool:
    """Accounts of one pool with cumulative send/receive weights, for inverse-CDF picks."""

    rows: np.ndarray
    cdf_out: np.ndarray  # normalised cumulative w_out (None if all zero)
    cdf_in: np.ndarray

    def pick(self, u: np.ndarray, incoming: bool) -> np.ndarray:
        cdf = self.cdf_in if incoming else self.cdf_out
        pos = np.minimum(np.searchsorted(cdf, u, side="right"), len(self.rows) - 1)
        return self.rows[pos]


def _cdf(w: np.ndarray) -> np.ndarray:
    c = np.cumsum(w)
    return c / c[-1] if len(c) and c[-1] > 0 else np.linspace(0, 1, len(w) + 1)[1:]


@dataclass
class BackgroundPlan:
    """Everything the chunks need, fixed before the first row is written.

    Attributes
    ----------
    n_random : int
        Row-independent background transfers.
    starts : ndarray
        Start of each random stream's range in the virtual row index (plus the end).
    n_deposits, n_withdrawals : int
        Background cash movements.
    periodic : Block
        Monthly salary and rent transfers (in memory).
    n_chunks : int
    """

    n_random: int
    starts: np.ndarray
    n_deposits: int
    n_withdrawals: int
    dep_starts: np.ndarray
    wd_starts: np.ndarray
    periodic: Block
    n_chunks: int
    t0: int
    days: int
    pools: dict[str, _Pool]
    friend_perm: np.ndarray
    friend_pos: np.ndarray


def _pools(pop: Population) -> dict[str, _Pool]:
    out = {}
    names = {s.senders for s in RANDOM_STREAMS + DEPOSIT_STREAMS + WITHDRAWAL_STREAMS}
    names |= {s.receivers for s in RANDOM_STREAMS} | {"personal", "landlord_business"}
    for name in sorted(n for n in names if n):
        rows = pop.pools[name]
        if len(rows) == 0:
            continue
        out[name] = _Pool(rows, _cdf(pop.w_out[rows]), _cdf(pop.w_in[rows]))
    return out


def _months(t0: int, t1: int, dom: int) -> np.ndarray:
    """Epoch seconds of day-of-month ``dom`` in every month that falls in [t0, t1)."""
    m0 = np.datetime64(int(t0), "s").astype("datetime64[M]")
    m1 = np.datetime64(int(t1), "s").astype("datetime64[M]") + 1
    months = np.arange(m0, m1).astype("datetime64[D]") + (dom - 1)
    secs = months.astype("datetime64[s]").astype(np.int64)
    return secs[(secs >= t0) & (secs < t1 - DAY)]


def _periodic(pop: Population, rng: np.random.Generator, s: Stream, target: int,
              payers: np.ndarray, payees: np.ndarray, dom_choices: tuple[int, ...],
              t0: int, t1: int, by: str) -> Block:
    """Monthly payments: each payee (salary) or payer (rent) has one counterparty and one day.

    ``by == "payee"``: ``payees`` are chosen and each gets a payer from ``payers`` (salary);
    ``by == "payer"``: ``payers`` are chosen and each gets a payee (rent).
    """
    times = {d: _months(t0, t1, d) for d in dom_choices}
    mean_months = float(np.mean([len(v) for v in times.values()]))
    if target <= 0 or mean_months == 0 or len(payers) == 0 or len(payees) == 0:
        return Block.empty()
    fixed = payees if by == "payee" else payers
    other = payers if by == "payee" else payees
    k = min(len(fixed), int(round(target / mean_months)))
    if k == 0:
        return Block.empty()
    chosen = np.sort(rng.choice(fixed, size=k, replace=False))
    w = pop.size[other] if by == "payee" else pop.w_in[other]
    w = np.where(w > 0, w, 0.0)
    if w.sum() <= 0:
        return Block.empty()
    partner = other[np.minimum(np.searchsorted(_cdf(w), rng.random(k), side="right"),
                               len(other) - 1)]
    if by == "payer":
        clash = partner == chosen
        partner[clash] = other[(np.searchsorted(other, partner[clash]) + 1) % len(other)]
    src = partner if by == "payee" else chosen
    dst = chosen if by == "payee" else partner
    # the day of month belongs to the payer (an employer pays all its staff the same day)
    dom_idx = (_hash01(src, np.zeros_like(src), 77) * len(dom_choices)).astype(int)
    base = rng.lognormal(np.log(s.median), s.sigma, size=k)
    if s is RENT:
        base = np.maximum(np.round(base / 5) * 5, 5)
    ch_codes = np.array([CH[c] for c in s.channels], np.int8)
    ch = ch_codes[rng.choice(len(s.channels), size=k, p=s.channel_p)]
    parts = []
    for j, d in enumerate(dom_choices):
        sel = np.flatnonzero(dom_idx == j)
        tt = times[d]
        if len(sel) == 0 or len(tt) == 0:
            continue
        n = len(sel) * len(tt)
        r_src = np.repeat(src[sel], len(tt))
        r_dst = np.repeat(dst[sel], len(tt))
        usd = np.repeat(base[sel], len(tt))
        if s is SALARY:
            usd = usd * rng.lognormal(0.0, 0.02, size=n)
        ts = np.tile(tt, len(sel)) + np.clip(
            rng.normal(s.hour, s.hour_sd, size=n) * 3600, 0, DAY - 1
        ).astype(np.int64)
        ccy = pop.currency[r_src]
        parts.append(
            Block(
                kind=np.full(n, TRANSFER, np.int8),
                src=r_src,
                dst=r_dst,
                amount=np.maximum(np.round(usd / RATES[ccy], 2), 0.01),
                ccy=ccy,
                ts=ts,
                channel=np.repeat(ch[sel], len(tt)),
                alert=np.full(n, -1, np.int32),
                decoy=np.full(n, -1, np.int32),
            )
        )
    return concat(parts)


def plan_background(pop: Population, rng: np.random.Generator, n_transfers: int,
                    t0: int, days: int) -> BackgroundPlan:
    """Fix the shape of the background: stream sizes, monthly rows, chunking.

    Parameters
    ----------
    n_transfers : int
        Background transfers to produce (the requested total minus the hand-built ones).
    """
    t1 = t0 + days * DAY
    active_personal = pop.pools["personal"][pop.w_in[pop.pools["personal"]] > 0]
    employers = pop.pools["employer"][pop.w_out[pop.pools["employer"]] > 0]
    salary = _periodic(pop, rng, SALARY, int(SALARY.share * n_transfers), employers,
                       active_personal, (25, 26, 27, 28), t0, t1, by="payee")
    landlords = np.concatenate([pop.pools["landlord_business"], pop.pools["landlord_person"]])
    landlords = np.sort(landlords[pop.w_in[landlords] > 0])
    payers = pop.pools["personal"][pop.w_out[pop.pools["personal"]] > 0]
    rent = _periodic(pop, rng, RENT, int(RENT.share * n_transfers), payers, landlords,
                     (1, 2, 3), t0, t1, by="payer")
    periodic = concat([salary, rent])
    if len(periodic) > n_transfers:
        periodic = periodic.take(np.arange(n_transfers))
    n_random = n_transfers - len(periodic)
    shares = np.array([s.share for s in RANDOM_STREAMS])
    counts = _largest_remainder(n_random, shares)
    starts = np.concatenate([[0], np.cumsum(counts)])
    n_dep = int(round(DEPOSITS_PER_TRANSFER * (n_transfers)))
    n_wd = int(round(WITHDRAWALS_PER_TRANSFER * (n_transfers)))
    dep = _largest_remainder(n_dep, np.array([s.share for s in DEPOSIT_STREAMS]))
    wd = _largest_remainder(n_wd, np.array([s.share for s in WITHDRAWAL_STREAMS]))
    personal = pop.pools["personal"]
    perm = rng.permutation(len(personal))
    pos = np.empty(len(personal), np.int64)
    pos[perm] = np.arange(len(personal))
    return BackgroundPlan(
        n_random=n_random,
        starts=starts,
        n_deposits=n_dep,
        n_withdrawals=n_wd,
        dep_starts=np.concatenate([[0], np.cumsum(dep)]),
        wd_starts=np.concatenate([[0], np.cumsum(wd)]),
        periodic=periodic,
        n_chunks=max(1, -(-n_random // CHUNK_TRANSFERS)),
        t0=t0,
        days=days,
        pools=_pools(pop),
        friend_perm=personal[perm],
        friend_pos=pos,
    )


def _times(rng: np.random.Generator, s: Stream, n: int, t0: int, days: int) -> np.ndarray:
    day = rng.integers(0, days, size=n)
    sec = np.clip(rng.normal(s.hour, s.hour_sd, size=n) * 3600, 0, DAY - 1).astype(np.int64)
    return t0 + day * DAY + sec


def _stream_rows(plan: BackgroundPlan, pop: Population, rng: np.random.Generator,
                 s: Stream, n: int, kind: int, salt: int) -> Block:
    snd = plan.pools.get(s.senders)
    if n <= 0 or snd is None:
        return Block.empty()
    src = snd.pick(rng.random(n), incoming=False)
    if kind != TRANSFER:
        dst = np.full(n, -1, np.int64)
    elif s.pick == "sibling":
        dst = pop.sibling[src]
        bad = (dst < 0) | (pop.w_in[np.maximum(dst, 0)] <= 0)
        dst[bad] = plan.pools["personal"].pick(rng.random(int(bad.sum())), incoming=True)
    elif s.pick == "friend":
        base = plan.pools["personal"].rows[0]
        off = FRIEND_OFFSETS[rng.integers(len(FRIEND_OFFSETS), size=n)]
        m = len(plan.friend_perm)
        dst = plan.friend_perm[(plan.friend_pos[src - base] + off) % m]
        rand = (rng.random(n) < 0.3) | (pop.w_in[dst] <= 0)
        dst[rand] = plan.pools["personal"].pick(rng.random(int(rand.sum())), incoming=True)
    else:
        rcv = plan.pools[s.receivers]
        u = rng.random(n)
        if s.pick == "favourite":
            fav = rng.random(n) < 0.7
            slot = rng.integers(FAVOURITES, size=n)
            u = np.where(fav, _hash01(src, slot, salt), u)
        dst = rcv.pick(u, incoming=True)
    if kind == TRANSFER:  # rare: a sender drew itself (or its own favourite); draw again
        pool = plan.pools[s.receivers if s.receivers else "personal"]
        for _ in range(20):
            same = np.flatnonzero(dst == src)
            if len(same) == 0:
                break
            dst[same] = pool.pick(rng.random(len(same)), incoming=True)
        for i in np.flatnonzero(dst == src):  # practically never: walk to the next receiver
            rows = pool.rows
            j = int(np.searchsorted(rows, dst[i]))
            for step in range(1, len(rows)):
                cand = rows[(j + step) % len(rows)]
                if cand != src[i] and pop.w_in[cand] > 0:
                    dst[i] = cand
                    break
    usd = np.maximum(rng.lognormal(np.log(s.median), s.sigma, size=n), 1.0)
    ccy = pop.currency[src]
    ch_codes = np.array([CH[c] for c in s.channels], np.int8)
    ch = ch_codes[rng.choice(len(s.channels), size=n, p=s.channel_p)] if len(ch_codes) > 1 \
        else np.full(n, ch_codes[0], np.int8)
    if kind == DEPOSIT:
        src, dst = dst, src
    return Block(
        kind=np.full(n, kind, np.int8),
        src=src,
        dst=dst,
        amount=np.maximum(np.round(usd / RATES[ccy], 2), 0.01),
        ccy=ccy,
        ts=_times(rng, s, n, plan.t0, plan.days),
        channel=ch,
        alert=np.full(n, -1, np.int32),
        decoy=np.full(n, -1, np.int32),
    )


def _range_rows(plan: BackgroundPlan, pop: Population, rng: np.random.Generator,
                streams: tuple[Stream, ...], starts: np.ndarray, lo: int, hi: int,
                kind: int) -> list[Block]:
    """Rows of the virtual index range [lo, hi) for each stream it overlaps."""
    out = []
    for j, s in enumerate(streams):
        a, b = max(lo, int(starts[j])), min(hi, int(starts[j + 1]))
        if b > a:
            out.append(_stream_rows(plan, pop, rng, s, b - a, kind, salt=1000 * kind + j))
    return out


def chunk_block(plan: BackgroundPlan, pop: Population, seed: int, chunk: int) -> Block:
    """The background rows of chunk number ``chunk`` (not shuffled; the caller mixes)."""
    rng = np.random.default_rng([seed, 101, chunk])
    n = plan.n_chunks
    lo, hi = chunk * plan.n_random // n, (chunk + 1) * plan.n_random // n
    dlo, dhi = chunk * plan.n_deposits // n, (chunk + 1) * plan.n_deposits // n
    wlo, whi = chunk * plan.n_withdrawals // n, (chunk + 1) * plan.n_withdrawals // n
    parts = _range_rows(plan, pop, rng, RANDOM_STREAMS, plan.starts, lo, hi, TRANSFER)
    parts += _range_rows(plan, pop, rng, DEPOSIT_STREAMS, plan.dep_starts, dlo, dhi, DEPOSIT)
    parts += _range_rows(plan, pop, rng, WITHDRAWAL_STREAMS, plan.wd_starts, wlo, whi,
                         WITHDRAWAL)
    return concat(parts)


def expected_inflow_usd(pop: Population, plan: BackgroundPlan) -> np.ndarray:
    """Expected background inflow (USD) per account over the period.

    Why: registered capital of honest firms is set relative to the turnover they will see, so
    that the "turnover far above capital" rule has a realistic, small false-positive rate
    instead of firing on every busy merchant or never.
    """
    e = np.zeros(len(pop))
    for j, s in enumerate(RANDOM_STREAMS):
        n = int(plan.starts[j + 1] - plan.starts[j])
        if s.pick in ("friend", "sibling") or s.receivers not in plan.pools:
            continue
        p = plan.pools[s.receivers]
        w = np.diff(np.concatenate([[0.0], p.cdf_in]))
        np.add.at(e, p.rows, n * w * s.mean)
    for j, s in enumerate(DEPOSIT_STREAMS):
        n = int(plan.dep_starts[j + 1] - plan.dep_starts[j])
        if s.senders in plan.pools:
            p = plan.pools[s.senders]
            np.add.at(e, p.rows, n * np.diff(np.concatenate([[0.0], p.cdf_out])) * s.mean)
    per = plan.periodic
    if len(per):
        e += np.bincount(per.dst, weights=per.amount * RATES[per.ccy], minlength=len(pop))
    return e


def assign_capital(pop: Population, plan: BackgroundPlan, rng: np.random.Generator) -> None:
    """Registered capital for firms that have none yet (front businesses already do).

    Capital is the expected turnover times a lognormal factor centred on 0.35, so honest
    turnover/capital ratios are mostly 1-10 and rarely above 20.
    """
    e = expected_inflow_usd(pop, plan)
    firm = np.isin(pop.cls, [BUSINESS, MERCHANT, SHELL, MSB]) & np.isnan(pop.capital)
    rows = np.flatnonzero(firm)
    usd = np.maximum(e[rows] * rng.lognormal(np.log(0.35), 0.8, size=len(rows)), 2_000.0)
    shells = pop.cls[rows] == SHELL
    usd[shells] = np.maximum(usd[shells], rng.uniform(1_000, 50_000, size=int(shells.sum())))
    local = usd / RATES[pop.currency[rows]]
    pop.capital[rows] = np.maximum(np.round(local / 100) * 100, 100.0)

