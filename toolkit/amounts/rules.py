"""One entry point for all abnormal-amount rules: :func:`run_amount_rules`.

Why one entry point: the CLI and the refresh job want "run the amount rules" with one parameter
object read from configuration, one list of findings to write back, counts for the summary and
timings for the log. The USD conversion all rules need is done once and shared.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from toolkit.amounts._common import RatesLike, check_rates, is_number, movement_usd
from toolkit.amounts.bounds import (
    AccountBounds,
    BoundKind,
    account_bounds,
    check_bound_args,
    large_amount_findings,
)
from toolkit.amounts.capital import CapitalParams, capital_findings
from toolkit.amounts.limits import Limits, deposit_limit_findings, load_limits, transfer_limit_findings
from toolkit.amounts.structuring import StructuringParams, structuring_findings
from toolkit.details import pack_details
from toolkit.errors import ConfigError
from toolkit.finding_table import FindingTable
from toolkit.findings import RULE_IDS, Finding
from toolkit.frames import Network

__all__ = ["AmountParams", "AmountResult", "run_amount_rules"]

_DAY = 86_400


@dataclass(frozen=True)
class AmountParams:
    """Everything the amount rules can be tuned with (validated on construction).

    Attributes
    ----------
    alpha : float, default 0.05
        One-sided level of the per-account bound (``large_amount``).
    bound : {"prediction", "mean"}, default "prediction"
        Prediction bound for one new amount, or the paper's bound for the mean (formula 11); see
        :mod:`toolkit.amounts.bounds` for why prediction is the default.
    log_scale : bool, default False
        Fit the bounds on log amounts.
    min_history : int, default 10
        Below this many own movements an account uses its class-and-currency pool.
    limits : Limits or None, default None
        Q01/Q02 limits; ``None`` skips ``deposit_limit`` and ``transfer_limit`` (count 0).
    structuring : StructuringParams
    capital : CapitalParams
    usd_rates : mapping or None, default None
        USD per unit of currency; ``None`` = :data:`toolkit.currency.USD_RATES`.
    rules : tuple of str, default all of :data:`toolkit.findings.RULE_IDS`
        Which rules to run; the others report 0 findings and 0 seconds.
    """

    alpha: float = 0.05
    bound: BoundKind = "prediction"
    log_scale: bool = False
    min_history: int = 10
    limits: Limits | None = None
    structuring: StructuringParams = field(default_factory=StructuringParams)
    capital: CapitalParams = field(default_factory=CapitalParams)
    usd_rates: RatesLike = None
    rules: tuple[str, ...] = RULE_IDS

    def __post_init__(self) -> None:
        check_bound_args(self.alpha, self.bound, self.min_history)
        check_rates(self.usd_rates)
        if not isinstance(self.log_scale, (bool, np.bool_)):
            raise ConfigError(f"log_scale must be true or false, got {self.log_scale!r}")
        if self.limits is not None and not isinstance(self.limits, Limits):
            got = type(self.limits).__name__
            raise ConfigError(f"limits must be a Limits (see load_limits), got {got}")
        rules = (self.rules,) if isinstance(self.rules, str) else tuple(self.rules)
        for r in rules:
            if r not in RULE_IDS:
                raise ConfigError(f"unknown amount rule '{r}' (expected one of {', '.join(RULE_IDS)})")
        object.__setattr__(self, "rules", rules)
        if self.usd_rates is not None:
            object.__setattr__(self, "usd_rates", dict(self.usd_rates))

    @classmethod
    def from_mapping(
        cls,
        conf: Mapping[str, Any],
        *,
        source: str = "aml.toml [amounts]",
        base_dir: str | Path | None = None,
    ) -> "AmountParams":
        """Parameters from a configuration table such as ``[amounts]`` in ``aml.toml``.

        Keys: ``alpha``, ``bound``, ``log_scale``, ``min_history``, ``rules``, ``usd_rates``
        (table), ``limits`` (a file path, relative to ``base_dir``, or an array of tables),
        ``structuring`` (table: ``threshold_usd``, ``fraction``, ``min_deposits``,
        ``window_days``, ``channels``) and ``capital`` (table: ``multiple``, ``period_days``,
        ``as_of``, ``evidence_limit``). Unknown keys are a :class:`ConfigError` naming ``source``,
        so a typo never silently falls back to a default.
        """
        _no_unknown(conf, _TOP_KEYS, source)
        plain = ("alpha", "bound", "log_scale", "min_history")
        kw: dict[str, Any] = {k: conf[k] for k in plain if k in conf}
        if "rules" in conf:
            kw["rules"] = conf["rules"]
        if "usd_rates" in conf:
            kw["usd_rates"] = dict(conf["usd_rates"])
        if "limits" in conf:
            kw["limits"] = _limits_from(conf["limits"], source, base_dir)
        if "structuring" in conf:
            s = dict(conf["structuring"])
            _no_unknown(s, _STRUCTURING_KEYS, f"{source}.structuring")
            if "window_days" in s:
                days = s.pop("window_days")
                if not is_number(days) or days < 0:
                    raise ConfigError(
                        f"{source}.structuring: window_days must be a non-negative number, got {days!r}"
                    )
                s["window_seconds"] = int(round(days * _DAY))
            if s.get("channels") is not None:
                s["channels"] = tuple(s["channels"])
            kw["structuring"] = StructuringParams(**s)
        if "capital" in conf:
            c = dict(conf["capital"])
            _no_unknown(c, _CAPITAL_KEYS, f"{source}.capital")
            kw["capital"] = CapitalParams(**c)
        return cls(**kw)


_TOP_KEYS = frozenset({
    "alpha", "bound", "log_scale", "min_history", "rules", "usd_rates",
    "limits", "structuring", "capital",
})
_STRUCTURING_KEYS = frozenset({"threshold_usd", "fraction", "min_deposits", "window_days", "channels"})
_CAPITAL_KEYS = frozenset({"multiple", "period_days", "as_of", "evidence_limit"})


def _limits_from(value: Any, source: str, base_dir: str | Path | None) -> Limits:
    """A limits file path (relative to ``base_dir``) or an array of limit tables."""
    if isinstance(value, (str, Path)):
        path = Path(value)
        if base_dir is not None and not path.is_absolute():
            path = Path(base_dir) / path
        return load_limits(path)
    return Limits.from_records(value, source=source)


def _no_unknown(conf: Mapping[str, Any], known: frozenset[str], source: str) -> None:
    for key in conf:
        if key not in known:
            expected = ", ".join(sorted(known))
            raise ConfigError(f"{source}: unknown key '{key}' (expected one of {expected})")


@dataclass(frozen=True, eq=False)
class AmountResult:
    """What :func:`run_amount_rules` found.

    Attributes
    ----------
    findings : FindingTable
        All findings, grouped by rule in the order of :data:`toolkit.findings.RULE_IDS`: a
        sequence of :class:`~toolkit.findings.Finding` kept by column (:mod:`toolkit.finding_table`).
    counts : dict
        Findings per rule id; every id of :data:`RULE_IDS` is present (0 where none or skipped).
    bounds : AccountBounds or None
        The per-account bound table (for write-back); ``None`` when ``large_amount`` was not run.
    seconds : dict
        Wall time per rule id (0.0 where skipped), plus ``"prepare"`` for the shared USD
        conversion.
    """

    findings: FindingTable
    counts: dict[str, int]
    bounds: AccountBounds | None
    seconds: dict[str, float]

    def by_rule(self, rule: str) -> list[Finding]:
        """The findings of one rule."""
        return [f for f in self.findings if f.rule == rule]


def _packed(findings: Sequence[Finding]) -> FindingTable:
    """A rule's findings as they are kept until written: by column, details too."""
    if isinstance(findings, FindingTable):
        return findings
    pack_details(findings)
    return FindingTable.pack(findings)


