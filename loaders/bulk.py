"""The first bulk load of a large data set into an empty local database, by ``neo4j-admin
database import`` instead of ``UNWIND`` over Bolt.

Why: the Bolt route is CPU-bound on the server (about 43 microseconds of server CPU per movement,
with the uniqueness constraints and the time index kept up to date row by row). Measured on this
2-core machine at 2.1M transfers (2.5M rows): Bolt took 136-184 s after a 82-97 s clear of the
previous data, the import route 80 s in all (converting 14 s, stopping the server, importing
28 s, restarting and building the constraints 32 s), and it needs no clear; 67.6-68.6 s since the
sink writes whole columns with pyarrow; 51-53.5 s since the server is killed rather than stopped
before the import, starts faster and the ground truth is imported too (2026-12-03). At 0.6M
transfers it takes 26 s against 20-21.5 s by Bolt on a warm server, and it leaves a server that
has just started behind it (the first queries run cold), hence ``[load] import_min_rows``.

How it stays the same load: the files are read, mapped and validated by exactly the code of
:func:`loaders.load.load_path` (same rejects file, same counts); only the sink differs. Accounts,
placeholder accounts, the three kinds of movement and the ground truth of accounts and movements
are appended to neo4j-admin CSV files; the alerts (a few hundred, each linked to its accounts) are
kept and written over Bolt once the server is back, with the same named query. (The truth went
over Bolt too until 2026-12-03: 13 s of a 2.1M-transfer load, for about 100,000 account and
25,000 movement labels.) The properties are the ones the
``cypher/load/*.cypher`` queries set (an integration test loads one data set both ways and
compares the graphs).

When it applies: the configured server is the toolkit's local server, the database holds no
accounts and no movements, and every role (accounts, movements, alerts) comes from one file (two
movement files could repeat an id across files, which only the Bolt route's checks catch). The
server is stopped for the import and started again: Browser sessions reconnect.
"""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from toolkit.config import Settings
from toolkit.db import Database
from toolkit.errors import ServerError

__all__ = ["ImportSink", "bulk_unavailable", "run_import"]

log = logging.getLogger(__name__)

# neo4j-admin CSV headers, and the load queries whose rows become relationships of each type
_ACCOUNT_HEADER = ["id:ID(Account)", "class", "currency", "country", "opened:date", "registeredCapital:double",
                   "customer", "name", "placeholder:boolean"]
_MOVE_HEADER = {
    "TRANSFER": [":START_ID(Account)", ":END_ID(Account)"],
    "DEPOSIT": [":START_ID(Cash)", ":END_ID(Account)"],
    "WITHDRAWAL": [":START_ID(Account)", ":END_ID(Cash)"],
}
_MOVE_PROPS = ["id", "amount:double", "currency", "ts:datetime", "channel"]
_MOVE_QUERIES = {
    "load/transfers": "TRANSFER", "load/transfers_fresh": "TRANSFER",
    "load/deposits": "DEPOSIT", "load/deposits_fresh": "DEPOSIT",
    "load/withdrawals": "WITHDRAWAL", "load/withdrawals_fresh": "WITHDRAWAL",
}


_TRUTH_HEADER = {
    "AccountTruth": ["id:ID(AccountTruth)", "isLaundering:boolean", "typology", "alertId"],
    "MovementTruth": ["id:ID(MovementTruth)", "isLaundering:boolean", "typology", "alertId"],
}
_FILE_QUERIES = frozenset({"load/accounts", "load/placeholder_accounts", "load/account_truth",
                           "load/movement_truth", *_MOVE_QUERIES})


def bulk_unavailable(db: Database, settings: Settings, allow_data: bool = False) -> str | None:
    """Why the import route cannot be taken now (None: it can). ``allow_data``: the caller
    has consent to replace a database that holds data (``aml bench --yes``)."""
    from toolkit import server as srv

    if not settings.neo4j.is_local:
        return f"{settings.neo4j.uri} is not the toolkit's local server"
    st = srv.status(settings)
    if not st.running or not st.installed:
        return "the local server is not running"
    if st.bolt_uri.rsplit(":", 1)[-1] != settings.neo4j.uri.rsplit(":", 1)[-1]:
        return "the configured Bolt port is not the local server's"
    if settings.neo4j.database != "neo4j":
        return "only the default database 'neo4j' can be imported into (Community)"
    if allow_data:
        return None
    row = db.cypher("MATCH (a:Account) WITH count(a) AS accounts "
                    "OPTIONAL MATCH ()-[m:TRANSFER|DEPOSIT|WITHDRAWAL]->() "
                    "RETURN accounts, count(m) AS movements")[0]
    if row["accounts"] or row["movements"]:
        return "the database is not empty"
    return None


