"""Write findings back into the graph as ``(:Flag)`` nodes of a detection run.

Why nodes: a flag carries the rule, the value, the bound or limit it crossed, the movements
involved and the run that produced it; as a node linked to its account it is one line of Cypher
away in Neo4j Browser, and it never overwrites a loaded fact.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from itertools import islice
from typing import Callable, Iterable, Iterator, Sequence

from toolkit.db import Database
from toolkit.finding_table import FindingTable
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

    Batches are written on ``writers`` concurrent transactions, and each batch's records (the
    Cypher parameters) are built by the writer that sends it, when it starts: the batches that
    wait their turn hold only their findings (for a :class:`~toolkit.finding_table.FindingTable`,
    only their positions). Why: records with their movement ids as strings are ~3 KB a typology
    flag; built ahead, the four batches in flight and the next one held ~40 MB at 0.6M transfers,
    while the detectors ran beside them.
    """

    def build(chunk: Sequence[Finding] | Callable[[], Sequence[Finding]], start: int) -> list[dict]:
        fs = chunk() if callable(chunk) else chunk
        batch = to_records(net, fs)
        for i, (f, rec) in enumerate(zip(fs, batch)):
            rec["id"] = f"{run.id}:{start + i}"
            rec["details"] = json.dumps(rec["details"], sort_keys=True, default=_plain)
            rec["link"] = f.rule not in TYPOLOGY_IDS or f.score >= link_floor
        return batch

    def batches() -> Iterator[tuple[int, Callable[[], list[dict]]]]:
        if isinstance(findings, FindingTable):  # a batch is its range of rows until it is built
            for start in range(0, len(findings), batch_size):
                end = min(start + batch_size, len(findings))
                yield end - start, functools.partial(build, functools.partial(findings.__getitem__,
                                                                              slice(start, end)), start)
            return
        it = iter(findings)
        start = 0
        while True:
            chunk = list(islice(it, batch_size))
            if not chunk:
                return
            yield len(chunk), functools.partial(build, chunk, start)
            start += len(chunk)

    return _write_batches(db, run.id, batches(), progress, writers)


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
    return _write_batches(db, run_id, ((len(b), functools.partial(_same, b)) for b in batches if b), progress,
                          writers)


def _same(rows: list[dict]) -> list[dict]:
    return rows


def _write_batches(db: Database, run_id: str, batches: Iterable[tuple[int, Callable[[], list[dict]]]],
                   progress: Callable[[int], None] | None, writers: int) -> int:
    """Send ``(size, make_rows)`` batches on ``writers`` concurrent transactions, each batch's rows
    made by the writer that sends it; returns how many flags were written."""
    from toolkit.concurrent_writes import ConcurrentWriter

    written = [0]

    def count(row: dict | None, n: int) -> None:
        written[0] += int(row["written"]) if row else 0
        if progress:
            progress(n)

    with ConcurrentWriter(writers, name="aml-flags") as w:
        for n, make in batches:
            if n:
                w.submit(lambda make=make: db.run_one("writeback/flags", run_id=run_id, rows=make()),
                         lambda row, n=n: count(row, n))
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
