"""Write findings back into the graph as ``(:Flag)`` nodes of a detection run.

Why nodes: a flag carries the rule, the value, the bound or limit it crossed, the movements
involved and the run that produced it; as a node linked to its account it is one line of Cypher
away in Neo4j Browser, and it never overwrites a loaded fact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import islice
from typing import Callable, Iterable, Iterator

from toolkit.db import Database
from toolkit.findings import TYPOLOGY_IDS, Finding, to_records
from toolkit.frames import Network
from toolkit.runs import Run

__all__ = ["write_findings", "write_flag_records", "WriteSummary", "LINK_FLOOR"]


@dataclass(frozen=True)
class WriteSummary:
    flags: int
    seconds: float


#: Typology hits scoring below this keep their counterparties in ``f.accounts`` only, without
#: ``INVOLVES`` edges. Why: the detectors report every shape they see and most hits are weak (at
#: 0.6M transfers, 54k of 60k typology findings score under 0.05, with 12 counterparties each on
#: average); drawing their 0.73M edges took 9.3 of the 13.1 s that writing them took, while an
#: investigator expands the strong hits. The combined score reads ``f.accounts``, so it sees
#: every hit either way.
LINK_FLOOR = 0.05


def write_findings(
    db: Database,
    run: Run,
    net: Network,
    findings: Iterable[Finding],
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
    writers: int = 2,
    link_floor: float = LINK_FLOOR,
) -> int:
    """Write findings as flags of ``run``; returns how many were written.

    The records of one batch are built while the previous batches are written (``writers``
    concurrent transactions), so the whole list never exists as Cypher parameters at once.
    """

    def batches() -> Iterator[list[dict]]:
        it = iter(findings)
        start = 0
        while True:
            chunk = list(islice(it, batch_size))
            if not chunk:
                return
            batch = to_records(net, chunk)
            for i, (f, rec) in enumerate(zip(chunk, batch)):
                rec["id"] = f"{run.id}:{start + i}"
                rec["details"] = json.dumps(rec["details"], sort_keys=True, default=_plain)
                rec["link"] = f.rule not in TYPOLOGY_IDS or f.score >= link_floor
            start += len(chunk)
            yield batch

    return write_flag_records(db, run.id, batches(), progress, writers)


def write_flag_records(
    db: Database,
    run_id: str,
    batches: Iterable[list[dict]],
    progress: Callable[[int], None] | None = None,
    writers: int = 2,
) -> int:
    """Write ready ``writeback/flags`` rows (ids, JSON details), batch by batch, on ``writers``
    concurrent transactions; returns how many flags were written. For detectors whose flags are
    not :class:`~toolkit.findings.Finding` rows of a network (the clusters' abnormal actors)."""
    from toolkit.concurrent_writes import ConcurrentWriter

    written = [0]

    def count(row: dict | None, n: int) -> None:
        written[0] += int(row["written"]) if row else 0
        if progress:
            progress(n)

    with ConcurrentWriter(writers, name="aml-flags") as w:
        for batch in batches:
            if batch:
                w.submit(lambda batch=batch: db.run_one("writeback/flags", run_id=run_id, rows=batch),
                         lambda row, n=len(batch): count(row, n))
    return written[0]


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
