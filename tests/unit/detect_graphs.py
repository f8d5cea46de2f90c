"""Graphs for the typology-detector tests: hand-worked tiny cases and a large random network.

Every hand-worked graph is defined once, here, with a comment saying what the answer is and why;
``test_detect.py`` only checks that the detectors give that answer. Times are seconds from
:data:`T0`; amounts are USD.
"""

from __future__ import annotations

import math

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from toolkit.frames import DEPOSIT, TRANSFER, WITHDRAWAL, AccountFrame, MovementFrame, Network

DAY = 86_400
HOUR = 3_600
#: 2024-01-01T00:00:00Z: every hand-worked time is relative to it.
T0 = 1_704_067_200


@dataclass
class G:
    """A hand-worked graph: accounts, movements, and the expected answer in ``expect``."""

    accounts: list[str]
    moves: list[tuple] = field(default_factory=list)  # (from, to, amount, seconds after T0[, kind])
    expect: dict[str, Any] = field(default_factory=dict)

    def net(self) -> Network:
        rows = []
        for i, mv in enumerate(self.moves):
            src, dst, amount, t = mv[:4]
            kind = mv[4] if len(mv) > 4 else "transfer"
            rows.append({"id": f"m{i}", "kind": kind, "from": src, "to": dst, "amount": float(amount), "ts": T0 + int(t)})
        return Network.from_rows([{"id": a} for a in self.accounts], rows)

    def row(self, name: str) -> int:
        return self.accounts.index(name)


def _fan_in_core(n_senders: int, gap: int) -> list[tuple]:
    return [(f"s{i}", "H", 100.0, i * gap) for i in range(n_senders)]


# --- fan_in ---------------------------------------------------------------------------------
#: Mule funnel: 5 distinct senders pay H 100 each within 4 h, and H pays 485 on to X two hours
#: after the fan's first inflow (keeping a 3 % cut). One fan_in on H with 5 counterparties, total
#: 500, moved on 485 -> share and out/in ratio 0.97 = 1 - fee, amount match 1. H moves nothing
#: outside the window, so the window is all burst (1) and its usual rate explains nothing
#: (surprise 1): score (1 - 0.5*5/5) * (0.1 + 0.9*1) * (0.25 + 0.75*1) * 1 = 0.5.
FAN_IN_MULE = G(
    accounts=["H", "X", "s0", "s1", "s2", "s3", "s4"],
    moves=_fan_in_core(5, HOUR) + [("H", "X", 485.0, 2 * HOUR)],
    expect={"hub": "H", "counterparties": 5, "total": 500.0, "share": 0.97, "score": 0.5},
)
#: The same funnel forwarding only 450 (ratio 0.9, 7 % off the fee-shaped 0.97 and so outside
#: most of the 10 % tolerance): amount match 1 - |log(0.9/0.97)| / log(1.1) = 0.2139, score
#: 0.5 * (0.1 + 0.9*0.2139) = 0.1463. Near-complete forwarding is not enough; it is the
#: in-minus-a-fee amount that marks the mule.
FAN_IN_MULE_450 = G(
    accounts=["H", "X", "s0", "s1", "s2", "s3", "s4"],
    moves=_fan_in_core(5, HOUR) + [("H", "X", 450.0, 2 * HOUR)],
    expect={"share": 0.9, "score": 0.5 * (0.1 + 0.9 * (1 - abs(math.log(0.9 / 0.97)) / math.log(1.1)))},
)

#: Decoy: 5 friends pay H 100 each (a shared present) and the money stays for months. The
#: shape is a fan_in (5 senders within 4 h) but nothing moves on: share 0, ratio 0, amount
#: match 0. Burst: H moves (500 + 450) / 2 = 475 in all, 250 of it in the window, so 225 over
#: the other 87 of the 90 days, 7.76 per 3 days; 500 is log(500 / 7.76) / log(100) = 0.9046 of a
#: full burst. Score 0.5 * 0.1 * (0.25 + 0.75 * 0.9046) = 0.0464, a tenth of the mule's 0.5.
FAN_IN_FRIENDS = G(
    accounts=["H", "X", "s0", "s1", "s2", "s3", "s4"],
    moves=_fan_in_core(5, HOUR) + [("H", "X", 450.0, 90 * DAY)],
    expect={"hub": "H", "share": 0.0, "score": 0.5 * 0.1 * (0.25 + 0.75 * math.log(500 / (225 * 3 / (90 * 24 - 3 * 24) * 24)) / math.log(100))},
)

