"""The combined risk score: its arithmetic, the flag round trip through the graph, the score job,
and the exact contracts of `aml scores` and `aml evaluate --json`."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from toolkit.cli import ai as ai_cli
from toolkit.config import load_settings
from toolkit.findings import Finding
from toolkit.network import read_network
from toolkit.runs import detection_run
from toolkit.scoring.combined import CombinedParams, FlagTable, combined_score, rule_evidence
from toolkit.writeback import write_findings

runner = CliRunner()


def _app() -> typer.Typer:
    """The commands as the lead registers them in toolkit.cli (tests do not depend on that file)."""
    app = typer.Typer()
    app.command("scores")(ai_cli.scores)
    app.command("evaluate")(ai_cli.evaluate)
    return app


# -- arithmetic (no server) ---------------------------------------------------------------------

# Ten accounts. "cycle" flags 1 of them (rare: full weight), "large_amount" flags 5 (common: low
# weight). Account 0 has both: two families corroborate. Account 1 has only large_amount.
IDS = [f"A{i}" for i in range(10)]
FLAGS = FlagTable.from_lists(IDS, account=[0, 0, 1, 2, 3, 4], rule=["cycle"] + ["large_amount"] * 5,
                             score=[0.9, 1.0, 1.0, 1.0, 1.0, 1.0], involved=[[5, 6], [], [], [], [], []])


def test_rule_weights_come_from_how_often_a_rule_fires():
    p = CombinedParams(p_ref=0.1, w_min=0.05, involved_weight=0.0, single_family=1.0)
    # no typology scores given: no agreement step, the weights are the rarity weights
    res = combined_score(FLAGS, p)
    assert res.weights["cycle"] == pytest.approx(1.0)  # share 0.1 = p_ref
    assert res.weights["large_amount"] == pytest.approx(np.log(0.5) / np.log(0.1))
    w = res.weights["large_amount"]
    assert res.score[0] == pytest.approx(1 - (1 - 0.9) * (1 - w))
    assert res.score[1] == pytest.approx(w)
    assert res.score[9] == 0.0
    assert res.reasons[0] == ("cycle", "large_amount") and res.reasons[9] == ()


def test_involved_accounts_and_corroboration():
    p = CombinedParams(p_ref=0.1, involved_weight=0.5, single_family=0.5, threshold=0.4)
    res = combined_score(FLAGS, p)
    # the cycle's other members get half its evidence; one family only: discounted by half
    assert res.score[5] == pytest.approx(0.9 * 0.5 * 0.5)
    # account 0: cycle (typologies) + large_amount (amounts): two families, no discount
    w = res.weights["large_amount"]
    assert res.score[0] == pytest.approx(1 - (1 - 0.9) * (1 - w))
    assert res.flagged.tolist() == [s >= 0.4 for s in res.score]
    # an abnormal cluster mark corroborates rule evidence, never creates a suspicion alone
    cl = np.zeros(10)
    cl[[1, 9]] = 1.0
    with_clusters = combined_score(FLAGS, p, cluster_score=cl)
    assert with_clusters.score[9] == 0.0 and with_clusters.reasons[9] == ()
    w = res.weights["large_amount"]  # account 1's only rule evidence; one family: halved
    assert res.score[1] == pytest.approx(w * 0.5)
    assert with_clusters.score[1] == pytest.approx((1 - (1 - w) * (1 - p.cluster_weight * w)) * 0.5)
    assert with_clusters.reasons[1] == ("large_amount", "abnormal_cluster")
    assert rule_evidence(FLAGS, p)[9] == 0.0


def test_no_flags_at_all():
    empty = FlagTable.from_lists(["A", "B"], [], [], [])
    res = combined_score(empty)
    assert res.score.tolist() == [0.0, 0.0] and not res.flagged.any()


# -- the graph ----------------------------------------------------------------------------------

# Five accounts: A -> B -> C -> A is a cycle; D pays E once, a large amount.
ACCOUNTS = ["A", "B", "C", "D", "E"]
TRANSFERS = [("A", "B", 100.0), ("B", "C", 95.0), ("C", "A", 90.0), ("D", "E", 50000.0)]


@pytest.fixture(scope="module")
def small(db):
    db.cypher("UNWIND $ids AS id MERGE (:Account {id: id, class: 'personal', currency: 'USD', country: 'US', "
              "opened: date('2020-01-01')})", ids=ACCOUNTS)
    db.cypher("UNWIND range(0, size($rows) - 1) AS i WITH i, $rows[i] AS r "
              "MATCH (a:Account {id: r[0]}), (b:Account {id: r[1]}) "
              "CREATE (a)-[:TRANSFER {id: 'T' + i, amount: toFloat(r[2]), currency: 'USD', "
              "ts: datetime({epochSeconds: 1735689600 + i * 3600}), channel: 'wire'}]->(b)",
              rows=[list(t) for t in TRANSFERS])
    db.cypher("UNWIND $ids AS id MERGE (t:AccountTruth {id: id}) SET t.isLaundering = id IN ['A', 'B', 'C']",
              ids=ACCOUNTS)
    net = read_network(db)
    idx = net.accounts.index()
    findings = [
        Finding("cycle", idx["A"], (0, 1, 2), 3.0, 2.0, accounts=(idx["B"], idx["C"]), score=0.8,
                details={"length": 3, "span_s": 7200, "window_s": 30 * 86400}),
        Finding("large_amount", idx["D"], (3,), 50000.0, 10000.0, score=1.0),
        Finding("large_amount", idx["A"], (0,), 100.0, 50.0, score=0.5),
        # a weak typology hit: its counterparties are stored on the flag, without edges
        Finding("cycle", idx["B"], (1, 2, 0), 3.0, 2.0, accounts=(idx["C"], idx["A"]), score=0.01,
                details={"length": 3, "span_s": 7200, "window_s": 30 * 86400}),
    ]
    with detection_run(db, "test-typologies", {"t": 1}) as run:
        write_findings(db, run, net, findings)
    return db, net, findings


def test_flags_read_back_equal_the_in_memory_findings(small):
    from toolkit.jobs.scores import active_accounts, flag_table_from_findings, read_flag_table

    from toolkit.scoring.combined import typology_scores

    db, net, findings = small
    read, active, transfer_active = read_flag_table(db)
    mem = flag_table_from_findings(net, findings)
    assert active.tolist() == active_accounts(net).tolist()
    assert transfer_active.tolist() == active_accounts(net, transfers_only=True).tolist()
    p = CombinedParams(p_ref=0.2)
    for with_typology in (False, True):
        ta = typology_scores(read, transfer_active) if with_typology else None
        tb = typology_scores(mem, transfer_active) if with_typology else None
        assert (ta is None) == (tb is None)
        a = combined_score(read, p, active=active, typology=ta)
        b = combined_score(mem, p, active=active_accounts(net), typology=tb)
        by_id_a = dict(zip(a.ids, a.score))
        by_id_b = dict(zip(b.ids, b.score))
        assert by_id_a == pytest.approx(by_id_b)
        assert by_id_a["A"] > by_id_a["D"] > 0 and by_id_a["E"] == 0


def test_weak_typology_hits_keep_their_accounts_without_edges(small):
    db, _net, _f = small
    rows = db.cypher("MATCH (f:Flag)-[:FLAGS]->(a:Account) WHERE f.rule = 'cycle' "
                     "RETURN a.id AS account, f.score AS score, f.accounts AS accounts, "
                     "[(f)-[:INVOLVES]->(o) | o.id] AS edges ORDER BY account")
    assert [(r["account"], r["score"], r["accounts"], sorted(r["edges"])) for r in rows] == [
        ("A", 0.8, ["B", "C"], ["B", "C"]),  # strong: drawn
        ("B", 0.01, ["C", "A"], []),  # under LINK_FLOOR (0.05): listed only
    ]
    saved = db.run("saved/account_flags", account_id="B")
    assert [(r["rule"], r["otherAccounts"]) for r in saved] == [("cycle", ["A", "C"])]


def test_score_job_writes_every_account(small):
    from toolkit.jobs.scores import latest_scores, run_scores_job

    db, _net, _f = small
    res = run_scores_job(db, load_settings())
    assert "no embeddings run: cluster marks not used" in res.notes
    rows = db.cypher("MATCH (a:Account) RETURN a.id AS id, a.amlScore AS s, a.amlFlagged AS f, "
                     "a.amlReasons AS r, a.amlScoreRunId AS run ORDER BY id")
    assert [r["run"] for r in rows] == [res.run_id] * len(ACCOUNTS)
    assert {r["id"]: r["r"] for r in rows}["A"][0] == "cycle"
    top = latest_scores(db, 2)
    assert [t["account_id"] for t in top][0] == "A" and len(top) == 2
    assert list(top[0]) == ["account_id", "score", "flagged", "reasons"]


def test_cli_scores_csv_columns_are_exact(small, tmp_path):
    db, _net, _f = small
    from toolkit.jobs.scores import run_scores_job

    run_scores_job(db, load_settings())
    out = tmp_path / "scores.csv"
    result = runner.invoke(_app(), ["scores", "--csv", str(out)])
    assert result.exit_code == 0, result.output
    with open(out, newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["account_id", "score", "flagged", "reasons"]
    assert len(rows) == 1 + len(ACCOUNTS)
    scores = [float(r[1]) for r in rows[1:]]
    assert scores == sorted(scores, reverse=True)
    assert {r[2] for r in rows[1:]} <= {"true", "false"}
    first = rows[1]
    assert first[0] == "A" and first[3].split(";")[0] == "cycle"
    result = runner.invoke(_app(), ["scores", "--top", "2", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert len(data) == 2 and all(list(d) == ["account_id", "score", "flagged", "reasons"] for d in data)
    assert isinstance(data[0]["reasons"], str) and isinstance(data[0]["flagged"], bool)
    assert all(r == "" or all(p.isidentifier() for p in r.split(";")) for r in (d["reasons"] for d in data))


def test_cli_scores_without_a_run_is_one_line(db):
    db.cypher("MATCH (r:DetectionRun {detector: 'scores'}) SET r.status = 'superseded'")
    result = runner.invoke(_app(), ["scores"])
    assert result.exit_code == 1
    assert "no complete score run" in result.output


@pytest.mark.timeout(1800)
def test_cli_evaluate_json_keys_are_exact(db, tmp_path):
    result = runner.invoke(_app(), ["evaluate", "--json", "--transfers", "15000", "--yes", "--no-loaded",
                                    "--out", str(tmp_path / "plots"), "--cache-dir", str(tmp_path / "data")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["datasets"]
    assert len(data["datasets"]) == 3
    for d in data["datasets"]:
        assert list(d) == ["name", "methods"]
        assert list(d["methods"]) == ["ours", "ml", "ml_rw"]
        for m in d["methods"].values():
            assert list(m) == ["accuracy", "precision", "recall", "f1", "pr_auc"]
            assert all(v is None or 0.0 <= v <= 1.0 for v in m.values())
    pngs = sorted(p.name for p in (tmp_path / "plots").glob("*.png"))
    assert len(pngs) == 6 and any(p.endswith("_embedding_map.png") for p in pngs)


@pytest.mark.timeout(900)
def test_cli_bench_json_records_are_exact(db, tmp_path):
    """`aml bench --json`: one record per method and phase, the contract's keys in order, the load
    counted in graph construction (the detail file keeps it apart)."""
    detail = tmp_path / "detail.json"
    from toolkit.cli import app  # the real command tree: `aml bench` is a group with `bench load`

    result = runner.invoke(app, ["bench", "--transfers", "3000", "--methods", "ours,ml,ml_rw", "--json",
                                    "--yes", "--cache-dir", str(tmp_path / "data"), "--out", str(detail)])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert [(r["method"], r["phase"]) for r in records] == [
        (m, p) for m in ("ours", "ml", "ml_rw")
        for p in ("initialization", "graph_construction", "algorithm_execution", "result_storage")]
    for r in records:
        assert list(r) == ["method", "transfers", "phase", "seconds", "py_peak_mb", "server_heap_peak_mb"]
        assert r["transfers"] == 3000
        assert r["seconds"] > 0 and r["py_peak_mb"] > 50 and r["server_heap_peak_mb"] > 0
    for d in json.loads(detail.read_text()):
        if d["phase"] == "graph_construction":
            assert d["detail"]["load"]["rows"] > 3000
            assert d["seconds"] >= d["detail"]["load_seconds"]
    n = db.cypher("MATCH (a:Account) WHERE a.amlMlScore IS NOT NULL AND a.amlMlRwScore IS NOT NULL "
                  "RETURN count(a) AS n")[0]["n"]
    assert n > 0
