"""Detection runs: every result written back belongs to one ``(:DetectionRun)``.

Why runs: investigators need to know which run (and which parameters) produced a flag, the
scheduler needs a failed run to leave the previous results in place, and re-running with the same
parameters must replace results instead of piling up duplicates. :func:`detection_run` gives all
three: it records the run as ``running``, lets the body write results tagged with the run id,
marks it ``complete`` and only then removes the results of earlier runs with the same
detector and parameters (or marks it ``failed`` and removes nothing).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterator

from toolkit.db import Database
from toolkit.errors import ToolkitError

__all__ = ["Run", "detection_run", "params_key", "latest_run", "VERSION"]

VERSION = "0.1.0"


def params_key(detector: str, params: dict[str, Any]) -> str:
    """A stable key of a detector and its parameters (JSON with sorted keys, hashed)."""
    text = json.dumps({"detector": detector, "params": params}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class Run:
    """An open run: its id, and the counts the body reports (stored on the run node)."""

    id: str
    detector: str
    params: dict[str, Any]
    key: str
    counts: dict[str, Any] = field(default_factory=dict)


def _new_id(detector: str) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    return f"{detector}-{stamp}-{uuid.uuid4().hex[:6]}"


@contextlib.contextmanager
def detection_run(db: Database, detector: str, params: dict[str, Any]) -> Iterator[Run]:
    """Open a run; on success mark it complete and supersede older runs with the same key.

    On failure the run is marked failed (if the server still answers) and the error propagates;
    results of earlier runs stay the current ones.
    """
    run = Run(_new_id(detector), detector, params, params_key(detector, params))
    db.run("writeback/mark_interrupted", detector=detector, id=run.id)
    db.run(
        "writeback/run_begin",
        id=run.id, detector=detector, params=json.dumps(params, sort_keys=True, default=str),
        params_key=run.key, version=VERSION, started=int(time.time()),
    )
    try:
        yield run
    except BaseException as exc:
        with contextlib.suppress(ToolkitError, Exception):
            db.run("writeback/run_finish", id=run.id, status="failed", counts=json.dumps(run.counts),
                   error=str(exc)[:500], finished=int(time.time()))
        raise
    db.run("writeback/run_finish", id=run.id, status="complete",
           counts=json.dumps(run.counts, sort_keys=True, default=str), error=None,
           finished=int(time.time()))
    old = (db.run_one("writeback/supersede", id=run.id, params_key=run.key) or {}).get("ids") or []
    if old:
        db.run_autocommit("writeback/delete_results", run_ids=old)


def latest_run(db: Database, detector: str | None = None) -> dict[str, Any] | None:
    """The latest complete run (of one detector, or of any)."""
    return db.run_one("writeback/run_latest", detector=detector)
