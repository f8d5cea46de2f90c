"""The combined-score job: read the current flags and cluster marks, score every account, write
``a.amlScore`` / ``a.amlFlagged`` / ``a.amlReasons`` / ``a.amlScoreRunId`` as one ``scores`` run.

What it reads is only what the detectors wrote (``read/scores_flags``, ``read/scores_clusters``);
ground truth is never read. :func:`latest_scores` is what ``aml scores`` exports.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from toolkit.arrays import index_of
from toolkit.config import Settings
from toolkit.db import Database
from toolkit.findings import Finding
from toolkit.frames import Network
from toolkit.runs import detection_run
from toolkit.scoring.combined import CombinedParams, CombinedScore, FlagTable, combined_score, typology_scores

__all__ = ["ScoreJobResult", "score_params", "read_flag_table", "read_cluster_scores", "compute_scores",
           "run_scores_job", "write_scores", "flag_table_from_findings", "active_accounts", "typology_params",
           "latest_scores",
           "write_scores_csv", "SCORE_COLUMNS", "DETECTOR"]

DETECTOR = "scores"
#: Columns of ``aml scores --csv`` (and keys of ``--json`` objects), in order.
SCORE_COLUMNS = ("account_id", "score", "flagged", "reasons")


@dataclass(frozen=True)
class ScoreJobResult:
    run_id: str
    counts: dict[str, int]
    weights: dict[str, float]
    seconds: dict[str, float]
    notes: list[str] = field(default_factory=list)


def score_params(settings: Settings, threshold: float | None = None) -> CombinedParams:
    """``[scoring]`` of aml.toml, with an optional threshold override."""
    conf = settings.section("scoring")
    if threshold is not None:
        conf["threshold"] = threshold
    return CombinedParams.from_mapping(conf)


def read_flag_table(db: Database) -> tuple[FlagTable, np.ndarray, np.ndarray]:
    """The current flags as a :class:`FlagTable` over every account (typology flags with their
    details), which accounts moved money at all, and which made or received a transfer."""
    import json

    from toolkit.findings import TYPOLOGY_IDS

    acc = db.run_one("read/scores_accounts") or {}
    ids = np.array(acc.get("ids", []), dtype=object)
    active = np.array(acc.get("active", []), dtype=bool)
    transfer_active = np.array(acc.get("transfer_active", []), dtype=bool)
    rows = db.run_one("read/scores_flags", with_details=list(TYPOLOGY_IDS)) or {}
    account = index_of(ids, rows.get("accounts", []))
    involved = rows.get("involved", [])
    lengths = np.fromiter((len(x) for x in involved), dtype=np.int64, count=len(involved))
    flat = [o for x in involved for o in x]
    inv_acc = index_of(ids, flat) if flat else np.empty(0, dtype=np.int64)
    inv_flag = np.repeat(np.arange(len(involved), dtype=np.int64), lengths)
    ok = inv_acc >= 0
    details = np.empty(len(account), dtype=object)
    details[:] = [json.loads(d) if d else None for d in rows.get("details", [])]
    table = FlagTable(ids, account.astype(np.int64), np.array(rows.get("rules", []), dtype=object),
                      np.array(rows.get("scores", []), dtype=np.float64), inv_flag[ok], inv_acc[ok].astype(np.int64),
                      details)
    keep = table.account >= 0
    if not keep.all():  # cannot happen (FLAGS points at an account), but never index with -1
        table = FlagTable(ids, table.account[keep], table.rule[keep], table.score[keep],
                          *_remap_involved(table, keep), details[keep])
    return table, active, transfer_active


def _remap_involved(table: FlagTable, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    new_row = np.cumsum(keep) - 1
    sel = keep[table.involved_flag]
    return new_row[table.involved_flag[sel]], table.involved_account[sel]


def read_cluster_scores(db: Database, ids: np.ndarray) -> tuple[str | None, np.ndarray | None]:
    """The latest embeddings run's abnormal score of every account (None without such a run)."""
    row = db.run_one("read/scores_clusters") or {}
    if not row.get("run"):
        return None, None
    pos = index_of(ids, row["ids"])
    out = np.zeros(len(ids))
    ok = pos >= 0
    out[pos[ok]] = np.asarray(row["scores"], dtype=np.float64)[ok]
    return row["run"], out


