"""Laundering paths on the real database (issue "Laundering paths", DB level).

Layout: a loader for the hand-worked networks of ``tests/unit/test_paths_enumerate.py`` (defined
there once, each with its answer in a comment); the Cypher enumeration against the pure-Python
oracle on those networks (all three queries) and on random ones (hypothesis); R1, R2, reach and U
worked out by hand for the chain, the diamond, the cycle, the dead end and the hop that breaks
time order; the write-back (paths, steps, flags, explain, re-runs); endpoint selection; the CLI.

Utility figures use the linear benefit (``f1(q) = q``) with the default costs: fee 2 % of the
amount arriving at an account plus a fixed risk per account class (personal 1.0, shell 0.2,
external 2.0), so they can be checked with pencil and paper::

    U = sum_{y=1..R1} sum_{x=1..y} q_x  -  sum_{y=1..R1} (0.02 q_y + risk(S_y))
"""

from __future__ import annotations

import json
import math
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.unit.test_paths_enumerate import (
    CHAIN,
    CYCLE,
    DEAD_END,
    DIAMOND,
    HUB,
    MIN_CARRY,
    PARALLEL,
    SELF_LOOP,
    TIME_ORDER,
    WINDOW,
)
from toolkit.cli import app
from toolkit.config import load_settings
from toolkit.errors import NotFound
from toolkit.explain import explain
from toolkit.frames import KIND_NAMES, Network
from toolkit.jobs.paths import (
    PathParams,
    TooManyPaths,
    enumerate_paths_db,
    path_params,
    read_paths,
    run_paths,
)
from toolkit.paths import UtilityModel, enumerate_paths
from toolkit.paths.endpoints import EndpointSelection

runner = CliRunner()
LINEAR = UtilityModel(benefit="linear")
T0 = 1_700_000_000
DAY = 86_400


# --------------------------------------------------------------------------- loading


def load(db, net: Network, shuffle_seed: int = 42) -> None:
    """Replace the graph by ``net``, accounts and movements created in a shuffled order (so that
    insertion order cannot fake a right answer)."""
    db.cypher("MATCH (n) WHERE NOT n:Cash DETACH DELETE n")
    db.cypher("MERGE (:Cash {id: 'cash'})")
    rng = random.Random(shuffle_seed)
    acc = net.accounts
    accounts = [
        {"id": str(acc.ids[i]), "class": str(acc.cls[i]), "currency": str(acc.currency[i]),
         "country": str(acc.country[i])}
        for i in range(len(acc))
    ]
    rng.shuffle(accounts)
    db.cypher("UNWIND $rows AS r CREATE (:Account {id: r.id, class: r.class, currency: r.currency, "
              "country: r.country, opened: date('2020-01-01')})", rows=accounts)
    mov = net.movements
    rows = []
    for i in range(len(mov)):
        rows.append({
            "id": str(mov.ids[i]), "kind": KIND_NAMES[int(mov.kind[i])],
            "src": None if mov.src[i] < 0 else str(acc.ids[mov.src[i]]),
            "dst": None if mov.dst[i] < 0 else str(acc.ids[mov.dst[i]]),
            "amount": float(mov.amount[i]), "currency": str(mov.currency[i]), "ts": int(mov.ts[i]),
            "channel": str(mov.channel[i]),
        })
    rng.shuffle(rows)
    db.cypher(
        """
        UNWIND $rows AS r
        CALL (r) {
          WITH r WHERE r.kind = 'transfer'
          MATCH (a:Account {id: r.src}), (b:Account {id: r.dst})
          CREATE (a)-[:TRANSFER {id: r.id, amount: r.amount, currency: r.currency,
                                 ts: datetime({epochSeconds: r.ts}), channel: r.channel}]->(b)
          UNION
          WITH r WHERE r.kind = 'deposit'
          MATCH (c:Cash {id: 'cash'}), (b:Account {id: r.dst})
          CREATE (c)-[:DEPOSIT {id: r.id, amount: r.amount, currency: r.currency,
                                ts: datetime({epochSeconds: r.ts}), channel: r.channel}]->(b)
          UNION
          WITH r WHERE r.kind = 'withdrawal'
          MATCH (a:Account {id: r.src}), (c:Cash {id: 'cash'})
          CREATE (a)-[:WITHDRAWAL {id: r.id, amount: r.amount, currency: r.currency,
                                   ts: datetime({epochSeconds: r.ts}), channel: r.channel}]->(c)
        }
        """,
        rows=rows,
    )


