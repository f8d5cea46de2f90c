"""Typology detectors: hand-worked graphs, brute-force and NetworkX oracles, determinism, scale.

The hand-worked graphs (and why their answers are what they are) live in ``detect_graphs.py``;
the oracles below re-derive every answer the slow, obvious way on random small graphs.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit import detect_graphs as dg
from tests.unit.detect_graphs import DAY, HOUR, T0
from toolkit.errors import ConfigError
from toolkit.findings import TYPOLOGY_IDS
from toolkit.frames import Network
from toolkit.detect import (
    FlowView,
    TypologyParams,
    detect_cycles,
    detect_fan_in,
    detect_fan_out,
    detect_gather_scatter,
    detect_layering,
    detect_scatter_gather,
    pass_through,
    run_typologies,
    score_accounts,
)
from toolkit.detect.layering import EPISODE_LINK_SCALES, EPISODE_SCALES, episode_links, pass_episodes

P = TypologyParams()


def rows_of(g: dg.G, findings) -> list[str]:
    return [g.accounts[f.account] for f in findings]


# ============================================================================================
# Hand-worked graphs
# ============================================================================================


class TestFan:
    def test_mule_fan_in_moves_on(self):
        g = dg.FAN_IN_MULE
        (f,) = detect_fan_in(g.net()).findings
        assert g.accounts[f.account] == g.expect["hub"]
        assert f.rule == "fan_in" and f.value == 5 and f.threshold == 5
        assert f.details["counterparties"] == g.expect["counterparties"]
        assert f.details["total"] == pytest.approx(g.expect["total"])
        assert f.details["moved_on_share"] == pytest.approx(g.expect["share"])
        assert f.score == pytest.approx(g.expect["score"])
        assert sorted(g.accounts[a] for a in f.accounts) == ["s0", "s1", "s2", "s3", "s4"]
        assert f.window == (T0, T0 + 4 * HOUR)  # first inflow .. last evidence (inflow s4 at 4 h)
        assert len(f.movements) == 6  # 5 inflows and the onward payment

    def test_forwarding_short_of_the_fee_shape_scores_lower(self):
        g = dg.FAN_IN_MULE_450
        (f,) = detect_fan_in(g.net()).findings
        assert f.details["moved_on_share"] == pytest.approx(g.expect["share"])
        assert f.details["ratio"] == pytest.approx(0.9)
        assert f.score == pytest.approx(g.expect["score"])
        assert f.score < detect_fan_in(dg.FAN_IN_MULE.net()).findings[0].score / 3

    def test_friends_paying_one_person_score_low(self):
        mule = detect_fan_in(dg.FAN_IN_MULE.net()).findings[0]
        (f,) = detect_fan_in(dg.FAN_IN_FRIENDS.net()).findings
        assert f.details["moved_on_share"] == 0.0
        assert f.score == pytest.approx(dg.FAN_IN_FRIENDS.expect["score"])
        assert f.score < mule.score / 4

    @pytest.mark.parametrize("g", [dg.FAN_IN_EDGE_INSIDE, dg.FAN_IN_EDGE_OUTSIDE, dg.FAN_IN_REPEATS])
    def test_window_edges_and_repeats(self, g):
        assert len(detect_fan_in(g.net()).findings) == g.expect["count"]

    def test_fan_out_funded_by_fresh_money(self):
        g = dg.FAN_OUT_FRESH
        (f,) = detect_fan_out(g.net()).findings
        assert g.accounts[f.account] == "P" and f.details["counterparties"] == 5
        assert f.details["moved_on_share"] == pytest.approx(1.0)
        assert f.score == pytest.approx(g.expect["score"])
        assert 0 in f.movements  # the deposit that funded it is evidence

    def test_payroll_from_old_balance_scores_low(self):
        (f,) = detect_fan_out(dg.FAN_OUT_PAYROLL.net()).findings
        assert f.details["moved_on_share"] == 0.0
        assert f.score == pytest.approx(dg.FAN_OUT_PAYROLL.expect["score"])

    def test_busy_shop_is_not_a_surprise(self):
        # A shop with 6 new customers every day for 90 days: every 3-day window is a fan_in, but
        # its own usual traffic predicts it, so the fans score ~0 (usual_chance >> 1).
        accounts = ["shop", "bank"] + [f"c{i}" for i in range(600)]
        moves = []
        for d in range(90):
            for j in range(6):
                moves.append((f"c{(d * 6 + j) % 600}", "shop", 50.0, d * DAY + j * HOUR))
            moves.append(("shop", "bank", 290.0, d * DAY + 20 * HOUR))
        fans = detect_fan_in(dg.G(accounts, moves).net()).findings
        assert len(fans) >= 20
        assert max(f.score for f in fans) < 0.05
        assert min(f.details["usual_chance"] for f in fans) > 1


    def test_evidence_limit_keeps_the_largest_in_time_order(self):
        # 8 senders paying 10, 20, ..., 80: with a limit of 3 the evidence is the 60, 70 and 80
        # payments (rows 5, 6, 7), in time order; the details still count all 8.
        moves = [(f"s{i}", "H", 10.0 * (i + 1), i * HOUR) for i in range(8)]
        net = dg.G(["H"] + [f"s{i}" for i in range(8)], moves).net()
        (f,) = detect_fan_in(net, replace(P, evidence_limit=3)).findings
        assert f.movements == (5, 6, 7)
        assert f.details["movements"] == 8 and f.details["total"] == 360.0


class TestScatterGather:
    def test_scatter_gather_found(self):
        g = dg.SG_LAUNDER
        (f,) = detect_scatter_gather(g.net()).findings
        assert g.accounts[f.account] == "S" and g.accounts[f.details["sink"]] == "D"
        assert f.value == 3 and f.details["intermediates"] == 3
        assert f.details["balance"] == pytest.approx(g.expect["balance"])
        assert [g.accounts[a] for a in f.accounts] == ["m0", "m1", "m2", "D"]  # intermediates, then sink
        assert len(f.movements) == 6

    @pytest.mark.parametrize("g", [dg.SG_BACKWARDS, dg.SG_SLOW, dg.SG_EDGE_OUTSIDE])
    def test_decoys_and_outside_edge(self, g):
        assert detect_scatter_gather(g.net()).findings == []

    def test_edge_inside(self):
        assert len(detect_scatter_gather(dg.SG_EDGE_INSIDE.net()).findings) == 1

    def test_gather_scatter_found(self):
        g = dg.GS_LAUNDER
        (f,) = detect_gather_scatter(g.net()).findings
        assert g.accounts[f.account] == "H"
        assert (f.details["senders"], f.details["receivers"]) == (3, 3)
        assert f.details["balance"] == pytest.approx(g.expect["balance"])

    def test_scatter_before_gather_is_not_gather_scatter(self):
        assert detect_gather_scatter(dg.GS_REVERSED.net()).findings == []

    @pytest.mark.parametrize("g", [dg.GS_EDGE_INSIDE, dg.GS_EDGE_OUTSIDE])
    def test_gather_scatter_window_edges(self, g):
        assert len(detect_gather_scatter(g.net()).findings) == g.expect["count"]


class TestCycles:
    @pytest.mark.parametrize("g", [dg.CYCLE_LAUNDER, dg.CYCLE_ROTATED])
    def test_cycle_reported_once_in_canonical_rotation(self, g):
        (f,) = detect_cycles(g.net()).findings
        assert tuple(g.accounts[a] for a in (f.account,) + f.accounts) == g.expect["cycle"]
        assert f.value == 4 and f.details["instances"] == 1
        # evidence in time order, starting with the earliest hop
        ts = [int(g.net().movements.ts[m]) for m in f.movements]
        assert ts == sorted(ts)

    def test_laundering_cycle_details(self):
        (f,) = detect_cycles(dg.CYCLE_LAUNDER.net()).findings
        assert f.details["span_s"] == 3 * DAY and f.details["shrinking"] is True
        assert f.details["shrink"] == pytest.approx(1 - 941.19 / 1000)
        assert 0.8 < f.score <= 1.0

    @pytest.mark.parametrize(
        "g",
        [dg.CYCLE_SLOW, dg.CYCLE_AMOUNTS, dg.CYCLE_UNORDERED, dg.CYCLE_TOL_OUTSIDE, dg.CYCLE_EDGE_OUTSIDE],
    )
    def test_decoys_not_flagged(self, g):
        assert detect_cycles(g.net()).findings == []

    @pytest.mark.parametrize("g", [dg.CYCLE_TOL_INSIDE, dg.CYCLE_EDGE_INSIDE])
    def test_edges_inside(self, g):
        assert len(detect_cycles(g.net()).findings) == 1

    def test_rotation_in_time_differs_from_canonical_rotation(self):
        g = dg.CYCLE_ORDERED
        (f,) = detect_cycles(g.net()).findings
        assert tuple(g.accounts[a] for a in (f.account,) + f.accounts) == ("A", "B", "C")
        first = f.movements[0]
        net = g.net()
        assert (g.accounts[net.movements.src[first]], g.accounts[net.movements.dst[first]]) == g.expect["first_hop"]

    def test_amounts_compared_in_usd(self):
        # 1000 USD out, 100 000 JPY back: at the reference rate (0.0067) that is 670 USD, outside
        # ±20%; at 0.0095 it is 950 USD, inside. Face values (1000 vs 100 000) would never match.
        rows = [
            {"id": "a", "from": "A", "to": "B", "amount": 1000.0, "ts": T0},
            {"id": "b", "from": "B", "to": "A", "amount": 100_000.0, "currency": "JPY", "ts": T0 + DAY},
        ]
        net = Network.from_rows([{"id": "A"}, {"id": "B"}], rows)
        assert detect_cycles(net).findings == []  # 100 000 JPY = 670 USD: outside ±20%
        p = TypologyParams(usd_rates={"USD": 1.0, "JPY": 0.0095})  # 950 USD: inside
        assert len(detect_cycles(net, p).findings) == 1


class TestLayering:
    def test_chain_of_pass_through_accounts(self):
        g = dg.LAYER_CHAIN
        det = detect_layering(g.net())
        assert tuple(rows_of(g, det.findings)) == g.expect["members"]
        for f in det.findings:
            assert f.details["chain_length"] == g.expect["chain"]
            assert f.details["layer_size"] == 4
            assert f.details["median_dwell_s"] == g.expect["dwell"]
            assert f.value == pytest.approx(0.98, abs=1e-6)
        mid = det.findings[1]
        assert [g.accounts[a] for a in mid.accounts] == ["P1", "P3"]
        assert (mid.details["upstream"], mid.details["downstream"]) == (1, 1)

    def test_chain_scores_above_lone_pass_through(self):
        chain = detect_layering(dg.LAYER_CHAIN.net()).findings[0].score
        lone = detect_layering(dg.LAYER_OPENING.net()).findings[0].score
        assert chain > lone + 0.3

    def test_holding_money_for_weeks_is_not_layering(self):
        det = detect_layering(dg.LAYER_HOLDS.net())
        assert det.findings == []
        assert np.nanmax(det.stats["pass_through_ratio"]) == 0.0

    def test_opening_balance_consumed_first(self):
        g = dg.LAYER_OPENING
        (f,) = detect_layering(g.net()).findings
        assert g.accounts[f.account] == "Q"
        assert f.value == g.expect["ratio"] and f.details["median_dwell_s"] == g.expect["dwell"]

    def test_mule_with_an_ordinary_life_is_a_layer_by_its_episode(self):
        g = dg.LAYER_EPISODE
        (f,) = detect_layering(g.net()).findings
        assert g.accounts[f.account] == "M"
        assert not f.details["pass_through"] and f.details["ratio"] < 0.8  # whole period: no
        assert f.details["episode_strength"] == pytest.approx(g.expect["strength"])
        assert f.details["episode_ratio"] == pytest.approx(0.97)
        assert (f.details["episode_inflow"], f.details["episode_outflow"]) == (5000.0, 4850.0)
        assert f.details["episode_span_s"] == DAY
        mv = g.net().movements
        assert {int(mv.amount[m]) for m in f.movements} == {5000, 4850}  # the episode is the evidence

    def test_same_life_without_the_fee_shaped_forward_is_not(self):
        det = detect_layering(dg.LAYER_EPISODE_DECOY.net())
        assert det.findings == []
        assert 0 < det.stats["episode_strength"][0] < P.episode_min_strength

    @pytest.mark.parametrize("g", [dg.LAYER_EDGE_INSIDE, dg.LAYER_EDGE_OUTSIDE])
    def test_dwell_edges(self, g):
        ratio = detect_layering(g.net()).stats["pass_through_ratio"][0]
        assert ratio == g.expect["ratio"]


# ============================================================================================
# Oracles on random small graphs
# ============================================================================================

ORACLE = TypologyParams(
    fan_min_counterparties=3,
    fan_window_s=DAY,
    sg_min_intermediates=2,
    sg_window_s=DAY,
    gs_min_counterparties=2,
    gs_window_s=DAY,
    cycle_max_length=4,
    cycle_ring_max_length=0,  # the brute force knows no hop-transfer rings
    cycle_window_s=2 * DAY,
    cycle_amount_tolerance=0.2,
    layering_max_dwell_s=DAY,
    layering_max_chain=4,
    episode_window_s=12 * HOUR,
    evidence_limit=10_000,
)
#: 97 and 94 forward 100 less a fee (ratios 0.97, 0.94), so episodes of every strength occur.
AMOUNTS = [100.0, 100.0, 110.0, 120.0, 121.0, 80.0, 79.0, 300.0, 97.0, 94.0]


@st.composite
def small_nets(draw, max_acc: int = 6, max_mov: int = 28) -> Network:
    """Random small networks: few accounts, times on a 12 h grid (ties and exact window edges)
    with occasional +1 s, amounts from a short list (so tolerance edges occur), some cash."""
    n = draw(st.integers(2, max_acc))
    m = draw(st.integers(0, max_mov))
    rows = []
    for i in range(m):
        kind = draw(st.sampled_from(["transfer"] * 6 + ["deposit", "withdrawal"]))
        a = draw(st.integers(0, n - 1))
        b = draw(st.integers(0, n - 1))
        t = draw(st.integers(0, 8)) * 12 * HOUR + draw(st.sampled_from([0, 0, 1]))
        amount = draw(st.sampled_from(AMOUNTS))
        src, dst = (f"a{a}", f"a{b}")
        if kind == "deposit":
            src = None
        elif kind == "withdrawal":
            dst = None
        rows.append({"id": f"m{i}", "kind": kind, "from": src, "to": dst, "amount": amount, "ts": T0 + t})
    return Network.from_rows([{"id": f"a{i}"} for i in range(n)], rows)


def _transfers(net: Network) -> list[tuple[int, int, int, int, float]]:
    """(row, src, dst, ts, amount) of the real transfers."""
    mv = net.movements
    return [
        (i, int(mv.src[i]), int(mv.dst[i]), int(mv.ts[i]), float(mv.amount[i]))
        for i in range(len(mv))
        if mv.kind[i] == 1 and mv.src[i] >= 0 and mv.dst[i] >= 0 and mv.src[i] != mv.dst[i]
    ]


def _flows(net: Network, acc: int, out: bool) -> list[tuple[int, float, int]]:
    """(ts, amount, row) of an account's outflows (transfers out, withdrawals) or inflows."""
    mv = net.movements
    res = []
    for i in range(len(mv)):
        k, s, d = int(mv.kind[i]), int(mv.src[i]), int(mv.dst[i])
        if out and s == acc and ((k == 1 and d >= 0 and d != s) or k == 2):
            res.append((int(mv.ts[i]), float(mv.amount[i]), i))
        if not out and d == acc and ((k == 1 and s >= 0 and d != s) or k == 0):
            res.append((int(mv.ts[i]), float(mv.amount[i]), i))
    return sorted(res)


