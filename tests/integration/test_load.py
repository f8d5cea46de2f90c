"""Loading files into the graph: every format, exactly once, every bad row accounted for.

Each test writes small hand-counted files, loads them through the CLI as a user would, and checks
the graph with `aml stats --json` and the rejects file.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from toolkit import admin
from toolkit.cli import app

runner = CliRunner()

ACCOUNTS = """id,class,currency,country,opened,registered_capital
A,personal,USD,US,2024-01-01,
B,business,EUR,DE,2023-05-01,50000
C,shell,USD,PA,2024-02-01,1000
"""
# One deposit into A, A->B, B->C, one withdrawal from C: 4 movements, 36,300.00 in total.
MOVEMENTS = """id,kind,from,to,amount,currency,ts,channel
d1,deposit,,A,9500.00,USD,2025-01-01T10:00:00Z,cash
t1,transfer,A,B,9000,USD,2025-01-02T10:00:00Z,wire
t2,transfer,B,C,8800,EUR,2025-01-03T10:00:00Z,cross_border
w1,withdrawal,C,,9000,USD,2025-01-04T10:00:00Z,cash
"""
CLEAN = {"accounts": 3, "transfers": 2, "deposits": 1, "withdrawals": 1, "amount_total": 36300.0}


@pytest.fixture
def empty(db):
    admin.clear_database(db)
    admin.init_schema(db)
    return db


def write(directory: Path, name: str, text: str, bom: bool = False) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    p = directory / name
    p.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return p


def stats() -> dict:
    res = runner.invoke(app, ["stats", "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def load(*args: str):
    return runner.invoke(app, ["load", *args])


def rejects(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# -- formats ---------------------------------------------------------------------------------

def test_native_directory_loads_accounts_then_movements(empty, tmp_path):
    write(tmp_path / "in", "accounts.csv", ACCOUNTS)
    write(tmp_path / "in", "movements.csv", MOVEMENTS)
    res = load(str(tmp_path / "in"))
    assert res.exit_code == 0, res.output
    assert "loaded 7 / rejected 0 / already present 0" in res.output
    assert stats() == CLEAN


def test_native_parquet_loads_the_same_graph(empty, tmp_path):
    import pandas as pd
    from io import StringIO

    d = tmp_path / "pq"
    d.mkdir()
    pq.write_table(pa.Table.from_pandas(pd.read_csv(StringIO(ACCOUNTS), dtype=str, keep_default_na=False)), d / "accounts.parquet")
    mv = pd.read_csv(StringIO(MOVEMENTS), dtype=str, keep_default_na=False)
    mv["amount"] = mv["amount"].astype(float)  # a typed column, as Parquet writers make them
    pq.write_table(pa.Table.from_pandas(mv), d / "movements.parquet")
    res = load(str(d))
    assert res.exit_code == 0, res.output
    assert stats() == CLEAN


def test_amlsim_files(empty, tmp_path):
    d = tmp_path / "amlsim"
    write(d, "accounts.csv", "ACCOUNT_ID,CUSTOMER_ID,INIT_BALANCE,COUNTRY,ACCOUNT_TYPE,IS_SAR,TX_BEHAVIOR_ID,BANK_ID\n"
          "1,C1,100,US,I,False,0,bank\n2,C2,100,US,O,True,1,bank\n3,C3,100,US,I,False,0,bank\n")
    write(d, "transactions.csv", "TX_ID,SENDER_ACCOUNT_ID,RECEIVER_ACCOUNT_ID,TX_TYPE,TX_AMOUNT,TIMESTAMP,IS_SAR,ALERT_ID\n"
          "10,1,2,WIRE,500.5,3,True,7\n11,2,3,TRANSFER,400,4,False,-1\n")
    write(d, "cash_tx.csv", "TX_ID,SENDER_ACCOUNT_ID,RECEIVER_ACCOUNT_ID,TX_TYPE,TX_AMOUNT,TIMESTAMP,IS_SAR,ALERT_ID\n"
          "12,1,B1,CASH-IN,900,1,False,-1\n13,B1,3,CASH-OUT,300,5,False,-1\n")
    write(d, "conf.json", '{"general": {"base_date": "2025-01-01"}}')
    res = load(str(d))
    assert res.exit_code == 0, res.output
    assert stats() == {"accounts": 3, "transfers": 2, "deposits": 1, "withdrawals": 1, "amount_total": 2100.5}
    # step 3 after the base date
    ts = empty.cypher("MATCH ()-[t:TRANSFER {id: '10'}]->() RETURN toString(t.ts) AS ts")[0]["ts"]
    assert ts.startswith("2025-01-04")


def test_amlworld_file_makes_accounts_from_bank_and_account(empty, tmp_path):
    d = tmp_path / "aw"
    write(d, "HI-Small_Trans.csv",
          "Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,Payment Currency,Payment Format,Is Laundering\n"
          "2022/09/01 00:20,010,8000EBD30,010,8000EBD30,3697.34,US Dollar,3697.34,US Dollar,Reinvestment,0\n"
          "2022/09/01 00:20,3208,8000F4580,001,8000F5340,0.01,US Dollar,0.01,US Dollar,Cheque,0\n"
          "2022/09/01 00:02,1124,800825340,1124,800825340,10.00,Euro,10.00,Euro,ACH,1\n", bom=True)
    res = load(str(d))
    assert res.exit_code == 0, res.output
    st = stats()
    assert st["accounts"] == 4 and st["transfers"] == 3 and st["amount_total"] == 3707.35
    ids = {r["id"] for r in empty.cypher("MATCH (a:Account) RETURN a.id AS id")}
    assert "10/8000EBD30" in ids and "3208/8000F4580" in ids and "1/8000F5340" in ids
    assert empty.cypher("MATCH (t:MovementTruth) RETURN count(t) AS n")[0]["n"] == 1


# -- exactly once ----------------------------------------------------------------------------

def test_loading_twice_changes_nothing(empty, tmp_path):
    write(tmp_path / "in", "accounts.csv", ACCOUNTS)
    write(tmp_path / "in", "movements.csv", MOVEMENTS)
    assert load(str(tmp_path / "in")).exit_code == 0
    first = stats()
    again = load(str(tmp_path / "in"))
    assert again.exit_code == 0
    assert "loaded 0 / rejected 0 / already present 7" in again.output
    assert stats() == first == CLEAN


def test_resume_after_kill_9_gives_the_clean_graph(empty, tmp_path):
    data = tmp_path / "gen"
    assert runner.invoke(app, ["generate", "--transfers", "30000", "--seed", "3", "--out", str(data)]).exit_code == 0
    env = {**os.environ}
    proc = subprocess.Popen([sys.executable, "-m", "toolkit.cli", "load", str(data), "--batch-size", "2000"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # wait until some transfers are in, then kill the loader without warning
    deadline = time.time() + 120
    while time.time() < deadline:
        n = empty.cypher("MATCH ()-[t:TRANSFER]->() RETURN count(t) AS n")[0]["n"]
        if n >= 3000:
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = stats()
    assert 0 < partial["transfers"] < 30000
    assert load(str(data)).exit_code == 0
    resumed = stats()
    admin.clear_database(empty)
    admin.init_schema(empty)
    assert load(str(data)).exit_code == 0
    assert resumed == stats()
    assert resumed["transfers"] == 30000


# -- bad input -------------------------------------------------------------------------------

def test_missing_file_is_one_line_and_non_zero(empty, tmp_path):
    res = load(str(tmp_path / "nope.csv"))
    assert res.exit_code != 0
    assert res.output.strip() == f"error: {tmp_path / 'nope.csv'}: no such file or directory"


def test_empty_file(empty, tmp_path):
    p = write(tmp_path, "movements.csv", "")
    res = load(str(p))
    assert res.exit_code != 0
    assert res.output.strip() == f"error: {p}: the file is empty (no header line)"


def test_missing_and_misnamed_columns_are_named(empty, tmp_path):
    p = write(tmp_path, "movements.csv", "id,kind,from,to,amont,currency,ts,channel\n")
    res = load(str(p))
    assert res.exit_code != 0
    assert "missing column(s) 'amount'" in res.output
    assert "unknown column(s) 'amont' (did you mean 'amount'?)" in res.output
    assert len(res.output.strip().splitlines()) == 1


BAD = """id,kind,from,to,amount,currency,ts,channel
ok1,transfer,A,B,100,USD,2025-01-02T10:00:00Z,wire
b1,transfer,A,B,"12,50",USD,2025-01-02T10:00:00Z,wire
b2,transfer,A,B,-5,USD,2025-01-02T10:00:00Z,wire
b3,transfer,A,B,1e15,USD,2025-01-02T10:00:00Z,wire
b4,transfer,A,B,5,XYZ,2025-01-02T10:00:00Z,wire
b5,transfer,A,B,5,USD,yesterday,wire
b6,transfer,A,Z,5,USD,2025-01-02T10:00:00Z,wire
ok1,transfer,A,B,101,USD,2025-01-02T10:00:00Z,wire
ok2,transfer,B,C,50,USD,2025-01-02T11:00:00Z,wire
ok2,transfer,B,C,50,USD,2025-01-02T11:00:00Z,wire
b7,transfer,A,B,5,USD
"""
EXPECTED_REJECTS = [
    ("3", "amount", "expected a decimal number, got '12,50'"),
    ("4", "amount", "negative amount '-5'"),
    ("5", "amount", "absurd amount '1e15' (above 100,000,000,000)"),
    ("6", "currency", "unknown currency 'XYZ' (ISO 4217)"),
    ("7", "ts", "unparseable timestamp 'yesterday' (expected ISO 8601)"),
    ("8", "to", "unknown account 'Z'"),
    ("9", "id", "id 'ok1' repeated with different content (first at row 2)"),
    ("12", "", "wrong number of fields for the header"),
]


def test_every_bad_row_is_in_the_rejects_file_with_its_reason(empty, tmp_path):
    write(tmp_path / "in", "accounts.csv", ACCOUNTS)
    write(tmp_path / "in", "movements.csv", BAD)
    res = load(str(tmp_path / "in"))
    assert res.exit_code == 5  # rows were rejected and --max-rejects is 0
    rej = rejects(Path(str(tmp_path / "in") + ".rejects.csv"))
    got = sorted(((r["row"], r["field"], r["reason"]) for r in rej), key=lambda x: int(x[0]))
    assert got == EXPECTED_REJECTS
    assert all(r["file"].endswith("movements.csv") for r in rej)
    by_row = {r["row"]: r for r in rej}
    assert json.loads(by_row["3"]["record"])["amount"] == "12,50"
    assert json.loads(by_row["12"]["record"]) == "b7,transfer,A,B,5,USD"
    st = stats()
    # ok1 and ok2 loaded once each; the exact repeat of ok2 is not a reject and not a duplicate
    assert st["transfers"] == 2 and st["amount_total"] == 150.0
    assert "loaded 5 / rejected 8 / already present 1" in res.output


def test_max_rejects_allows_that_many(empty, tmp_path):
    write(tmp_path / "in", "accounts.csv", ACCOUNTS)
    write(tmp_path / "in", "movements.csv", BAD)
    assert load(str(tmp_path / "in"), "--max-rejects", "7").exit_code == 5
    assert load(str(tmp_path / "in"), "--max-rejects", "8").exit_code == 0


def test_unknown_account_created_with_create_missing(empty, tmp_path):
    write(tmp_path / "in", "accounts.csv", ACCOUNTS)
    write(tmp_path / "in", "movements.csv", MOVEMENTS + "t9,transfer,A,NEW1,10,USD,2025-01-05T10:00:00Z,wire\n")
    res = load(str(tmp_path / "in"), "--create-missing")
    assert res.exit_code == 0, res.output
    row = empty.cypher("MATCH (a:Account {id: 'NEW1'}) RETURN a.placeholder AS p, a.class AS c")[0]
    assert row == {"p": True, "c": "unknown"}
    # an accounts file naming it later completes the placeholder
    write(tmp_path / "more", "accounts.csv", "id,class,currency,country,opened\nNEW1,business,USD,US,2024-03-01\n")
    assert load(str(tmp_path / "more" / "accounts.csv")).exit_code == 0
    row = empty.cypher("MATCH (a:Account {id: 'NEW1'}) RETURN a.placeholder AS p, a.class AS c")[0]
    assert row == {"p": None, "c": "business"}


def test_ids_already_in_the_graph_count_as_present(empty, tmp_path):
    write(tmp_path / "in", "accounts.csv", ACCOUNTS)
    write(tmp_path / "in", "movements.csv", MOVEMENTS)
    assert load(str(tmp_path / "in")).exit_code == 0
    write(tmp_path / "next", "movements.csv", MOVEMENTS.splitlines()[0] + "\n" + MOVEMENTS.splitlines()[2] + "\n"
          "t3,transfer,C,A,100,USD,2025-01-05T10:00:00Z,wire\n")
    res = load(str(tmp_path / "next" / "movements.csv"))
    assert res.exit_code == 0
    assert "loaded 1 / rejected 0 / already present 1" in res.output
    assert stats()["transfers"] == 3


def test_utf8_bom_header_is_read(empty, tmp_path):
    write(tmp_path / "in", "accounts.csv", ACCOUNTS, bom=True)
    write(tmp_path / "in", "movements.csv", MOVEMENTS, bom=True)
    assert load(str(tmp_path / "in")).exit_code == 0
    assert stats() == CLEAN


def test_header_only_file_loads_nothing_and_succeeds(empty, tmp_path):
    write(tmp_path / "in", "accounts.csv", ACCOUNTS)
    write(tmp_path / "in", "movements.csv", MOVEMENTS.splitlines()[0] + "\n")
    res = load(str(tmp_path / "in"))
    assert res.exit_code == 0
    assert stats()["transfers"] == 0


def test_generated_data_in_all_three_formats_loads_cleanly(empty, tmp_path):
    for fmt in ("native", "amlsim", "amlworld"):
        admin.clear_database(empty)
        admin.init_schema(empty)
        out = tmp_path / fmt
        assert runner.invoke(app, ["generate", "--transfers", "3000", "--seed", "5", "--out", str(out), "--format", fmt]).exit_code == 0
        res = load(str(out))
        assert res.exit_code == 0, (fmt, res.output)
        st = stats()
        assert st["transfers"] >= 3000 if fmt == "amlworld" else st["transfers"] == 3000, (fmt, st)
        again = load(str(out))
        assert again.exit_code == 0 and stats() == st


# -- the import route (neo4j-admin) -------------------------------------------------------------

_SIGNATURE = {
    "accounts": "MATCH (a:Account) RETURN a.id AS id, properties(a) AS p ORDER BY id",
    "movements": "MATCH (s)-[m:TRANSFER|DEPOSIT|WITHDRAWAL]->(e) "
                 "RETURN m.id AS id, type(m) AS type, coalesce(s.id, '') AS s, coalesce(e.id, '') AS e, "
                 "properties(m) AS p ORDER BY id",
    "truth": "MATCH (t:AccountTruth|MovementTruth|AmlMeta) RETURN labels(t)[0] AS l, t.id AS id, properties(t) AS p "
             "ORDER BY l, id",
    "alerts": "MATCH (al:Alert) RETURN al.id AS id, properties(al) AS p, "
              "[(al)-[:INVOLVES]->(a) | a.id] AS accounts ORDER BY id",
    "cash": "MATCH (c:Cash) RETURN c.id AS id",
}


def _signature(db) -> dict:
    out = {}
    for k, q in _SIGNATURE.items():
        rows = db.cypher(q)
        for r in rows:
            if "accounts" in r and isinstance(r["accounts"], list):
                r["accounts"] = sorted(r["accounts"])
        out[k] = rows
    return out


def _same_both_ways(db, data: Path, tmp_path: Path) -> None:
    from loaders.load import load_path

    bolt = load_path(db, data, route="bolt", rejects=tmp_path / "r1.csv", max_rejects=10)
    want = _signature(db)
    admin.clear_database(db)
    steps: list[str] = []
    imp = load_path(db, data, route="import", rejects=tmp_path / "r2.csv", max_rejects=10, on_step=steps.append)
    assert imp.route == "import" and bolt.route == "bolt"
    assert [s.split()[0] for s in steps] == ["stopping", "neo4j-admin", "starting"]
    assert (imp.loaded, imp.rejected, imp.already_present) == (bolt.loaded, bolt.rejected, bolt.already_present)
    r1, r2 = tmp_path / "r1.csv", tmp_path / "r2.csv"
    assert (r1.read_text() if r1.exists() else "") == (r2.read_text() if r2.exists() else "")
    got = _signature(db)
    for k in _SIGNATURE:
        assert got[k] == want[k], k


def test_import_route_amlworld_makes_the_same_accounts(empty, tmp_path):
    """AMLworld has no accounts file: the accounts come from the movements, chunk by chunk."""
    out = tmp_path / "aw"
    assert runner.invoke(app, ["generate", "--transfers", "3000", "--seed", "5", "--out", str(out),
                               "--format", "amlworld"]).exit_code == 0
    _same_both_ways(empty, out, tmp_path)


def test_import_route_gives_the_graph_the_bolt_route_gives(empty, tmp_path):
    """Generated data (labels and alerts included) loaded both ways: the same graph, the same counts."""
    from loaders.load import load_path

    data = tmp_path / "gen"
    assert runner.invoke(app, ["generate", "--transfers", "3000", "--seed", "7", "--out", str(data)]).exit_code == 0
    assert (data / "truth" / "alerts.csv").is_file()
    with (data / "accounts.csv").open("a") as fh:  # text that CSV must quote: the same name both ways
        fh.write('AC99999999,business,EUR,DE,2020-01-01,1000.50,,"Quote ""Q"", comma, and\nnewline GmbH",false,,\n')
    with (data / "movements.csv").open("a") as fh:  # a bad row and an unknown account: rejected both ways
        fh.write("bad1,transfer,AC10000001,NOPE,10,USD,2025-01-01T00:00:00Z,wire\n")
        fh.write("bad2,transfer,AC10000001,AC10000002,-5,USD,2025-01-01T00:00:00Z,wire\n")
    _same_both_ways(empty, data, tmp_path)
    name = empty.cypher("MATCH (a:Account {id: 'AC99999999'}) RETURN a.name AS n")[0]["n"]
    assert name == 'Quote "Q", comma, and\nnewline GmbH'
    # the schema is back: a second load of the same files writes nothing
    again = load_path(empty, data, route="auto", rejects=tmp_path / "r3.csv", max_rejects=10)
    assert again.route == "bolt" and again.loaded == 0


def test_import_route_refuses_a_database_that_is_not_empty(empty, tmp_path):
    from loaders.load import load_path
    from toolkit.errors import ConfigError

    d = tmp_path / "d"
    write(d, "accounts.csv", ACCOUNTS)
    write(d, "movements.csv", MOVEMENTS)
    load_path(empty, d, route="bolt")
    with pytest.raises(ConfigError, match="cannot load with neo4j-admin import: the database is not empty"):
        load_path(empty, d, route="import")
