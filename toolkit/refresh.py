"""The scheduled refresh: load what arrived since the last watermark, re-run detection.

Why a watermark: a cron job runs unattended and often; it must pick up only new movements, do
nothing (and change nothing) when nothing new arrived, and never run twice at once.

Steps of one refresh:

1. take the lock (``<cache>/refresh.lock``, ``flock``); a second refresh exits with
   :class:`toolkit.errors.LockHeld` (exit code 75, "try again later" for cron);
2. load every file in the inbox, skipping movements at or before the watermark (the loader's
   exactly-once rules make re-reading a file harmless);
3. if anything new was loaded (or ``all_accounts``), re-run every detector as one run and update
   the scores; the detectors are population-wide passes that take seconds, and the bounds and
   population statistics move with every new movement, so "affected accounts" are re-scored by
   re-running the passes over the whole network (documented in the README);
4. move the watermark to the newest movement and append one JSON line to the refresh log.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

from toolkit.config import Settings
from toolkit.db import connect
from toolkit.errors import ConfigError, LockHeld, RejectsExceeded, ToolkitError

__all__ = ["RefreshResult", "refresh", "EXIT_CODES", "lock_path", "log_path"]

#: Exit codes of `aml refresh`, for cron and systemd (also in the README).
EXIT_CODES = {
    0: "refreshed, or nothing new to load",
    1: "failed (see the log line and stderr)",
    2: "configuration error (aml.toml, inbox missing)",
    4: "the database is unreachable or refused the credentials",
    5: "rows were rejected beyond [refresh] max_rejects (the rest was loaded)",
    75: "another refresh is running (try again later)",
}


@dataclass
class RefreshResult:
    status: str
    started: str
    seconds: float
    loaded: int = 0
    rejected: int = 0
    already_present: int = 0
    watermark_before: int | None = None
    watermark_after: int | None = None
    detection_run: str | None = None
    counts: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    exit_code: int = 0


def lock_path(settings: Settings) -> Path:
    return Path(settings.section("refresh").get("lock", settings.server.cache_path / "refresh.lock")).expanduser()


def log_path(settings: Settings) -> Path:
    return Path(settings.section("refresh").get("log", settings.server.cache_path / "refresh.log")).expanduser()


@contextmanager
def _lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise LockHeld(f"another refresh is running (pid {holder}, lock {path}); try again later") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def refresh(settings: Settings, inbox: str | Path | None = None, all_accounts: bool = False) -> RefreshResult:
    """One refresh. Always appends its JSON line to the log, also when it fails.

    Raises
    ------
    LockHeld
        Another refresh holds the lock (nothing is done, one log line is written).
    """
    t0 = time.perf_counter()
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    result = RefreshResult(status="running", started=started, seconds=0.0)
    conf = settings.section("refresh")
    inbox_path = Path(inbox or conf.get("inbox", "")).expanduser() if (inbox or conf.get("inbox")) else None
    try:
        with _lock(lock_path(settings)):
            if inbox_path is None:
                raise ConfigError("no inbox: pass --inbox DIR or set [refresh] inbox in aml.toml")
            if not inbox_path.is_dir():
                raise ConfigError(f"inbox {inbox_path} is not a directory")
            _refresh(settings, inbox_path, all_accounts, result, int(conf.get("max_rejects", 0)))
    except ToolkitError as exc:
        result.status = "locked" if isinstance(exc, LockHeld) else "failed"
        result.error = str(exc)
        result.exit_code = exc.exit_code
        if not isinstance(exc, RejectsExceeded):
            _log(settings, result, t0)
            raise
    _log(settings, result, t0)
    return result


def _refresh(settings: Settings, inbox: Path, all_accounts: bool, result: RefreshResult, max_rejects: int) -> None:
    from loaders.load import load_path
    from toolkit.jobs.detect_all import run_all

    with connect(settings) as db:
        wm = db.run_one("read/watermark") or {}
        result.watermark_before = wm.get("ts")
        rejected_error: RejectsExceeded | None = None
        files = sorted(p for p in inbox.iterdir() if not p.name.startswith(".") and not p.name.endswith(".rejects.csv"))
        for item in files:
            if item.is_file() and item.suffix.lower() not in (".csv", ".parquet"):
                continue
            try:
                s = load_path(db, item, since=result.watermark_before, max_rejects=max_rejects,
                              rejects=str(item) + ".rejects.csv", batch_size=settings.load.batch_size, writers=settings.load.writers,
                              max_amount=settings.load.max_amount)
            except RejectsExceeded as exc:
                s = exc.summary  # type: ignore[attr-defined]
                rejected_error = exc
            result.loaded += s.loaded
            result.rejected += s.rejected
            result.already_present += s.already_present
        if result.loaded or all_accounts:
            det = run_all(db, settings)
            result.detection_run = det.run_id
            result.counts = det.counts
        needs_mark = result.loaded or result.watermark_before is None
        after = db.run_one("writeback/watermark", now=int(time.time())) if needs_mark else wm
        result.watermark_after = (after or {}).get("ts")
        result.status = "refreshed" if (result.loaded or all_accounts) else "nothing new"
        if rejected_error is not None:
            result.status = "rejects"
            raise rejected_error


def _log(settings: Settings, result: RefreshResult, t0: float) -> None:
    result.seconds = round(time.perf_counter() - t0, 3)
    path = log_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(asdict(result), sort_keys=True, default=str) + "\n")