def brute_fans(net: Network, p: TypologyParams, rule: str) -> tuple[set, dict]:
    n, w = p.fan_min_counterparties, p.fan_window_s
    tr = _transfers(net)
    found, best = set(), {}
    for hub in range(len(net.accounts)):
        mine = sorted((t, (s if rule == "fan_in" else d), a, r) for r, s, d, t, a in tr if (d if rule == "fan_in" else s) == hub)
        anchors = sorted({t for t, *_ in mine})
        nxt_ok = -math.inf
        for T in anchors:
            win = [x for x in mine if T <= x[0] <= T + w]
            c = len({x[1] for x in win})
            best[hub] = max(best.get(hub, 0), c)
            if c >= n and T > nxt_ok:
                total = sum(x[2] for x in win)
                t_last = max(x[0] for x in win)
                if rule == "fan_in":
                    moved = sum(a for t, a, _ in _flows(net, hub, out=True) if T <= t <= T + w)
                else:
                    moved = sum(a for t, a, _ in _flows(net, hub, out=False) if t_last - w <= t <= t_last)
                found.add((hub, T, c, round(total, 6), round(min(1.0, moved / total), 6)))
                nxt_ok = T + w
    return found, best


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_nets())
def test_fans_match_brute_force(net):
    for rule, fn in (("fan_in", detect_fan_in), ("fan_out", detect_fan_out)):
        det = fn(net, ORACLE)
        got = {
            (f.account, f.window[0] if rule == "fan_in" else _first_fan_ts(net, f), int(f.value),
             round(f.details["total"], 6), round(f.details["moved_on_share"], 6))
            for f in det.findings
        }
        want, best = brute_fans(net, ORACLE, rule)
        assert got == want, rule
        for hub, c in best.items():
            assert det.stats["max_counterparties"][hub] == c