def typology_params(settings: Settings) -> Any:
    """``[typologies]`` as the typology package's parameters (None when it is unavailable)."""
    try:
        from toolkit.detect import TypologyParams
    except ImportError:
        return None
    return TypologyParams.from_mapping(settings.section("typologies"))


def compute_scores(db: Database, params: CombinedParams, typ_params: Any = None
                   ) -> tuple[CombinedScore, list[str], dict[str, float]]:
    """Score every account from the graph's current flags and cluster marks (writes nothing)."""
    notes: list[str] = []
    t0 = time.perf_counter()
    flags, active, transfer_active = read_flag_table(db)
    run, cluster = read_cluster_scores(db, flags.ids)
    if run is None:
        notes.append("no embeddings run: cluster marks not used")
    t1 = time.perf_counter()
    typ = typology_scores(flags, transfer_active if transfer_active.size else None, typ_params)
    if typ is None and len(flags.rule):
        notes.append("typology flags without shape details: weighed like the other rules")
    res = combined_score(flags, params, cluster_score=cluster, active=active if active.size else None, typology=typ)
    if len(flags.rule) == 0:
        notes.append("no current flags: run the detectors first")
    return res, notes, {"read": t1 - t0, "score": time.perf_counter() - t1}


def write_scores(db: Database, params: CombinedParams, res: CombinedScore, batch_size: int = 20000,
                 progress: Callable[[int], None] | None = None) -> str:
    """Write computed scores as one ``scores`` run (accounts without evidence get score 0 of the
    run in one server-side statement); returns the run id."""
    with detection_run(db, DETECTOR, {"params": vars(params)}) as run:
        nz = np.flatnonzero(res.score > 0)
        for start in range(0, len(nz), batch_size):
            part = nz[start : start + batch_size]
            db.run("writeback/scores", run_id=run.id, ids=res.ids[part].tolist(),
                   scores=[round(float(s), 6) for s in res.score[part]],
                   flagged=[bool(f) for f in res.flagged[part]], reasons=[list(res.reasons[i]) for i in part])
            if progress:
                progress(len(part))
        db.run_autocommit("writeback/scores_reset", run_id=run.id)
        run.counts = {**res.counts(), "rules": len(res.weights)}
    return run.id


def run_scores_job(db: Database, settings: Settings, params: CombinedParams | None = None,
                   batch_size: int = 20000, progress: Callable[[int], None] | None = None) -> ScoreJobResult:
    """Compute the combined score of every account from the graph's current flags and cluster
    marks, and write it as one ``scores`` run.

    Returns
    -------
    ScoreJobResult
        The run id, counts (accounts, flagged, scored, rules), the rule weights, timings and notes
        (e.g. "no embeddings run: cluster marks not used").
    """
    p = params or score_params(settings)
    res, notes, seconds = compute_scores(db, p, typology_params(settings))
    t0 = time.perf_counter()
    run_id = write_scores(db, p, res, batch_size, progress)
    seconds["write"] = time.perf_counter() - t0
    return ScoreJobResult(run_id, {**res.counts(), "rules": len(res.weights)}, dict(res.weights), seconds, notes)