#: Edge of the window: 5 senders, the first at 0 and the last exactly W = 3 days later. W is
#: inclusive, so this is a fan of 5.
FAN_IN_EDGE_INSIDE = G(
    accounts=["H", "s0", "s1", "s2", "s3", "s4"],
    moves=[(f"s{i}", "H", 100.0, [0, HOUR, 2 * HOUR, 3 * HOUR, 3 * DAY][i]) for i in range(5)],
    expect={"count": 1},
)
#: ... and the last one W + 1 s later: no window holds 5 senders, no fan.
FAN_IN_EDGE_OUTSIDE = G(
    accounts=["H", "s0", "s1", "s2", "s3", "s4"],
    moves=[(f"s{i}", "H", 100.0, [0, HOUR, 2 * HOUR, 3 * HOUR, 3 * DAY + 1][i]) for i in range(5)],
    expect={"count": 0},
)

#: Repeated senders do not count twice: s0 pays H five times and s1..s3 once each in one day:
#: 4 distinct senders < 5, no fan.
FAN_IN_REPEATS = G(
    accounts=["H", "s0", "s1", "s2", "s3"],
    moves=[("s0", "H", 10.0, i * 60) for i in range(5)] + [(f"s{i}", "H", 10.0, HOUR * i) for i in range(1, 4)],
    expect={"count": 0},
)

# --- fan_out --------------------------------------------------------------------------------
#: Scatter of fresh money: P receives 1000 in cash at 0 and sends 194 to each of 5 receivers
#: within 5 h. The fan's last transfer is at 5 h; inflows within [5 h - 3 d, 5 h] = 1000 >= 970,
#: so share 1 (capped); out/in = 0.97 = 1 - fee, amount match 1; P moves nothing else, burst 1:
#: score 0.5 * 1.0 * 1.0 = 0.5.
FAN_OUT_FRESH = G(
    accounts=["P", "r0", "r1", "r2", "r3", "r4"],
    moves=[(None, "P", 1000.0, 0, "deposit")] + [("P", f"r{i}", 194.0, (i + 1) * HOUR) for i in range(5)],
    expect={"hub": "P", "counterparties": 5, "share": 1.0, "score": 0.5},
)
#: Decoy: payroll from an old balance. P got its 1000 four months before paying 5 employees:
#: a fan_out, but share 0 and no inflow to match (amount match 0). Burst: P moves
#: (1000 + 970) / 2 = 985, 485 of it in the window, so 500 over the other 117 d 4 h (span
#: 120 d 4 h minus W), 12.80 per 3 days; 970 is log(970 / 12.80) / log(100) = 0.9398 of a full
#: burst. Score 0.5 * 0.1 * (0.25 + 0.75 * 0.9398) = 0.0477.
FAN_OUT_PAYROLL = G(
    accounts=["P", "r0", "r1", "r2", "r3", "r4"],
    moves=[(None, "P", 1000.0, 0, "deposit")] + [("P", f"r{i}", 194.0, 120 * DAY + i * HOUR) for i in range(5)],
    expect={"hub": "P", "share": 0.0, "score": 0.5 * 0.1 * (0.25 + 0.75 * math.log(970 / (500 * 3 * DAY / (120 * DAY + 4 * HOUR - 3 * DAY))) / math.log(100))},
)