def _first_fan_ts(net: Network, f) -> int:
    """Earliest transfer of a fan_out (its window may start earlier, at a funding inflow)."""
    mv = net.movements
    return min(int(mv.ts[m]) for m in f.movements if mv.src[m] == f.account and mv.kind[m] == 1)


def brute_cycles(net: Network, p: TypologyParams) -> dict[tuple, int]:
    """NetworkX simple cycles, kept when some rotation and choice of transfers is valid.

    Returns canonical cycle -> number of distinct valid transfer sets.
    """
    L, w, tol = p.cycle_max_length, p.cycle_window_s, p.cycle_amount_tolerance
    tr = _transfers(net)
    g = nx.DiGraph()
    g.add_nodes_from(range(len(net.accounts)))
    by_pair: dict[tuple[int, int], list] = {}
    for r, s, d, t, a in tr:
        g.add_edge(s, d)
        by_pair.setdefault((s, d), []).append((t, a, r))
    out = {}
    for cyc in nx.simple_cycles(g, length_bound=L):
        h = len(cyc)
        if h < 2:
            continue
        sets = set()
        for r0 in range(h):
            rot = cyc[r0:] + cyc[:r0]
            hops = [by_pair[(rot[i], rot[(i + 1) % h])] for i in range(h)]
            for choice in itertools.product(*hops):
                ts = [c[0] for c in choice]
                a1 = choice[0][1]
                if all(ts[i] <= ts[i + 1] for i in range(h - 1)) and ts[-1] - ts[0] <= w and all(
                    abs(c[1] - a1) <= tol * a1 for c in choice
                ):
                    sets.add(frozenset(c[2] for c in choice))
        if sets:
            k = cyc.index(min(cyc))
            out[tuple(cyc[k:] + cyc[:k])] = len(sets)
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_nets(max_acc=5, max_mov=30))
def test_cycles_match_networkx(net):
    det = detect_cycles(net, ORACLE)
    got = {(f.account,) + f.accounts: f.details["instances"] for f in det.findings}
    assert len(got) == len(det.findings)  # each cycle once
    assert got == brute_cycles(net, ORACLE)
    for f in det.findings:  # the evidence itself obeys the rules
        mv = net.movements
        ts = [int(mv.ts[m]) for m in f.movements]
        am = [float(mv.amount[m]) for m in f.movements]
        assert ts == sorted(ts) and ts[-1] - ts[0] <= ORACLE.cycle_window_s
        assert all(abs(a - am[0]) <= 0.2 * am[0] for a in am)
        assert f.account == min((f.account,) + f.accounts)


def test_cycles_longer_bound_against_networkx():
    rng = np.random.default_rng(3)
    rows = []
    for i in range(400):
        a, b = rng.integers(0, 25, 2)
        rows.append({"id": f"m{i}", "from": f"a{a}", "to": f"a{b}", "amount": float(rng.choice([100, 105, 95, 300])),
                     "ts": T0 + int(rng.integers(0, 40)) * 6 * HOUR})
    net = Network.from_rows([{"id": f"a{i}"} for i in range(25)], rows)
    p = replace(ORACLE, cycle_max_length=6, cycle_window_s=3 * DAY)
    det = detect_cycles(net, p)
    want = brute_cycles(net, p)
    assert len(want) > 20
    assert {(f.account,) + f.accounts: f.details["instances"] for f in det.findings} == want


def test_cycle_search_in_small_slices_gives_the_same_cycles(monkeypatch):
    import toolkit.detect.cycles as cycles_mod

    rng = np.random.default_rng(8)
    rows = [{"id": f"m{i}", "from": f"a{rng.integers(0, 15)}", "to": f"a{rng.integers(0, 15)}",
             "amount": 100.0, "ts": T0 + int(rng.integers(0, 20)) * 6 * HOUR} for i in range(200)]
    net = Network.from_rows([{"id": f"a{i}"} for i in range(15)], rows)
    p = replace(ORACLE, cycle_max_length=5, cycle_window_s=3 * DAY)
    whole = detect_cycles(net, p).findings
    monkeypatch.setattr(cycles_mod, "_START_BATCH", 7)
    monkeypatch.setattr(cycles_mod, "_STATE_BUDGET", 5)
    monkeypatch.setattr(cycles_mod, "_EXPAND_BUDGET", 3)
    monkeypatch.setattr(cycles_mod, "_FINDINGS_BATCH", 2)
    assert detect_cycles(net, p).findings == whole
    assert len(whole) > 10


def test_detectors_in_tiny_blocks_find_the_same(monkeypatch):
    """Every block size that bounds a detector's temporaries (scatter-gather's paths, the cycles'
    findings, pass-through episodes, matched hops) cuts work, never what is found."""
    import toolkit.detect.cycles as cycles_mod
    import toolkit.detect.layering as layering_mod
    import toolkit.detect.passers as passers_mod
    import toolkit.detect.scatter_gather as sg_mod

    net, _ = dg.synthetic_network(n_accounts=400, n_transfers=6_000, days=60, seed=11, inject=3)
    p = TypologyParams()
    whole = run_typologies(net, p)
    for mod, name, value in ((sg_mod, "_PAIR_BUDGET", 5), (cycles_mod, "_FINDINGS_BATCH", 2),
                             (layering_mod, "_EP_CHUNK", 7), (layering_mod, "_FIFO_CHUNK", 5),
                             (passers_mod, "_CHUNK", 11), (passers_mod, "_HUB_BATCH", 3)):
        monkeypatch.setattr(mod, name, value)
    small = run_typologies(net, p)
    assert small.findings == whole.findings and small.counts == whole.counts
    assert np.array_equal(small.account_score, whole.account_score)
    assert whole.counts["scatter_gather"] > 0 and whole.counts["cycle"] > 3 and whole.counts["layering"] > 0