def oracle(net: Network, sources, targets, **kw) -> list[tuple[str, str, tuple[str, ...]]]:
    """The pure-Python enumeration, as (source id, target id, transfer ids)."""
    idx = net.accounts.index()
    hits = enumerate_paths(net, [idx[s] for s in sources], [idx[t] for t in targets], **kw)
    ids, mids = net.accounts.ids, net.movements.ids
    return [(str(ids[h.source]), str(ids[h.target]), tuple(str(mids[r]) for r in h.transfers)) for h in hits]


def cypher_paths(db, sources, targets, method: str = "levels", **kw) -> list[tuple[str, str, tuple[str, ...]]]:
    found = enumerate_paths_db(db, sources, targets, method=method, **kw)
    return [(p.source, p.target, p.transfers) for p in found.paths]


def params(sources=(), targets=(), **kw) -> PathParams:
    """Path parameters with explicit endpoints and the linear utility."""
    kw.setdefault("utility", LINEAR)
    return PathParams(sources=EndpointSelection(ids=tuple(sources)),
                      targets=EndpointSelection(ids=tuple(targets)), **kw)


def only(result):
    assert len(result.paths) == 1, result.paths
    return result.paths[0]


# --------------------------------------------------------------------------- Cypher = oracle

HAND = {
    "chain": CHAIN, "diamond": DIAMOND, "cycle": CYCLE, "dead_end": DEAD_END,
    "time_order": TIME_ORDER, "min_carry": MIN_CARRY, "window": WINDOW, "parallel": PARALLEL,
    "self_loop": SELF_LOOP, "hub": HUB,
}
SETTINGS = [
    {},  # the defaults: L = 6, 30 days, carry 0.5, cap 20
    {"max_hops": 2, "window_days": 29, "min_carry": 0.0, "fanout_cap": 1},
    {"max_hops": 3, "window_days": None, "min_carry": 0.9, "fanout_cap": 2},
    {"max_hops": 1, "window_days": 0, "min_carry": 0.5, "fanout_cap": None},
]


@pytest.mark.parametrize("method", ["levels", "qpp", "apoc"])
@pytest.mark.parametrize("name", sorted(HAND))
def test_hand_networks_cypher_equals_oracle(db, name, method):
    net = HAND[name]
    load(db, net)
    every = [str(a) for a in net.accounts.ids]
    for kw in SETTINGS:
        want = oracle(net, every, every, **{"max_hops": 6, "window_days": 30, "min_carry": 0.5,
                                            "fanout_cap": 20, **kw})
        got = cypher_paths(db, every, every, method=method, **kw)
        assert got == want, (name, kw)


def test_hub_bound_is_reported(db):
    # HUB: A pays B1..B4 10, 30, 20, 30; a cap of 2 keeps h2 and h4 and cuts 2 transfers of 1 account
    load(db, HUB)
    found = enumerate_paths_db(db, ["A"], ["T"], fanout_cap=2)
    assert [p.transfers for p in found.paths] == [("h2", "g2"), ("h4", "g4")]
    assert (found.stats.accounts_capped, found.stats.transfers_cut, found.stats.paths) == (1, 2, 2)
    one = enumerate_paths_db(db, ["A"], ["T"], fanout_cap=1)  # the tie 30 = 30 goes to h2
    assert [p.transfers for p in one.paths] == [("h2", "g2")]
    assert (one.stats.accounts_capped, one.stats.transfers_cut) == (1, 3)


def test_pairs_keep_each_source_to_its_own_targets(db):
    load(db, CHAIN)
    found = enumerate_paths_db(db, [], [], pairs=[("A", "C"), ("B", "D")])
    assert [(p.source, p.target, p.transfers) for p in found.paths] == [
        ("A", "C", ("t1", "t2")), ("B", "D", ("t2", "t3"))]  # not A -> D, not B -> C


