"""One record type for every reason the toolkit flags something.

Why one type: amount rules, typology detectors, paths and clusters all end up as "a reason this
account is suspicious", written back to the graph the same way and listed by ``aml explain`` the
same way. Detectors return lists of :class:`Finding`; the write-back and explain code never needs
to know which detector produced one.

Indices in a finding refer to rows of the :class:`toolkit.frames.Network` the detector ran on;
:func:`toolkit.findings.to_records` turns them into ids for writing back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from toolkit.frames import Network

__all__ = ["Finding", "to_records", "RULE_IDS", "TYPOLOGY_IDS"]

#: Amount rules (issue "Abnormal amounts").
RULE_IDS = ("large_amount", "deposit_limit", "transfer_limit", "structuring", "capital_mismatch")
#: Typology detectors (issue "Typology detectors").
TYPOLOGY_IDS = ("fan_in", "fan_out", "scatter_gather", "gather_scatter", "cycle", "layering")


@dataclass(frozen=True)
class Finding:
    """One reason to look at an account.

    Attributes
    ----------
    rule : str
        Rule or typology id, e.g. ``"large_amount"`` or ``"fan_in"``.
    account : int
        Row of the account the finding is about (the one an investigator opens).
    movements : tuple of int
        Rows of the movements involved (evidence), in time order where that matters.
    value : float
        The figure that triggered the rule (an amount, a count, a ratio).
    threshold : float
        The bound or limit the value crossed.
    accounts : tuple of int
        Other accounts involved (counterparties, cycle members), without ``account``.
    window : (int, int) or None
        First and last time (epoch seconds) of the evidence.
    score : float
        Strength in [0, 1]; 1.0 when the rule is a plain yes/no.
    details : dict
        Further figures, JSON-serialisable, shown by ``aml explain``.
    """

    rule: str
    account: int
    movements: tuple[int, ...]
    value: float
    threshold: float
    accounts: tuple[int, ...] = ()
    window: tuple[int, int] | None = None
    score: float = 1.0
    details: dict[str, Any] = field(default_factory=dict)


def to_records(net: Network, findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """Findings as plain dicts with account and movement **ids**, ready for ``UNWIND $rows``."""
    acc_ids = net.accounts.ids
    mov_ids = net.movements.ids
    out = []
    for f in findings:
        out.append(
            {
                "rule": f.rule,
                "account": str(acc_ids[f.account]),
                "movements": [str(mov_ids[m]) for m in f.movements],
                "accounts": [str(acc_ids[a]) for a in f.accounts],
                "value": float(f.value),
                "threshold": float(f.threshold),
                "window_start": None if f.window is None else int(f.window[0]),
                "window_end": None if f.window is None else int(f.window[1]),
                "score": float(f.score),
                "details": dict(f.details),
            }
        )
    return out