def test_cycle_search_in_narrow_amount_buckets_and_time_slices(monkeypatch):
    """The search splits first hops by amount and time (each part over the transfers it can
    reach); the finest split and zero amounts (searched over all transfers) change nothing."""
    import toolkit.detect.cycles as cycles_mod

    rng = np.random.default_rng(5)
    rows = [{"id": f"m{i}", "from": f"a{rng.integers(0, 12)}", "to": f"a{rng.integers(0, 12)}",
             "amount": float(rng.choice([0.0, 80.0, 95.0, 100.0, 118.0, 125.0, 300.0, 1000.0])),
             "ts": T0 + int(rng.integers(0, 30)) * 6 * HOUR} for i in range(300)]
    net = Network.from_rows([{"id": f"a{i}"} for i in range(12)], rows)
    p = replace(ORACLE, cycle_max_length=5, cycle_window_s=2 * DAY)
    want = brute_cycles(net, p)
    assert len(want) > 10
    for ratio, slice_w in ((1.25, 1.0), (1.0001, 0.01), (10.0, 100.0)):
        monkeypatch.setattr(cycles_mod, "_BUCKET_RATIO", ratio)
        monkeypatch.setattr(cycles_mod, "_SLICE_W", slice_w)
        det = detect_cycles(net, p)
        assert {(f.account,) + f.accounts: f.details["instances"] for f in det.findings} == want


def brute_scatter_gather(net: Network, p: TypologyParams) -> set:
    k, w = p.sg_min_intermediates, p.sg_window_s
    tr = _transfers(net)
    out = set()
    n = len(net.accounts)
    for s in range(n):
        for d in range(n):
            if s == d:
                continue
            inst = [(t1, t2, m) for _, s1, m, t1, _ in tr if s1 == s for _, m2, d2, t2, _ in tr
                    if m2 == m and d2 == d and t1 <= t2 <= t1 + w]
            nxt_ok = -math.inf
            for T in sorted({x[0] for x in inst}):
                if T <= nxt_ok:
                    continue
                mids = {m for t1, t2, m in inst if t1 >= T and t2 <= T + w}
                if len(mids) >= k:
                    out.add((s, d, T, frozenset(mids)))
                    nxt_ok = T + w
    return out


def brute_gather_scatter(net: Network, p: TypologyParams) -> set:
    k, w = p.gs_min_counterparties, p.gs_window_s
    tr = _transfers(net)
    out = set()
    for h in range(len(net.accounts)):
        ins = [(t, s) for _, s, d, t, _ in tr if d == h]
        outs = [(t, d) for _, s, d, t, _ in tr if s == h]
        nxt_ok = -math.inf
        for T in sorted({t for t, _ in ins}):
            if T <= nxt_ok:
                continue
            taus = sorted({t for t, _ in ins + outs if T <= t <= T + w})
            ok = [tau for tau in taus
                  if len({s for t, s in ins if T <= t <= tau}) >= k and len({d for t, d in outs if tau <= t <= T + w}) >= k]
            if ok:
                tau_in, tau_out = min(ok), max(ok)
                senders = frozenset(s for t, s in ins if T <= t <= tau_out)
                receivers = frozenset(d for t, d in outs if tau_in <= t <= T + w)
                out.add((h, T, senders, receivers))
                nxt_ok = T + w
    return out


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_nets(max_acc=6, max_mov=30))
def test_scatter_gather_match_brute_force(net):
    got = {(f.account, f.details["sink"], f.window[0], frozenset(f.accounts[:-1]))
           for f in detect_scatter_gather(net, ORACLE).findings}
    assert got == brute_scatter_gather(net, ORACLE)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_nets(max_acc=6, max_mov=30))
def test_gather_scatter_match_brute_force(net):
    mv = net.movements
    got = set()
    for f in detect_gather_scatter(net, ORACLE).findings:
        senders = frozenset(int(mv.src[m]) for m in f.movements if mv.dst[m] == f.account)
        receivers = frozenset(int(mv.dst[m]) for m in f.movements if mv.src[m] == f.account)
        assert (len(senders), len(receivers)) == (f.details["senders"], f.details["receivers"])
        got.add((f.account, f.window[0], senders, receivers))
    assert got == brute_gather_scatter(net, ORACLE)


def brute_fifo(net: Network, acc: int, dwell: int) -> tuple[int, int]:
    """(forwarded cents within ``dwell``, inflow cents) by simulating the queue of dollars."""
    ins = [(t, 0, r, round(a * 100)) for t, a, r in _flows(net, acc, out=False)]
    outs = [(t, 1, r, round(a * 100)) for t, a, r in _flows(net, acc, out=True)]
    events = sorted(ins + outs)  # equal times: inflows (0) first
    bal, need = 0, 0
    for t, kind, _, c in events:
        bal += c if kind == 0 else -c
        need = max(need, -bal)
    queue = [[need, None]]
    fwd = 0
    for t, kind, _, c in events:
        if kind == 0:
            queue.append([c, t])
            continue
        while c > 0:
            take = min(c, queue[0][0])
            if queue[0][1] is not None and t - queue[0][1] <= dwell:
                fwd += take
            queue[0][0] -= take
            c -= take
            if queue[0][0] == 0:
                queue.pop(0)
    return fwd, sum(x[3] for x in ins)


def brute_episode(net: Network, acc: int, span: int, p: TypologyParams,
                  scales: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0)) -> float:
    """Strength of ``acc``'s best pass-through episode, every window tried one by one."""
    ins, outs = _flows(net, acc, out=False), _flows(net, acc, out=True)
    usual = (sum(a for _, a, _ in ins) + sum(a for _, a, _ in outs)) / 2.0
    best = 0.0
    for scale in scales:
        L = int(round(p.episode_window_s * scale))
        windows = [(t, t + L) for t, _, _ in ins] + [(t - L, t) for t, _, _ in outs]
        for lo, hi in windows:
            x = sum(a for t, a, _ in ins if lo <= t <= hi)
            y = sum(a for t, a, _ in outs if lo <= t <= hi)
            if x <= 0 or y <= 0:
                continue
            match = max(0.0, 1.0 - abs(math.log(y / x / (1 - p.episode_fee))) / math.log(1 + p.episode_tolerance))
            rest = max(usual - (x + y) / 2.0, 0.0) * L / max(span - L, L, 1)
            burst = 1.0 if rest <= 0 else min(max(math.log(x / rest) / math.log(100), 0.0), 1.0)
            best = max(best, match * burst)
    return best


def brute_chains(net: Network, passing: np.ndarray, d: int, cap: int) -> np.ndarray:
    """Longest timely walk of links between pass-through accounts through each account."""
    links = [(s, t_, ts) for _, s, t_, ts, _ in _transfers(net) if passing[s] and passing[t_]]
    best = np.where(passing, 1, 0)

    def walk(path):
        nodes = [path[0][0]] + [e[1] for e in path]
        for a in nodes:
            best[a] = max(best[a], min(len(nodes), cap))
        if len(nodes) >= cap:
            return
        last = path[-1]
        for e in links:
            if e[0] == last[1] and last[2] <= e[2] <= last[2] + d:
                walk(path + [e])

    for e in links:
        walk([e])
    return best


