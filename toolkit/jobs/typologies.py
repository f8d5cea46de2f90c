"""The typology job: fan-in/out, scatter-gather, gather-scatter, cycles, layering as one run.

Each hit is written back as a ``(:Flag)`` with its typology id as the rule (evidence: the
accounts and transfers involved, the window, the figures), and every account's typology score as
``a.amlTypologyScore``.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np

from toolkit.config import Settings
from toolkit.db import Database
from toolkit.detect import TypologyParams, run_typologies
from toolkit.frames import Network
from toolkit.network import read_network
from toolkit.runs import detection_run
from toolkit.writeback import write_findings

__all__ = ["TypologyJobResult", "typology_params", "run_typology_job"]


@dataclass(frozen=True)
class TypologyJobResult:
    run_id: str
    counts: dict[str, int]
    flags_written: int
    scored_accounts: int
    seconds: dict[str, float]


def typology_params(settings: Settings) -> TypologyParams:
    """``[typologies]`` of aml.toml (unknown keys are an error), USD rates from ``[currency]``."""
    conf = dict(settings.section("typologies"))
    rates = settings.section("currency").get("usd_rates")
    if rates and "usd_rates" not in conf:
        conf["usd_rates"] = dict(rates)
    return TypologyParams.from_mapping(conf)


def _describe(params: TypologyParams, only: tuple[str, ...] | None) -> dict[str, Any]:
    d = dataclasses.asdict(params)
    d["only"] = list(only) if only else None
    return d


def run_typology_job(
    db: Database,
    params: TypologyParams,
    only: Iterable[str] | None = None,
    net: Network | None = None,
    batch_size: int = 5000,
) -> TypologyJobResult:
    """Run the detectors over the whole network and write hits and scores back as one run."""
    t0 = time.perf_counter()
    net = net if net is not None else read_network(db)
    t_read = time.perf_counter() - t0
    only_t = tuple(only) if only else None
    with detection_run(db, "typologies", _describe(params, only_t)) as run:
        result = run_typologies(net, params, only=only_t)
        t1 = time.perf_counter()
        written = write_findings(db, run, net, result.findings)
        idx = np.flatnonzero(result.account_score > 0)
        rows = [{"id": str(net.accounts.ids[i]), "score": float(result.account_score[i])} for i in idx]
        for start in range(0, len(rows), batch_size):
            db.run("writeback/account_typology_scores", run_id=run.id, rows=rows[start : start + batch_size])
        db.run_autocommit("writeback/reset_typology_scores", run_id=run.id)
        run.counts = dict(result.counts)
        t_write = time.perf_counter() - t1
    seconds = {"read": t_read, **result.seconds, "write": t_write}
    return TypologyJobResult(run.id, dict(result.counts), written, len(rows), seconds)