def _done(value: Any) -> Future:
    f: Future = Future()
    f.set_result(value)
    return f


class ImportSink:
    """Stands in for the Bolt writer of :func:`loaders.load.load_path` (``send`` / ``drain`` /
    ``close`` / ``lock``): rows become neo4j-admin CSV files under ``work``; other queries are
    kept for :meth:`replay` once the import is done."""

    def __init__(self, work: Path, db: Database) -> None:
        import threading

        self.db = db
        self.work = work
        self.lock = threading.Lock()
        self.deferred: list[tuple[str, dict[str, list], Callable[[int], None] | None]] = []
        self._files: dict[str, Path] = {}
        self.movement_labels = False

    # the writer interface used by load_path --------------------------------------------------
    def takes_columns(self, query: str) -> bool:
        """Whether ``send`` may get this query's parameters as whole pandas columns (the rows it
        writes to files) rather than lists (the queries it replays over Bolt). Lists cost 1.4 s
        at 2.1M transfers to make and the frame 1.5 s to make back from them."""
        return query in _FILE_QUERIES

    def send(self, query: str, params: dict[str, Any], fallback: str | None = None,
             on_done: Callable[[int], None] | None = None) -> Future:
        n = len(params["id"])
        if query == "load/accounts":
            frame = pd.DataFrame({
                "id:ID(Account)": params["id"], "class": params["class"], "currency": params["currency"],
                "country": params["country"], "opened:date": params["opened"],
                "registeredCapital:double": params["registered_capital"], "customer": params["customer"],
                "name": params["name"], "placeholder:boolean": None,
            })
            self._append("accounts", _ACCOUNT_HEADER, frame)
        elif query == "load/placeholder_accounts":
            frame = pd.DataFrame({"id:ID(Account)": params["id"], "class": "unknown",
                                  "currency": params["currency"], "country": "ZZ", "placeholder:boolean": "true"},
                                 columns=_ACCOUNT_HEADER)
            self._append("accounts", _ACCOUNT_HEADER, frame)
        elif query in _MOVE_QUERIES:
            rtype = _MOVE_QUERIES[query]
            start, end = _MOVE_HEADER[rtype]
            ts = np.datetime_as_string(np.asarray(params["ts"], dtype="datetime64[s]"), unit="s")
            frame = pd.DataFrame({
                start: params["src"] if rtype != "DEPOSIT" else "cash",
                end: params["dst"] if rtype != "WITHDRAWAL" else "cash",
                "id": params["id"], "amount:double": params["amount"], "currency": params["currency"],
                "ts:datetime": np.char.add(ts, "Z"), "channel": params["channel"],
            })
            self._append(rtype, [start, end, *_MOVE_PROPS], frame)
        elif query == "load/account_truth":
            frame = pd.DataFrame({"id:ID(AccountTruth)": params["id"], "isLaundering:boolean": params["is_laundering"],
                                  "typology": params["typology"], "alertId": params["alert_id"]})
            self._append("AccountTruth", _TRUTH_HEADER["AccountTruth"], frame)
        elif query == "load/movement_truth":
            # load/movement_truth also marks (:AmlMeta {id: 'truth'}) as having movement labels
            self.movement_labels = True
            frame = pd.DataFrame({"id:ID(MovementTruth)": params["id"], "isLaundering:boolean": True,
                                  "typology": params["typology"], "alertId": params["alert_id"]})
            self._append("MovementTruth", _TRUTH_HEADER["MovementTruth"], frame)
        else:  # alerts (a few hundred, with their INVOLVES edges): written over Bolt after the import
            self.deferred.append((query, params, on_done))
            return _done(0)
        if on_done is not None:
            with self.lock:
                on_done(n)
        return _done(n)

    def drain(self) -> None:
        """Nothing in flight: every row is in its file when ``send`` returns."""

    def close(self) -> None:
        """The files stay for :func:`run_import`."""

    # ---------------------------------------------------------------------------------------
    def _append(self, name: str, header: list[str], frame: pd.DataFrame) -> None:
        """Append ``frame`` (columns in ``header`` order) to the file of ``name``; pyarrow's CSV
        writer, because pandas' took 5 s of the 2.1M-transfer import's conversion."""
        import pyarrow as pa
        import pyarrow.csv as pacsv

        path = self._files.get(name)
        first = path is None
        if first:
            path = self._files[name] = self.work / f"{name}.csv"
        table = pa.Table.from_pandas(frame[header].reset_index(drop=True), preserve_index=False)
        with open(path, "ab") as fh:
            pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=first))

    def arguments(self) -> list[str]:
        cash = self.work / "cash.csv"
        cash.write_text("id:ID(Cash)\ncash\n")
        args = [f"--nodes=Cash={cash}"]
        if "accounts" in self._files:
            args.append(f"--nodes=Account={self._files['accounts']}")
        for label in _TRUTH_HEADER:
            if label in self._files:
                args.append(f"--nodes={label}={self._files[label]}")
        if self.movement_labels:
            meta = self.work / "meta.csv"
            meta.write_text("id:ID(AmlMeta),movementLabels:boolean\ntruth,true\n")
            args.append(f"--nodes=AmlMeta={meta}")
        for rtype in _MOVE_HEADER:
            if rtype in self._files:
                args.append(f"--relationships={rtype}={self._files[rtype]}")
        return args

    def replay(self, db: Database) -> None:
        """Write the deferred queries (alerts) over Bolt, as ``load_path`` would have."""
        for query, params, on_done in self.deferred:
            row = db.run_one(query, **params)
            if on_done is not None:
                on_done(int(row["written"]) if row else 0)