@st.composite
def walk_nets(draw) -> Network:
    """Money placed in cash and walked from account to account (hops 0-36 h apart, small fees),
    plus some noise: many pass-through accounts, chains, stacks and loops of them."""
    n = draw(st.integers(2, 7))
    rows: list[dict] = []

    def add(kind, src, dst, amount, t):
        rows.append({"id": f"m{len(rows)}", "kind": kind, "from": src, "to": dst, "amount": amount, "ts": T0 + t})

    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, n - 1))
        t = draw(st.integers(0, 6)) * 12 * HOUR
        amount = 1000.0
        add("deposit", None, f"a{at}", amount, t)
        for _ in range(draw(st.integers(1, 5))):
            nxt = draw(st.integers(0, n - 1))
            t += draw(st.sampled_from([0, 6, 12, 24, 24, 30])) * HOUR + draw(st.sampled_from([0, 0, 1]))
            amount = round(amount * draw(st.sampled_from([1.0, 0.99, 0.98, 0.9])), 2)
            if nxt != at:
                add("transfer", f"a{at}", f"a{nxt}", amount, t)
                at = nxt
    for _ in range(draw(st.integers(0, 3))):
        a, b = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        add("transfer", f"a{a}", f"a{b}", draw(st.sampled_from(AMOUNTS)), draw(st.integers(0, 20)) * 6 * HOUR)
    return Network.from_rows([{"id": f"a{i}"} for i in range(n)], rows)


def test_episode_links_join_bursts_of_the_same_money():
    # m: cash 1000 in, 970 to h 6 h later (ratio 0.97 = 1 - fee: match 1, nothing else: burst 1).
    # h: 970 in, 940.9 out in cash (ratio 0.97). The transfer m -> h lies in both best episode
    # windows: link sqrt(1 * 1) = 1 for both. x bursts alone (cash in, cash out): link 0.
    # y pays z 2000 and z keeps it: no episode on either side, no link.
    rows = [
        {"id": "d1", "kind": "deposit", "to": "m", "amount": 1000.0, "ts": T0},
        {"id": "t1", "from": "m", "to": "h", "amount": 970.0, "ts": T0 + 6 * HOUR},
        {"id": "w1", "kind": "withdrawal", "from": "h", "amount": 940.9, "ts": T0 + 12 * HOUR},
        {"id": "d2", "kind": "deposit", "to": "x", "amount": 500.0, "ts": T0},
        {"id": "w2", "kind": "withdrawal", "from": "x", "amount": 485.0, "ts": T0 + HOUR},
        {"id": "t2", "from": "y", "to": "z", "amount": 2000.0, "ts": T0 + 20 * DAY},
    ]
    net = Network.from_rows([{"id": a} for a in ["m", "h", "x", "y", "z"]], rows)
    view = FlowView.from_network(net)
    ep = pass_episodes(view, P.episode_window_s, P.episode_fee, P.episode_tolerance)
    np.testing.assert_allclose(ep.strength, [1.0, 1.0, 1.0, 0.0, 0.0], atol=1e-9)
    link = episode_links(view, ep)
    np.testing.assert_allclose(link, [1.0, 1.0, 0.0, 0.0, 0.0], atol=1e-9)
    det = detect_layering(view, P)
    np.testing.assert_allclose(det.stats["episode_linked"], [1.0, 1.0, 1.0, 0.0, 0.0], atol=1e-9)
    by = {f.account: f for f in det.findings}
    assert by[0].details["episode_link"] == pytest.approx(1.0) and by[2].details["episode_link"] == 0.0
    # Each finding's accounts are those its evidence moved money with: m and h each other,
    # x nobody (cash in, cash out).
    assert (by[0].accounts, by[1].accounts, by[2].accounts) == ((1,), (0,), ())


def test_episode_link_raises_a_weak_burst():
    # w's episode is weak (it also moves 400 elsewhere in the period, so its burst is modest);
    # the money it forwards lands inside h's strong episode: linked = 1 - (1 - s_w)(1 - sqrt(s_w s_h)).
    rows = [
        {"id": "d0", "kind": "deposit", "to": "w", "amount": 3000.0, "ts": T0 + 20 * DAY},
        {"id": "w0", "kind": "withdrawal", "from": "w", "amount": 3000.0, "ts": T0 + 25 * DAY},
        {"id": "d1", "kind": "deposit", "to": "w", "amount": 1000.0, "ts": T0},
        {"id": "t1", "from": "w", "to": "h", "amount": 970.0, "ts": T0 + 6 * HOUR},
        {"id": "w1", "kind": "withdrawal", "from": "h", "amount": 940.9, "ts": T0 + 12 * HOUR},
    ]
    net = Network.from_rows([{"id": a} for a in ["w", "h"]], rows)
    view = FlowView.from_network(net)
    ep = pass_episodes(view, P.episode_window_s, P.episode_fee, P.episode_tolerance)
    s_w, s_h = ep.strength
    assert 0 < s_w < 0.9 and s_h == pytest.approx(1.0)
    lin = replace(P, episode_link_floor=0.0, episode_link_full=1.0)  # the link read as it is
    det = detect_layering(view, lin)
    want = 1.0 - (1.0 - s_w) * (1.0 - math.sqrt(s_w * s_h))
    assert det.stats["episode_linked"][0] == pytest.approx(want)
    assert det.stats["episode_linked"][0] > s_w
    # The default ramp: g = clip((link - 0.2) / 0.3, 0, 1).
    link = math.sqrt(s_w * s_h)
    g = min(1.0, max(0.0, (link - 0.2) / 0.3))
    det = detect_layering(view, P)
    assert det.stats["episode_linked"][0] == pytest.approx(1.0 - (1.0 - s_w) * (1.0 - g))
    no_link = detect_layering(view, replace(P, episode_link_weight=0.0))
    assert no_link.stats["episode_linked"][0] == pytest.approx(s_w)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(small_nets(max_acc=6, max_mov=24), walk_nets()))
def test_layering_matches_fifo_simulation(net):
    view = FlowView.from_network(net)
    pt = pass_through(view, ORACLE.layering_max_dwell_s, ORACLE.layering_min_ratio)
    active = view.active()
    for a in range(len(net.accounts)):
        fwd, total = brute_fifo(net, a, ORACLE.layering_max_dwell_s)
        assert pt.forwarded_cents[a] == fwd
        assert pt.in_cents[a] == total
        if total:
            assert pt.ratio[a] == fwd / total
            assert pt.passing[a] == (active[a] and fwd / total >= ORACLE.layering_min_ratio)
        else:
            assert math.isnan(pt.ratio[a]) and not pt.passing[a]
    det = detect_layering(view, ORACLE)
    # A layer is a whole-period pass-through account or one with a strong enough episode.
    strength = np.array([brute_episode(net, a, view.span, ORACLE) for a in range(len(net.accounts))])
    np.testing.assert_allclose(det.stats["episode_strength"], strength, atol=1e-9)
    # Every scale's best window, by brute force; the best of the episode scales is the episode.
    ep = pass_episodes(view, ORACLE.episode_window_s, ORACLE.episode_fee, ORACLE.episode_tolerance)
    scales = EPISODE_SCALES + EPISODE_LINK_SCALES
    for a in range(len(net.accounts)):
        for si, sc in enumerate(scales):
            assert ep.scale_strength[a, si] == pytest.approx(brute_episode(net, a, view.span, ORACLE, (sc,)), abs=1e-9)
            if ep.scale_strength[a, si] > 0:
                L = int(round(ORACLE.episode_window_s * sc))
                assert ep.scale_hi[a, si] - ep.scale_lo[a, si] == L
    np.testing.assert_allclose(ep.scale_strength[:, : len(EPISODE_SCALES)].max(axis=1), ep.strength, atol=1e-12)
    # Episode links: a transfer inside an episode window of both accounts, one by one.
    link = np.zeros(len(net.accounts))

    def inside(x: int, rel: int) -> float:
        return max([ep.scale_strength[x, i] for i in range(len(scales))
                    if ep.scale_strength[x, i] > 0 and ep.scale_lo[x, i] <= rel <= ep.scale_hi[x, i]], default=0.0)

    for _, s, t_, ts, _ in _transfers(net):
        rel = ts - view.t0
        w = math.sqrt(inside(s, rel) * inside(t_, rel))
        link[s], link[t_] = max(link[s], w), max(link[t_], w)
    np.testing.assert_allclose(det.stats["episode_link"], link, atol=1e-12)
    g = np.clip((link - ORACLE.episode_link_floor) / (ORACLE.episode_link_full - ORACLE.episode_link_floor), 0.0, 1.0)
    linked = 1.0 - (1.0 - strength) * (1.0 - ORACLE.episode_link_weight * g)
    np.testing.assert_allclose(det.stats["episode_linked"], linked, atol=1e-9)
    layer = pt.passing | (det.stats["episode_linked"] >= ORACLE.episode_min_strength)
    assert [f.account for f in det.findings] == list(np.flatnonzero(layer))
    want = brute_chains(net, layer, ORACLE.layering_max_dwell_s, ORACLE.layering_max_chain)
    assert list(det.stats["chain_length"]) == list(want)