# --- scatter_gather -------------------------------------------------------------------------
#: S sends 300 to each of m0, m1, m2 on day 0; each forwards 290 to D on day 1 (after its
#: in-hop). One scatter_gather on S with 3 intermediates and sink D; balance 870/900.
SG_LAUNDER = G(
    accounts=["S", "D", "m0", "m1", "m2"],
    moves=[("S", f"m{i}", 300.0, i * HOUR) for i in range(3)] + [(f"m{i}", "D", 290.0, DAY + i * HOUR) for i in range(3)],
    expect={"source": "S", "sink": "D", "intermediates": 3, "balance": 870 / 900},
)
#: Decoy: the same accounts but each intermediate paid D *before* S paid it (the money cannot be
#: the same): not time-respecting, no finding.
SG_BACKWARDS = G(
    accounts=["S", "D", "m0", "m1", "m2"],
    moves=[("S", f"m{i}", 300.0, DAY + i * HOUR) for i in range(3)] + [(f"m{i}", "D", 290.0, i * HOUR) for i in range(3)],
    expect={"count": 0},
)
#: Decoy: forwards come 20 days later, far outside W = 7 days: no finding.
SG_SLOW = G(
    accounts=["S", "D", "m0", "m1", "m2"],
    moves=[("S", f"m{i}", 300.0, i * HOUR) for i in range(3)] + [(f"m{i}", "D", 290.0, 20 * DAY + i * HOUR) for i in range(3)],
    expect={"count": 0},
)
#: Edge: the whole pattern spans exactly W = 7 days (first out-hop at 0, last in-hop at 7 d):
#: found. Moving the last in-hop 1 s later leaves only 2 intermediates inside any window.
SG_EDGE_INSIDE = G(
    accounts=["S", "D", "m0", "m1", "m2"],
    moves=[("S", f"m{i}", 300.0, i * HOUR) for i in range(3)] + [("m0", "D", 290.0, DAY), ("m1", "D", 290.0, DAY), ("m2", "D", 290.0, 7 * DAY)],
    expect={"count": 1},
)
SG_EDGE_OUTSIDE = G(
    accounts=["S", "D", "m0", "m1", "m2"],
    moves=[("S", f"m{i}", 300.0, i * HOUR) for i in range(3)] + [("m0", "D", 290.0, DAY), ("m1", "D", 290.0, DAY), ("m2", "D", 290.0, 7 * DAY + 1)],
    expect={"count": 0},
)

# --- gather_scatter -------------------------------------------------------------------------
#: H collects 200 from each of a0, a1, a2 on day 0, then pays 190 to each of b0, b1, b2 on
#: day 1: one gather_scatter on H, 3 senders and 3 receivers, balance 570/600.
GS_LAUNDER = G(
    accounts=["H", "a0", "a1", "a2", "b0", "b1", "b2"],
    moves=[(f"a{i}", "H", 200.0, i * HOUR) for i in range(3)] + [("H", f"b{i}", 190.0, DAY + i * HOUR) for i in range(3)],
    expect={"hub": "H", "senders": 3, "receivers": 3, "balance": 570 / 600},
)
#: Decoy: H pays b0..b2 first and only then receives from a0..a2 (a shop paying suppliers, then
#: selling): scatter before gather, no finding.
GS_REVERSED = G(
    accounts=["H", "a0", "a1", "a2", "b0", "b1", "b2"],
    moves=[("H", f"b{i}", 190.0, i * HOUR) for i in range(3)] + [(f"a{i}", "H", 200.0, DAY + i * HOUR) for i in range(3)],
    expect={"count": 0},
)

#: Edge: the last receiver is paid exactly W = 7 days after the first gathered inflow: inside.
GS_EDGE_INSIDE = G(
    accounts=["H", "a0", "a1", "a2", "b0", "b1", "b2"],
    moves=[(f"a{i}", "H", 200.0, i * HOUR) for i in range(3)] + [("H", "b0", 190.0, DAY), ("H", "b1", 190.0, DAY), ("H", "b2", 190.0, 7 * DAY)],
    expect={"count": 1},
)
#: ... and 1 s later: only 2 receivers inside any window that holds the gather, no finding.
GS_EDGE_OUTSIDE = G(
    accounts=["H", "a0", "a1", "a2", "b0", "b1", "b2"],
    moves=[(f"a{i}", "H", 200.0, i * HOUR) for i in range(3)] + [("H", "b0", 190.0, DAY), ("H", "b1", 190.0, DAY), ("H", "b2", 190.0, 7 * DAY + 1)],
    expect={"count": 0},
)

