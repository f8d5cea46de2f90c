"""The scheduled refresh: new movements only, idempotent, locked, logged."""

from __future__ import annotations

import csv
import fcntl
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from toolkit import admin
from toolkit.cli import app

runner = CliRunner()


def _split(src: Path, inbox: Path, cut: str) -> tuple[Path, Path]:
    """Accounts plus movements before ``cut`` in one file, the later movements in another."""
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "accounts.csv").write_text((src / "accounts.csv").read_text())
    with open(src / "movements.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    ts = header.index("ts")
    early = [r for r in body if r[ts] < cut]
    late = [r for r in body if r[ts] >= cut]
    first = inbox / "movements-1.csv"
    with open(first, "w", newline="") as fh:
        csv.writer(fh).writerows([header, *early])
    later = inbox.parent / "movements-2.csv"
    with open(later, "w", newline="") as fh:
        csv.writer(fh).writerows([header, *late])
    return first, later


def _graph(db) -> dict:
    return db.cypher(
        "CALL () { MATCH (n) RETURN count(n) AS nodes } CALL () { MATCH ()-[r]->() RETURN count(r) AS rels } "
        "CALL () { MATCH (r:DetectionRun) RETURN count(r) AS runs } RETURN nodes, rels, runs"
    )[0]


@pytest.fixture
def refresh_env(db, tmp_path, monkeypatch):
    admin.clear_database(db)
    admin.init_schema(db)
    data = tmp_path / "gen"
    assert runner.invoke(app, ["generate", "--transfers", "4000", "--seed", "21", "--out", str(data)]).exit_code == 0
    inbox = tmp_path / "inbox"
    first, later = _split(data, inbox, "2025-04-01")
    conf = tmp_path / "aml.toml"
    conf.write_text(
        f'[refresh]\ninbox = "{inbox}"\nlog = "{tmp_path / "refresh.log"}"\nlock = "{tmp_path / "refresh.lock"}"\n'
    )
    monkeypatch.setenv("AML_CONFIG", str(conf))
    return {"inbox": inbox, "later": later, "log": tmp_path / "refresh.log", "lock": tmp_path / "refresh.lock"}


def test_refresh_loads_new_movements_and_twice_changes_nothing(db, refresh_env):
    first = runner.invoke(app, ["refresh"])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("refreshed: loaded ")
    after_first = _graph(db)
    assert after_first["runs"] >= 1
    again = runner.invoke(app, ["refresh"])
    assert again.exit_code == 0 and again.output.startswith("nothing new: loaded 0")
    assert _graph(db) == after_first

    # new movements arrive: only they are loaded, detection runs again
    os.replace(refresh_env["later"], refresh_env["inbox"] / "movements-2.csv")
    third = runner.invoke(app, ["refresh"])
    assert third.exit_code == 0, third.output
    lines = [json.loads(ln) for ln in refresh_env["log"].read_text().splitlines()]
    assert [ln["status"] for ln in lines] == ["refreshed", "nothing new", "refreshed"]
    assert lines[2]["loaded"] > 0 and lines[2]["watermark_after"] > lines[0]["watermark_after"]
    assert lines[2]["detection_run"] and lines[2]["detection_run"] != lines[0]["detection_run"]
    stats = json.loads(runner.invoke(app, ["stats", "--json"]).stdout)
    assert stats["transfers"] == 4000


def test_a_second_refresh_while_one_runs_exits_75(db, refresh_env):
    fd = os.open(refresh_env["lock"], os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, b"4242")
        res = runner.invoke(app, ["refresh"])
        assert res.exit_code == 75
        assert "another refresh is running (pid 4242" in res.output
    finally:
        os.close(fd)
    line = json.loads(refresh_env["log"].read_text().splitlines()[-1])
    assert line["status"] == "locked" and line["exit_code"] == 75


def test_missing_inbox_is_a_configuration_error(db, tmp_path, monkeypatch):
    conf = tmp_path / "aml.toml"
    conf.write_text(f'[refresh]\ninbox = "{tmp_path / "nope"}"\nlog = "{tmp_path / "r.log"}"\nlock = "{tmp_path / "r.lock"}"\n')
    monkeypatch.setenv("AML_CONFIG", str(conf))
    res = runner.invoke(app, ["refresh"])
    assert res.exit_code == 2
    assert "is not a directory" in res.output