@st.composite
def random_bank(draw):
    n = draw(st.integers(2, 7))
    names = [f"a{i}" for i in draw(st.permutations(range(n)))]
    node = st.sampled_from(names)
    moves = draw(st.lists(
        st.tuples(node, node, st.sampled_from([10.0, 20.0, 50.0, 100.0, 100.0, 150.0]),
                  st.sampled_from([0, 0, 1, 2, 3, 5, 8, 30, 31])),
        max_size=16,
    ))
    rows = [{"id": f"t{i}", "kind": "transfer", "from": a, "to": b, "amount": amt, "ts": T0 + day * DAY}
            for i, (a, b, amt, day) in enumerate(moves)]  # unpadded ids: t10 sorts before t2
    net = Network.from_rows([{"id": x} for x in names], rows)
    sources = draw(st.lists(node, min_size=1, max_size=n, unique=True))
    targets = draw(st.lists(node, min_size=1, max_size=n, unique=True))
    return net, sources, targets


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(
    bank=random_bank(),
    max_hops=st.integers(1, 4),
    window_days=st.sampled_from([0, 1, 5, 30, None]),
    min_carry=st.sampled_from([0.0, 0.5, 0.5, 1.0]),
    fanout_cap=st.sampled_from([None, 1, 2, 3]),
    seed=st.integers(0, 9),
)
def test_random_banks_cypher_equals_oracle(db, bank, max_hops, window_days, min_carry, fanout_cap, seed):
    net, sources, targets = bank
    load(db, net, shuffle_seed=seed)
    kw = {"max_hops": max_hops, "window_days": window_days, "min_carry": min_carry, "fanout_cap": fanout_cap}
    idx = net.accounts.index()
    want = enumerate_paths(net, [idx[s] for s in sources], [idx[t] for t in targets], **kw)
    found = enumerate_paths_db(db, sources, targets, net=net, **kw)  # with the hops-to-target pruning
    assert [(p.source, p.target, p.transfers) for p in found.paths] == oracle(net, sources, targets, **kw)
    assert (found.stats.accounts_capped, found.stats.transfers_cut, found.stats.paths) == (
        want.stats.accounts_capped, want.stats.transfers_cut, want.stats.paths)
    assert cypher_paths(db, sources, targets, **kw) == oracle(net, sources, targets, **kw)  # unpruned


# --------------------------------------------------------------------------- R1, R2, reach, U


def test_chain(db):
    # A -t1(100)-> B -t2(90)-> C -t3(80)-> D: one path, R1 = 3. Every account pays one other, so
    # each step has probability 1: R2 = 1, -log R2 = 0, and the walk reaches D on transfer 3.
    # U = (100) + (100 + 90) + (100 + 90 + 80) - (2 + 1) - (1.8 + 1) - (1.6 + 1) = 560 - 8.4
    load(db, CHAIN)
    p = only(run_paths(db, params(["A"], ["D"])))
    assert p.accounts == ("A", "B", "C", "D") and p.transfers == ("t1", "t2", "t3")
    assert p.amounts == (100.0, 90.0, 80.0)
    assert p.r1 == 3
    assert p.r2 == pytest.approx(1.0) and p.r2_distance == pytest.approx(0.0, abs=1e-12)
    assert p.pair.f == pytest.approx([0, 0, 1, 0, 0, 0])
    assert (p.pair.reach, p.pair.most_likely_hops, p.pair.expected_hops) == (pytest.approx(1.0), 3, pytest.approx(3.0))
    assert p.utility == pytest.approx(551.6)
    assert (p.rank, p.optimal) == (1, True)


def test_diamond(db):
    # A pays B (shell) 300 and C (personal) 100; B pays D (external) 200, C pays D 80.
    # Two paths, R1 = 2 each. Uniform walk: A->B = A->C = 1/2, then 1: R2 = 1/2 each, and the
    # walk reaches D on transfer 2 for sure. By amount: A->B = 3/4, A->C = 1/4.
    # U(A-B-D) = 300 + 500 - (6 + 0.2) - (4 + 2) = 787.8; U(A-C-D) = 100 + 180 - 3 - 3.6 = 273.4:
    # A-B-D is the launderer's optimum.
    load(db, DIAMOND)
    res = run_paths(db, params(["A"], ["D"]))
    best, other = res.paths  # best utility first
    assert best.accounts == ("A", "B", "D") and other.accounts == ("A", "C", "D")
    assert (best.r1, other.r1) == (2, 2)
    assert (best.r2, other.r2) == (pytest.approx(0.5), pytest.approx(0.5))
    assert best.r2_distance == pytest.approx(math.log(2))
    assert best.pair.f == pytest.approx([0, 1, 0, 0, 0, 0]) and best.pair is other.pair
    assert (best.utility, other.utility) == (pytest.approx(787.8), pytest.approx(273.4))
    assert (best.rank, best.optimal, other.rank, other.optimal) == (1, True, 2, False)
    by_amount = run_paths(db, params(["A"], ["D"], weighting="amount"))
    assert [p.r2 for p in by_amount.paths] == [pytest.approx(0.75), pytest.approx(0.25)]