def run_import(settings: Settings, sink: ImportSink, progress: Callable[[str], None] | None = None) -> dict[str, float]:
    """Stop the local server, import the sink's files into ``neo4j`` (replacing it), start the
    server again. Returns seconds per step.

    Raises
    ------
    ServerError
        neo4j-admin failed (the tail of its output is in ``log_tail``); the server is started
        again.
    """
    from toolkit import server as srv

    step = progress or (lambda _m: None)
    seconds: dict[str, float] = {}
    home = settings.server.home_path
    dist = srv._dist(settings, srv.read_pins())
    java = srv._java(settings)
    t = time.perf_counter()
    step("stopping the server for the import")
    srv.stop(settings, discard=True)  # the import replaces the database: no checkpoint first
    seconds["stop"] = time.perf_counter() - t
    t = time.perf_counter()
    step("neo4j-admin database import")
    report = sink.work / "import.report"
    cmd = [
        str(java), "-Xmx1g", "-cp", f"{dist / 'lib'}/*", f"-Dbasedir={home}",
        "org.neo4j.server.startup.Neo4jAdminCommand", "database", "import", "full", "neo4j",
        "--overwrite-destination=true", f"--threads={max(1, os.cpu_count() or 1)}",
        "--max-off-heap-memory=1g", "--ignore-empty-strings=true", "--multiline-fields=true",
        "--skip-bad-relationships=false", f"--report-file={report}", *sink.arguments(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=home,
                          env={**os.environ, "NEO4J_CONF": str(home / "conf")})
    seconds["import"] = time.perf_counter() - t
    t = time.perf_counter()
    step("starting the server")
    srv.start(settings)
    seconds["start"] = time.perf_counter() - t
    if proc.returncode != 0:
        tail = (proc.stdout[-1500:] + "\n" + proc.stderr[-1500:]).strip()
        raise ServerError(f"neo4j-admin database import failed (exit {proc.returncode}); nothing was loaded "
                          "(its last lines below)", log_tail=tail)
    return seconds


def import_workdir(path: Path) -> tempfile.TemporaryDirectory:
    """A scratch directory for the CSV files, beside the data when writable (same disk)."""
    base = path if path.is_dir() else path.parent
    try:
        return tempfile.TemporaryDirectory(prefix="aml-import-", dir=base)
    except OSError:
        return tempfile.TemporaryDirectory(prefix="aml-import-")