# --- cycle ----------------------------------------------------------------------------------
#: A -> B -> C -> D -> A, one hop a day, 1000 shrinking by 2% a hop: one cycle of length 4,
#: canonical rotation starting at A (row 0), closing in 3 days, amounts shrinking.
CYCLE_LAUNDER = G(
    accounts=["A", "B", "C", "D"],
    moves=[("A", "B", 1000.0, 0), ("B", "C", 980.0, DAY), ("C", "D", 960.4, 2 * DAY), ("D", "A", 941.19, 3 * DAY)],
    expect={"cycle": ("A", "B", "C", "D"), "span": 3 * DAY},
)
#: The same loop entered at C (the earliest hop is C -> D): reported once, still as A, B, C, D.
CYCLE_ROTATED = G(
    accounts=["A", "B", "C", "D"],
    moves=[("C", "D", 1000.0, 0), ("D", "A", 990.0, DAY), ("A", "B", 980.0, 2 * DAY), ("B", "C", 970.0, 3 * DAY)],
    expect={"cycle": ("A", "B", "C", "D")},
)
#: Decoy: the same loop, hops two months apart (friends paying each other back over a year):
#: it never closes within W = 30 days, no cycle.
CYCLE_SLOW = G(
    accounts=["A", "B", "C", "D"],
    moves=[("A", "B", 1000.0, 0), ("B", "C", 980.0, 60 * DAY), ("C", "D", 960.0, 120 * DAY), ("D", "A", 940.0, 180 * DAY)],
    expect={"count": 0},
)
#: Decoy: fast, but the amounts are unrelated (1000, 50, 3000, 400): no cycle.
CYCLE_AMOUNTS = G(
    accounts=["A", "B", "C", "D"],
    moves=[("A", "B", 1000.0, 0), ("B", "C", 50.0, DAY), ("C", "D", 3000.0, 2 * DAY), ("D", "A", 400.0, 3 * DAY)],
    expect={"count": 0},
)
#: Decoy: fast, similar amounts, but the hops go round against time: A -> B at 0, B -> C at 2 d,
#: C -> A at 1 d. No rotation has non-decreasing times (0, 2d, 1d / 2d, 1d, 0 / 1d, 0, 2d), so
#: the money cannot have gone round: no cycle.
CYCLE_UNORDERED = G(
    accounts=["A", "B", "C"],
    moves=[("A", "B", 1000.0, 0), ("B", "C", 990.0, 2 * DAY), ("C", "A", 980.0, DAY)],
    expect={"count": 0},
)
#: ... whereas the same hops in the other time order close (rotation B -> C -> A -> B).
CYCLE_ORDERED = G(
    accounts=["A", "B", "C"],
    moves=[("A", "B", 1000.0, 2 * DAY), ("B", "C", 990.0, 0), ("C", "A", 980.0, DAY)],
    expect={"cycle": ("A", "B", "C"), "first_hop": ("B", "C")},
)
#: Amount tolerance at its edge: hops of exactly +20% and -20% of the first are inside.
CYCLE_TOL_INSIDE = G(
    accounts=["A", "B", "C"],
    moves=[("A", "B", 1000.0, 0), ("B", "C", 1200.0, HOUR), ("C", "A", 800.0, 2 * HOUR)],
    expect={"count": 1},
)
CYCLE_TOL_OUTSIDE = G(
    accounts=["A", "B", "C"],
    moves=[("A", "B", 1000.0, 0), ("B", "C", 1200.01, HOUR), ("C", "A", 800.0, 2 * HOUR)],
    expect={"count": 0},
)
#: Window at its edge: closing exactly 30 days after the first hop is inside, 1 s more is not.
CYCLE_EDGE_INSIDE = G(
    accounts=["A", "B"],
    moves=[("A", "B", 1000.0, 0), ("B", "A", 990.0, 30 * DAY)],
    expect={"count": 1},
)
CYCLE_EDGE_OUTSIDE = G(
    accounts=["A", "B"],
    moves=[("A", "B", 1000.0, 0), ("B", "A", 990.0, 30 * DAY + 1)],
    expect={"count": 0},
)

