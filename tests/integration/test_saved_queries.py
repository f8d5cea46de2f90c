"""Every saved query in cypher/saved/ runs on a demo graph and agrees with the Python side."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from toolkit import admin
from toolkit.cli import app
from toolkit.explain import explain
from toolkit.guide import GUIDE_ORDER, render_guide
from toolkit.queries import all_queries, load_query
from toolkit.runs import latest_run

runner = CliRunner()
SAVED = [q for q in all_queries() if q.name.startswith("saved/")]


@pytest.fixture(scope="module")
def demo(db, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "bank"
    assert runner.invoke(app, ["generate", "--transfers", "20000", "--seed", "42", "--out", str(out)]).exit_code == 0
    admin.clear_database(db)
    admin.init_schema(db)
    assert runner.invoke(app, ["load", str(out)]).exit_code == 0
    res = runner.invoke(app, ["detect", "--json"])
    assert res.exit_code == 0, res.output
    return db


def _example(db, cf):
    """The example parameters of the header, evaluated by Cypher itself (datetime(...) etc.)."""
    m = re.search(r"/\*\s*:params\s*(\{.*?\})\s*\*/", cf.text, re.S)
    return db.cypher(f"RETURN {m.group(1)} AS p")[0]["p"]


def _top_account(db) -> str:
    return db.cypher("MATCH (f:Flag)-[:FLAGS]->(a:Account) RETURN a.id AS id, count(f) AS n ORDER BY n DESC, id LIMIT 1")[0]["id"]


@pytest.mark.parametrize("cf", SAVED, ids=[q.name for q in SAVED])
def test_saved_query_has_a_header_and_runs_with_its_example(demo, cf):
    assert cf.mode == "read"
    assert cf.purpose, "first line must say what the query answers"
    assert re.search(r"/\*\s*:params", cf.text), "needs a :params example block"
    params = _example(demo, cf)
    assert set(params) == set(cf.params)
    for name in cf.params:
        assert f"${name}" in cf.text
    demo.run(cf.name, **params)  # runs without error


def test_why_flagged_agrees_with_explain(demo):
    account = _top_account(demo)
    rows = demo.run("saved/why_flagged", account_id=account)
    reasons = explain(demo, account)["reasons"]
    assert [(r["rule"], r["value"], r["threshold"]) for r in rows] == [
        (r["rule"], r["value"], r["threshold"]) for r in reasons
    ]


def test_latest_run_is_the_latest_complete_run(demo):
    row = demo.run_one("saved/latest_run")
    assert row["run"] == latest_run(demo)["id"]
    assert row["status"] == "complete"


def test_money_flow_paths_touch_the_account(demo):
    account = _top_account(demo)
    rows = demo.run("saved/money_flow", account_id=account, limit=50)
    assert rows
    for r in rows:
        ids = {n.get("id") for n in r["p"].nodes}
        assert account in ids


def test_the_browser_guide_shows_every_saved_query_it_names(demo):
    page = render_guide(demo)
    assert page.startswith('<article class="guide">')
    for name, _note in GUIDE_ORDER:
        try:
            load_query(name)
        except Exception:  # noqa: BLE001 - a query another issue adds later
            continue
        assert f"{name}.cypher" in page
    # example parameters come from the graph
    from toolkit.guide import example_params

    examples = example_params(demo)
    assert examples.get("account_id") and examples["account_id"] in page
