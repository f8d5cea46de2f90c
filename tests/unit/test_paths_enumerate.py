"""The pure-Python path enumeration oracle (toolkit.paths.enumerate).

Hand-worked tiny networks, each defined once here with its answer in a comment, then NetworkX
(``all_simple_edge_paths`` on the multigraph of transfers, filtered by the time and carry rules) as
an independent oracle on random small networks. ``test_paths_math`` reuses the account-level graphs
(chain, diamond, cycle, dead end, parallel) for the random-walk mathematics.

Times are whole days after ``T0``; ``tx(...)`` builds one transfer row.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.frames import Network
from toolkit.paths import EnumerationStats, PathHit, PathHits, enumerate_paths

T0 = 1_700_000_000
DAY = 86_400


def tx(mid: str, a: str | None, b: str | None, amount: float, day: float, kind: str = "transfer"):
    ts = T0 + int(day * DAY)
    return {"id": mid, "kind": kind, "from": a, "to": b, "amount": amount, "ts": ts}


def accounts(*ids: str, classes: dict[str, str] | None = None) -> list[dict]:
    return [{"id": i, "class": (classes or {}).get(i, "personal")} for i in ids]


# CHAIN: A -t1-> B -t2-> C -t3-> D, one day apart, amounts 100, 90, 80 (each >= half the last).
# A deposit into A and a withdrawal from D are no transfers and never appear.
# A -> D: exactly one path (t1, t2, t3), R1 = 3. Targets {B, C, D}: A-B, A-B-C, A-B-C-D (a path
# that reaches a target goes on to the next). Walk: every account pays one other, so P is 1 along
# the chain and f(A, D) = [0, 0, 1, 0, ...].
CHAIN = Network.from_rows(
    accounts("A", "B", "C", "D"),
    [
        tx("d0", None, "A", 500, -1, kind="deposit"),
        tx("t1", "A", "B", 100, 0),
        tx("t2", "B", "C", 90, 1),
        tx("t3", "C", "D", 80, 2),
        tx("w0", "D", None, 80, 3, kind="withdrawal"),
    ],
)

# DIAMOND: A pays B 300 and C 100 on day 0; B pays D 200, C pays D 80 on day 1.
# A -> D: two paths, A-B-D (t1, t3) and A-C-D (t2, t4), R1 = 2 each (carry: 200 >= 150, 80 >= 50).
# Walk, uniform: A->B = A->C = 1/2, B->D = C->D = 1, so f(A, D) = [0, 1]; by amount A->B = 3/4,
# A->C = 1/4: path probabilities 3/4 and 1/4.
# Utility (linear, fee 0.02; B shell 0.2, C personal 1.0, D external 2.0):
#   A-B-D: benefit 300 + (300 + 200) = 800, cost -(6 + 0.2) - (4 + 2) = -12.2  -> 787.8
#   A-C-D: benefit 100 + (100 + 80) = 280,  cost -(2 + 1.0) - (1.6 + 2) = -6.6 -> 273.4
DIAMOND = Network.from_rows(
    accounts("A", "B", "C", "D", classes={"B": "shell", "C": "personal", "D": "external"}),
    [
        tx("t1", "A", "B", 300, 0),
        tx("t2", "A", "C", 100, 0),
        tx("t3", "B", "D", 200, 1),
        tx("t4", "C", "D", 80, 1),
    ],
)

# CYCLE: A -t1-> B -t2-> C -t3-> A (back), C -t4-> D, and A -t5-> B again on day 4, so that a
# time-respecting second lap A-B-C-A-B... exists. Enumeration must not loop: A -> D has exactly
# one path (t1, t2, t4); the lap would revisit A and B.
# Walk, uniform: A->B = 1 (two transfers, one neighbour), B->C = 1, C->A = C->D = 1/2. With D
# absorbing, f_3 = 1/2 (straight through), f_6 = 1/2 * 1/2 = 1/4 (one more lap), f_9 = 1/8...
# For L = 6: f = [0, 0, 1/2, 0, 0, 1/4], reach 3/4, most likely 3 hops, expected hops
# (3 * 1/2 + 6 * 1/4) / (3/4) = 4, distance -log(3/4). First return A -> A: only f_3 = 1/2.
CYCLE = Network.from_rows(
    accounts("A", "B", "C", "D"),
    [
        tx("t1", "A", "B", 100, 0),
        tx("t2", "B", "C", 100, 1),
        tx("t3", "C", "A", 100, 2),
        tx("t4", "C", "D", 100, 3),
        tx("t5", "A", "B", 100, 4),
    ],
)

# DEAD_END: A pays B and D; B pays C, which pays nobody; D pays T.
# A -> T: one path A-D-T (t3, t4). Walk: A->B = A->D = 1/2, B->C = 1, C is a sink (walks stop),
# D->T = 1: f(A, T) = [0, 1/2, 0, 0], reach 1/2.
DEAD_END = Network.from_rows(
    accounts("A", "B", "C", "D", "T"),
    [
        tx("t1", "A", "B", 100, 0),
        tx("t2", "B", "C", 100, 1),
        tx("t3", "A", "D", 100, 0),
        tx("t4", "D", "T", 100, 1),
    ],
)

# TIME_ORDER: A -t1(day 2)-> B -t2(day 1)-> C breaks time order (money cannot leave B before it
# arrived); A -t3(day 1)-> B at the *same* second as t2 is allowed (ts equal is fine).
# A -> C: exactly one path (t3, t2).
TIME_ORDER = Network.from_rows(
    accounts("A", "B", "C"),
    [tx("t1", "A", "B", 100, 2), tx("t2", "B", "C", 100, 1), tx("t3", "A", "B", 100, 1)],
)

# MIN_CARRY: A -t1(100)-> B, then B pays C 40 (t2, below 0.5 * 100: not the same money) and 50
# (t3, exactly 0.5 * 100: kept, the bound is inclusive). A -> C: one path (t1, t3) at
# min_carry = 0.5; two with min_carry = 0.
MIN_CARRY = Network.from_rows(
    accounts("A", "B", "C"),
    [tx("t1", "A", "B", 100, 0), tx("t2", "B", "C", 40, 1), tx("t3", "B", "C", 50, 1)],
)

# WINDOW: A -t1(day 0)-> B, then B -> C on day 30 exactly (t2, inside a 30-day window: the bound
# is inclusive) and on day 31 (t3, outside). A -> C: one path (t1, t2) at window_days = 30, two
# with no window (None), none at window_days = 29.
WINDOW = Network.from_rows(
    accounts("A", "B", "C"),
    [tx("t1", "A", "B", 100, 0), tx("t2", "B", "C", 100, 30), tx("t3", "B", "C", 100, 31)],
)

# PARALLEL: A pays B twice (t1, t2: 100 each), A pays C 50 (t3), A pays itself 1000 (t4, a
# self-transfer: ignored), B pays C 150 (t5).
# A -> C: three paths, (t1, t5), (t2, t5) (parallel transfers are different paths) and (t3).
# Walk, uniform: A's distinct other neighbours are B and C: 1/2 each, so f(A, C) = [1/2, 1/2].
# By amount: A sent 200 to B and 50 to C (the 1000 to itself does not count): A->B = 0.8,
# A->C = 0.2, so f(A, C) = [0.2, 0.8].
PARALLEL = Network.from_rows(
    accounts("A", "B", "C"),
    [
        tx("t1", "A", "B", 100, 0),
        tx("t2", "A", "B", 100, 0.5),
        tx("t3", "A", "C", 50, 0),
        tx("t4", "A", "A", 1000, 0),
        tx("t5", "B", "C", 150, 1),
    ],
)

# SELF_LOOP: A pays itself (t1), then B (t2); B pays itself (t3), then C (t4). Self-transfers are
# never hops (the account would repeat): A -> C has the one path (t2, t4).
SELF_LOOP = Network.from_rows(
    accounts("A", "B", "C"),
    [
        tx("t1", "A", "A", 100, 0),
        tx("t2", "A", "B", 100, 1),
        tx("t3", "B", "B", 100, 1.5),
        tx("t4", "B", "C", 100, 2),
    ],
)

# HUB: A pays B1..B4 10, 30, 20, 30 (h1..h4) on day 0; each Bi pays T 100 on day 1 (g1..g4).
# No cap: 4 paths. fanout_cap = 2 keeps A's two largest, h2 and h4 (30 each): paths via B2, B4;
# one account capped, 2 transfers cut. fanout_cap = 1: the tie 30 = 30 goes to the smaller id,
# h2: one path via B2, 3 transfers cut.
HUB = Network.from_rows(
    accounts("A", "B1", "B2", "B3", "B4", "T"),
    [tx(f"h{i}", "A", f"B{i}", a, 0) for i, a in zip(range(1, 5), (10, 30, 20, 30))]
    + [tx(f"g{i}", f"B{i}", "T", 100, 1) for i in range(1, 5)],
)


def row(net: Network, account_id: str) -> int:
    return net.accounts.index()[account_id]


def mids(net: Network, hit: PathHit) -> tuple[str, ...]:
    return tuple(str(net.movements.ids[r]) for r in hit.transfers)


def paths(net: Network, src: str, dst: str | list[str], **kw) -> list[tuple[str, ...]]:
    dsts = [dst] if isinstance(dst, str) else dst
    hits = enumerate_paths(net, [row(net, src)], [row(net, d) for d in dsts], **kw)
    return [mids(net, h) for h in hits]


# --------------------------------------------------------------------------- hand-worked


def test_chain_single_path_and_its_fields() -> None:
    hits = enumerate_paths(CHAIN, [row(CHAIN, "A")], [row(CHAIN, "D")])
    assert isinstance(hits, PathHits) and len(hits) == 1
    (h,) = hits
    assert mids(CHAIN, h) == ("t1", "t2", "t3")
    assert h.hops == 3  # R1
    assert (h.source, h.target) == (row(CHAIN, "A"), row(CHAIN, "D"))
    assert [str(CHAIN.accounts.ids[a]) for a in h.accounts] == ["A", "B", "C", "D"]
    assert h.amounts == (100.0, 90.0, 80.0)
    assert hits.stats == EnumerationStats(accounts_capped=0, transfers_cut=0, paths=1)


def test_chain_reaching_a_target_goes_on_to_the_next() -> None:
    assert paths(CHAIN, "A", ["D", "C", "B"]) == [("t1",), ("t1", "t2"), ("t1", "t2", "t3")]


def test_chain_max_hops_cuts_long_paths() -> None:
    assert paths(CHAIN, "A", "D", max_hops=2) == []
    assert paths(CHAIN, "A", "D", max_hops=3) == [("t1", "t2", "t3")]


def test_diamond_two_paths() -> None:
    assert paths(DIAMOND, "A", "D") == [("t1", "t3"), ("t2", "t4")]


def test_cycle_is_not_followed() -> None:
    assert paths(CYCLE, "A", "D", max_hops=6) == [("t1", "t2", "t4")]
    # A is never a path to itself, however the cycle runs.
    assert paths(CYCLE, "A", "A", max_hops=6) == []


def test_dead_end() -> None:
    assert paths(DEAD_END, "A", "T") == [("t3", "t4")]
    assert paths(DEAD_END, "B", "T") == []


def test_time_order() -> None:
    assert paths(TIME_ORDER, "A", "C") == [("t3", "t2")]


def test_min_carry() -> None:
    assert paths(MIN_CARRY, "A", "C") == [("t1", "t3")]
    assert paths(MIN_CARRY, "A", "C", min_carry=0.0) == [("t1", "t2"), ("t1", "t3")]


def test_window() -> None:
    assert paths(WINDOW, "A", "C", window_days=30) == [("t1", "t2")]
    assert paths(WINDOW, "A", "C", window_days=None) == [("t1", "t2"), ("t1", "t3")]
    assert paths(WINDOW, "A", "C", window_days=29) == []


def test_parallel_transfers_are_different_paths() -> None:
    assert paths(PARALLEL, "A", "C") == [("t1", "t5"), ("t2", "t5"), ("t3",)]


def test_self_transfers_are_never_hops() -> None:
    assert paths(SELF_LOOP, "A", "C") == [("t2", "t4")]
    assert paths(SELF_LOOP, "A", "A") == []


def test_hub_bound() -> None:
    full = enumerate_paths(HUB, [row(HUB, "A")], [row(HUB, "T")])
    assert [mids(HUB, h) for h in full] == [("h1", "g1"), ("h2", "g2"), ("h3", "g3"), ("h4", "g4")]
    assert full.stats == EnumerationStats(0, 0, 4)
    two = enumerate_paths(HUB, [row(HUB, "A")], [row(HUB, "T")], fanout_cap=2)
    assert [mids(HUB, h) for h in two] == [("h2", "g2"), ("h4", "g4")]
    assert two.stats == EnumerationStats(accounts_capped=1, transfers_cut=2, paths=2)
    one = enumerate_paths(HUB, [row(HUB, "A")], [row(HUB, "T")], fanout_cap=1)
    assert [mids(HUB, h) for h in one] == [("h2", "g2")]
    assert one.stats == EnumerationStats(accounts_capped=1, transfers_cut=3, paths=1)


def test_order_is_by_ids_not_rows() -> None:
    # Rows listed against id order: Z is row 0 but sorts last.
    net = Network.from_rows(
        accounts("Z", "M", "A"),
        [tx("x9", "Z", "M", 10, 0), tx("x1", "A", "M", 10, 0), tx("x5", "Z", "A", 10, 0)],
    )
    hits = enumerate_paths(net, [0, 2], [1, 2])
    got = [(str(net.accounts.ids[h.source]), str(net.accounts.ids[h.target]), mids(net, h))
           for h in hits]
    # Z-A-M chains x5 then x1 (same second: equal times chain). Sorted by ids A < M < Z.
    assert got == [
        ("A", "M", ("x1",)),
        ("Z", "A", ("x5",)),
        ("Z", "M", ("x5", "x1")),
        ("Z", "M", ("x9",)),
    ]


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        enumerate_paths(CHAIN, [0], [3], max_hops=0)
    with pytest.raises(ValueError):
        enumerate_paths(CHAIN, [0], [99])
    with pytest.raises(ValueError):
        enumerate_paths(CHAIN, [0], [3], min_carry=-1)


# --------------------------------------------------------------------------- NetworkX oracle


def oracle(net: Network, sources, targets, max_hops, window_days, min_carry, fanout_cap):
    """The rules restated on a NetworkX multigraph: every simple edge path, then filtered."""
    mov = net.movements
    edges = [
        r for r in range(len(mov))
        if mov.kind[r] == 1 and mov.src[r] >= 0 and mov.dst[r] >= 0 and mov.src[r] != mov.dst[r]
    ]
    if fanout_cap is not None:
        keep = []
        for u in {int(mov.src[r]) for r in edges}:
            mine = sorted((r for r in edges if mov.src[r] == u),
                          key=lambda r: (-mov.amount[r], str(mov.ids[r])))
            keep += mine[:fanout_cap]
        edges = keep
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(len(net.accounts)))
    for r in edges:
        G.add_edge(int(mov.src[r]), int(mov.dst[r]), key=r)
    out = []
    for s in set(sources):
        for t in set(targets):
            if s == t:
                continue
            for ep in nx.all_simple_edge_paths(G, s, t, cutoff=max_hops):
                rs = [k for _, _, k in ep]
                ok = all(
                    mov.ts[a] <= mov.ts[b]
                    and (window_days is None or mov.ts[b] <= mov.ts[a] + window_days * DAY)
                    and mov.amount[b] >= min_carry * mov.amount[a]
                    for a, b in zip(rs[:-1], rs[1:])
                )
                if ok:
                    out.append((str(net.accounts.ids[s]), str(net.accounts.ids[t]),
                                tuple(str(mov.ids[r]) for r in rs)))
    return sorted(out)


# Amounts and days chosen so that the carry and window bounds are often hit exactly (50 after 100
# and 45 after 90 at min_carry 0.5; gaps of exactly 1, 5 and 30 days; equal times).
AMOUNTS = [10.0, 20.0, 25.0, 45.0, 50.0, 90.0, 100.0]
DAYS = [0, 1, 1, 2, 5, 6, 31]


@st.composite
def random_networks(draw):
    n = draw(st.integers(3, 5))
    names = [f"a{i}" for i in draw(st.permutations(range(n)))]  # row order != id order
    node = st.sampled_from(names)
    rows = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["transfer"] * 8 + ["deposit", "withdrawal"]),
                node,
                node,  # self-transfers included on purpose
                st.sampled_from(AMOUNTS),
                st.sampled_from(DAYS),
                st.integers(0, 99),
            ),
            min_size=6,
            max_size=24,
        )
    )
    movs = [
        tx(f"m{k:02d}_{j}", None if kind == "deposit" else a, None if kind == "withdrawal" else b,
           amount, day, kind)
        for j, (kind, a, b, amount, day, k) in enumerate(rows)
    ]
    net = Network.from_rows([{"id": x} for x in names], movs)
    sources = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n))
    targets = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=n))
    return net, sources, targets


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=random_networks(),
    max_hops=st.integers(1, 4),
    window_days=st.sampled_from([1, 5, 30, None]),
    min_carry=st.sampled_from([0.0, 0.5, 0.5, 0.9]),
    fanout_cap=st.sampled_from([None, None, 1, 2]),
)
def test_enumeration_matches_networkx(case, max_hops, window_days, min_carry, fanout_cap) -> None:
    net, sources, targets = case
    hits = enumerate_paths(net, sources, targets, max_hops, window_days, min_carry, fanout_cap)
    got = [(str(net.accounts.ids[h.source]), str(net.accounts.ids[h.target]), mids(net, h))
           for h in hits]
    assert got == oracle(net, sources, targets, max_hops, window_days, min_carry, fanout_cap)
    assert hits.stats.paths == len(hits)
    for h in hits:  # the fields agree with each other
        mov = net.movements
        assert h.accounts[0] == h.source and h.accounts[-1] == h.target
        assert len(set(h.accounts)) == len(h.accounts) == h.hops + 1
        assert h.amounts == tuple(float(mov.amount[r]) for r in h.transfers)
        assert all(mov.src[r] == h.accounts[i] and mov.dst[r] == h.accounts[i + 1]
                   for i, r in enumerate(h.transfers))


def test_cap_statistics_count_the_whole_network() -> None:
    rng = np.random.default_rng(5)
    rows = [tx(f"m{j:03d}", f"a{rng.integers(5)}", f"a{rng.integers(5)}", float(rng.integers(1, 9)),
               0) for j in range(60)]
    net = Network.from_rows([{"id": f"a{i}"} for i in range(5)], rows)
    mov = net.movements
    out_deg = np.bincount(mov.src[mov.src != mov.dst], minlength=5)
    hits = enumerate_paths(net, [0], [1], max_hops=2, fanout_cap=3)
    assert hits.stats.accounts_capped == int((out_deg > 3).sum())
    assert hits.stats.transfers_cut == int(np.maximum(out_deg - 3, 0).sum())
