"""`aml explain ACCOUNT_ID`: why an account is flagged, on the real database (issue "Abnormal
amounts": every flag is explainable from the graph).

The bank: customer A splits cash into three deposits just under the 10,000 USD reporting
threshold within three days (structuring) and makes one 25,000 USD deposit, above the shipped
limit for personal USD accounts (config/limits.csv: 20,000), so A has exactly two reasons. B pays
A 100 USD once and has none. Too few movements for any statistical bound (class pool of 5 < 10),
and no registered capital, so no other rule can fire.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from toolkit.cli import app
from tests.integration.test_amounts_db import (
    DAY, T0, acct, cli_load, detect, fresh_database, mv, write_bank,
)

runner = CliRunner()

ACCOUNTS = [acct("A", "personal", customer="CU_A"), acct("B", "personal")]
MOVEMENTS = [
    mv("a-d1", "deposit", None, "A", 9000.0, T0),
    mv("a-d2", "deposit", None, "A", 9100.0, T0 + DAY),
    mv("a-d3", "deposit", None, "A", 9200.0, T0 + 3 * DAY),
    mv("a-d4", "deposit", None, "A", 25_000.0, T0 + 20 * DAY),
    mv("b-t1", "transfer", "B", "A", 100.0, T0 + 21 * DAY),
]


@pytest.fixture(scope="module")
def explained(db, tmp_path_factory):
    fresh_database(db)
    cli_load(write_bank(tmp_path_factory.mktemp("explain-bank"), ACCOUNTS, MOVEMENTS))
    counts, run = detect(db)
    assert counts == {"large_amount": 0, "deposit_limit": 1, "transfer_limit": 0, "structuring": 1,
                      "capital_mismatch": 0}
    return run


def explain_json(account: str) -> dict:
    res = runner.invoke(app, ["explain", account, "--json"])
    assert res.exit_code == 0, res.output
    lines = res.stdout.strip().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


def test_explain_json_shape(db, explained):
    out = explain_json("A")
    assert list(out) == ["account", "reasons"] and out["account"] == "A"
    assert [r["rule"] for r in out["reasons"]] == ["deposit_limit", "structuring"]  # same score: by rule
    for r in out["reasons"]:
        assert {"rule", "value", "threshold", "movements"} <= set(r)
        assert isinstance(r["value"], float) and isinstance(r["threshold"], float)
        assert isinstance(r["movements"], list) and all(isinstance(m, str) for m in r["movements"])
        assert r["run"] == explained
    dep, struct = out["reasons"]
    assert (dep["value"], dep["threshold"], dep["movements"]) == (25_000.0, 20_000.0, ["a-d4"])
    assert struct["movements"] == ["a-d1", "a-d2", "a-d3"]
    assert (struct["value"], struct["threshold"]) == (pytest.approx(27_300.0), 10_000.0)
    assert struct["details"]["customer"] == "CU_A" and struct["details"]["count"] == 3
    assert struct["window"][0].startswith("2025-01-01T00:00:00")
    assert struct["window"][1].startswith("2025-01-04T00:00:00")


def test_explain_movement_ids_are_in_the_graph(db, explained):
    ids = {m for r in explain_json("A")["reasons"] for m in r["movements"]}
    found = db.cypher("MATCH ()-[m:DEPOSIT|TRANSFER|WITHDRAWAL]->() WHERE m.id IN $ids "
                      "RETURN collect(m.id) AS ids", ids=sorted(ids))[0]["ids"]
    assert sorted(found) == sorted(ids)


def test_unflagged_account_has_no_reasons(db, explained):
    assert explain_json("B") == {"account": "B", "reasons": []}
    res = runner.invoke(app, ["explain", "B"])
    assert res.exit_code == 0 and "no flags" in res.output


def test_unknown_account_is_one_line_error(db, explained):
    res = runner.invoke(app, ["explain", "NO-SUCH", "--json"])
    assert res.exit_code != 0
    assert [ln for ln in res.output.splitlines() if ln.strip()] == [
        "error: no account with id 'NO-SUCH' in the graph"]
    assert res.stdout == ""


def test_explain_text_lists_the_reasons(db, explained):
    res = runner.invoke(app, ["explain", "A"])
    assert res.exit_code == 0, res.output
    assert "deposit_limit" in res.output and "structuring" in res.output


def test_saved_account_flags_agrees_with_explain(db, explained):
    rows = db.run("saved/account_flags", account_id="A")
    reasons = explain_json("A")["reasons"]
    keys = ("rule", "value", "threshold", "movements", "run")
    assert [tuple(r[k] for k in keys) for r in rows] == [tuple(r[k] for k in keys) for r in reasons]
    assert {r["detector"] for r in rows} == {"amounts"}


def test_rerun_replaces_reasons_instead_of_adding(db, explained):
    _counts, run = detect(db)
    out = explain_json("A")
    assert [r["rule"] for r in out["reasons"]] == ["deposit_limit", "structuring"]
    assert {r["run"] for r in out["reasons"]} == {run} != {explained}
    assert len(db.run("saved/account_flags", account_id="A")) == 2
