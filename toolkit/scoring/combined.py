"""The combined risk score of every account: one number investigators sort by, with its reasons.

Inputs are what the detectors left in the graph, never ground truth: the current ``(:Flag)``
nodes of every complete run (amount rules, typologies, laundering paths, each with a ``score`` in
[0, 1] and the accounts it ``INVOLVES``) and the cluster marks of the embeddings job.

How the evidence is weighed, without labels
-------------------------------------------
0. **Typologies weighed by their own detectors.** The typology flags' shape figures go through
   :func:`toolkit.detect.score_accounts` (:func:`typology_scores`), which weighs every hit by how
   rare its shape is among all accounts that transfer, and gives ``S_tau`` per account and
   typology; those are the typology evidence, one per typology id. (Without flag details the
   typology flags are weighed like the other rules, by step 1.)
1. **Rule weight from the rule's own strength.** A rule that flags a large share of the active
   accounts says little about any one of them (``large_amount`` fires on ordinary big payers);
   one that flags a handful says a lot. As in inverse document frequency, rule ``r`` flagging a
   share ``p_r`` of the accounts gets ``w_r = clip(log p_r / log p_ref, w_min, 1)``: 1 at or
   below ``p_ref`` (default 0.2%), falling logarithmically to ``w_min`` for a rule that fires
   everywhere. Measured on the data at hand, re-measured every run.
   **1b. Agreement.** Rare is not the same as right (a limit set too low fires rarely and
   wrongly). So each non-typology rule is also weighed by its *lift*: how much more typology
   evidence its flagged accounts carry than the average active account. ``w_r`` becomes
   ``min(w_r, clip(log lift_r / log lift_ref, w_min, 1))`` (``lift_ref`` 100). Detectors that look
   at different things (amounts vs shapes in time) and still agree are trusted; no labels.
2. **Per account and rule**: ``e_r(a) = w_r * max score of r's flags on a``, where a flag counts
   for the account it ``FLAGS`` and, with factor ``involved_weight * min(1, involved_max / m)``
   (``involved_weight`` is 0 by default: measured, see :class:`CombinedParams`),
   for the ``m`` accounts it ``INVOLVES`` (the counterparties of a fan, the members of a cycle or
   path): laundering is done by groups of accounts, and a group's other members are exactly who
   an investigator opens next; a flag involving hundreds of accounts (a busy collector) accuses
   each of them little.
3. **Across rules** (independent evidence): ``rules(a) = 1 - prod_g (1 - max_{r in g} e_r(a))``
   over groups ``g`` of rules: every rule is a group of its own except the hub shapes
   (:data:`HUB_SHAPES`: fan-in, fan-out, scatter-gather, gather-scatter), which count as one
   group, by their strongest. Why: they are views of one fact, an account with many
   counterparties in a few days; a busy firm shows all four at once, and multiplying them as
   independent evidence made it look like a launderer (on the 200k evaluation sets, medium
   hardness, firms with fan-in 0.37, scatter-gather 0.33 and gather-scatter 0.31 scored 0.75).
   **3b. Partners.** An account's layering evidence ``L(a)`` is raised by the accounts its
   burst moved money with (the counterparties of its layering evidence, which the layering flag
   ``INVOLVES``): ``e_partner(a) = partner_weight * L(a) * g(max_p rules(p))``, one more term,
   where ``rules(p)`` is the score of step 3 without this term and ``g`` reads it on a ramp
   from ``partner_floor`` (0) to ``partner_full`` (1). Why: a mule's burst is modest, but the
   money goes to (or comes from) a collector who is flagged on his own; an honest burst rarely
   pays a flagged account. Measured on the 200k evaluation sets (medium hardness), 16 of 19
   missed laundering accounts with layering evidence had such a partner at 0.7 or more, against
   2 of 21 honest accounts flagged and 18 of 419 not flagged.
   **3c. Passers.** A counterparty ``a`` that a hub-shape flag of hub ``h`` lists as a passer
   (``details["passers"]``, :mod:`toolkit.detect.passers`: it passed the hub's payment straight
   on, or paid the hub money that had just come in, less a fee) gets
   ``e_passer(a) = passer_weight * g(rules(h)) * min(1, passer_max / k_h) * min(1, passer_hubs /
   m_a)``, ``g`` the ramp of 3b, ``k_h`` the distinct counterparties of all of ``h``'s hub-shape
   flags and ``m_a`` the distinct hubs ``a`` passes money for. Why: a mule's hop is one modest
   payment and leaves no burst of its own, but the hub it serves is flagged; a flagged shop with
   hundreds of customers accuses each of them little, and a firm that passes money on for dozens
   of hubs is trading.
   The
   embeddings' abnormal score ``c(a)`` (how unusual the account is in embedding space) enters as
   corroboration: ``e_cluster(a) = cluster_weight * c(a) * rules(a)``, one more term of the
   product. It can raise a suspicion the rules have, never create one: as an independent term it
   lowered PR-AUC on the generated data (docs/ai.md).
4. **Corroboration** (off by default): evidence from a single rule family can be discounted by
   ``single_family`` < 1 (families: amounts, typologies, paths, clusters).
   The score is ``S(a) = rules(a) * (single_family if one family else 1)``.

An account is ``flagged`` when ``S >= threshold`` (default 0.7). Its reasons are the rule ids that
contributed at least ``min_reason`` to ``S``, strongest first.

Examples
--------
>>> import numpy as np
>>> flags = FlagTable.from_lists(["A", "B", "C"], account=[0, 0, 1], rule=["cycle", "large_amount", "large_amount"],
...                              score=[1.0, 1.0, 1.0])
>>> res = combined_score(flags, CombinedParams(p_ref=0.5, single_family=1.0))
>>> [round(float(s), 3) for s in res.score]
[1.0, 0.585, 0.0]
>>> res.reasons[0]
('cycle', 'large_amount')
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Mapping, Sequence

import numpy as np

from toolkit.findings import RULE_IDS, TYPOLOGY_IDS

__all__ = ["CombinedParams", "FlagTable", "CombinedScore", "combined_score", "rule_evidence", "rule_family",
           "typology_scores", "CLUSTER_RULE", "PATH_RULE", "PARTNER_RULE", "PASSER_RULE", "HUB_SHAPES"]

CLUSTER_RULE = "abnormal_cluster"
PATH_RULE = "laundering_path"
#: Evidence of step 3b: a layering burst that moved money with an account flagged itself.
PARTNER_RULE = "layering_partner"
#: Evidence of step 3c: a hub's counterparty that passed the hub's money straight on.
PASSER_RULE = "hub_passer"
#: Typologies that describe one hub with many counterparties; they combine by their strongest.
HUB_SHAPES = ("fan_in", "fan_out", "scatter_gather", "gather_scatter")


def _noisy_or(names: Sequence[str], E: np.ndarray) -> np.ndarray:
    """``1 - prod_g (1 - max_{r in g} E_r)`` over the groups of rule ``names`` (rows of ``E``):
    the :data:`HUB_SHAPES` form one group, every other rule its own (step 3)."""
    if len(names) == 0:
        return np.zeros(E.shape[1] if E.ndim == 2 else 0)
    hub = np.array([r in HUB_SHAPES for r in names], dtype=bool)
    rows = [E[~hub]] if (~hub).any() else []
    if hub.any():
        rows.append(E[hub].max(axis=0, keepdims=True))
    return 1.0 - np.prod(1.0 - np.vstack(rows), axis=0)


def rule_family(rule: str) -> str:
    """``amounts``, ``typologies``, ``paths``, ``clusters`` or ``other``."""
    if rule in RULE_IDS:
        return "amounts"
    if rule in TYPOLOGY_IDS or rule in (PARTNER_RULE, PASSER_RULE):
        return "typologies"
    if rule == PATH_RULE:
        return "paths"
    if rule == CLUSTER_RULE:
        return "clusters"
    return "other"


@dataclass(frozen=True)
class CombinedParams:
    """Knobs of the combined score (``[scoring]`` keys of the same names)."""

    p_ref: float = 0.002
    lift_ref: float = 100.0
    w_min: float = 0.05
    #: 0 by default: measured on the three 200k evaluation sets (medium hardness), crediting the
    #: involved accounts here lowered PR-AUC from 0.54-0.61 to 0.39-0.48, because the typology
    #: score already credits a hit's members by how unusual the shape is, and the other rules'
    #: counterparties are mostly honest people
    involved_weight: float = 0.0
    involved_max: float = 10.0
    cluster_weight: float = 0.25
    single_family: float = 1.0
    #: 0.7 by default: of 0.6-0.8, the best F1 across hardness levels on the 200k sets
    #: 101/202/303 and held-out seeds 111/212/313 with the ramped, multi-scale episode links,
    #: rings and the hub-shape group: medium 0.89/0.90/0.86 and 0.86/0.88/0.89 (0.65 gave
    #: 0.89/0.90/0.85 and 0.84/0.87/0.88; 0.75 costs high hardness 0.56 -> 0.51 on set 303).
    #: Earlier scores had their best at 0.65 and, before linked episodes, at 0.4.
    threshold: float = 0.7
    min_reason: float = 0.05
    #: Step 3b: weight of a layering burst's flagged partner (0 turns it off). 1 by default:
    #: medium F1 / PR-AUC on the 200k sets 101/202/303 rose from 0.888/0.928, 0.895/0.922,
    #: 0.898/0.920 to 0.924/0.958, 0.914/0.928, 0.899/0.930 (0.5: about half of that).
    partner_weight: float = 1.0
    #: Step 3b: a partner's score says nothing up to ``partner_floor`` and all from
    #: ``partner_full``, linearly in between. The floor is the threshold: a partner counts once
    #: it is flagged itself (0.6 let honest partners in and cost low hardness; 0.8 changed little).
    partner_floor: float = 0.7
    partner_full: float = 1.0
    #: Step 3c: weight of a flagged hub for the counterparties that passed its money on (0 turns
    #: it off), and how many counterparties a hub may have before its share is spread over them.
    passer_weight: float = 1.0
    passer_max: float = 15.0
    #: Step 3c: an account that passes money on for more than this many hubs is trading, not
    #: hopping, and its share is divided by ``m_a / passer_hubs``. Measured on the 200k sets
    #: (medium): laundering passers passed for 1-3 hubs, the honest firms the term raised over
    #: the threshold for 6-132.
    passer_hubs: float = 3.0

    def __post_init__(self) -> None:
        from toolkit.errors import ConfigError

        if not 0 < self.p_ref < 1:
            raise ConfigError(f"[scoring] p_ref = {self.p_ref}: expected 0 < p_ref < 1")
        for name in ("w_min", "involved_weight", "cluster_weight", "single_family", "threshold", "min_reason",
                     "partner_weight", "partner_floor", "partner_full", "passer_weight"):
            v = getattr(self, name)
            if not 0 <= v <= 1:
                raise ConfigError(f"[scoring] {name} = {v}: expected a value in [0, 1]")
        if self.passer_hubs < 1:
            raise ConfigError(f"[scoring] passer_hubs = {self.passer_hubs}: expected >= 1")
        if self.passer_max < 1:
            raise ConfigError(f"[scoring] passer_max = {self.passer_max}: expected >= 1")
        if self.involved_max < 1:
            raise ConfigError(f"[scoring] involved_max = {self.involved_max}: expected >= 1")
        if self.lift_ref <= 1:
            raise ConfigError(f"[scoring] lift_ref = {self.lift_ref}: expected > 1")
        if self.partner_full <= self.partner_floor:
            raise ConfigError(f"[scoring] partner_full = {self.partner_full}: expected > partner_floor ({self.partner_floor})")

    @classmethod
    def from_mapping(cls, conf: Mapping[str, Any]) -> "CombinedParams":
        from toolkit.errors import ConfigError

        known = {f.name for f in fields(cls)}
        unknown = sorted(set(conf) - known)
        if unknown:
            raise ConfigError(f"[scoring] unknown key(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**{k: float(v) for k, v in conf.items()})


@dataclass(frozen=True, eq=False)
class FlagTable:
    """Current flags as arrays: one row per (flag, account it is about).

    ``account`` rows are positions in ``ids``; ``involved_flag`` / ``involved_account`` list the
    accounts each flag ``INVOLVES`` (row of the flag in this table, account position).
    ``details`` holds each flag's figures (a mapping: a dict read from the graph, or the in-memory
    findings' :class:`toolkit.details.Details`; or None) where they were read: the typology
    flags' shape figures feed the typology detectors' own account score.
    """

    def involved_of(self, row: int) -> tuple[int, ...]:
        return tuple(self.involved_account[self.involved_flag == row].tolist())

    ids: np.ndarray
    account: np.ndarray
    rule: np.ndarray
    score: np.ndarray
    involved_flag: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    involved_account: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    details: np.ndarray | None = None

    @classmethod
    def from_lists(cls, ids: Sequence[str], account: Sequence[int], rule: Sequence[str], score: Sequence[float],
                   involved: Sequence[Sequence[int]] | None = None) -> "FlagTable":
        inv_f: list[int] = []
        inv_a: list[int] = []
        for i, accs in enumerate(involved or []):
            inv_f.extend([i] * len(accs))
            inv_a.extend(accs)
        return cls(np.asarray(ids, dtype=object), np.asarray(account, dtype=np.int64),
                   np.asarray(rule, dtype=object), np.asarray(score, dtype=np.float64),
                   np.asarray(inv_f, dtype=np.int64), np.asarray(inv_a, dtype=np.int64))

    @property
    def n_accounts(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, eq=False)
class CombinedScore:
    """Score, flag and reasons of every account (rows of ``ids``), plus the rule weights used."""

    ids: np.ndarray
    score: np.ndarray
    flagged: np.ndarray
    reasons: list[tuple[str, ...]]
    weights: dict[str, float]
    shares: dict[str, float]
    evidence: dict[str, np.ndarray]

    def counts(self) -> dict[str, int]:
        return {"accounts": int(len(self.ids)), "flagged": int(self.flagged.sum()),
                "scored": int((self.score > 0).sum())}


def _per_rule(flags: FlagTable, p: CombinedParams, active: np.ndarray | None,
              typology: np.ndarray | None = None,
              ) -> tuple[dict[str, np.ndarray], dict[str, float], dict[str, float]]:
    n = flags.n_accounts
    base = max(int(active.sum()) if active is not None else n, 1)
    ev: dict[str, np.ndarray] = {}
    weights: dict[str, float] = {}
    shares: dict[str, float] = {}
    skip = {CLUSTER_RULE}
    if typology is not None:
        # the typology detectors' own rarity-weighted scores replace their flags' raw scores; a
        # flag's other members get involved_weight * spread of its account's score (their
        # scorer accuses only the account and cycle / scatter-gather members)
        for j, t in enumerate(TYPOLOGY_IDS):
            col = np.clip(typology[:, j], 0.0, 1.0)
            if p.involved_weight > 0 and flags.involved_flag.size:
                rows = np.flatnonzero(flags.rule == t)
                isin = np.isin(flags.involved_flag, rows)
                if isin.any():
                    f_rows = flags.involved_flag[isin]
                    size = np.bincount(flags.involved_flag, minlength=len(flags.rule))[f_rows]
                    spread = np.minimum(1.0, p.involved_max / np.maximum(size, 1))
                    inv = np.zeros(n)
                    np.maximum.at(inv, flags.involved_account[isin],
                                  col[flags.account[f_rows]] * p.involved_weight * spread)
                    col = np.maximum(col, inv)
            if np.any(col > 0):
                ev[t] = col
                weights[t] = 1.0
                shares[t] = float(np.count_nonzero(col > 0) / base)
        skip |= set(TYPOLOGY_IDS)
    rules = sorted(set(flags.rule.tolist()) - skip)
    for r in rules:
        sel = flags.rule == r
        acc = flags.account[sel]
        sc = np.clip(flags.score[sel], 0.0, 1.0)
        own = np.zeros(n)
        np.maximum.at(own, acc, sc)
        share = np.count_nonzero(own > 0) / base
        w = float(np.clip(np.log(max(share, 1e-12)) / np.log(p.p_ref), p.w_min, 1.0))
        e = own
        if p.involved_weight > 0 and flags.involved_flag.size:
            rows = np.flatnonzero(sel)
            isin = np.isin(flags.involved_flag, rows)
            if isin.any():
                f_rows = flags.involved_flag[isin]
                size = np.bincount(flags.involved_flag, minlength=len(flags.rule))[f_rows]
                # a flag that involves many accounts accuses each of them less
                spread = np.minimum(1.0, p.involved_max / np.maximum(size, 1))
                inv = np.zeros(n)
                np.maximum.at(inv, flags.involved_account[isin],
                              np.clip(flags.score[f_rows], 0.0, 1.0) * p.involved_weight * spread)
                e = np.maximum(own, inv)
        ev[r] = w * e
        weights[r] = w
        shares[r] = float(share)
    if typology is not None:
        _agreement(ev, weights, p, active)
    return ev, weights, shares


def _agreement(ev: dict[str, np.ndarray], weights: dict[str, float], p: CombinedParams,
               active: np.ndarray | None) -> None:
    """Step 1b: scale each non-typology rule by how much the independent typology evidence is
    enriched among the accounts it flags (its lift); rules that fire on ordinary accounts as
    often as on structurally suspicious ones lose weight. No labels: only agreement between
    detectors that look at different things (amounts vs shapes in time)."""
    typ = [ev[t] for t in TYPOLOGY_IDS if t in ev]
    if not typ:
        return
    other = 1.0 - np.prod([1.0 - v for v in typ], axis=0)
    pop = other[active] if active is not None and active.any() else other
    base = float(pop.mean()) if pop.size else 0.0
    if base <= 0:
        return
    for r in list(ev):
        if r in TYPOLOGY_IDS or weights.get(r, 0) <= 0:
            continue
        hit = ev[r] > 0
        if not hit.any():
            continue
        lift = float(other[hit].mean()) / base
        w_lift = float(np.clip(np.log(max(lift, 1e-12)) / np.log(p.lift_ref), p.w_min, 1.0))
        if w_lift < weights[r]:
            ev[r] = ev[r] * (w_lift / weights[r])
            weights[r] = w_lift


def _partners(flags: FlagTable, p: CombinedParams, ev: dict[str, np.ndarray], weights: dict[str, float],
              shares: dict[str, float], active: np.ndarray | None) -> None:
    """Steps 3b and 3c: the partner and passer terms, both read against the step-3 score
    ``rules`` without them, added to ``ev``."""
    if not ev or not flags.involved_flag.size or (p.partner_weight <= 0 and p.passer_weight <= 0):
        return
    names = list(ev)
    first = _noisy_or(names, np.vstack([ev[r] for r in names]))
    g = np.clip((first - p.partner_floor) / (p.partner_full - p.partner_floor), 0.0, 1.0)
    base = max(int(active.sum()) if active is not None else flags.n_accounts, 1)
    terms: dict[str, np.ndarray] = {}
    lay = ev.get("layering")
    sel = flags.rule[flags.involved_flag] == "layering"
    if p.partner_weight > 0 and lay is not None and sel.any():
        best = np.zeros(flags.n_accounts)
        np.maximum.at(best, flags.account[flags.involved_flag[sel]], g[flags.involved_account[sel]])
        terms[PARTNER_RULE] = p.partner_weight * lay * best
    if p.passer_weight > 0 and flags.details is not None:
        terms[PASSER_RULE] = p.passer_weight * _passer_evidence(flags, g, p.passer_max, p.passer_hubs)
    for name, e in terms.items():
        if np.any(e > 0):
            ev[name] = e
            weights[name] = p.partner_weight if name == PARTNER_RULE else p.passer_weight
            shares[name] = float(np.count_nonzero(e > 0) / base)


def _passer_evidence(flags: FlagTable, g: np.ndarray, passer_max: float, passer_hubs: float) -> np.ndarray:
    """Step 3c without its weight: per account ``a``, the largest ``g(rules(h)) * min(1,
    passer_max / k_h) * min(1, passer_hubs / m_a)`` over the hubs ``h`` whose flags list it as a
    passer."""
    out = np.zeros(flags.n_accounts)
    n = np.int64(flags.n_accounts)
    rows: list[int] = []
    pos: list[int] = []
    for i in np.flatnonzero(np.isin(flags.rule, HUB_SHAPES)).tolist():
        d = flags.details[i]
        ps = d.get("passers") if isinstance(d, Mapping) else None
        if ps:
            rows.extend([i] * len(ps))
            pos.extend(ps)
    if not rows:
        return out
    row = np.asarray(rows, dtype=np.int64)
    # involved accounts of every flag, in order (positions are what details["passers"] holds;
    # a flag keeps its accounts as an ordered list, f.accounts, in the database too)
    order = np.argsort(flags.involved_flag, kind="stable")
    inv_f, inv_a = flags.involved_flag[order], flags.involved_account[order]
    start = np.searchsorted(inv_f, row, side="left")
    idx = start + np.asarray(pos, dtype=np.int64)
    ok = idx < np.searchsorted(inv_f, row, side="right")
    hp = np.unique(flags.account[row[ok]] * n + inv_a[idx[ok]])  # (hub, passer) pairs
    h, a = hp // n, hp % n
    # m_a: distinct hubs the account passes money for; more than passer_hubs is trade, not a hop
    m = np.bincount(a, minlength=flags.n_accounts)
    live = g[h] > 0
    if not live.any():
        return out
    h, a = h[live], a[live]
    # k_h: distinct counterparties over all hub-shape flags of the (flagged) hubs
    hubs = np.unique(h)
    sel = np.isin(flags.rule, HUB_SHAPES)[flags.involved_flag]
    sel[sel] = np.isin(flags.account[flags.involved_flag[sel]], hubs)
    k = np.bincount(np.unique(flags.account[flags.involved_flag[sel]] * n + flags.involved_account[sel]) // n,
                    minlength=flags.n_accounts)
    spread = np.minimum(1.0, passer_max / np.maximum(k, 1))
    np.maximum.at(out, a, g[h] * spread[h] * np.minimum(1.0, passer_hubs / np.maximum(m[a], 1)))
    return out


def typology_scores(flags: FlagTable, transfer_active: np.ndarray | None = None,
                    typology_params: Any = None) -> np.ndarray | None:
    """The typology detectors' own per-account score ``S_tau`` (one column per typology id of
    :data:`toolkit.findings.TYPOLOGY_IDS`), recomputed from the current typology flags with
    :func:`toolkit.detect.score_accounts`: every hit weighed by how rare its shape is among the
    accounts that transfer at all. None when the flags carry no details or the typology package
    is unavailable (the caller then weighs typology flags like any other rule).
    """
    if flags.details is None:
        return None
    try:
        from toolkit.detect import TypologyParams, score_accounts
    except ImportError:
        return None
    from toolkit.finding_table import FindingTable

    rows = np.flatnonzero(np.isin(flags.rule, list(TYPOLOGY_IDS)))
    if not len(rows):
        return np.zeros((flags.n_accounts, len(TYPOLOGY_IDS)))
    details = flags.details[rows]
    if not all(isinstance(d, Mapping) for d in details.tolist()):  # a dict, or toolkit.details' Details
        return None
    # Every typology flag's involved accounts in table order, by column: a dict of Python int
    # lists over all 0.76M involved pairs (0.6M transfers) made this step peak 61 MB higher, and
    # a Finding per flag another 16 MB.
    order = np.argsort(flags.involved_flag, kind="stable")
    inv_f = flags.involved_flag[order]
    lo = np.searchsorted(inv_f, rows, side="left")
    n_inv = np.searchsorted(inv_f, rows, side="right") - lo
    del inv_f
    take = np.repeat(lo - (np.cumsum(n_inv) - n_inv), n_inv) + np.arange(int(n_inv.sum()))
    findings = FindingTable.from_columns(flags.rule[rows], flags.account[rows], flags.score[rows], details,
                                         (n_inv, flags.involved_account[order[take]]))
    del order, take
    try:
        res = score_accounts(findings, flags.n_accounts, transfer_active, typology_params or TypologyParams(),
                             with_reasons=False)
    except (KeyError, ValueError, TypeError):  # details of another detector version
        return None
    return np.asarray(res.by_typology, dtype=np.float64)


def rule_evidence(flags: FlagTable, params: CombinedParams | None = None,
                  active: np.ndarray | None = None, typology: np.ndarray | None = None) -> np.ndarray:
    """``rules(a)`` of step 3 without the cluster term: the evidence the rule detectors give for
    every account (used by the embeddings job to find flag-enriched clusters)."""
    p = params or CombinedParams()
    ev, _w, _s = _per_rule(flags, p, active, typology)
    if not ev:
        return np.zeros(flags.n_accounts)
    return _noisy_or(list(ev), np.vstack(list(ev.values())))


def combined_score(flags: FlagTable, params: CombinedParams | None = None,
                   cluster_score: np.ndarray | None = None, active: np.ndarray | None = None,
                   typology: np.ndarray | None = None) -> CombinedScore:
    """Combine every current flag (and the abnormal-cluster scores) into one score per account.

    Parameters
    ----------
    flags : FlagTable
        Current flags of every complete run (``abnormal_cluster`` flags are ignored here: the
        cluster evidence comes in as ``cluster_score``).
    params : CombinedParams, optional
    cluster_score : ndarray, optional
        The embeddings job's abnormal score per account (0 where not abnormal); None when no
        embeddings run exists.
    active : ndarray of bool, optional
        Accounts that count in the rule shares (default: every account).
    typology : ndarray, optional
        The typology detectors' per-account scores (:func:`typology_scores`); when given they
        are the typology evidence (weight 1: already weighed by rarity), else typology flags are
        weighed like any other rule.
    """
    p = params or CombinedParams()
    n = flags.n_accounts
    ev, weights, shares = _per_rule(flags, p, active, typology)
    _partners(flags, p, ev, weights, shares, active)
    if cluster_score is not None and p.cluster_weight > 0 and ev:
        # corroboration only: the cluster raises a suspicion the rules already have, never
        # creates one (measured: as an independent term it lowers PR-AUC, see docs/ai.md)
        cs = np.clip(np.asarray(cluster_score, dtype=np.float64), 0.0, 1.0)
        rules_only = _noisy_or(list(ev), np.vstack(list(ev.values())))
        ev[CLUSTER_RULE] = p.cluster_weight * cs * rules_only
        weights[CLUSTER_RULE] = p.cluster_weight
        shares[CLUSTER_RULE] = float(np.count_nonzero(cs > 0) / max(n, 1))
    names = list(ev)
    if names:
        E = np.vstack([ev[r] for r in names])
        rules_score = _noisy_or(names, E)
        # the cluster term only corroborates: it is not a family of its own
        fams = np.array([rule_family(r) if r != CLUSTER_RULE else "" for r in names], dtype=object)
        fam_names = sorted(set(fams.tolist()) - {""})
        fam_hit = (np.vstack([(E[fams == f] >= p.min_reason).any(axis=0) for f in fam_names])
                   if fam_names else np.zeros((1, n), dtype=bool))
        n_fam = fam_hit.sum(axis=0)
        score = rules_score * np.where(n_fam >= 2, 1.0, p.single_family)
    else:
        E = np.zeros((0, n))
        score = np.zeros(n)
    flagged = score >= p.threshold
    reasons: list[tuple[str, ...]] = [()] * n
    if names:
        nz = np.flatnonzero(score > 0)
        sub = E[:, nz]
        for j, a in enumerate(nz.tolist()):
            col = sub[:, j]
            order = np.argsort(-col, kind="stable")
            reasons[a] = tuple(names[i] for i in order if col[i] >= p.min_reason)
    return CombinedScore(flags.ids, score, flagged, reasons, weights, shares, ev)
