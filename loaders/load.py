"""Load files into the graph: exactly once, in batches, with every bad row accounted for.

How a load goes:

1. Work out the files (a directory loads ``accounts.*`` before ``movements.*``; AMLSim loads
   ``accounts.csv``, ``transactions.csv``, ``cash_tx.csv``) and each file's format (from its header
   unless ``fmt`` is given).
2. Read each file in chunks of string columns, map them to the canonical columns, validate the
   chunk vectorised; rejected rows go to the rejects file with file, row, field and reason.
3. Send the accepted rows in batches of parameterised ``UNWIND`` (columns as parallel lists), each
   batch one managed transaction that skips ids already in the graph. A re-run, or a run after the
   loader was killed half-way, therefore writes each row once: the graph ends the same.

The library never prints; ``progress(n)`` is called with the number of rows handled.
"""

from __future__ import annotations

import csv
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from concurrent.futures import Future

from loaders import canonical as C
from loaders import formats as F
from loaders.read import ROW, Chunk, iter_chunks, read_header
from loaders.validate import REJECT_COLUMNS, Checked, DuplicateTracker, check_accounts, check_movements
from toolkit.admin import init_schema
from toolkit.concurrent_writes import ConcurrentWriter
from loaders.bulk import ImportSink, bulk_unavailable, import_workdir, run_import
from toolkit.db import Database
from toolkit.errors import ConfigError, LoadError, QueryError, RejectsExceeded

__all__ = ["FileSummary", "LoadSummary", "load_path", "plan_files", "estimate_rows", "import_blocker", "FORMATS"]

log = logging.getLogger(__name__)

FORMATS = ("native", "amlsim", "amlworld")
_SUFFIXES = (".csv", ".parquet")


@dataclass
class FileSummary:
    """What happened to one file."""

    path: str
    role: str
    rows: int = 0
    loaded: int = 0
    rejected: int = 0
    already_present: int = 0
    placeholders: int = 0
    seconds: float = 0.0


