"""The abnormal-amount job: bounds, limits, structuring and capital rules as one detection run."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.amounts import AmountParams, load_limits, run_amount_rules
from toolkit.config import Settings
from toolkit.db import Database
from toolkit.frames import Network
from toolkit.network import read_network
from toolkit.runs import detection_run
from toolkit.server import repo_root
from toolkit.writeback import write_findings

__all__ = ["AmountJobResult", "amount_params", "run_amounts"]

DEFAULT_LIMITS = repo_root() / "config" / "limits.csv"


@dataclass(frozen=True)
class AmountJobResult:
    run_id: str
    counts: dict[str, int]
    flags_written: int
    seconds: dict[str, float]


def amount_params(
    settings: Settings,
    limits: str | Path | None = None,
    alpha: float | None = None,
    bound: str | None = None,
    log_scale: bool | None = None,
) -> AmountParams:
    """Parameters from ``[amounts]`` (and ``[currency] usd_rates``), with command-line overrides.

    Limits come from ``--limits``, else ``[amounts] limits``, else the shipped
    ``config/limits.csv``.
    """
    conf = settings.section("amounts")
    base = Path(settings.source).parent if settings.source not in ("defaults", "") else Path.cwd()
    params = AmountParams.from_mapping(conf, base_dir=base)
    changes: dict[str, Any] = {}
    if limits is not None:
        changes["limits"] = load_limits(limits)
    elif params.limits is None and DEFAULT_LIMITS.is_file():
        changes["limits"] = load_limits(DEFAULT_LIMITS)
    if alpha is not None:
        changes["alpha"] = alpha
    if bound is not None:
        changes["bound"] = bound
    if log_scale is not None:
        changes["log_scale"] = log_scale
    rates = settings.section("currency").get("usd_rates")
    if rates and params.usd_rates is None:
        changes["usd_rates"] = dict(rates)
    return dataclasses.replace(params, **changes) if changes else params


def describe(params: AmountParams) -> dict[str, Any]:
    """The parameters as plain data (stored on the run; also its replace-key)."""
    d = {
        "alpha": params.alpha,
        "bound": params.bound,
        "log_scale": params.log_scale,
        "min_history": params.min_history,
        "limits": None if params.limits is None else getattr(params.limits, "source", "given"),
        "structuring": dataclasses.asdict(params.structuring),
        "capital": dataclasses.asdict(params.capital),
        "rules": list(params.rules),
    }
    return d


def run_amounts(db: Database, params: AmountParams, net: Network | None = None) -> AmountJobResult:
    """Run every amount rule over the whole network and write the flags back as one run."""
    t0 = time.perf_counter()
    net = net if net is not None else read_network(db)
    t_read = time.perf_counter() - t0
    with detection_run(db, "amounts", describe(params)) as run:
        result = run_amount_rules(net, params)
        t1 = time.perf_counter()
        written = write_findings(db, run, net, result.findings)
        run.counts = dict(result.counts)
        t_write = time.perf_counter() - t1
    seconds = {"read": t_read, **result.seconds, "write": t_write}
    return AmountJobResult(run.id, dict(result.counts), written, seconds)
