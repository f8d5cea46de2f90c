"""The toolkit's promises under faults and bad input, on the real server (loopback only).

Each test is bounded in time. Tests that stop or kill the server restart it before they end, so
the rest of the suite finds it running.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from typer.testing import CliRunner

from loaders.load import load_path
from toolkit import admin
from toolkit import server as srv
from toolkit.cli import app
from toolkit.config import load_settings
from toolkit.db import connect
from toolkit.errors import RejectsExceeded

runner = CliRunner()
pytestmark = pytest.mark.skipif(
    not load_settings().neo4j.is_local, reason="fault injection needs the local server"
)


def _stats() -> dict:
    res = runner.invoke(app, ["stats", "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def _aml(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "toolkit.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})


def _wait_for(predicate, timeout: float, step: float = 0.05) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if predicate():
                return True
        except Exception:  # noqa: BLE001 - the server may be coming up
            pass
        time.sleep(step)
    return False


def _restart() -> None:
    srv.stop(load_settings())
    srv.start(load_settings())


@pytest.fixture(scope="module")
def data(tmp_path_factory, server):
    out = tmp_path_factory.mktemp("rel") / "bank"
    res = runner.invoke(app, ["generate", "--transfers", "30000", "--seed", "11", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="module")
def clean_stats(db, data):
    admin.clear_database(db)
    admin.init_schema(db)
    assert runner.invoke(app, ["load", str(data)]).exit_code == 0
    return _stats()


@pytest.mark.timeout(300)
def test_server_killed_mid_load_then_reload_equals_a_clean_load(db, data, clean_stats):
    admin.clear_database(db)
    admin.init_schema(db)
    loader = _aml("load", str(data), "--batch-size", "1000", env={"AML_NEO4J_MAX_RETRY_TIME": "2"})
    assert _wait_for(lambda: db.cypher("MATCH ()-[t:TRANSFER]->() RETURN count(t) AS n")[0]["n"] > 2000, 120)
    pid = srv.status(load_settings()).pid
    os.kill(pid, signal.SIGKILL)
    _out, err = loader.communicate(timeout=120)
    assert loader.returncode != 0
    assert "Traceback" not in err
    srv.start(load_settings())
    assert runner.invoke(app, ["load", str(data)]).exit_code == 0
    assert _stats() == clean_stats


@pytest.mark.timeout(300)
def test_server_stopped_during_detection(db, data, clean_stats):
    first = runner.invoke(app, ["detect", "amounts", "--json"])
    assert first.exit_code == 0, first.output
    with connect(load_settings()) as d:
        complete = d.cypher("MATCH (r:DetectionRun {detector: 'amounts', status: 'complete'}) RETURN r.id AS id")
        flags_before = d.cypher("MATCH (f:Flag) RETURN count(f) AS n")[0]["n"]
    assert len(complete) == 1 and flags_before > 0
    detect = _aml("detect", "amounts", "--alpha", "0.01", env={"AML_NEO4J_MAX_RETRY_TIME": "2"})

    def running() -> bool:
        with connect(load_settings()) as d:
            return bool(d.cypher("MATCH (r:DetectionRun {status: 'running'}) RETURN r.id"))

    assert _wait_for(running, 60, 0.02)
    try:
        srv.stop(load_settings(), timeout=60)
        _out, err = detect.communicate(timeout=120)
    finally:
        srv.start(load_settings())  # the rest of the suite needs the server, whatever happened here
    assert detect.returncode != 0
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    with connect(load_settings()) as d:
        # the previous run's results are still the current ones
        latest = d.cypher("MATCH (r:DetectionRun {status: 'complete'}) RETURN r.id AS id")
        assert [r["id"] for r in latest] == [complete[0]["id"]]
        current = d.cypher("MATCH (f:Flag {runId: $id}) RETURN count(f) AS n", id=complete[0]["id"])[0]["n"]
        assert current == flags_before
    # the next run marks the interrupted one failed
    assert runner.invoke(app, ["detect", "amounts", "--alpha", "0.01", "--json"]).exit_code == 0
    with connect(load_settings()) as d:
        assert not d.cypher("MATCH (r:DetectionRun {status: 'running'}) RETURN r.id")
        failed = d.cypher("MATCH (r:DetectionRun) WHERE r.status STARTS WITH 'failed' RETURN r.error AS e")
        assert failed and "interrupted" in failed[0]["e"]


@pytest.mark.timeout(300)
def test_transient_errors_are_retried_by_managed_transactions(db, clean_stats):
    settings = load_settings().with_neo4j(max_retry_time=120.0)
    with connect(settings) as d:
        t = threading.Thread(target=_restart)
        t.start()
        time.sleep(0.5)  # the server is going down: the write below meets a dead connection
        row = d.cypher("MERGE (m:AmlMeta {id: 'retry-probe'}) SET m.at = timestamp() RETURN m.id AS id")
        t.join()
        assert row == [{"id": "retry-probe"}]
        assert d.cypher("MATCH (m:AmlMeta {id: 'retry-probe'}) DETACH DELETE m RETURN count(*) AS n")


# -- bad input -------------------------------------------------------------------------------

HEADER = ["id", "kind", "from", "to", "amount", "currency", "ts", "channel"]
good_amount = st.decimals(min_value="0.01", max_value="99999", places=2).map(str)
bad_amount = st.sampled_from(["", "abc", "-5", "0", "12,50", "1e20", "NaN", "inf", "  ", "1.2.3"])
good_ts = st.sampled_from(["2025-01-01T00:00:00Z", "2025-03-04 05:06:07", "2025-12-31T23:59:59+02:00"])
bad_ts = st.sampled_from(["", "yesterday", "2025-13-01T00:00:00Z", "32/01/2025", "0"])
row = st.fixed_dictionaries({
    "kind": st.sampled_from(["transfer", "transfer", "deposit", "withdrawal", "bogus", ""]),
    "from": st.sampled_from(["A", "B", "", "ZZZ", "A' OR 1=1"]),
    "to": st.sampled_from(["B", "A", "", "QQQ"]),
    "amount": st.one_of(good_amount, good_amount, bad_amount),
    "currency": st.sampled_from(["USD", "EUR", "usd", "XXQ", ""]),
    "ts": st.one_of(good_ts, good_ts, bad_ts),
    "channel": st.sampled_from(["wire", "cash", ""]),
    "extra_field": st.booleans(),
})


@pytest.fixture(scope="module")
def fuzz_db(db):
    admin.clear_database(db)
    admin.init_schema(db)
    assert runner.invoke(app, ["load", str(_accounts(Path(os.environ.get("TMPDIR", "/tmp"))))]).exit_code == 0
    return db


def _accounts(tmp: Path) -> Path:
    p = tmp / f"fuzz-accounts-{os.getpid()}.csv"
    p.write_text("id,class,currency,country,opened\nA,personal,USD,US,2024-01-01\nB,business,USD,US,2024-01-01\n")
    return p


@hsettings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, min_size=1, max_size=25))
def test_fuzzed_rows_are_loaded_once_or_rejected_never_both(fuzz_db, tmp_path, rows):
    prefix = uuid.uuid4().hex[:8]
    path = tmp_path / f"m-{prefix}.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i, r in enumerate(rows):
            values = [f"{prefix}-{i}", r["kind"], r["from"], r["to"], r["amount"], r["currency"], r["ts"], r["channel"]]
            w.writerow(values + (["surplus"] if r["extra_field"] else []))
    rejects = tmp_path / f"r-{prefix}.csv"
    try:
        load_path(fuzz_db, path, rejects=rejects, max_rejects=10**6)
    except RejectsExceeded:  # pragma: no cover - max_rejects is huge
        raise
    rejected = set()
    if rejects.exists():
        with open(rejects, newline="") as fh:
            rejected = {int(r["row"]) for r in csv.DictReader(fh)}
    found = fuzz_db.cypher(
        "MATCH ()-[m:TRANSFER|DEPOSIT|WITHDRAWAL]->() WHERE m.id STARTS WITH $p RETURN m.id AS id, count(*) AS n",
        p=prefix + "-",
    )
    loaded = {int(r["id"].split("-")[1]): r["n"] for r in found}
    assert all(n == 1 for n in loaded.values())  # loaded once
    for i in range(len(rows)):
        line = i + 2
        assert (i in loaded) != (line in rejected), f"row {line}: loaded={i in loaded} rejected={line in rejected}"


INJECTIONS = [
    "x'}) DETACH DELETE n //",
    "\"; MATCH (n) DETACH DELETE n; //",
    "a` ) CALL dbms.killQueries([]) //",
    "$(rm -rf /)",
    "{id: 1}) MATCH (m) DETACH DELETE m WITH 1 AS x RETURN x //",
]


def test_cypher_injection_in_ids_file_contents_and_cli_arguments_changes_nothing(db, tmp_path):
    admin.clear_database(db)
    admin.init_schema(db)
    lines = ["id,class,currency,country,opened,name"]
    for i, text in enumerate(INJECTIONS):
        q = text.replace('"', '""')
        lines.append(f'"{q}",personal,USD,US,2024-01-01,"{q}"')
    acc = tmp_path / "accounts.csv"
    acc.write_text("\n".join(lines) + "\n")
    res = runner.invoke(app, ["load", str(acc)])
    assert res.exit_code == 0, res.output
    ids = {r["id"] for r in db.cypher("MATCH (a:Account) RETURN a.id AS id")}
    assert ids == set(INJECTIONS)  # stored literally, nothing deleted
    before = _stats()
    for text in INJECTIONS:
        out = runner.invoke(app, ["explain", text, "--json"])
        assert out.exit_code == 0
        assert json.loads(out.stdout) == {"account": text, "reasons": []}
        missing = runner.invoke(app, ["explain", text + "' OR true //"])
        assert missing.exit_code != 0 and "no account with id" in missing.output
    assert _stats() == before


def test_no_command_prints_the_password(server, tmp_path):
    password = load_settings().neo4j.password
    assert password
    for args in (["--help"], ["doctor"], ["doctor", "--json"], ["server", "status"], ["stats", "--json"],
                 ["-v", "stats"], ["load", str(tmp_path / "missing.csv")]):
        res = runner.invoke(app, args)
        assert password not in res.output, args
    log_dir = load_settings().server.home_path / "logs"
    for log in log_dir.glob("*.log"):
        assert password not in log.read_text(errors="replace"), log