def test_cycle(db):
    # A -t1-> B -t2-> C -t3-> A, C -t4-> D, A -t5-> B again later: one simple path A-B-C-D (the
    # second lap would revisit A). Uniform walk: A->B = 1, B->C = 1, C->A = C->D = 1/2, so
    # R2 = 1/2 and, with D absorbing, f = [0, 0, 1/2, 0, 0, 1/4]: reach 3/4 within 6 transfers,
    # most likely 3, expected (3/2 + 6/4) / (3/4) = 4 given arrival.
    # U = 100 + 200 + 300 - 3 * (2 + 1) = 591.
    load(db, CYCLE)
    p = only(run_paths(db, params(["A"], ["D"])))
    assert p.transfers == ("t1", "t2", "t4") and p.r1 == 3
    assert p.r2 == pytest.approx(0.5)
    assert p.pair.f == pytest.approx([0, 0, 0.5, 0, 0, 0.25])
    assert p.pair.reach == pytest.approx(0.75) and p.pair.distance == pytest.approx(-math.log(0.75))
    assert (p.pair.most_likely_hops, p.pair.expected_hops) == (3, pytest.approx(4.0))
    assert p.utility == pytest.approx(591.0)


def test_dead_end(db):
    # A pays B and D; B pays C, which pays nobody; D pays T. A -> T: the one path A-D-T. Walk:
    # A->B = A->D = 1/2, D->T = 1: R2 = 1/2 = reach (half the walks die at C). U = 100 + 200 - 6.
    load(db, DEAD_END)
    p = only(run_paths(db, params(["A"], ["T"])))
    assert p.transfers == ("t3", "t4") and p.r1 == 2
    assert p.r2 == pytest.approx(0.5)
    assert p.pair.f == pytest.approx([0, 0.5, 0, 0, 0, 0]) and p.pair.reach == pytest.approx(0.5)
    assert p.utility == pytest.approx(294.0)
    # the dead end itself is reachable (A-B-C), but nothing goes on from C
    assert [q.transfers for q in run_paths(db, params(["A"], ["C"])).paths] == [("t1", "t2")]


def test_hop_that_breaks_time_order(db):
    # A -t1(day 2)-> B -t2(day 1)-> C: money cannot leave B before it arrived, so t1-t2 is no path;
    # A -t3(day 1)-> B at the same second as t2 is (equal times are allowed). R1 = 2, and each step
    # is the only one out of its account: R2 = 1. U = 100 + 200 - 6 = 294.
    load(db, TIME_ORDER)
    p = only(run_paths(db, params(["A"], ["C"])))
    assert p.transfers == ("t3", "t2") and p.r1 == 2
    assert p.r2 == pytest.approx(1.0) and p.pair.reach == pytest.approx(1.0)
    assert p.utility == pytest.approx(294.0)


def test_no_path_writes_an_empty_run(db):
    load(db, TIME_ORDER)
    res = run_paths(db, params(["C"], ["A"]))
    assert res.paths == [] and res.paths_written == 0 and res.flags_written == 0


# --------------------------------------------------------------------------- write-back


def test_written_paths_steps_and_flags(db):
    load(db, DIAMOND)
    res = run_paths(db, params(["A"], ["D"]))
    rows = read_paths(db, res.run_id)
    assert [r["accounts"] for r in rows] == [["A", "B", "D"], ["A", "C", "D"]]
    for r, p in zip(rows, res.paths):
        assert r["steps"] == r["accounts"]  # (:LaunderingPath)-[:STEP {position}]->(:Account), in order
        assert (r["source"], r["target"], r["transfers"], r["amounts"]) == ("A", "D", list(p.transfers), list(p.amounts))
        assert (r["r1"], r["rank"], r["optimal"]) == (p.r1, p.rank, p.optimal)
        assert (r["r2"], r["r2_distance"], r["utility"]) == (
            pytest.approx(p.r2), pytest.approx(p.r2_distance), pytest.approx(p.utility))
    steps = db.cypher("MATCH (p:LaunderingPath {id: $id})-[s:STEP]->(a) RETURN s.position AS i, a.id AS a, "
                      "s.transfer AS t, s.amount AS amount ORDER BY i", id=rows[0]["id"])
    assert [(s["i"], s["a"], s["t"], s["amount"]) for s in steps] == [
        (0, "A", None, None), (1, "B", "t1", 300.0), (2, "D", "t3", 200.0)]
    # a laundering_path flag on each account of the optimal path, none for the other path's C
    flags = db.cypher("MATCH (f:Flag {runId: $run, rule: 'laundering_path'})-[:FLAGS]->(a) "
                      "RETURN a.id AS a, f.value AS value, f.threshold AS threshold, f.movements AS m "
                      "ORDER BY a", run=res.run_id)
    assert [f["a"] for f in flags] == ["A", "B", "D"]
    assert all(f["value"] == pytest.approx(787.8) and f["threshold"] == 0.0 and f["m"] == ["t1", "t3"]
               for f in flags)
    reasons = [r for r in explain(db, "B")["reasons"] if r["rule"] == "laundering_path"]
    assert len(reasons) == 1 and reasons[0]["movements"] == ["t1", "t3"]
    assert reasons[0]["details"]["path"] == rows[0]["id"] and reasons[0]["details"]["position"] == 1
    assert not [r for r in explain(db, "C")["reasons"] if r["rule"] == "laundering_path"]