# --- layering -------------------------------------------------------------------------------
#: A chain P1 -> P2 -> P3 -> P4 of pass-through accounts: cash 10 000 placed in P1, each
#: forwards 98% six hours after receiving, P4 withdraws. P1..P4 all forward >= 98% within
#: 6 h (ratio 0.98, median dwell 6 h); they are linked hop after hop within D, so each lies on
#: a chain of 4 pass-through accounts, layer size 4.
LAYER_CHAIN = G(
    accounts=["P1", "P2", "P3", "P4"],
    moves=[
        (None, "P1", 10_000.0, 0, "deposit"),
        ("P1", "P2", 9_800.0, 6 * HOUR),
        ("P2", "P3", 9_604.0, 12 * HOUR),
        ("P3", "P4", 9_411.92, 18 * HOUR),
        ("P4", None, 9_223.68, 24 * HOUR, "withdrawal"),
    ],
    expect={"members": ("P1", "P2", "P3", "P4"), "chain": 4, "dwell": 6 * HOUR},
)
#: Decoy: the same chain, but every account holds the money for three weeks before forwarding
#: (a savings pot): dwell 21 d > D = 3 d, ratio 0, no account is pass-through.
LAYER_HOLDS = G(
    accounts=["P1", "P2", "P3", "P4"],
    moves=[
        (None, "P1", 10_000.0, 0, "deposit"),
        ("P1", "P2", 9_800.0, 21 * DAY),
        ("P2", "P3", 9_604.0, 42 * DAY),
        ("P3", "P4", 9_411.92, 63 * DAY),
        ("P4", None, 9_223.68, 84 * DAY, "withdrawal"),
    ],
    expect={"count": 0},
)
#: FIFO with an opening balance: Q first pays out 500 it must have had before the data (no
#: inflow yet), then receives 1000 and forwards 800 one hour later. The opening 500 is consumed
#: by the first outflow, so the 800 is received money: ratio 800/1000 = 0.8 exactly -> pass-through
#: (the bound is inclusive), dwell 1 h.
LAYER_OPENING = G(
    accounts=["Q", "Y", "Z"],
    moves=[("Q", "Y", 500.0, 0), ("Z", "Q", 1000.0, DAY), ("Q", "Y", 800.0, DAY + HOUR)],
    expect={"ratio": 0.8, "dwell": HOUR},
)
#: Dwell window at its edge: 1000 in, 1000 out exactly D = 3 d later: ratio 1; one second later:
#: ratio 0.
LAYER_EDGE_INSIDE = G(accounts=["Q", "Y", "Z"], moves=[("Z", "Q", 1000.0, 0), ("Q", "Y", 1000.0, 3 * DAY)], expect={"ratio": 1.0})
#: Episodes: M lives an ordinary life (salary 3000 in on day 1 of each of four months, rent 1000
#: and groceries 600 out on days 5 and 15) and once passes 5000 on: in on day 50 at noon, 4850
#: out (a 3 % cut) 20 h later. Whole-period FIFO ratio is far below 0.8 (the old salaries go
#: first), but the 1-day window after the 5000 holds X = 5000, Y = 4850: ratio 0.97, amount
#: match 1. M moves (17000 + 11251) / 2 = 14125.5 in all, 4925 of it in the window, so 9200.5
#: over the other 104 days of the 105-day span, 88.47 a day: burst log(5000 / 88.47) / log(100)
#: = 0.876 -> a layer by its episode (strength 0.876 >= 0.3; longer windows dilute the burst),
#: chain 1. Decoy: the same life, but the 5000 leaves as 4000 (ratio 0.8, match 0) a day later:
#: no episode strong enough, no finding.
LAYER_EPISODE = G(
    accounts=["M", "E", "L", "S", "F", "X"],
    moves=[("E", "M", 3000.0, m * 30 * DAY) for m in range(4)]
    + [("M", "L", 1000.0, m * 30 * DAY + 5 * DAY) for m in range(4)]
    + [("M", "S", 600.0, m * 30 * DAY + 15 * DAY) for m in range(4)]
    + [("F", "M", 5000.0, 50 * DAY + 12 * HOUR), ("M", "X", 4850.0, 51 * DAY + 8 * HOUR), ("M", "S", 1.0, 105 * DAY)],
    expect={"strength": math.log(5000 / (9200.5 / (105 * DAY - DAY) * DAY)) / math.log(100)},
)
LAYER_EPISODE_DECOY = G(
    accounts=LAYER_EPISODE.accounts,
    moves=LAYER_EPISODE.moves[:-2] + [("M", "X", 4000.0, 51 * DAY + 12 * HOUR), ("M", "S", 1.0, 105 * DAY)],
    expect={"count": 0},
)
LAYER_EDGE_OUTSIDE = G(accounts=["Q", "Y", "Z"], moves=[("Z", "Q", 1000.0, 0), ("Q", "Y", 1000.0, 3 * DAY + 1)], expect={"ratio": 0.0})


