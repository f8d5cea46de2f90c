"""Write findings back into the graph as ``(:Flag)`` nodes of a detection run.

Why nodes: a flag carries the rule, the value, the bound or limit it crossed, the movements
involved and the run that produced it; as a node linked to its account it is one line of Cypher
away in Neo4j Browser, and it never overwrites a loaded fact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, Iterable

from toolkit.db import Database
from toolkit.findings import Finding, to_records
from toolkit.frames import Network
from toolkit.runs import Run

__all__ = ["write_findings", "WriteSummary"]


@dataclass(frozen=True)
class WriteSummary:
    flags: int
    seconds: float


def write_findings(
    db: Database,
    run: Run,
    net: Network,
    findings: Iterable[Finding],
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write findings as flags of ``run``; returns how many were written."""
    records = to_records(net, findings)
    for i, rec in enumerate(records):
        rec["id"] = f"{run.id}:{i}"
        rec["details"] = json.dumps(rec["details"], sort_keys=True, default=_plain)
    written = 0
    for start in range(0, len(records), batch_size):
        batch = records[start : start + batch_size]
        row = db.run_one("writeback/flags", run_id=run.id, rows=batch)
        written += int(row["written"]) if row else 0
        if progress:
            progress(len(batch))
    return written


def _plain(value: object) -> object:
    """JSON for NumPy scalars and arrays inside finding details."""
    try:
        import numpy as np

        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return value.tolist()
    except ImportError:  # pragma: no cover
        pass
    return str(value)
