"""Typology detectors (fan, scatter-gather, cycle, layering) as bulk NumPy/SciPy passes.

Why shapes *in time*: degrees and amounts barely separate launderers from the crowd once amounts
are blended and decoys exist. What gives laundering away is timing: many distinct senders into
one account within days and the money moving on soon after; a loop closing within days with
amounts shrinking by fees; layers of accounts that receive and forward almost everything. Each
detector encodes one such shape with its time rule, and :mod:`.score` weighs every hit by how
common the shape is among ordinary accounts.

Modules
-------
:mod:`.fan`             ``fan_in``, ``fan_out`` (with the moved-on share)
:mod:`.scatter_gather`  ``scatter_gather``, ``gather_scatter``
:mod:`.cycles`          ``cycle`` (time-respecting, amount-consistent, each reported once)
:mod:`.layering`        ``layering`` (first-in first-out pass-through ratio, dwell, chains)
:mod:`.passers`         the counterparties of a hub that passed its money straight on
:mod:`.score`           the per-account typology score and its reasons
:mod:`.view`            :class:`FlowView`, the (account, time)-sorted movements all detectors share
:mod:`.windows`         the vectorised sliding-window building blocks (distinct counts, greedy windows)
:mod:`.params`          :class:`TypologyParams` and where its defaults come from

Most callers need only :func:`run_typologies`; the detectors are public for callers that want
one typology or its per-account statistics. All of them accept a :class:`~toolkit.frames.Network`
or a prepared :class:`FlowView` (to sort once for several detectors) and return a
:class:`Detection`. Findings use the typology ids of :data:`toolkit.findings.TYPOLOGY_IDS`;
account and movement numbers in them are rows of the network. Library code never prints.

Examples
--------
>>> from toolkit.frames import Network
>>> accounts = [{"id": x} for x in ["hub", "out", "s1", "s2", "s3", "s4", "s5"]]
>>> rows = [{"id": f"t{i}", "from": f"s{i}", "to": "hub", "amount": 100.0, "ts": i * 3600}
...         for i in range(1, 6)]
>>> rows.append({"id": "t6", "from": "hub", "to": "out", "amount": 480.0, "ts": 6 * 3600})
>>> res = run_typologies(Network.from_rows(accounts, rows), only=["fan_in"])
>>> res.counts["fan_in"], res.findings[0].details["moved_on_share"]
(1, 0.96)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

from toolkit.details import pack_details
from toolkit.errors import ConfigError
from toolkit.finding_table import FindingTable
from toolkit.findings import TYPOLOGY_IDS, Finding
from toolkit.frames import Network
from toolkit.detect.cycles import cycle_score, detect_cycles
from toolkit.detect.fan import detect_fan_in, detect_fan_out, fan_score, surprise
from toolkit.detect.layering import PassThrough, detect_layering, layering_score, pass_through
from toolkit.detect.params import DAY, TypologyParams
from toolkit.detect.passers import HUB_TYPOLOGIES, mark_passers, matched_hops
from toolkit.detect.scatter_gather import detect_gather_scatter, detect_scatter_gather
from toolkit.detect.score import AccountScores, score_accounts, shape_of
from toolkit.detect.view import Detection, FlowSide, FlowView, usd_amounts

__all__ = [
    # one entry point
    "TypologyParams",
    "TypologyResult",
    "run_typologies",
    "DETECTORS",
    # the detectors
    "detect_fan_in",
    "detect_fan_out",
    "detect_scatter_gather",
    "detect_gather_scatter",
    "detect_cycles",
    "detect_layering",
    "Detection",
    # scoring
    "AccountScores",
    "score_accounts",
    "shape_of",
    "fan_score",
    "surprise",
    "cycle_score",
    "layering_score",
    # shared data
    "FlowView",
    "FlowSide",
    "pass_through",
    "PassThrough",
    "usd_amounts",
    "DAY",
]

#: Typology id -> detector function, in the order of :data:`toolkit.findings.TYPOLOGY_IDS`.
DETECTORS: dict[str, Callable[[Network | FlowView, TypologyParams | None], Detection]] = {
    "fan_in": detect_fan_in,
    "fan_out": detect_fan_out,
    "scatter_gather": detect_scatter_gather,
    "gather_scatter": detect_gather_scatter,
    "cycle": detect_cycles,
    "layering": detect_layering,
}


@dataclass(frozen=True, eq=False)
class TypologyResult:
    """What :func:`run_typologies` found.

    Attributes
    ----------
    findings : FindingTable
        All findings, grouped by typology in the order of :data:`TYPOLOGY_IDS`, each group
        sorted by account and window; a sequence of :class:`~toolkit.findings.Finding` kept by
        column (:mod:`toolkit.finding_table`).
    counts : dict of str -> int
        Findings per typology id; every id is present (0 where none or not run).
    seconds : dict of str -> float
        Wall time per typology id (0.0 where not run), plus ``"prepare"`` (sorting the
        movements, USD conversion), ``"passers"`` (the hub findings' passers,
        :mod:`.passers`) and ``"score"``.
    account_score : ndarray of float64
        The per-account typology score in [0, 1] (:mod:`toolkit.detect.score`).
    account_reasons : dict of int -> tuple of str
        Why, for every account with a positive score.
    scores : AccountScores
        The full scoring detail (per-typology scores, hit counts, rarity of every finding, in
        the order of ``findings``).
    stats : dict of str -> ndarray
        Per-account population statistics of the detectors that ran, keyed
        ``"<typology>.<name>"`` (e.g. ``"fan_in.max_counterparties"``).
    """

    findings: FindingTable
    counts: dict[str, int]
    seconds: dict[str, float]
    account_score: np.ndarray
    account_reasons: dict[int, tuple[str, ...]]
    scores: AccountScores
    stats: dict[str, np.ndarray]

    def by_typology(self, typology: str) -> list[Finding]:
        """The findings of one typology."""
        return [f for f in self.findings if f.rule == typology]


def run_typologies(
    net: Network | FlowView,
    params: TypologyParams | None = None,
    only: Iterable[str] | None = None,
) -> TypologyResult:
    """Run the typology detectors over ``net`` and score every account.

    Parameters
    ----------
    net : Network or FlowView
        The in-memory network (or a view already prepared from it, with the same
        ``usd_rates``).
    params : TypologyParams, optional
        Defaults to ``TypologyParams()``.
    only : iterable of str, optional
        Typology ids to run (default: all). The others report 0 findings and 0 seconds.

    Returns
    -------
    TypologyResult

    Raises
    ------
    ConfigError
        ``only`` names an unknown typology.
    """
    p = params or TypologyParams()
    wanted = tuple(TYPOLOGY_IDS) if only is None else tuple(only)
    for t in wanted:
        if t not in TYPOLOGY_IDS:
            raise ConfigError(f"unknown typology '{t}' (expected one of {', '.join(TYPOLOGY_IDS)})")
    seconds = {"prepare": 0.0, **{t: 0.0 for t in TYPOLOGY_IDS}, "passers": 0.0, "score": 0.0}
    start = time.perf_counter()
    view = net if isinstance(net, FlowView) else FlowView.from_network(net, p.usd_rates)
    seconds["prepare"] = time.perf_counter() - start

    found: dict[str, FindingTable] = {t: FindingTable.pack([]) for t in TYPOLOGY_IDS}
    stats: dict[str, np.ndarray] = {}
    for t in TYPOLOGY_IDS:
        if t not in wanted:
            continue
        start = time.perf_counter()
        det = DETECTORS[t](view, p)
        # the findings live to the end of a run: kept by column (toolkit.finding_table), details too
        pack_details(det.findings)
        found[t] = FindingTable.pack(det.findings)
        seconds[t] = time.perf_counter() - start
        stats.update({f"{t}.{k}": v for k, v in det.stats.items()})
        del det

    findings = FindingTable.concat([found[t] for t in TYPOLOGY_IDS])
    counts = {t: len(found[t]) for t in TYPOLOGY_IDS}
    del found
    if any(counts[t] for t in HUB_TYPOLOGIES):
        start = time.perf_counter()
        forwarded, fed = matched_hops(view, p.layering_max_dwell_s, p.episode_fee, p.episode_tolerance)
        findings = mark_passers(findings, *view.movement_ends(), forwarded, fed)
        seconds["passers"] = time.perf_counter() - start
    start = time.perf_counter()
    ids = net.accounts.ids if isinstance(net, Network) else None
    scores = score_accounts(findings, view.n_accounts, view.active(), p, account_ids=ids)
    seconds["score"] = time.perf_counter() - start
    return TypologyResult(
        findings=findings,
        counts=counts,
        seconds=seconds,
        account_score=scores.score,
        account_reasons=scores.reasons,
        scores=scores,
        stats=stats,
    )