# --- large random network ---------------------------------------------------------------------
def synthetic_network(
    n_accounts: int = 100_000,
    n_transfers: int = 2_100_000,
    days: int = 365,
    seed: int = 7,
    alpha: float = 1.8,
    cash_share: float = 0.05,
    inject: int = 20,
) -> tuple[Network, dict[str, list[list[int]]]]:
    """A random network with heavy-tailed activity and a few injected laundering shapes.

    Senders are drawn with probability proportional to a Pareto(``alpha``) activity weight,
    receivers to that weight times log-normal noise (busy accounts both send and receive a lot),
    times uniformly over ``days``, amounts log-normal around 300 USD. ``inject`` copies of each of
    a mule fan-in, a fee-shrinking 4-cycle and a 4-account pass-through chain (between two
    background accounts) are added on fresh
    accounts (the last ``16 * inject`` rows), so a run can also check they are found.

    Returns
    -------
    net : Network
    injected : dict
        Typology id -> list of the account rows of each injected copy.
    """
    rng = np.random.default_rng(seed)
    n_bg = n_accounts - 16 * inject
    w_out = rng.pareto(alpha, n_bg) + 1.0
    w_in = w_out * rng.lognormal(0.0, 0.5, n_bg)
    src = rng.choice(n_bg, size=n_transfers, p=w_out / w_out.sum())
    dst = rng.choice(n_bg, size=n_transfers, p=w_in / w_in.sum())
    same = src == dst
    dst[same] = (dst[same] + 1) % n_bg
    ts = rng.integers(0, days * DAY, n_transfers)
    amount = np.round(rng.lognormal(np.log(300.0), 1.2, n_transfers), 2)
    n_cash = int(cash_share * n_transfers)
    cash_acc = rng.choice(n_bg, size=2 * n_cash, p=w_out / w_out.sum())
    kinds = [np.full(n_transfers, TRANSFER), np.full(n_cash, DEPOSIT), np.full(n_cash, WITHDRAWAL)]
    srcs = [src, np.full(n_cash, -1), cash_acc[n_cash:]]
    dsts = [dst, cash_acc[:n_cash], np.full(n_cash, -1)]
    tss = [ts, rng.integers(0, days * DAY, 2 * n_cash)]
    amts = [amount, np.round(rng.lognormal(np.log(500.0), 1.0, 2 * n_cash), 2)]

    injected: dict[str, list[list[int]]] = {"fan_in": [], "cycle": [], "layering": []}
    extra: list[tuple[int, int, int, float, int]] = []  # kind, src, dst, amount, ts
    nxt = n_bg
    for i in range(inject):
        t = int(rng.integers(10 * DAY, (days - 20) * DAY))
        hub, out = nxt, nxt + 1  # fan-in mule: 6 senders within 5 h, 90% forwarded 3 h later
        senders = list(range(nxt + 2, nxt + 8))
        nxt += 8
        for j, s in enumerate(senders):
            extra.append((TRANSFER, s, hub, 900.0 + 10 * j, t + j * HOUR))
        extra.append((TRANSFER, hub, out, 4_900.0, t + 8 * HOUR))
        injected["fan_in"].append([hub])
        cyc = list(range(nxt, nxt + 4))  # 4-cycle, a hop a day, 2% fee a hop
        nxt += 4
        a = 5_000.0 + 100 * i
        for j in range(4):
            extra.append((TRANSFER, cyc[j], cyc[(j + 1) % 4], round(a * 0.98**j, 2), t + j * DAY))
        injected["cycle"].append(cyc)
        chain = list(range(nxt, nxt + 4))  # background -> 4 pass-through accounts -> background
        nxt += 4
        ends = rng.integers(0, n_bg, 2)
        hops = [int(ends[0])] + chain + [int(ends[1])]
        for j in range(5):
            extra.append((TRANSFER, hops[j], hops[j + 1], round(7_000.0 * 0.99**j, 2), t + j * 4 * HOUR))
        injected["layering"].append(chain)
    kinds.append(np.array([e[0] for e in extra], dtype=np.int8))
    srcs.append(np.array([e[1] for e in extra], dtype=np.int64))
    dsts.append(np.array([e[2] for e in extra], dtype=np.int64))
    tss.append(np.array([e[4] for e in extra], dtype=np.int64))
    amts.append(np.array([e[3] for e in extra], dtype=np.float64))
    kind = np.concatenate(kinds).astype(np.int8)
    m = len(kind)
    base = 1_704_067_200
    accounts = AccountFrame(
        ids=np.array([f"A{i}" for i in range(n_accounts)], dtype=object),
        cls=np.full(n_accounts, "personal", dtype=object),
        currency=np.full(n_accounts, "USD", dtype=object),
        country=np.full(n_accounts, "US", dtype=object),
        opened=np.zeros(n_accounts, dtype=np.int64),
        registered_capital=np.full(n_accounts, np.nan),
    )
    movements = MovementFrame(
        ids=np.array([f"M{i}" for i in range(m)], dtype=object),
        kind=kind,
        src=np.concatenate(srcs).astype(np.int64),
        dst=np.concatenate(dsts).astype(np.int64),
        amount=np.concatenate(amts),
        currency=np.full(m, "USD", dtype=object),
        ts=np.concatenate(tss).astype(np.int64) + base,
        channel=np.full(m, "wire", dtype=object),
    )
    return Network(accounts, movements), injected