def test_rerun_replaces_instead_of_piling_up(db):
    load(db, DIAMOND)
    count = "MATCH (p:LaunderingPath) RETURN count(p) AS paths, COUNT { (:Flag) } AS flags"
    first = run_paths(db, params(["A"], ["D"]))
    assert db.cypher(count) == [{"paths": 2, "flags": 3}]
    second = run_paths(db, params(["A"], ["D"]))
    assert db.cypher(count) == [{"paths": 2, "flags": 3}]
    runs = db.cypher("MATCH (r:DetectionRun {detector: 'paths'}) RETURN r.id AS id, r.status AS status")
    assert {r["id"]: r["status"] for r in runs} == {first.run_id: "superseded", second.run_id: "complete"}
    assert {r["id"].split(":")[0] for r in read_paths(db)} == {second.run_id}
    run_paths(db, params(["A"], ["D"], weighting="amount"))  # other parameters: results of their own
    assert db.cypher(count) == [{"paths": 4, "flags": 6}]


def test_too_many_paths_writes_nothing(db):
    load(db, DIAMOND)
    with pytest.raises(TooManyPaths) as err:
        run_paths(db, params(["A"], ["D"], max_paths=1))
    assert str(err.value).startswith("more than 1 candidate paths from 1 source(s) to 1 target(s): narrow")
    assert db.cypher("MATCH (r:DetectionRun) RETURN count(r) AS n") == [{"n": 0}]


# --------------------------------------------------------------------------- endpoints


def test_default_endpoints_follow_placement_and_integration(db):
    # CHAIN has a cash deposit into A and a withdrawal from D: A places, D integrates.
    load(db, CHAIN)
    res = run_paths(db, PathParams(utility=LINEAR))
    assert (res.sources, res.targets) == (1, 1)
    assert [(p.source, p.target, p.transfers) for p in res.paths] == [("A", "D", ("t1", "t2", "t3"))]


def test_flagged_endpoints_come_from_the_latest_amounts_run(db):
    load(db, DIAMOND)
    flagged = PathParams(sources=EndpointSelection(behaviour=False, flagged=True),
                         targets=EndpointSelection(ids=("D",)), utility=LINEAR)
    with pytest.raises(NotFound, match="no complete 'amounts' detection run"):
        run_paths(db, flagged)
    db.cypher("CREATE (:DetectionRun {id: 'amounts-1', detector: 'amounts', status: 'complete', "
              "started: datetime({epochSeconds: 0})}) "
              "WITH 1 AS one MATCH (c:Account {id: 'C'}) "
              "CREATE (:Flag {id: 'amounts-1:0', runId: 'amounts-1', rule: 'large_amount'})-[:FLAGS]->(c)")
    res = run_paths(db, flagged)
    assert res.sources == 1
    assert [(p.source, p.target, p.transfers) for p in res.paths] == [("C", "D", ("t4",))]


def test_unknown_account_is_not_found(db):
    load(db, CHAIN)
    with pytest.raises(NotFound, match="no account with id 'ZZ' in the graph"):
        run_paths(db, params(["ZZ"], ["D"]))