def run_amount_rules(net: Network, params: AmountParams | None = None) -> AmountResult:
    """Run every enabled amount rule over ``net``.

    Parameters
    ----------
    net : Network
    params : AmountParams, optional
        Defaults to ``AmountParams()`` (no limits: the two limit rules report 0).

    Returns
    -------
    AmountResult

    Examples
    --------
    >>> net = Network.from_rows([{"id": "A"}], [
    ...     {"id": f"d{i}", "kind": "deposit", "to": "A", "amount": a, "ts": i * 3600}
    ...     for i, a in enumerate([9000.0, 9500.0, 9900.0])])
    >>> res = run_amount_rules(net)
    >>> res.counts["structuring"], res.findings[0].movements
    (1, (0, 1, 2))
    """
    p = params or AmountParams()
    seconds: dict[str, float] = {"prepare": 0.0, **{r: 0.0 for r in RULE_IDS}}
    found: dict[str, Sequence[Finding]] = {r: [] for r in RULE_IDS}
    bounds: AccountBounds | None = None

    t0 = time.perf_counter()
    usd = movement_usd(net.movements, p.usd_rates)
    seconds["prepare"] = time.perf_counter() - t0

    def timed(rule: str, fn: Any) -> None:
        start = time.perf_counter()
        found[rule] = _packed(fn())
        seconds[rule] = time.perf_counter() - start

    if "large_amount" in p.rules:
        start = time.perf_counter()
        bounds = account_bounds(
            net, alpha=p.alpha, bound=p.bound, log_scale=p.log_scale, min_history=p.min_history,
            usd_rates=p.usd_rates, amount_usd=usd,
        )
        found["large_amount"] = _packed(large_amount_findings(net, bounds, usd_rates=p.usd_rates, amount_usd=usd))
        seconds["large_amount"] = time.perf_counter() - start
    if p.limits is not None:
        limits = p.limits
        if "deposit_limit" in p.rules:
            timed("deposit_limit", lambda: deposit_limit_findings(net, limits))
        if "transfer_limit" in p.rules:
            timed("transfer_limit", lambda: transfer_limit_findings(net, limits))
    if "structuring" in p.rules:
        timed("structuring", lambda: structuring_findings(net, p.structuring, usd_rates=p.usd_rates))
    if "capital_mismatch" in p.rules:
        timed(
            "capital_mismatch",
            lambda: capital_findings(net, p.capital, usd_rates=p.usd_rates, amount_usd=usd),
        )

    return AmountResult(
        findings=FindingTable.concat([_packed(found[r]) for r in RULE_IDS]),
        counts={r: len(found[r]) for r in RULE_IDS},
        bounds=bounds,
        seconds=seconds,
    )