def flag_table_from_findings(net: Network, findings: Iterable[Finding]) -> FlagTable:
    """The :class:`FlagTable` that writing ``findings`` as flags and reading them back would give
    (``FLAGS`` = ``finding.account``, ``INVOLVES`` = ``finding.accounts``), without the round trip.

    Account and flag rows are int32 (int64 only beyond 2**31 accounts or flags): the table lives
    to the end of a run, and at 0.6M transfers its 0.77M involved pairs took 12 MB as int64.
    Built column by column from the findings (no Python list of every figure on the way); a
    :class:`~toolkit.finding_table.FindingTable` (what the detectors' runs return) is read by
    column without making its findings.
    """
    from toolkit.finding_table import FindingTable
    from toolkit.findings import TYPOLOGY_IDS, join_rows

    acc_t = np.int32 if len(net.accounts) < 2**31 else np.int64
    if isinstance(findings, FindingTable):
        n = len(findings)
        rules = findings.rules()
        det = np.empty(n, dtype=object)  # shared, not copied (see below)
        typ = np.isin(rules, list(TYPOLOGY_IDS))
        det[typ] = findings.details[typ]
        inv_n, inv_a = findings.accounts_rows()
        inv_f = np.repeat(np.arange(n, dtype=np.int32 if n < 2**31 else np.int64), inv_n)
        return FlagTable(np.asarray(net.accounts.ids, dtype=object), findings.account.astype(acc_t), rules,
                         findings.score.astype(np.float64), inv_f, inv_a.astype(acc_t, copy=False), det)
    fs = findings if isinstance(findings, list) else list(findings)
    n = len(fs)
    flag_t = np.int32 if n < 2**31 else np.int64
    acc = np.fromiter((f.account for f in fs), dtype=acc_t, count=n)
    rules = np.fromiter((f.rule for f in fs), dtype=object, count=n)
    scores = np.fromiter((f.score for f in fs), dtype=np.float64, count=n)
    # shared, not copied: nothing downstream changes a finding's details, and a copy per
    # finding was ~175 MB at 2.1M transfers
    det = np.fromiter((f.details if f.rule in TYPOLOGY_IDS else None for f in fs), dtype=object, count=n)
    inv_n = np.fromiter((len(f.accounts) for f in fs), dtype=np.int64, count=n)
    inv_f = np.repeat(np.arange(n, dtype=flag_t), inv_n)
    inv_a = join_rows(f.accounts for f in fs).astype(acc_t, copy=False)
    return FlagTable(np.asarray(net.accounts.ids, dtype=object), acc, rules, scores, inv_f, inv_a, det)


def active_accounts(net: Network, transfers_only: bool = False) -> np.ndarray:
    """Accounts with at least one movement (or at least one transfer)."""
    from toolkit.frames import TRANSFER

    m = net.movements
    seen = np.zeros(len(net.accounts), dtype=bool)
    transfer = m.kind == TRANSFER if transfers_only else None
    for end in (m.src, m.dst):  # one side at a time: no copy of both columns (32 MB at 0.6M)
        ok = end >= 0
        if transfer is not None:
            ok &= transfer
        seen[end[ok]] = True
    return seen


def latest_scores(db: Database, top: int | None = None) -> list[dict[str, Any]]:
    """The latest score run's accounts, riskiest first: ``account_id``, ``score``, ``flagged``,
    ``reasons`` (a list of rule ids). Empty when no score run exists."""
    rows = db.run("read/scores_latest", top=top)
    return [{"account_id": r["account_id"], "score": float(r["score"] or 0.0), "flagged": bool(r["flagged"]),
             "reasons": list(r["reasons"] or [])} for r in rows]


def write_scores_csv(rows: Sequence[dict[str, Any]], path: str | Path) -> int:
    """Write ``rows`` of :func:`latest_scores` as CSV with exactly :data:`SCORE_COLUMNS`
    (``flagged`` as ``true``/``false``, ``reasons`` joined by ``;``). Returns the row count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(SCORE_COLUMNS)
        for r in rows:
            w.writerow([r["account_id"], f"{r['score']:.6f}", "true" if r["flagged"] else "false",
                        ";".join(r["reasons"])])
    return len(rows)