def test_path_params_from_config_and_overrides(tmp_path):
    cfg = tmp_path / "aml.toml"
    cfg.write_text('[paths]\nmax_hops = 4\nwindow_days = 7\nfanout_cap = 0\nsource_classes = ["shell"]\n'
                   '[utility]\nbenefit = "linear"\n')
    s = load_settings(path=cfg)
    p = path_params(s)
    assert (p.max_hops, p.window_days, p.fanout_cap, p.utility.benefit) == (4, 7.0, None, "linear")
    assert p.sources == EndpointSelection(classes=("shell",)) and p.targets == EndpointSelection()
    q = path_params(s, sources=["A"], max_hops=2, fanout_cap=5)
    assert (q.max_hops, q.fanout_cap, q.sources) == (2, 5, EndpointSelection(ids=("A",)))
    cfg.write_text("[paths]\nmax_hop = 4\n")
    with pytest.raises(Exception, match=r"\[paths\] unknown key\(s\): max_hop"):
        path_params(load_settings(path=cfg))


# --------------------------------------------------------------------------- CLI

JSON_KEYS = ["source", "target", "accounts", "transfers", "r1", "r2", "r2_distance", "utility", "rank", "optimal"]


@pytest.fixture
def linear_config(tmp_path, monkeypatch):
    cfg = tmp_path / "aml.toml"
    cfg.write_text('[utility]\nbenefit = "linear"\n')
    monkeypatch.setenv("AML_CONFIG", str(cfg))
    return cfg


def test_cli_json_lists_every_path_of_a_pair(db, linear_config):
    load(db, DIAMOND)
    res = runner.invoke(app, ["paths", "--source", "A", "--target", "D", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [list(o) for o in out] == [JSON_KEYS, JSON_KEYS]  # keys exact, in order
    assert [(o["accounts"], o["transfers"], o["r1"], o["rank"], o["optimal"]) for o in out] == [
        (["A", "B", "D"], ["t1", "t3"], 2, 1, True), (["A", "C", "D"], ["t2", "t4"], 2, 2, False)]
    assert out[0]["r2"] == pytest.approx(0.5) and out[0]["r2_distance"] == pytest.approx(math.log(2))
    assert out[0]["utility"] == pytest.approx(787.8)
    top1 = json.loads(runner.invoke(app, ["paths", "--source", "A", "--target", "D", "--top", "1", "--json"]).stdout)
    assert len(top1) == 1 and top1[0]["accounts"] == ["A", "B", "D"]


def test_cli_table_and_options(db, linear_config):
    load(db, CHAIN)
    res = runner.invoke(app, ["paths", "--source", "A", "--target", "D", "--max-hops", "2"])
    assert res.exit_code == 0, res.output
    assert "0 paths" in res.output
    res = runner.invoke(app, ["paths", "--source", "A", "--target", "D", "--window", "1",
                              "--min-carry", "0.8", "--weighting", "amount"])
    assert res.exit_code == 0, res.output
    for word in ("R1", "R2", "-log R2", "utility", "rank", "A > B > C > D", "551.60"):
        assert word in res.output


def test_cli_unknown_id_is_one_line(db):
    load(db, CHAIN)
    for args in (["paths", "--source", "ZZ", "--target", "D"],
                 ["paths", "reach", "--source", "A", "--target", "ZZ", "--max-hops", "3"]):
        res = runner.invoke(app, args)
        assert res.exit_code == 1
        lines = [ln for ln in res.output.splitlines() if ln.strip()]
        assert lines == ["error: no account with id 'ZZ' in the graph"], res.output


def test_cli_reach_exact_against_monte_carlo(db):
    # CYCLE: f(A, D) = [0, 0, 1/2, 0, 0, 1/4] (test_cycle); 40,000 walks estimate the reach 3/4.
    load(db, CYCLE)
    res = runner.invoke(app, ["paths", "reach", "--source", "A", "--target", "D", "--max-hops", "6",
                              "--walks", "40000", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert list(out) == ["f", "reach", "most_likely_hops", "expected_hops", "mc"]
    assert list(out["mc"]) == ["estimate", "stderr", "walks"]
    assert out["f"] == pytest.approx([0, 0, 0.5, 0, 0, 0.25])
    assert (out["reach"], out["most_likely_hops"], out["expected_hops"]) == (pytest.approx(0.75), 3, pytest.approx(4.0))
    mc = out["mc"]
    assert mc["walks"] == 40000 and mc["stderr"] == pytest.approx(math.sqrt(0.75 * 0.25 / 40000), rel=0.05)
    assert abs(mc["estimate"] - out["reach"]) <= 4 * mc["stderr"]
    res = runner.invoke(app, ["paths", "reach", "--source", "A", "--target", "D", "--max-hops", "3",
                              "--weighting", "amount", "--walks", "1000"])
    assert res.exit_code == 0, res.output
    assert "Monte-Carlo" in res.output and "reach 0.5" in res.output
