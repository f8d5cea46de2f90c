"""Mathematics of laundering paths: P, first-passage probabilities (R2), Monte-Carlo, utility.

The hand-worked account graphs (chain, diamond, cycle, dead end, parallel transfers with a
self-transfer) are defined once, with their answers, in ``test_paths_enumerate``; the expected
random-walk values are repeated next to each assertion. Oracles: dense matrix powers
(``numpy.linalg.matrix_power`` on ``P.toarray()``) on random small graphs, exact vs Monte-Carlo
within 3 standard errors, and the paper's idealised network for N = 1, 2, 3.

The benchmark at the end only runs with ``AML_BENCH=1`` (it builds a 100,000-account graph).
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import FrozenInstanceError

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.test_paths_enumerate import CHAIN, CYCLE, DEAD_END, DIAMOND, PARALLEL
from toolkit.errors import ConfigError
from toolkit.frames import Network
from toolkit.paths import (
    DEFAULT_HOP_RISK,
    MonteCarloEstimate,
    ReachSummary,
    UtilityModel,
    enumerate_paths,
    first_passage,
    first_passage_many,
    idealised_network,
    monte_carlo_reach,
    optimal_path,
    path_probability,
    path_utility,
    rank_paths,
    reach_summary,
    total_utility,
    transition_matrix,
    transition_matrix_from_network,
)

METHODS = ("auto", "meet", "backward")


def row(net: Network, account_id: str) -> int:
    return net.accounts.index()[account_id]


def P_of(net: Network, weighting: str = "uniform") -> sp.csr_matrix:
    return transition_matrix_from_network(net, weighting)


def dense_first_passage(P, s: int, t: int, L: int) -> np.ndarray:
    """The definition, with dense matrix powers: f_k = e_s^T (P_{-t})^(k-1) P[:, t]."""
    A = P.toarray() if sp.issparse(P) else np.asarray(P, dtype=float)
    Q = A.copy()
    Q[:, t] = 0.0
    return np.array([(np.linalg.matrix_power(Q, k - 1) @ A[:, t])[s] for k in range(1, L + 1)])


def all_methods(P, s: int, t: int, L: int) -> list[np.ndarray]:
    """first_passage and every method of first_passage_many, for one pair."""
    return [first_passage(P, s, t, L)] + [
        first_passage_many(P, [(s, t)], L, method=m)[0] for m in METHODS
    ]


# --------------------------------------------------------------------------- transition matrix


def test_transition_uniform_counts_distinct_neighbours_and_ignores_self_transfers() -> None:
    # PARALLEL: A pays B twice, C once, itself once; B pays C. Uniform: A -> B = A -> C = 1/2.
    P = P_of(PARALLEL)
    A, B, C = (row(PARALLEL, x) for x in "ABC")
    expected = np.zeros((3, 3))
    expected[A, B] = expected[A, C] = 0.5
    expected[B, C] = 1.0  # C pays nobody: an all-zero row
    assert isinstance(P, sp.csr_matrix) and P.has_canonical_format
    np.testing.assert_allclose(P.toarray(), expected)


def test_transition_amount_shares_the_money_sent() -> None:
    # A sent 200 to B and 50 to C (1000 to itself does not count): 0.8 and 0.2.
    P = P_of(PARALLEL, "amount")
    A, B, C = (row(PARALLEL, x) for x in "ABC")
    assert P[A, B] == pytest.approx(0.8) and P[A, C] == pytest.approx(0.2)
    assert P[B, C] == pytest.approx(1.0) and P[A, A] == 0.0


def test_transition_from_arrays_skips_cash_sides_and_keeps_sinks() -> None:
    src = np.array([0, -1, 1, 1, 2])
    dst = np.array([1, 0, -1, 2, 2])  # a deposit, a withdrawal and a self-transfer besides
    amt = np.array([5.0, 7.0, 9.0, 3.0, 4.0])
    for w in ("uniform", "amount"):
        P = transition_matrix(src, dst, amt, 4, w)
        assert P.shape == (4, 4)
        np.testing.assert_allclose(np.asarray(P.sum(axis=1)).ravel(), [1, 1, 0, 0])
        assert P[0, 1] == 1.0 and P[1, 2] == 1.0


def test_transition_amount_all_zero_amounts_is_a_sink() -> None:
    P = transition_matrix([0, 1], [1, 0], [0.0, 2.0], 2, "amount")
    np.testing.assert_allclose(P.toarray(), [[0, 0], [1, 0]])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"weighting": "count"},
        {"n": 1},  # rows out of range
        {"amount": [1.0, -1.0]},
        {"amount": None, "weighting": "amount"},
    ],
)
def test_transition_rejects_bad_input(kwargs) -> None:
    args = {"src": [0, 1], "dst": [1, 0], "amount": [1.0, 2.0], "n": 2, "weighting": "amount"}
    args.update(kwargs)
    with pytest.raises(ValueError):
        transition_matrix(**args)


def test_path_probability_by_hand() -> None:
    # DIAMOND by amount: A -> B = 3/4, B -> D = 1; A -> C = 1/4, C -> D = 1.
    P = P_of(DIAMOND, "amount")
    A, B, C, D = (row(DIAMOND, x) for x in "ABCD")
    assert path_probability(P, [A, B, D]) == pytest.approx(0.75)
    assert path_probability(P, [A, C, D]) == pytest.approx(0.25)
    assert path_probability(P, [A, D]) == 0.0  # no such transfer
    assert path_probability(P, [A]) == 1.0  # no transfer at all
    # Along enumerated paths, uniform: the two diamond paths are 1/2 each.
    Pu = P_of(DIAMOND)
    hits = enumerate_paths(DIAMOND, [A], [D])
    assert [path_probability(Pu, h.accounts) for h in hits] == [0.5, 0.5]


# --------------------------------------------------------------------------- first passage


def test_first_passage_chain() -> None:
    # CHAIN A -> B -> C -> D, all probability 1: arrival at D on transfer 3 for certain.
    P = P_of(CHAIN)
    A, D = row(CHAIN, "A"), row(CHAIN, "D")
    for f in all_methods(P, A, D, 5):
        np.testing.assert_allclose(f, [0, 0, 1, 0, 0], atol=1e-15)
    s = reach_summary(first_passage(P, A, D, 5))
    assert s == ReachSummary(f=[0, 0, 1, 0, 0], reach=1.0, most_likely_hops=3,
                             expected_hops=3.0, distance=0.0)
    # Against the flow nothing arrives.
    np.testing.assert_allclose(first_passage(P, D, A, 5), 0.0)


def test_first_passage_diamond() -> None:
    # Uniform: half the walks via B, half via C, all arrive on transfer 2.
    P = P_of(DIAMOND)
    A, D = row(DIAMOND, "A"), row(DIAMOND, "D")
    for f in all_methods(P, A, D, 3):
        np.testing.assert_allclose(f, [0, 1, 0], atol=1e-15)


def test_first_passage_cycle_counts_each_lap_once() -> None:
    # f = [0, 0, 1/2, 0, 0, 1/4]: straight through, or one more lap A-B-C first.
    P = P_of(CYCLE)
    A, D = row(CYCLE, "A"), row(CYCLE, "D")
    for f in all_methods(P, A, D, 6):
        np.testing.assert_allclose(f, [0, 0, 0.5, 0, 0, 0.25], atol=1e-15)
    s = reach_summary(first_passage(P, A, D, 6))
    assert s.reach == pytest.approx(0.75)
    assert s.most_likely_hops == 3
    assert s.expected_hops == pytest.approx(4.0)
    assert s.distance == pytest.approx(-math.log(0.75))
    # First *return* to A (source == target): 1/2 after one lap; the other half went to D, a
    # sink, and a second lap would not be a first return anyway.
    for f in all_methods(P, A, A, 6):
        np.testing.assert_allclose(f, [0, 0, 0.5, 0, 0, 0], atol=1e-15)


def test_first_passage_dead_end() -> None:
    # Half the walks die at C; the other half arrive via D on transfer 2.
    P = P_of(DEAD_END)
    A, T = row(DEAD_END, "A"), row(DEAD_END, "T")
    for f in all_methods(P, A, T, 4):
        np.testing.assert_allclose(f, [0, 0.5, 0, 0], atol=1e-15)


def test_first_passage_parallel_by_amount() -> None:
    # By amount A -> C directly 0.2, via B 0.8 (the self-transfer of 1000 does not count).
    P = P_of(PARALLEL, "amount")
    A, C = row(PARALLEL, "A"), row(PARALLEL, "C")
    for f in all_methods(P, A, C, 2):
        np.testing.assert_allclose(f, [0.2, 0.8], atol=1e-15)


# The paper's idealised network (toolkit.paths.idealised_network): S0 pays each of S1..SN with
# probability 1/N; an intermediate pays each of the other N - 1 intermediates and the target
# S_{N+1} with 1/N each; the target pays nobody.
#
# Closed form. From S0 the first transfer lands on an intermediate, never on the target, so
# f_1 = 0. From any intermediate, the next transfer reaches the target with probability 1/N and
# otherwise (probability 1 - 1/N) lands on another intermediate, where the situation repeats. So
# the number of transfers after the first is geometric:
#     f_k = (1/N) (1 - 1/N)^(k-2),  k >= 2  (0^0 = 1),
#     R2 within L transfers = 1 - (1 - 1/N)^(L-1),  expected transfers (L -> inf) = N + 1.
# By hand:
#   N = 1: S0 -> S1 -> S2, probability 1 each: f = [0, 1, 0, 0, 0].
#   N = 2: f_2 = S0->S1->S3 + S0->S2->S3 = 1/2*1/2 + 1/2*1/2 = 1/2; f_3 = S0->S1->S2->S3 and
#          S0->S2->S1->S3 = 2 * 1/8 = 1/4; then 1/8, 1/16: f = [0, 1/2, 1/4, 1/8, 1/16].
#   N = 3: f_2 = 3 choices * 1/3 * 1/3 = 1/3; f_3 = 3 * 2 ordered intermediate pairs * (1/3)^3
#          = 2/9; f_4 = 3 * 2 * 2 * (1/3)^4 = 4/27; f_5 = 8/81: f = [0, 1/3, 2/9, 4/27, 8/81].
IDEALISED_BY_HAND = {
    1: [0, 1, 0, 0, 0],
    2: [0, 1 / 2, 1 / 4, 1 / 8, 1 / 16],
    3: [0, 1 / 3, 2 / 9, 4 / 27, 8 / 81],
}


@pytest.mark.parametrize("N", [1, 2, 3])
def test_idealised_network_by_hand(N: int) -> None:
    P = idealised_network(N)
    assert P.shape == (N + 2, N + 2)
    # The construction: S0 -> Si with 1/N, Si -> every other Sj and the target with 1/N.
    A = P.toarray()
    np.testing.assert_allclose(A[0, 1 : N + 1], 1 / N)
    for i in range(1, N + 1):
        assert A[i, i] == 0 and A[i, 0] == 0
        np.testing.assert_allclose(np.delete(A[i, 1:], i - 1), 1 / N)
    assert A[0, N + 1] == 0 and not A[N + 1].any()
    L = 5
    closed = [0.0] + [(1 / N) * (1 - 1 / N) ** (k - 2) for k in range(2, L + 1)]
    np.testing.assert_allclose(closed, IDEALISED_BY_HAND[N], atol=1e-15)
    for f in all_methods(P, 0, N + 1, L):
        np.testing.assert_allclose(f, IDEALISED_BY_HAND[N], atol=1e-15)
    s = reach_summary(first_passage(P, 0, N + 1, L))
    assert s.reach == pytest.approx(1 - (1 - 1 / N) ** (L - 1))
    assert s.most_likely_hops == 2
    # One path: S0 -> S1 -> ... -> SN -> S_{N+1} is N + 1 transfers of 1/N each.
    assert path_probability(P, list(range(N + 2))) == pytest.approx((1 / N) ** (N + 1))


def test_idealised_expected_hops_tends_to_n_plus_one() -> None:
    N, L = 3, 200
    s = reach_summary(first_passage(idealised_network(N), 0, N + 1, L))
    assert s.reach == pytest.approx(1.0)
    assert s.expected_hops == pytest.approx(N + 1)


def test_reach_summary_by_hand() -> None:
    s = reach_summary([0, 0.5, 0.25])
    assert s.reach == 0.75 and s.most_likely_hops == 2
    assert s.expected_hops == pytest.approx((2 * 0.5 + 3 * 0.25) / 0.75)
    assert s.distance == pytest.approx(-math.log(0.75))
    assert reach_summary([0.25, 0.25]).most_likely_hops == 1  # earliest of equal maxima
    none = reach_summary([0.0, 0.0])
    assert (none.reach, none.most_likely_hops, none.expected_hops) == (0.0, None, None)
    assert none.distance == math.inf


@st.composite
def small_graphs(draw):
    n = draw(st.integers(2, 6))
    m = draw(st.integers(0, 4 * n))
    src = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    dst = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    amt = draw(st.lists(st.floats(0.5, 100.0), min_size=m, max_size=m))
    weighting = draw(st.sampled_from(["uniform", "amount"]))
    return transition_matrix(src, dst, amt, n, weighting)


@settings(max_examples=60, deadline=None)
@given(P=small_graphs(), L=st.sampled_from([1, 2, 3, 4, 5, 6, 6, 6]), data=st.data())
def test_first_passage_matches_dense_matrix_powers(P, L, data) -> None:
    n = P.shape[0]
    s = data.draw(st.integers(0, n - 1))
    t = data.draw(st.integers(0, n - 1))
    np.testing.assert_allclose(first_passage(P, s, t, L), dense_first_passage(P, s, t, L),
                               atol=1e-12)
    # All pairs at once, every method (the auto threshold low so both halves of auto run).
    pairs = [(a, b) for a in range(n) for b in range(n)]
    expected = np.array([dense_first_passage(P, a, b, L) for a, b in pairs])
    for m in METHODS:
        got = first_passage_many(P, pairs, L, method=m, dense_min_pairs=n - 1, block=3)
        np.testing.assert_allclose(got, expected, atol=1e-12)


def test_first_passage_many_shapes_and_errors() -> None:
    P = idealised_network(2)
    assert first_passage_many(P, [], 4).shape == (0, 4)
    assert first_passage_many(P, np.array([[0, 3], [0, 3]]), 4).shape == (2, 4)
    for bad in ({"pairs": [(0, 9)]}, {"pairs": [0, 3]}, {"max_hops": 0}, {"method": "x"}):
        kwargs = {"P": P, "pairs": [(0, 3)], "max_hops": 3, **bad}
        with pytest.raises(ValueError):
            first_passage_many(**kwargs)
    with pytest.raises(ValueError):
        first_passage(sp.csr_matrix((2, 3)), 0, 1, 2)


def test_first_passage_does_not_modify_its_input() -> None:
    P = sp.csr_matrix(([0.5, 0.5, 1.0], ([0, 0, 1], [1, 1, 2])), shape=(3, 3))  # duplicates
    before = (P.data.copy(), P.indices.copy())
    f = first_passage(P, 0, 2, 3)
    np.testing.assert_allclose(f, [0, 1, 0])
    np.testing.assert_array_equal(P.data, before[0])
    np.testing.assert_array_equal(P.indices, before[1])


# --------------------------------------------------------------------------- Monte-Carlo


def within_3_se(mc: MonteCarloEstimate, exact: np.ndarray) -> None:
    assert abs(mc.estimate - exact.sum()) <= 3 * mc.stderr + 1e-12
    se_k = np.sqrt(exact * (1 - exact) / mc.walks)
    assert np.all(np.abs(mc.f_hat - exact) <= 3 * se_k + 1e-12)


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("N", [2, 3])
def test_monte_carlo_matches_idealised(N: int, seed: int) -> None:
    P = idealised_network(N)
    exact = first_passage(P, 0, N + 1, 6)
    mc = monte_carlo_reach(P, 0, N + 1, 6, walks=20_000, seed=seed)
    within_3_se(mc, exact)
    assert mc.f_hat.sum() == pytest.approx(mc.estimate)
    assert mc.stderr == pytest.approx(math.sqrt(mc.estimate * (1 - mc.estimate) / 20_000))


@pytest.mark.parametrize(
    "net,src,dst,weighting,L",
    [(CYCLE, "A", "D", "uniform", 6), (DEAD_END, "A", "T", "uniform", 4),
     (DIAMOND, "A", "D", "amount", 3), (PARALLEL, "A", "C", "amount", 2)],
)
def test_monte_carlo_matches_hand_graphs(net, src, dst, weighting, L) -> None:
    P = P_of(net, weighting)
    s, t = row(net, src), row(net, dst)
    within_3_se(monte_carlo_reach(P, s, t, L, walks=20_000, seed=11), first_passage(P, s, t, L))


def test_monte_carlo_certain_arrival_and_impossible_arrival() -> None:
    P = P_of(CHAIN)
    A, D = row(CHAIN, "A"), row(CHAIN, "D")
    mc = monte_carlo_reach(P, A, D, 5, walks=1000, seed=0)
    assert mc.estimate == 1.0 and mc.stderr == 0.0
    np.testing.assert_array_equal(mc.f_hat, [0, 0, 1, 0, 0])
    assert monte_carlo_reach(P, A, D, 2, walks=1000, seed=0).estimate == 0.0  # too few hops
    assert monte_carlo_reach(P, D, A, 5, walks=1000, seed=0).estimate == 0.0  # D is a sink


def test_monte_carlo_random_graph_and_determinism() -> None:
    rng = np.random.default_rng(42)
    n, m = 300, 1500
    P = transition_matrix(rng.integers(0, n, m), rng.integers(0, n, m), rng.pareto(1.5, m) + 1,
                          n, "amount")
    indeg = np.bincount(P.indices, minlength=n)
    s, t = 0, int(np.argmax(indeg))
    exact = first_passage(P, s, t, 6)
    assert exact.sum() > 0.01  # a pair worth estimating
    a = monte_carlo_reach(P, s, t, 6, walks=50_000, seed=7)
    within_3_se(a, exact)
    b = monte_carlo_reach(P, s, t, 6, walks=50_000, seed=7)
    assert a.estimate == b.estimate and np.array_equal(a.f_hat, b.f_hat)


def test_monte_carlo_substochastic_rows_stop_walks() -> None:
    # Row 0 sends only 0.6 on to node 1 (the rest is a walk that stops): reach 0.6.
    P = sp.csr_matrix(np.array([[0, 0.6], [0, 0]]))
    within_3_se(monte_carlo_reach(P, 0, 1, 3, walks=20_000, seed=3), first_passage(P, 0, 1, 3))
    with pytest.raises(ValueError):
        monte_carlo_reach(sp.csr_matrix(np.array([[0, 1.5], [0, 0]])), 0, 1, 3)
    with pytest.raises(ValueError):
        monte_carlo_reach(P, 0, 1, 3, walks=0)


# --------------------------------------------------------------------------- utility

LN101, LN91 = math.log(101), math.log(91)


def test_utility_by_hand() -> None:
    m = UtilityModel()  # log1p, fee 0.02, default hop risks
    # Two hops 100 then 90, arriving at a shell (0.2) then a personal account (1.0).
    # Benefit: y = 1 -> f1(100); y = 2 -> f1(100) + f1(90): 2 ln 101 + ln 91.
    # Cost: -(0.02 * 100 + 0.2) - (0.02 * 90 + 1.0) = -2.2 - 2.8 = -5.0.
    assert path_utility(m, [100, 90], ["shell", "personal"]) == pytest.approx(
        2 * LN101 + LN91 - 5.0
    )
    lin = UtilityModel(benefit="linear")
    assert path_utility(lin, [100, 90], ["shell", "personal"]) == pytest.approx(290 - 5.0)
    # Three hops, no fee: benefit 100 + (100 + 80) + (100 + 80 + 60) = 3*100 + 2*80 + 1*60 = 520,
    # cost -(0.3 + 0.5 + 2.0) for msb, business, external.
    free = UtilityModel(benefit="linear", fee_rate=0.0)
    assert path_utility(free, [100, 80, 60], ["msb", "business", "external"]) == pytest.approx(
        517.2
    )
    # An unknown class costs the default risk; no transfer, no utility.
    assert path_utility(free, [10], ["alien"]) == pytest.approx(10 - 1.0)
    assert path_utility(m, [], []) == 0.0


@settings(max_examples=30, deadline=None)
@given(
    amounts=st.lists(st.floats(0, 1e6), max_size=8),
    benefit=st.sampled_from(["log1p", "linear"]),
)
def test_utility_double_sum_is_the_weighted_sum(amounts, benefit) -> None:
    # sum_{y=1}^{R1} sum_{x=1}^{y} f1(q_x) == sum_x (R1 - x + 1) f1(q_x)
    m = UtilityModel(benefit=benefit, fee_rate=0.0, hop_risk={"default": 0.0, "personal": 0.0})
    R1 = len(amounts)
    weighted = sum((R1 - x) * m.f1(q) for x, q in enumerate(amounts))  # x is 0-based here
    got = path_utility(m, amounts, ["personal"] * R1)
    assert got == pytest.approx(weighted, rel=1e-12, abs=1e-9)


def test_utility_rounds_and_enumerated_paths() -> None:
    # DIAMOND, linear: A-B-D 787.8 and A-C-D 273.4 (worked out in test_paths_enumerate).
    m = UtilityModel(benefit="linear")
    A, D = row(DIAMOND, "A"), row(DIAMOND, "D")
    hits = enumerate_paths(DIAMOND, [A], [D])
    cls = DIAMOND.accounts.cls
    u = [path_utility(m, h.amounts, list(cls[list(h.accounts[1:])])) for h in hits]
    np.testing.assert_allclose(u, [787.8, 273.4])
    assert list(rank_paths(u)) == [1, 2] and optimal_path(u) == 0
    rounds = [(h.amounts, list(cls[list(h.accounts[1:])])) for h in hits]
    assert total_utility(m, rounds) == pytest.approx(787.8 + 273.4)
    with pytest.raises(ValueError):
        path_utility(m, [1.0, 2.0], ["personal"])  # one class per receiving account


def test_rank_paths() -> None:
    u = [1.0, 3.0, 3.0, -2.0]
    assert list(rank_paths(u)) == [3, 1, 2, 4]  # the tie goes to the path listed first
    assert optimal_path(u) == int(np.argmax(u)) == 1
    assert list(rank_paths([])) == []
    with pytest.raises(ValueError):
        rank_paths([1.0, float("nan")])
    with pytest.raises(ValueError):
        optimal_path([])


def test_utility_model_from_dict() -> None:
    assert UtilityModel.from_dict({}) == UtilityModel() == UtilityModel.from_dict(None)
    m = UtilityModel.from_dict({"benefit": "linear", "fee_rate": 0.01, "hop_risk": {"shell": 0.1}})
    assert m.benefit == "linear" and m.fee_rate == 0.01
    assert m.hop_risk["shell"] == 0.1 and m.hop_risk["external"] == DEFAULT_HOP_RISK["external"]
    assert hash(m) == hash(UtilityModel.from_dict({"benefit": "linear", "fee_rate": 0.01,
                                                   "hop_risk": {"shell": 0.1}}))
    with pytest.raises(FrozenInstanceError):
        m.fee_rate = 0.5  # type: ignore[misc]


@pytest.mark.parametrize(
    "d",
    [
        {"fee": 0.02},  # unknown key (typo of fee_rate)
        {"benefit": "sqrt"},
        {"benefit": 1},
        {"fee_rate": -0.1},
        {"fee_rate": "0.02"},
        {"fee_rate": True},
        {"hop_risk": {"shel": 0.1}},  # unknown account class
        {"hop_risk": {"shell": -1}},
        {"hop_risk": 0.5},
    ],
)
def test_utility_model_rejects_bad_config(d) -> None:
    with pytest.raises(ConfigError):
        UtilityModel.from_dict(d)


# --------------------------------------------------------------------------- benchmark


def heavy_tailed_transition(n: int, nnz: int, seed: int) -> sp.csr_matrix:
    """Random P with Pareto out-degrees (and Pareto popularity of receivers), ~nnz non-zeros."""
    rng = np.random.default_rng(seed)
    w = rng.pareto(1.5, n) + 1.0
    deg = np.minimum(np.maximum(1, np.round(w / w.sum() * nnz * 1.07)).astype(np.int64), n - 1)
    deg[rng.random(n) < 0.05] = 0  # some accounts send nothing: sinks
    src = np.repeat(np.arange(n), deg)
    pop = rng.pareto(1.5, n) + 1.0
    dst = rng.choice(n, size=src.size, p=pop / pop.sum())
    return transition_matrix(src, dst, None, n, "uniform")


@pytest.mark.skipif(os.environ.get("AML_BENCH") != "1", reason="benchmark: set AML_BENCH=1")
def test_benchmark_first_passage_many_and_monte_carlo(record_property) -> None:
    P = heavy_tailed_transition(100_000, 2_100_000, seed=0)
    n = P.shape[0]
    rng = np.random.default_rng(1)
    pairs = rng.integers(0, n, (1000, 2))
    t0 = time.perf_counter()
    F = first_passage_many(P, pairs, 6)
    t_many = time.perf_counter() - t0
    for i in range(5):
        np.testing.assert_allclose(F[i], first_passage(P, *pairs[i], 6), atol=1e-14)
    t = int(np.argmax(np.bincount(P.indices, minlength=n)))  # a popular target
    t0 = time.perf_counter()
    mc = monte_carlo_reach(P, int(pairs[0, 0]), t, 6, walks=100_000, seed=0)
    t_mc = time.perf_counter() - t0
    within_3_se(mc, first_passage(P, int(pairs[0, 0]), t, 6))
    record_property("nnz", P.nnz)
    record_property("first_passage_many_s", t_many)
    record_property("monte_carlo_s", t_mc)
    print(f"\nP: n={n} nnz={P.nnz}; first_passage_many 1000 pairs L=6: {t_many:.2f} s; "
          f"monte_carlo_reach 100,000 walks: {t_mc:.2f} s")
    assert t_many < 10.0