@dataclass
class LoadSummary:
    """What happened to the whole load. ``line()`` is the one summary line the CLI prints."""

    files: list[FileSummary] = field(default_factory=list)
    rejects_path: str | None = None
    seconds: float = 0.0
    route: str = "bolt"
    import_seconds: dict = field(default_factory=dict)

    @property
    def loaded(self) -> int:
        return sum(f.loaded for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def already_present(self) -> int:
        return sum(f.already_present for f in self.files)

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    def line(self) -> str:
        s = (f"loaded {self.loaded:,} / rejected {self.rejected:,} / already present "
             f"{self.already_present:,} rows from {len(self.files)} file(s) in {self.seconds:.1f} s")
        if self.rejected:
            s += f"; rejects in {self.rejects_path}"
        return s

    def as_dict(self) -> dict:
        return {
            "loaded": self.loaded,
            "rejected": self.rejected,
            "already_present": self.already_present,
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
            "rejects": self.rejects_path if self.rejected else None,
            "route": self.route,
            "files": [f.__dict__ for f in self.files],
        }


def _find(directory: Path, stem: str) -> Path | None:
    for suffix in _SUFFIXES:
        p = directory / f"{stem}{suffix}"
        if p.is_file():
            return p
    return None


def plan_files(path: Path, fmt: str | None) -> list[tuple[Path, str]]:
    """The files to load, in order, each with its role (layout + accounts/movements)."""
    if fmt is not None and fmt not in FORMATS:
        raise LoadError(str(path), None, None, f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if not path.exists():
        raise LoadError(str(path), None, None, "no such file or directory")
    if path.is_file():
        header = read_header(path)
        role = C.detect_role(header, path)
        if fmt is not None and not role.startswith(fmt):
            raise LoadError(str(path), 1, None, f"the header is not the {fmt} layout ({', '.join(header[:6])})")
        return [(path, role)]
    plan: list[tuple[Path, str]] = []
    if fmt in (None, "native"):
        acc, mov = _find(path, F.NATIVE_ACCOUNTS_FILE), _find(path, F.NATIVE_MOVEMENTS_FILE)
        if acc and C.detect_role(read_header(acc), acc) != "native_accounts":
            acc = None  # an AMLSim accounts.csv
        if acc or mov:
            if acc:
                plan.append((acc, C.detect_role(read_header(acc), acc)))
            if mov:
                plan.append((mov, C.detect_role(read_header(mov), mov)))
            alerts = path / F.NATIVE_ALERTS_FILE
            if alerts.is_file():
                plan.append((alerts, "native_alerts"))
            return plan
    if fmt in (None, "amlsim"):
        acc = path / F.AMLSIM_ACCOUNTS_FILE
        files = [acc, path / F.AMLSIM_TRANSACTIONS_FILE, path / F.AMLSIM_CASH_TRANSACTIONS_FILE]
        if acc.is_file() and "ACCOUNT_ID" in read_header(acc):
            return [(p, C.detect_role(read_header(p), p)) for p in files if p.is_file()]
    if fmt in (None, "amlworld"):
        for p in sorted(path.glob("*.csv")):
            if C.detect_role(read_header(p), p) == "amlworld":
                plan.append((p, "amlworld"))
        if plan:
            return plan
    raise LoadError(str(path), None, None, "no accounts/movements, AMLSim or AMLworld files found in this directory")


class _Rejects:
    """The rejects file: opened on the first reject, one CSV row per rejected input row."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh = None
        self._writer = None
        self.count = 0
        if path.exists():
            path.unlink()  # a previous run's rejects describe that run, not this one

    def write(self, rejects: pd.DataFrame) -> None:
        if rejects.empty:
            return
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "w", newline="", encoding="utf-8")
            self._writer = csv.writer(self._fh)
            self._writer.writerow(REJECT_COLUMNS)
        self._writer.writerows(rejects[list(REJECT_COLUMNS)].itertuples(index=False, name=None))
        self._fh.flush()
        self.count += len(rejects)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


def _lists(frame: pd.DataFrame, cols: dict[str, str]) -> dict[str, list]:
    """Query parameters as parallel lists (cheap to pack), NaN/empty mapped to null."""
    out = {}
    for param, col in cols.items():
        values = frame[col]
        # pandas' string dtype holds missing values as NaN: they must reach Cypher as null, not
        # as the float NaN (the account property `customer` was stored as NaN before this)
        if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            out[param] = [None if v is None or v == "" or (isinstance(v, float) and np.isnan(v)) else v
                          for v in values.tolist()]
        else:
            out[param] = values.tolist()
    return out


def _send(db: Database, query: str, params: dict[str, list], fallback: str | None) -> int:
    try:
        row = db.run_one(query, **params)
    except QueryError as exc:
        # The fast first-load route met an id that exists: re-send the batch through the query
        # that skips existing ids (the failed batch was rolled back whole).
        if fallback is None or "ConstraintValidationFailed" not in str(exc):
            raise
        row = db.run_one(fallback, **params)
    return int(row["written"]) if row else 0


class _Writer(ConcurrentWriter):
    """The load's writer: batches of one query (with the first-load fallback) on the database."""

    def __init__(self, db: Database, writers: int = 2) -> None:
        super().__init__(writers, name="aml-load")
        self.db = db

    def send(self, query: str, params: dict[str, list], fallback: str | None = None,
             on_done: Callable[[int], None] | None = None) -> Future:
        return self.submit(lambda: _send(self.db, query, params, fallback), on_done)


def _write(w: _Writer, query: str, frame: pd.DataFrame, cols: dict[str, str], batch_size: int,
           progress: Callable[[int], None] | None, fallback: str | None = None,
           on_written: Callable[[int], None] | None = None) -> list[Future]:
    """Queue ``frame`` in batches on the writer; ``on_written(n)`` and ``progress(rows)`` are
    called as each batch commits."""
    futures = []
    takes_columns = getattr(w, "takes_columns", None)
    as_columns = takes_columns is not None and takes_columns(query)
    # a file sink (the import route) takes the whole frame at once, as columns
    step = max(len(frame), 1) if as_columns else batch_size
    for start in range(0, len(frame), step):
        part = frame.iloc[start : start + step]
        rows = len(part)

        def done(n: int, rows: int = rows) -> None:
            if on_written is not None:
                on_written(n)
            if progress:
                progress(rows)

        params = {p: part[c] for p, c in cols.items()} if as_columns else _lists(part, cols)
        futures.append(w.send(query, params, fallback, done))
    return futures

_ACCOUNT_COLS = {"id": "id", "class": "class", "currency": "currency", "country": "country",
                 "opened": "opened", "registered_capital": "registered_capital",
                 "customer": "customer", "name": "name"}
_MOVE_COLS = {"id": "id", "amount": "amount", "currency": "currency", "ts": "ts", "channel": "channel"}


def _write_accounts(w: _Writer, good: pd.DataFrame, batch_size: int, progress,
                    on_written: Callable[[int], None]) -> list[Future]:
    futures = _write(w, "load/accounts", good, _ACCOUNT_COLS, batch_size, progress, on_written=on_written)
    if "is_laundering" in good:
        truth = good[["id", "is_laundering", "typology", "alert_id"]]
        futures += _write(w, "load/account_truth", truth,
                          {"id": "id", "is_laundering": "is_laundering", "typology": "typology", "alert_id": "alert_id"},
                          batch_size, None)
    return futures


def _write_movements(w: _Writer, good: pd.DataFrame, batch_size: int, progress, fresh: set[str],
                     on_written: Callable[[int], None]) -> None:
    """``fresh`` names the kinds the graph had none of when this file started: they take the
    fast route without per-row existence checks (the constraint still guards exactly-once)."""
    for kind, query, ends in (
        ("transfer", "load/transfers", {"src": "from", "dst": "to"}),
        ("deposit", "load/deposits", {"dst": "to"}),
        ("withdrawal", "load/withdrawals", {"src": "from"}),
    ):
        part = good.loc[good["kind"] == kind]
        if len(part):
            if kind in fresh:
                _write(w, query + "_fresh", part, {**_MOVE_COLS, **ends}, batch_size, progress,
                       fallback=query, on_written=on_written)
            else:
                _write(w, query, part, {**_MOVE_COLS, **ends}, batch_size, progress, on_written=on_written)
    if "is_laundering" in good:
        pos = good.loc[good["is_laundering"].astype(bool)]
        if len(pos):
            _write(w, "load/movement_truth", pos,
                   {"id": "id", "typology": "typology", "alert_id": "alert_id"}, batch_size, None)


def _known_accounts(db: Database) -> pd.Index:
    row = db.run_one("read/account_ids") or {"ids": []}
    return pd.Index(row["ids"])


def load_path(
    db: Database,
    path: str | Path,
    fmt: str | None = None,
    rejects: str | Path | None = None,
    max_rejects: int = 0,
    create_missing: bool = False,
    batch_size: int = 20000,
    chunk_rows: int = 20_000,
    max_amount: float = 1e11,
    progress: Callable[[int], None] | None = None,
    on_file: Callable[[Path, str, int | None], None] | None = None,
    since: int | None = None,
    writers: int = 2,
    route: str = "bolt",
    import_min_rows: int = 1_000_000,
    on_step: Callable[[str], None] | None = None,
    replace: bool = False,
) -> LoadSummary:
    """Load a file or a directory of files into the configured database.

    Parameters
    ----------
    path : file or directory
        A directory loads ``accounts.*`` then ``movements.*`` (native), AMLSim's output files, or
        every AMLworld CSV in it.
    fmt : 'native', 'amlsim', 'amlworld' or None
        None detects the format from each file's header.
    rejects : path, optional
        The rejects CSV; default ``<path>.rejects.csv``. Removed at the start of the load.
    max_rejects : int
        How many rejected rows are tolerated before the load counts as failed.
    create_missing : bool
        Create placeholder accounts for movements naming unknown accounts instead of rejecting them.
    on_file : callable, optional
        Called with (file, role, estimated rows) when a file starts (for progress bars).
    since : int, optional
        Epoch seconds: movements at or before it are skipped (counted as already present);
        the refresh job passes its watermark.
    writers : int
        Concurrent write transactions (``[load] writers``); 1 writes batch after batch.
    route : 'bolt', 'import' or 'auto'
        'import' loads into an empty local database with neo4j-admin (:mod:`loaders.bulk`: the
        server is stopped and started again), and fails with the reason when it cannot; 'auto'
        takes that route when it can and the files hold at least ``import_min_rows`` rows.
    on_step : callable, optional
        Called with a message at each step of the import route (stop, import, start).
    replace : bool
        The import route may replace a database that holds data (the caller asked the user).

    Raises
    ------
    LoadError
        The file is missing, empty, or its columns are wrong: nothing of that file is loaded.
    RejectsExceeded
        The load completed but rejected more than ``max_rejects`` rows (raised after the summary
        is complete; ``exc.summary`` holds it).
    """
    t0 = time.perf_counter()
    path = Path(path)
    plan = plan_files(path, fmt)
    init_schema(db)
    work = _import_route(db, plan, route, import_min_rows, since, replace)
    rej = _Rejects(Path(rejects) if rejects else Path(str(path).rstrip("/") + ".rejects.csv"))
    summary = LoadSummary(rejects_path=str(rej.path))
    # an import replaces the database: only the accounts of these files will exist
    known = pd.Index([], dtype=object) if work is not None else _known_accounts(db)
    amlsim_base = C.amlsim_base_date(path if path.is_dir() else path.parent)
    w = ImportSink(Path(work.name), db) if work is not None else _Writer(db, writers)
    summary.route = "import" if work is not None else "bolt"
    try:
        for file, role in plan:
            fs = FileSummary(str(file), role)
            t_file = time.perf_counter()
            if on_file:
                on_file(file, role, estimate_rows(file))
            if role == "native_alerts":
                _load_alerts(w, file, fs, batch_size)
                w.drain()
            else:
                known = _load_file(w, file, role, fs, rej, known, create_missing, batch_size,
                                   chunk_rows, max_amount, amlsim_base, progress, since)
                w.drain()  # a file's rows are in before the next file's (movements need accounts)
            fs.seconds = time.perf_counter() - t_file
            summary.files.append(fs)
        if work is not None:
            summary.import_seconds = run_import(db.settings, w, on_step)
            db.reconnect()
            init_schema(db)
            w.replay(db)
    finally:
        try:
            w.close()
        finally:
            rej.close()
            if work is not None:
                work.cleanup()
    summary.seconds = time.perf_counter() - t0
    if summary.rejected > max_rejects:
        exc = RejectsExceeded(summary.line() + f" (more than --max-rejects {max_rejects})")
        exc.summary = summary  # type: ignore[attr-defined]
        raise exc
    return summary


def estimate_rows(file: Path) -> int | None:
    if file.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(file).metadata.num_rows
    size = file.stat().st_size
    with open(file, "rb") as fh:
        sample = fh.read(1 << 20)
    lines = max(sample.count(b"\n"), 1)
    return int(size / (len(sample) / lines)) - 1 if sample else 0


def _columns_for(role: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if role == "native_accounts":
        return F.NATIVE_ACCOUNT_REQUIRED, F.NATIVE_ACCOUNT_OPTIONAL
    if role == "native_movements":
        return F.NATIVE_MOVEMENT_REQUIRED, F.NATIVE_MOVEMENT_OPTIONAL
    if role == "amlsim_accounts":
        return ("ACCOUNT_ID",), tuple(c for c in F.AMLSIM_ACCOUNT_COLUMNS if c != "ACCOUNT_ID")
    if role == "amlsim_movements":
        req = ("TX_ID", "SENDER_ACCOUNT_ID", "RECEIVER_ACCOUNT_ID", "TX_TYPE", "TX_AMOUNT", "TIMESTAMP")
        return req, tuple(c for c in F.AMLSIM_TRANSACTION_COLUMNS if c not in req)
    # amlworld: header names deduplicated by the reader (Account, Account.1)
    req = ("Timestamp", "From Bank", "Account", "To Bank", "Account.1", "Amount Received",
           "Receiving Currency", "Amount Paid", "Payment Currency", "Payment Format")
    return req, ("Is Laundering",)


def import_blocker(db: Database, plan: list[tuple[Path, str]], route: str, min_rows: int,
                   since: int | None = None, replace: bool = False) -> str | None:
    """Why a load of ``plan`` by ``route`` would not take the import route (None: it would)."""
    if route not in ("bolt", "import", "auto"):
        raise ConfigError(f"unknown load route {route!r} (expected bolt, import or auto)")
    if route == "bolt":
        return "route bolt"
    roles = [r for _f, r in plan]
    if since is not None:
        return "a refresh (--since) adds to a graph"
    if len(roles) != len(set(roles)):
        return "two files of the same role (ids could repeat across them)"
    why = bulk_unavailable(db, db.settings, allow_data=replace)
    if why is None and route == "auto":
        rows = sum(estimate_rows(f) or 0 for f, _r in plan)
        if rows < min_rows:
            why = f"about {rows:,} rows, fewer than [load] import_min_rows ({min_rows:,})"
    return why


def _import_route(db: Database, plan: list[tuple[Path, str]], route: str, min_rows: int,
                  since: int | None, replace: bool = False):
    """The scratch directory of the import route when this load takes it, else None."""
    why = import_blocker(db, plan, route, min_rows, since, replace)
    if why is not None:
        if route == "import":
            raise ConfigError(f"cannot load with neo4j-admin import: {why}")
        log.info("load route bolt: %s", why)
        return None
    return import_workdir(plan[0][0].parent)


def _load_file(w, file, role, fs, rej, known, create_missing, batch_size, chunk_rows, max_amount,
               amlsim_base, progress, since=None) -> pd.Index:
    """Queue one file's rows on the writer ``w``; ``fs`` counts what committed once ``w`` drains."""
    required, optional = _columns_for(role)
    C.check_columns(file, read_header(file), required, optional)
    dups = DuplicateTracker()
    is_accounts = role in ("native_accounts", "amlsim_accounts")
    fresh = set() if is_accounts else _empty_kinds(w.db)

    def written(n: int) -> None:  # a batch committed n of its rows; the rest were present already
        fs.loaded += n
        fs.already_present -= n

    for chunk in iter_chunks(file, chunk_rows):
        _malformed(chunk, rej, fs)
        frame = chunk.frame
        fs.rows += len(frame)
        if role == "native_accounts":
            canon = C.native_accounts(frame)
        elif role == "amlsim_accounts":
            canon = C.amlsim_accounts(frame, amlsim_base)
        elif role == "native_movements":
            canon = C.native_movements(frame)
        elif role == "amlsim_movements":
            canon = C.amlsim_movements(frame, amlsim_base)
        else:
            canon = C.amlworld_movements(frame)
        if is_accounts:
            checked = check_accounts(canon, str(file), dups)
            _write_accounts(w, checked.good, batch_size, progress, written)
            known = known.append(pd.Index(checked.good["id"])).unique()
        else:
            if role == "amlworld":
                # AMLworld has no accounts file: the bank + account pairs are the accounts, and
                # they must be in before this chunk's movements are sent.
                acc = C.amlworld_accounts(canon.loc[canon["currency"].isin(_iso())], "1970-01-01")
                acc = acc.loc[~acc["id"].isin(known) & (acc["id"].str.len() > 1)]
                if len(acc):
                    acc_checked = check_accounts(acc, str(file), DuplicateTracker())
                    for f in _write_accounts(w, acc_checked.good, batch_size, None, lambda n: None):
                        f.result()
                    known = known.append(pd.Index(acc_checked.good["id"])).unique()
            checked = check_movements(canon, str(file), dups, known, create_missing, max_amount)
            if since is not None:
                old = checked.good["ts"] <= since
                checked.repeated_same += int(old.sum())
                checked.good = checked.good.loc[~old]
            missing = checked.notes.get("missing_accounts")
            if missing is not None and len(missing):
                for f in _write(w, "load/placeholder_accounts", missing, {"id": "id", "currency": "currency"},
                                batch_size, None):
                    fs.placeholders += f.result()  # in before the movements that name them
                known = known.append(pd.Index(missing["id"])).unique()
            _write_movements(w, checked.good, batch_size, progress, fresh, written)
        # Rows sent but not written were present already: counted as the batches commit.
        with w.lock:
            fs.already_present += checked.repeated_same + len(checked.good)
        fs.rejected += len(checked.rejects)
        rej.write(checked.rejects)
        if progress:
            progress(len(checked.rejects) + checked.repeated_same)
    return known


def _empty_kinds(db: Database) -> set[str]:
    """Movement kinds of which the graph holds none (from the count store: instant)."""
    row = db.run_one("read/movement_counts") or {}
    return {k for k in ("transfer", "deposit", "withdrawal") if not row.get(k)}


def _iso() -> pd.Index:
    from loaders.validate import _KNOWN_CURRENCIES

    return _KNOWN_CURRENCIES


def _malformed(chunk: Chunk, rej: _Rejects, fs: FileSummary) -> None:
    if not chunk.malformed:
        return
    rows = pd.DataFrame(
        {
            "file": str(chunk.path),
            "row": [r if r is not None else "" for r, _t in chunk.malformed],
            "field": "",
            "reason": "wrong number of fields for the header",
            "record": [json.dumps(t, ensure_ascii=False) for _r, t in chunk.malformed],
        }
    )
    rej.write(rows)
    fs.rows += len(rows)
    fs.rejected += len(rows)


def _load_alerts(w, file: Path, fs: FileSummary, batch_size: int) -> None:
    frame = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    C.check_columns(file, list(frame.columns), F.NATIVE_ALERT_COLUMNS, ())
    sep = F.NATIVE_LIST_SEPARATOR
    params = {
        "id": frame["alert_id"].tolist(),
        "typology": frame["typology"].tolist(),
        "accounts": [a.split(sep) if a else [] for a in frame["accounts"].tolist()],
        "movements": [m.split(sep) if m else [] for m in frame["movements"].tolist()],
    }
    fs.rows = len(frame)
    for start in range(0, len(frame), batch_size):
        part = {k: v[start : start + batch_size] for k, v in params.items()}

        def done(n: int, rows: int = len(part["id"])) -> None:
            fs.loaded += n
            fs.already_present += rows - n

        w.send("load/alerts", part, None, done)