# ============================================================================================
# The whole run, the score, determinism
# ============================================================================================


def test_run_typologies_reports_every_id():
    res = run_typologies(dg.FAN_IN_MULE.net())
    assert set(res.counts) == set(TYPOLOGY_IDS)
    assert set(TYPOLOGY_IDS) <= set(res.seconds) and {"prepare", "score"} <= set(res.seconds)
    assert res.counts["fan_in"] == 1 and res.counts["cycle"] == 0
    assert res.account_score.shape == (7,)
    assert np.all((res.account_score >= 0) & (res.account_score <= 1))
    assert "fan_in.max_counterparties" in res.stats


def test_only_runs_the_named_typologies():
    res = run_typologies(dg.CYCLE_LAUNDER.net(), only=["cycle"])
    assert res.counts == {t: (1 if t == "cycle" else 0) for t in TYPOLOGY_IDS}
    assert res.seconds["layering"] == 0.0
    with pytest.raises(ConfigError, match="unknown typology 'fanin'"):
        run_typologies(dg.CYCLE_LAUNDER.net(), only=["fanin"])


def test_empty_and_cash_only_networks():
    empty = Network.from_rows([{"id": "A"}, {"id": "B"}], [])
    cash = Network.from_rows([{"id": "A"}], [{"id": "d", "kind": "deposit", "to": "A", "amount": 5.0, "ts": T0}])
    for net in (empty, cash):
        res = run_typologies(net)
        assert res.findings == [] and sum(res.counts.values()) == 0
        assert not res.account_score.any() and res.account_reasons == {}


