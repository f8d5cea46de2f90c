"""Per-account typology score: how many hits, how strong, and how unusual against the population.

Why not just count hits: fixed thresholds flag ordinary shapes too (a busy shop is a fan-in
every week, friends pay each other back in two-account "cycles"). The score therefore weighs
every hit by how *rare its shape is among all active accounts*, measured on the data itself
instead of trusting the threshold: a shape that thousands of ordinary accounts show says little,
one that a handful show says a lot.

Formula
-------
For a finding ``f`` of typology ``τ`` with shape coordinates ``(v, q)`` (below), let

``p(f)`` = share of **active** accounts (at least one transfer) whose strongest ``τ`` shape
dominates it: ``V_b >= v`` and ``Q_b >= q``, where ``(V_b, Q_b)`` is the component-wise
maximum over account ``b``'s own ``τ`` findings (a slight over-count that only ever lowers
rarity). ``q`` is compared on a 0.01 grid.

``rarity(f) = clip(log p(f) / log rare_share, 0, 1)``: 1 when at most ``rare_share`` of the
population shows the shape (default 0.1%), 0 when every active account does, logarithmic in
between (a shape 10x rarer gains the same amount).

``e(f, a) = score(f) * rarity(f) * weight(f, a)``: weight 1 for the finding's ``account`` and for
every member of a cycle, :attr:`~TypologyParams.member_weight` for the intermediates and sink of
a scatter-gather, 0 for anyone else (a fan's counterparties are not accused by the fan).

Per account and typology, with ``n`` hits: ``S_τ = 1 - (1 - max_f e)^(1 + 0.25 log2 n)``.
Repeated hits of one typology add a little (16 hits weigh as if the strongest had been seen
twice independently), never as much as independent evidence: a busy shop is a fan-in every
week, and that is one fact, not fifty.

Across typologies (independent evidence): ``S = 1 - Π_τ (1 - S_τ)``, in [0, 1].

Shape coordinates ``(v, q)``:

=============== ============== ===================
typology        v              q
=============== ============== ===================
fan_in/fan_out  counterparties moved_on_share
scatter_gather  intermediates  balance
gather_scatter  counterparties balance
cycle           length         1 - span / window
layering        chain_length   ratio
=============== ============== ===================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from toolkit.findings import TYPOLOGY_IDS, Finding
from toolkit.detect.params import DAY, TypologyParams

__all__ = ["AccountScores", "score_accounts", "shape_of"]

_TYP_INDEX = {t: i for i, t in enumerate(TYPOLOGY_IDS)}
_Q_BINS = 100


def shape_of(f: Finding) -> tuple[float, float]:
    """The shape coordinates ``(v, q)`` of a finding (see the module docstring)."""
    d = f.details
    if f.rule in ("fan_in", "fan_out"):
        return float(d["counterparties"]), float(d["moved_on_share"])
    if f.rule == "scatter_gather":
        return float(d["intermediates"]), float(d["balance"])
    if f.rule == "gather_scatter":
        return float(d["counterparties"]), float(d["balance"])
    if f.rule == "cycle":
        w = float(d.get("window_s", 0))
        speed = 1.0 - float(d["span_s"]) / w if w > 0 else 1.0
        return float(d["length"]), speed
    if f.rule == "layering":
        return float(d["chain_length"]), float(d["ratio"])
    raise ValueError(f"not a typology finding: {f.rule!r}")


@dataclass(frozen=True, eq=False)
class AccountScores:
    """The per-account typology score and what it rests on.

    Attributes
    ----------
    score : ndarray of float64, shape (n_accounts,)
        Combined score in [0, 1].
    by_typology : ndarray of float64, shape (n_accounts, 6)
        ``S_τ`` per typology, columns in the order of :data:`toolkit.findings.TYPOLOGY_IDS`.
    hits : ndarray of int64, shape (n_accounts, 6)
        Findings attributed to each account per typology.
    reasons : dict of int -> tuple of str
        For every account with a positive score, one line per contributing typology, strongest
        first.
    finding_commonness : ndarray of float64
        ``p(f)`` per finding (same order as the findings passed in).
    finding_rarity : ndarray of float64
        ``rarity(f)`` per finding.
    """

    score: np.ndarray
    by_typology: np.ndarray
    hits: np.ndarray
    reasons: dict[int, tuple[str, ...]]
    finding_commonness: np.ndarray
    finding_rarity: np.ndarray


def _attribution(f: Finding, member_weight: float) -> list[tuple[int, float]]:
    if f.rule == "cycle":
        return [(f.account, 1.0)] + [(a, 1.0) for a in f.accounts]
    if f.rule == "scatter_gather":
        return [(f.account, 1.0)] + [(a, member_weight) for a in f.accounts]
    return [(f.account, 1.0)]


def _commonness(findings: Sequence[Finding], shapes: np.ndarray, n_active: int) -> np.ndarray:
    """``p(f)`` for every finding, typology by typology."""
    p = np.ones(len(findings))
    rules = np.array([f.rule for f in findings], dtype=object)
    for rule in TYPOLOGY_IDS:
        idx = np.flatnonzero(rules == rule)
        if len(idx) == 0:
            continue
        # Shape holders: the account, and for cycles every member (all are "on" the cycle).
        holder, hv, hq = [], [], []
        for i in idx.tolist():
            f = findings[i]
            who = (f.account,) + (tuple(f.accounts) if rule == "cycle" else ())
            for a in who:
                holder.append(a)
                hv.append(shapes[i, 0])
                hq.append(shapes[i, 1])
        holder_a = np.asarray(holder, dtype=np.int64)
        accs, inv = np.unique(holder_a, return_inverse=True)
        V = np.full(len(accs), -np.inf)
        Q = np.full(len(accs), -np.inf)
        np.maximum.at(V, inv, np.asarray(hv))
        np.maximum.at(Q, inv, np.asarray(hq))
        vu = np.unique(V)
        vi = np.searchsorted(vu, V)
        qb = np.clip(np.floor(Q * _Q_BINS + 1e-9), 0, _Q_BINS).astype(np.int64)
        table = np.zeros((len(vu) + 1, _Q_BINS + 2), dtype=np.int64)
        np.add.at(table, (vi, qb), 1)
        # Suffix sums: table[i, j] = holders with V >= vu[i] and Q bin >= j.
        table = table[::-1, ::-1].cumsum(0).cumsum(1)[::-1, ::-1]
        fv = np.searchsorted(vu, shapes[idx, 0], side="left")
        fq = np.clip(np.floor(shapes[idx, 1] * _Q_BINS + 1e-9), 0, _Q_BINS).astype(np.int64)
        p[idx] = np.maximum(table[fv, fq], 1) / max(n_active, 1)
    return np.clip(p, 0.0, 1.0)


def score_accounts(
    findings: Sequence[Finding],
    n_accounts: int,
    active: np.ndarray | None = None,
    params: TypologyParams | None = None,
    account_ids: Sequence[str] | np.ndarray | None = None,
) -> AccountScores:
    """Combine typology findings into one score per account (formula in the module docstring).

    Parameters
    ----------
    findings : sequence of Finding
        Typology findings (other rules are ignored).
    n_accounts : int
    active : ndarray of bool, optional
        The population to compare against (accounts with at least one transfer); default: all
        accounts.
    params : TypologyParams, optional
        ``rare_share`` and ``member_weight`` are used.
    account_ids : sequence of str, optional
        Ids used in the reason texts instead of row numbers.

    Returns
    -------
    AccountScores
    """
    p = params or TypologyParams()
    typ_findings = [f for f in findings if f.rule in _TYP_INDEX]
    n_active = int(np.count_nonzero(active)) if active is not None else n_accounts
    nf = len(findings)
    common = np.ones(nf)
    rarity = np.zeros(nf)
    by = np.zeros((n_accounts, len(TYPOLOGY_IDS)))
    hits = np.zeros((n_accounts, len(TYPOLOGY_IDS)), dtype=np.int64)
    if not typ_findings:
        return AccountScores(np.zeros(n_accounts), by, hits, {}, common, rarity)
    pos = [i for i, f in enumerate(findings) if f.rule in _TYP_INDEX]
    shapes = np.array([shape_of(f) for f in typ_findings], dtype=np.float64).reshape(-1, 2)
    pc = _commonness(typ_findings, shapes, n_active)
    rr = np.clip(np.log(pc) / np.log(p.rare_share), 0.0, 1.0)
    common[pos], rarity[pos] = pc, rr

    acc, typ, ev, src = [], [], [], []
    for j, f in enumerate(typ_findings):
        t = _TYP_INDEX[f.rule]
        base = f.score * rr[j]
        for a, wgt in _attribution(f, p.member_weight):
            if wgt > 0:
                acc.append(a)
                typ.append(t)
                ev.append(base * wgt)
                src.append(j)
    acc_a = np.asarray(acc, dtype=np.int64)
    typ_a = np.asarray(typ, dtype=np.int64)
    ev_a = np.clip(np.asarray(ev, dtype=np.float64), 0.0, 1.0)
    src_a = np.asarray(src, dtype=np.int64)
    best = np.zeros((n_accounts, len(TYPOLOGY_IDS)))
    np.maximum.at(best, (acc_a, typ_a), ev_a)
    np.add.at(hits, (acc_a, typ_a), 1)
    expo = 1.0 + 0.25 * np.log2(np.maximum(hits, 1))
    by = 1.0 - (1.0 - best) ** expo
    by[hits == 0] = 0.0
    score = 1.0 - np.prod(1.0 - by, axis=1)

    # Reasons: the strongest hit per (account, typology).
    order = np.lexsort((src_a, -ev_a, typ_a, acc_a))
    a_o, t_o = acc_a[order], typ_a[order]
    first = order[np.r_[True, (a_o[1:] != a_o[:-1]) | (t_o[1:] != t_o[:-1])]]
    lines: dict[int, list[tuple[float, str]]] = {}
    for i in first.tolist():
        a, t = int(acc_a[i]), int(typ_a[i])
        if by[a, t] <= 0:
            continue
        j = int(src_a[i])
        f = typ_findings[j]
        text = (
            f"{f.rule} x{hits[a, t]}: {_summary(f, a, account_ids)}; hit score {f.score:.2f}, "
            f"shape seen in {100 * pc[j]:.3g}% of active accounts (rarity {rr[j]:.2f}); contributes {by[a, t]:.2f}"
        )
        lines.setdefault(a, []).append((by[a, t], text))
    reasons = {a: tuple(s for _, s in sorted(v, key=lambda x: -x[0])) for a, v in lines.items() if score[a] > 0}
    return AccountScores(score, by, hits, reasons, common, rarity)


def _name(a: int, ids: Sequence[str] | np.ndarray | None) -> str:
    return str(ids[a]) if ids is not None else f"#{a}"


def _days(s: float) -> str:
    return f"{s / DAY:.3g} d"


def _summary(f: Finding, a: int, ids: Sequence[str] | np.ndarray | None) -> str:
    d = f.details
    if f.rule == "fan_in":
        return (f"{d['counterparties']} distinct senders within {_days(d['window_s'])}, "
                f"{d['moved_on_share']:.0%} moved on within the window")
    if f.rule == "fan_out":
        return (f"{d['counterparties']} distinct receivers within {_days(d['window_s'])}, "
                f"{d['moved_on_share']:.0%} paid from money that arrived just before")
    if f.rule == "scatter_gather":
        sink = int(d["sink"])
        route = f"from {_name(f.account, ids)} via {d['intermediates']} intermediates to {_name(sink, ids)}"
        role = "source" if a == f.account else "sink" if a == sink else "intermediate"
        return f"{role} of a scatter-gather {route} within {_days(d['span_s'])}, balance {d['balance']:.0%}"
    if f.rule == "gather_scatter":
        return (f"gathered from {d['senders']} senders then scattered to {d['receivers']} receivers "
                f"within {_days(d['span_s'])}, balance {d['balance']:.0%}")
    if f.rule == "cycle":
        return (f"on a {d['length']}-account cycle closing in {_days(d['span_s'])}, hops within "
                f"{d['max_deviation']:.0%} of the first amount")
    return (f"forwards {d['ratio']:.0%} of its inflow within {_days(d['max_dwell_s'])} "
            f"(median dwell {_days(d['median_dwell_s'])}), chain of {d['chain_length']} pass-through accounts")