def benchmark(n_accounts: int = 100_000, n_transfers: int = 2_100_000, seed: int = 7, memory: bool = True) -> dict[str, Any]:
    """Time (wall and CPU) and memory of every detector on :func:`synthetic_network`.

    Memory is measured in a second pass under :mod:`tracemalloc` (which slows Python objects
    down, so it is not timed): ``view_mb`` is what the sorted view keeps, ``peak_mb[d]`` the
    most that detector ``d`` allocated on top of what existed when it started (its temporaries
    and the findings it returns).
    """
    import time
    import tracemalloc

    from toolkit.detect import DETECTORS, FlowView, TypologyParams, score_accounts

    out: dict[str, Any] = {"wall_s": {}, "cpu_s": {}, "peak_mb": {}, "findings": {}}
    t, c = time.perf_counter(), time.process_time()
    net, injected = synthetic_network(n_accounts, n_transfers, seed=seed)
    out["wall_s"]["build_network"], out["cpu_s"]["build_network"] = time.perf_counter() - t, time.process_time() - c
    out["transfers"] = int((net.movements.kind == TRANSFER).sum())
    out["movements"] = len(net.movements)
    p = TypologyParams()

    def timed(name: str, fn: Any) -> Any:
        t, c = time.perf_counter(), time.process_time()
        res = fn()
        out["wall_s"][name], out["cpu_s"][name] = time.perf_counter() - t, time.process_time() - c
        return res

    view = timed("prepare", lambda: FlowView.from_network(net, p.usd_rates))
    findings = []
    for name, det in DETECTORS.items():
        d = timed(name, lambda: det(view, p))
        out["findings"][name] = len(d.findings)
        findings += d.findings
    scores = timed("score", lambda: score_accounts(findings, view.n_accounts, view.active(), p))
    out["wall_s"]["total_detect"] = sum(v for k, v in out["wall_s"].items() if k != "build_network")
    out["cpu_s"]["total_detect"] = sum(v for k, v in out["cpu_s"].items() if k != "build_network")
    got = {k: {f.account for f in findings if f.rule == k} for k in ("fan_in", "cycle", "layering")}
    out["injected_found"] = {
        "fan_in": sum(c[0] in got["fan_in"] for c in injected["fan_in"]),
        "cycle": sum(c[0] in got["cycle"] for c in injected["cycle"]),
        "layering": sum(set(c) <= got["layering"] for c in injected["layering"]),
        "of": len(injected["fan_in"]),
    }
    rows = [c[0] for k in injected for c in injected[k]]
    bg = np.ones(n_accounts, dtype=bool)
    bg[n_accounts - 16 * len(injected["fan_in"]):] = False
    out["score"] = {
        "injected_median": float(np.median(scores.score[rows])),
        "background_p99": float(np.quantile(scores.score[bg], 0.99)),
        "background_over_0.5": int((scores.score[bg] > 0.5).sum()),
        "background_p999": float(np.quantile(scores.score[bg], 0.999)),
        "background_flagged_share": float((scores.score[bg] >= 0.7).mean()),
    }
    del findings, scores
    if memory:
        tracemalloc.start()
        view = FlowView.from_network(net, p.usd_rates)
        out["view_mb"] = tracemalloc.get_traced_memory()[0] / 1e6
        out["prepare_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
        for name, det in DETECTORS.items():
            tracemalloc.reset_peak()
            c0 = tracemalloc.get_traced_memory()[0]
            d = det(view, p)
            out["peak_mb"][name] = (tracemalloc.get_traced_memory()[1] - c0) / 1e6
            del d
        tracemalloc.stop()
    return out