def _population(n_quiet: int, n_lookalike: int) -> tuple[Network, int]:
    """One mule fan-in among quiet accounts, plus ``n_lookalike`` accounts with the same shape."""
    accounts = ["mule", "out"] + [f"s{i}" for i in range(5)]
    moves = [(f"s{i}", "mule", 100.0, 10 * DAY + i * HOUR) for i in range(5)] + [("mule", "out", 485.0, 10 * DAY + 6 * HOUR)]
    for q in range(n_quiet):  # ordinary: one payment each
        accounts += [f"q{q}", f"r{q}"]
        moves.append((f"q{q}", f"r{q}", 30.0, (q % 300) * DAY // 3))
    for j in range(n_lookalike):
        accounts += [f"h{j}", f"o{j}"] + [f"h{j}s{i}" for i in range(5)]
        moves += [(f"h{j}s{i}", f"h{j}", 100.0, 20 * DAY + j * HOUR + i * 60) for i in range(5)]
        moves.append((f"h{j}", f"o{j}", 485.0, 20 * DAY + j * HOUR + 600))
    return dg.G(accounts, moves).net(), 0


def test_common_shape_is_down_weighted():
    rare, a = _population(400, 0)
    common, b = _population(400, 150)
    r1, r2 = run_typologies(rare), run_typologies(common)
    f1 = r1.by_typology("fan_in")[0]
    f2 = [f for f in r2.by_typology("fan_in") if f.account == b][0]
    assert f1.score == pytest.approx(f2.score)  # the same hit ...
    j = TYPOLOGY_IDS.index("fan_in")
    assert r1.scores.by_typology[a, j] > 1.5 * r2.scores.by_typology[b, j]  # ... counts less when common
    assert r1.scores.finding_rarity[0] > r2.scores.finding_rarity[0]
    # The mule is a fan_in hub and, forwarding 97 % within hours, a layer too: both are reasons.
    assert any(r.startswith("fan_in x1: 5 distinct senders") for r in r1.account_reasons[a])
    assert any(r.startswith("layering x1: forwards 97%") for r in r1.account_reasons[a])


def test_friends_hub_scores_below_mule_in_one_population():
    g = dg.FAN_IN_MULE
    accounts = g.accounts + ["F", "Y"] + [f"f{i}" for i in range(5)] + [f"q{i}" for i in range(300)]
    moves = list(g.moves) + [(f"f{i}", "F", 100.0, 5 * DAY + i * HOUR) for i in range(5)] + [("F", "Y", 450.0, 95 * DAY)]
    accounts += [f"r{i}" for i in range(300)]
    moves += [(f"q{i}", f"r{i}", 20.0, i * 3600) for i in range(300)]
    net = dg.G(accounts, moves).net()
    res = run_typologies(net)
    mule, friends = accounts.index("H"), accounts.index("F")
    assert res.account_score[mule] > 2 * res.account_score[friends] > 0


def test_score_accounts_attribution_of_members():
    res = run_typologies(dg.SG_LAUNDER.net(), only=["scatter_gather"])
    s, d = dg.SG_LAUNDER.row("S"), dg.SG_LAUNDER.row("D")
    assert res.account_score[s] > res.account_score[d] > 0  # the sink gets member_weight
    none = score_accounts(res.findings, 5, None, replace(P, member_weight=0.0))
    assert none.score[d] == 0 and none.score[s] > 0


def test_run_twice_identical():
    net, _ = dg.synthetic_network(n_accounts=3_000, n_transfers=60_000, seed=11, inject=5)
    a, b = run_typologies(net), run_typologies(net)
    assert a.findings == b.findings
    assert a.counts == b.counts
    assert np.array_equal(a.account_score, b.account_score)
    assert a.account_reasons == b.account_reasons
    view = FlowView.from_network(net)
    c = run_typologies(view)  # a prepared view gives the same findings
    assert c.findings == a.findings


def test_injected_patterns_found_in_noise():
    net, inj = dg.synthetic_network(n_accounts=5_000, n_transfers=100_000, seed=5, inject=10)
    res = run_typologies(net)
    fan_hubs = {f.account for f in res.by_typology("fan_in")}
    assert all(h[0] in fan_hubs for h in inj["fan_in"])
    cycles = {(f.account,) + f.accounts for f in res.by_typology("cycle")}
    assert all(tuple(c) in cycles for c in inj["cycle"])
    layered = {f.account for f in res.by_typology("layering")}
    assert all(set(c) <= layered for c in inj["layering"])
    injected = [c[0] for k in inj for c in inj[k]]
    background = np.ones(len(net.accounts), dtype=bool)
    background[-16 * 10:] = False
    assert np.median(res.account_score[injected]) > np.quantile(res.account_score[background], 0.99)


# ============================================================================================
# Parameters
# ============================================================================================


def test_params_validation_and_mapping():
    with pytest.raises(ConfigError, match="fan_min_counterparties"):
        TypologyParams(fan_min_counterparties=1)
    with pytest.raises(ConfigError, match="cycle_amount_tolerance"):
        TypologyParams(cycle_amount_tolerance=1.0)
    with pytest.raises(ConfigError, match="fan_window_s"):
        TypologyParams(fan_window_s=-1)
    with pytest.raises(ConfigError, match="usd_rates"):
        TypologyParams(usd_rates={"EUR": 0})
    p = TypologyParams.from_mapping({"fan_window_days": 2, "cycle_max_length": 4})
    assert p.fan_window_s == 2 * DAY and p.cycle_max_length == 4
    with pytest.raises(ConfigError, match="unknown key 'fan_windw_days'"):
        TypologyParams.from_mapping({"fan_windw_days": 2})


# ============================================================================================
# Scale (run with --runslow): time and memory on ~2.1M transfers
# ============================================================================================


@pytest.mark.slow
def test_scale_two_million_transfers():
    r = dg.benchmark()
    print(f"\n{r}")
    assert r["transfers"] > 2_000_000
    assert r["wall_s"]["total_detect"] < 60  # target < 20 s on an idle machine
    assert r["view_mb"] + max(r["peak_mb"].values()) < 273
    assert r["injected_found"] == {"fan_in": 20, "cycle": 20, "layering": 20, "of": 20}
    # Separation at the combined score's flag threshold (0.7): the injected patterns are over it,
    # at most 0.5% of the random background is, and the injected median outranks 99.9% of it.
    # (Before the layering episode scores, the criterion was "injected median > 3x background
    # p99"; random Pareto traffic now shows pass-through episodes under the threshold, p99 0.52.)
    s = r["score"]
    assert s["injected_median"] >= 0.7
    assert s["background_flagged_share"] < 0.005
    assert s["injected_median"] > s["background_p999"]


def test_group_sums_match_ndarray_sum_bit_for_bit():
    from toolkit.detect.scatter_gather import group_sums

    rng = np.random.default_rng(0)
    for _ in range(30):
        counts = rng.integers(1, 300, size=40)
        vals = rng.lognormal(5, 3, size=int(counts.sum()))
        starts = np.cumsum(counts) - counts
        want = np.array([vals[s : s + c].sum() for s, c in zip(starts, counts)])
        assert np.array_equal(group_sums(vals, counts), want)


def test_recurring_cycles_are_discounted():
    # Ring a-b-c closes once; ring x-y-z closes four times (a supply loop). Same shape, same hit
    # score, same rarity: with cycle_recurrence 1 each hit of the busy ring counts 1/4.
    from toolkit.findings import Finding

    det = {"length": 3, "span_s": 2 * DAY, "window_s": 30 * DAY, "max_deviation": 0.05}
    fs = [Finding("cycle", 0, (), 0.0, 0.0, accounts=(1, 2), score=0.8, details=det)]
    fs += [Finding("cycle", 3, (), 0.0, 0.0, accounts=(4, 5), score=0.8, details=det) for _ in range(4)]
    n = 1000
    j = TYPOLOGY_IDS.index("cycle")
    on = score_accounts(fs, n, np.ones(n, dtype=bool), replace(P, cycle_recurrence=1.0, ring_min_length=0))
    off = score_accounts(fs, n, np.ones(n, dtype=bool), replace(P, cycle_recurrence=0.0, ring_min_length=0))
    r = on.finding_rarity[0]
    assert 0 < r < 1 and np.allclose(on.finding_rarity, r)
    for a in (0, 1, 2):
        assert on.by_typology[a, j] == pytest.approx(0.8 * r) == pytest.approx(off.by_typology[a, j])
    for a in (3, 4, 5):
        assert on.by_typology[a, j] == pytest.approx(1 - (1 - 0.8 * r / 4) ** 1.5)
        assert off.by_typology[a, j] == pytest.approx(1 - (1 - 0.8 * r) ** 1.5)


def test_ring_borrowing_one_busy_member_is_not_a_recurring_loop():
    # Ring a-b-c closes once, but b also closes four loops of its own with other partners (a firm
    # trading in loops): m = max(m_2, m_1 / 8, min(c, (c / 8) ** 2)) = 1 for all three, so the
    # ring keeps its score (with hub 0, the busiest-member rule, it counted 1/5). Ring d-e-f where
    # d is on 16 cycles: e and f count 1/max(1, 16/8) = 1/2, d itself 1/min(16, 2 ** 2) = 1/4.
    # Loop x-y-z closing four times (every member busy) is discounted by 4 either way.
    from toolkit.findings import Finding

    det = {"length": 3, "span_s": 2 * DAY, "window_s": 30 * DAY, "max_deviation": 0.05, "burst": 1.0}
    pair = dict(det, length=2)
    fs = [Finding("cycle", 0, (), 0.0, 0.0, accounts=(1, 2), score=0.8, details=det)]
    fs += [Finding("cycle", 1, (), 0.0, 0.0, accounts=(10 + i,), score=0.1, details=pair) for i in range(4)]
    fs += [Finding("cycle", 3, (), 0.0, 0.0, accounts=(4, 5), score=0.8, details=det) for _ in range(4)]
    fs += [Finding("cycle", 6, (), 0.0, 0.0, accounts=(7, 8), score=0.8, details=det)]
    fs += [Finding("cycle", 6, (), 0.0, 0.0, accounts=(20 + i,), score=0.1, details=pair) for i in range(15)]
    n = 100
    j = TYPOLOGY_IDS.index("cycle")
    on = score_accounts(fs, n, np.ones(n, dtype=bool), replace(P, cycle_recurrence=1.0, cycle_recurrence_hub=8.0))
    off = score_accounts(fs, n, np.ones(n, dtype=bool), replace(P, cycle_recurrence=1.0, cycle_recurrence_hub=0.0))
    for a in (0, 2):
        assert on.by_typology[a, j] == pytest.approx(0.8)
        assert off.by_typology[a, j] == pytest.approx(0.8 / 5)
    assert on.by_typology[1, j] > 0.8 > off.by_typology[1, j]
    for a in (7, 8):
        assert on.by_typology[a, j] == pytest.approx(0.8 / 2)
        assert off.by_typology[a, j] == pytest.approx(0.8 / 16)
    assert on.finding_rarity[0] == 1.0 and on.by_typology[6, j] > 0.8 / 4 > off.by_typology[6, j]
    for a in (3, 4, 5):
        assert on.by_typology[a, j] == pytest.approx(1 - (1 - 0.8 / 4) ** 1.5)
        assert off.by_typology[a, j] == pytest.approx(on.by_typology[a, j])
    with pytest.raises(ConfigError):
        replace(P, cycle_recurrence_hub=-1.0)


def test_rings_keep_their_shape_score_and_rarity_one():
    # A 3-ring a-b-c moving no more than its members usually do (burst 0) scored 0.2 by the
    # detector = 0.8 * (0.25 + 0.75 * 0); as a ring it counts 0.8, rarity 1, for every member.
    # A 2-account cycle d-e with the same figures keeps its detector score and population rarity.
    from toolkit.findings import Finding

    ring = {"length": 3, "span_s": 2 * DAY, "window_s": 30 * DAY, "max_deviation": 0.05, "burst": 0.0}
    pair = dict(ring, length=2)
    fs = [Finding("cycle", 0, (), 0.0, 0.0, accounts=(1, 2), score=0.2, details=ring),
          Finding("cycle", 3, (), 0.0, 0.0, accounts=(4,), score=0.2, details=pair)]
    n = 10
    j = TYPOLOGY_IDS.index("cycle")
    res = score_accounts(fs, n, np.ones(n, dtype=bool), replace(P, cycle_recurrence=1.0))
    assert res.finding_rarity[0] == 1.0
    for a in (0, 1, 2):
        assert res.by_typology[a, j] == pytest.approx(0.8)
    r = res.finding_rarity[1]
    assert r < 1
    for a in (3, 4):
        assert res.by_typology[a, j] == pytest.approx(0.2 * r)
    off = score_accounts(fs, n, np.ones(n, dtype=bool), replace(P, cycle_recurrence=1.0, ring_min_length=0))
    assert off.by_typology[0, j] == pytest.approx(0.2 * off.finding_rarity[0])


def test_link_evidence_is_a_ramp():
    from toolkit.detect.layering import link_evidence

    np.testing.assert_allclose(link_evidence(np.array([0.0, 0.2, 0.35, 0.5, 0.9]), 0.2, 0.5),
                               [0.0, 0.0, 0.5, 1.0, 1.0])
    assert link_evidence(0.3, 0.0, 1.0) == pytest.approx(0.3)
    assert link_evidence(0.5, 0.5, 0.5) == 1.0 and link_evidence(0.49, 0.5, 0.5) == 0.0
    with pytest.raises(ConfigError):
        TypologyParams(episode_link_floor=0.6, episode_link_full=0.5)


def test_episode_links_reach_a_receiver_paid_late():
    # h gathers 1000 from g (cash in at g first) and passes it on in two parts: 485 to r1 six
    # hours later and 485 to r2 ten days later (both cash out at once). h's best episode is its
    # first 4 days, but r2 is paid inside h's longer windows (the link-only scales reach 16 days):
    # r2 is linked to h all the same.
    rows = [
        {"id": "d0", "kind": "deposit", "to": "g", "amount": 1030.93, "ts": T0 - HOUR},
        {"id": "t0", "from": "g", "to": "h", "amount": 1000.0, "ts": T0},
        {"id": "t1", "from": "h", "to": "r1", "amount": 485.0, "ts": T0 + 6 * HOUR},
        {"id": "w1", "kind": "withdrawal", "from": "r1", "amount": 470.45, "ts": T0 + 7 * HOUR},
        {"id": "t2", "from": "h", "to": "r2", "amount": 485.0, "ts": T0 + 10 * DAY},
        {"id": "w2", "kind": "withdrawal", "from": "r2", "amount": 470.45, "ts": T0 + 10 * DAY + HOUR},
    ]
    net = Network.from_rows([{"id": a} for a in ["g", "h", "r1", "r2"]], rows)
    view = FlowView.from_network(net)
    ep = pass_episodes(view, P.episode_window_s, P.episode_fee, P.episode_tolerance)
    assert ep.t_hi[1] < 10 * DAY  # the best episode of h ends before r2 is paid
    link = episode_links(view, ep)
    assert link[3] > 0.5
    short = pass_episodes(view, P.episode_window_s, P.episode_fee, P.episode_tolerance, link_scales=())
    assert episode_links(view, short)[3] == 0.0


def test_hub_findings_list_the_counterparties_that_passed_the_money_on():
    # h pays r1..r5 within hours (a fan-out). r1 withdraws 97% of it in cash the next day (a hop),
    # r2 withdraws half (no match), r3 withdraws 97% but five days later (outside the 3-day dwell),
    # r4 and r5 keep it. Only r1 is a passer. A fan-in to g: s1's payment to g is the cash that
    # came in six hours before, less 3%; s2..s5 pay from nothing that just arrived.
    from toolkit.detect import run_typologies

    rows = [{"id": f"p{i}", "from": "h", "to": f"r{i}", "amount": 1000.0, "ts": T0 + i * HOUR} for i in range(1, 6)]
    rows += [
        {"id": "w1", "kind": "withdrawal", "from": "r1", "amount": 970.0, "ts": T0 + DAY},
        {"id": "w2", "kind": "withdrawal", "from": "r2", "amount": 500.0, "ts": T0 + DAY},
        {"id": "w3", "kind": "withdrawal", "from": "r3", "amount": 970.0, "ts": T0 + 5 * DAY},
        {"id": "d1", "kind": "deposit", "to": "s1", "amount": 800.0, "ts": T0 + 10 * DAY},
    ]
    rows += [{"id": f"q{i}", "from": f"s{i}", "to": "g", "amount": 776.0, "ts": T0 + 10 * DAY + 6 * HOUR + i}
             for i in range(1, 6)]
    names = ["h", "g", *[f"r{i}" for i in range(1, 6)], *[f"s{i}" for i in range(1, 6)]]
    net = Network.from_rows([{"id": a} for a in names], rows)
    res = run_typologies(net, P, only=["fan_in", "fan_out"])
    ids = net.accounts.ids
    (fo,) = res.by_typology("fan_out")
    (fi,) = res.by_typology("fan_in")
    assert [str(ids[fo.accounts[p]]) for p in fo.details["passers"]] == ["r1"]
    assert [str(ids[fi.accounts[p]]) for p in fi.details["passers"]] == ["s1"]
    assert res.seconds["passers"] >= 0


def test_unlinked_episode_counts_less_than_a_linked_one():
    # Three layering hits of score 0.9: a lone burst (episode link 0, not pass-through) keeps
    # u = 0.8 of it; one joined by a full link (>= episode_link_full) all of it; one half-way up
    # the link ramp (0.35: g = 0.5) 0.8 + 0.2 * 0.5; a whole-period pass-through account all.
    from toolkit.findings import Finding

    def hit(a: int, link: float, pt: bool = False) -> Finding:
        det = {"chain_length": 1, "ratio": 0.5, "strength": 0.9, "episode_link": link, "pass_through": pt,
               "episode_inflow": 1000.0, "episode_span_s": DAY, "episode_ratio": 0.97, "episode_burst": 0.9,
               "max_dwell_s": 3 * DAY, "median_dwell_s": DAY}
        return Finding("layering", a, (), 0.5, 0.8, score=0.9, details=det)

    fs = [hit(0, 0.0), hit(1, 0.6), hit(2, 0.35), hit(3, 0.0, pt=True)]
    j = TYPOLOGY_IDS.index("layering")
    res = score_accounts(fs, 4, np.ones(4, dtype=bool), P)
    np.testing.assert_allclose(res.by_typology[:, j], [0.72, 0.9, 0.9 * 0.9, 0.9])
    whole = score_accounts(fs, 4, np.ones(4, dtype=bool), replace(P, episode_unlinked_weight=1.0))
    np.testing.assert_allclose(whole.by_typology[:, j], [0.9] * 4)


def test_rings_longer_than_the_search_are_found_through_hop_transfers():
    # A 7-account ring r0 -> r1 -> ... -> r6 -> r0: r0 is paid 1000 in cash, every member passes
    # what it got on 12 hours later less 3%. cycle_max_length 6 misses it; cycle_ring_max_length
    # 7 finds it through the hop transfers. The same ring where r3 keeps the money four days
    # (beyond the 3-day dwell) is not a chain of hops and is not found.
    def ring(delay_r3: int) -> Network:
        rows = [{"id": "d0", "kind": "deposit", "to": "r0", "amount": 1000.0, "ts": T0}]
        amt, t = 1000.0, T0
        for i in range(7):
            amt *= 0.97
            t += delay_r3 if i == 3 else 12 * HOUR
            rows.append({"id": f"h{i}", "from": f"r{i}", "to": f"r{(i + 1) % 7}", "amount": round(amt, 2), "ts": t})
        rows.append({"id": "w0", "kind": "withdrawal", "from": "r0", "amount": round(amt * 0.97, 2), "ts": t + 6 * HOUR})
        return Network.from_rows([{"id": f"r{i}"} for i in range(7)], rows)

    fast = ring(12 * HOUR)
    assert detect_cycles(fast, replace(P, cycle_ring_max_length=0)).findings == []
    (f,) = detect_cycles(fast, P).findings
    assert f.details["length"] == 7 and f.account == 0 and f.accounts == (1, 2, 3, 4, 5, 6)
    assert detect_cycles(ring(4 * DAY), P).findings == []
