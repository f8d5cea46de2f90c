"""The local server and the health check, on the real server (issue: server, skeleton, CI)."""

from __future__ import annotations

import json
import os
import stat

import pytest
from typer.testing import CliRunner

from toolkit import server as srv
from toolkit.cli import app
from toolkit.config import load_settings

runner = CliRunner()


def test_doctor_json_reports_neo4j_gds_apoc_and_browser(server):
    result = runner.invoke(app, ["doctor", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["neo4j_version"].startswith("5.26.")
    assert report["edition"] == "community"
    assert report["gds_version"].startswith("2.13.")
    assert report["apoc_version"].startswith("5.26.")
    assert report["browser_ok"] is True
    assert report["browser_url"].endswith("/browser/")
    assert report["bolt_uri"].startswith("bolt://")
    for key in ("server.memory.heap.max_size", "server.memory.pagecache.size"):
        assert key in report["memory"]


def test_wrong_password_is_one_line_and_non_zero(server, monkeypatch):
    monkeypatch.setenv("AML_NEO4J_PASSWORD", "not-the-password")
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code != 0
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1
    assert "refused the credentials of user 'neo4j'" in lines[0]
    assert "Traceback" not in result.output


def test_unreachable_server_is_one_line_and_non_zero(server, monkeypatch):
    monkeypatch.setenv("AML_NEO4J_URI", "bolt://127.0.0.1:1")
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code != 0
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert lines == ["error: cannot reach Neo4j at bolt://127.0.0.1:1: start it with `aml server start`"]


def test_password_file_is_private_and_never_printed(server):
    settings = load_settings()
    mode = stat.S_IMODE(os.stat(settings.server.password_file).st_mode)
    assert mode == 0o600
    password = settings.neo4j.password
    for args in (["doctor"], ["doctor", "--json"], ["server", "status", "--json"], ["server", "start"]):
        result = runner.invoke(app, args)
        assert password not in result.output
    assert password not in repr(settings.neo4j)


def test_db_clear_refuses_without_yes(server):
    result = runner.invoke(app, ["db", "clear"])
    assert result.exit_code == 2
    assert "refusing to delete all data without --yes" in result.output


def test_db_clear_refuses_remote_uri_without_force(server, monkeypatch):
    monkeypatch.setenv("AML_NEO4J_URI", "neo4j+s://example.databases.neo4j.io")
    from toolkit.admin import clear_database
    from toolkit.db import Database
    from toolkit.errors import ConfigError
    from neo4j import GraphDatabase

    settings = load_settings()
    driver = GraphDatabase.driver(settings.neo4j.uri, auth=("neo4j", "x"))
    try:
        with pytest.raises(ConfigError, match="not a local server"):
            clear_database(Database(driver, settings))
    finally:
        driver.close()


def test_start_twice_says_running_and_exits_zero(server):
    first = runner.invoke(app, ["server", "start"])
    second = runner.invoke(app, ["server", "start"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert "already running" in second.output


@pytest.mark.skipif(bool(os.environ.get("AML_NEO4J_URI")), reason="needs the local server")
def test_stop_then_status_then_start_again(server):
    stopped = runner.invoke(app, ["server", "stop"])
    assert stopped.exit_code == 0 and "stopped" in stopped.output
    status = runner.invoke(app, ["server", "status", "--json"])
    assert status.exit_code == 3
    assert json.loads(status.stdout)["running"] is False
    again = runner.invoke(app, ["server", "stop"])
    assert again.exit_code == 0 and "not running" in again.output
    started = runner.invoke(app, ["server", "start"])
    assert started.exit_code == 0 and "started" in started.output
    assert srv.status(load_settings()).running


def test_taken_port_is_one_line_error_with_log_tail(server, tmp_path, monkeypatch):
    # A second home on the same ports: the running server holds them.
    if not srv.status(load_settings()).running:
        srv.start(load_settings())
    monkeypatch.setenv("AML_SERVER_HOME", str(tmp_path / "other-home"))
    settings = load_settings()
    srv.install(settings)
    from toolkit.errors import ServerError

    try:
        with pytest.raises(ServerError, match=rf"port {settings.server.bolt_port} \(Bolt\) is already in use"):
            srv.start(settings)
    finally:
        srv.stop(settings)  # never leave a second server holding the suite's ports
