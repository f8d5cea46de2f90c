"""Abnormal-amount rules (paper §4.5) as bulk NumPy passes over an in-memory :class:`Network`.

Why a package of small modules: each rule answers a different question about amounts and is
tuned and explained separately, but all of them share one convention (the account a movement is
judged against, amounts in USD) and return :class:`toolkit.findings.Finding` records with the rule
ids of :data:`toolkit.findings.RULE_IDS`:

``large_amount`` (:mod:`.bounds`)
    A movement above its account's one-sided statistical bound.
``deposit_limit`` / ``transfer_limit`` (:mod:`.limits`)
    A deposit / transfer above the fixed limit for the account class and currency.
``structuring`` (:mod:`.structuring`)
    Several just-below-threshold deposits within a few days.
``capital_mismatch`` (:mod:`.capital`)
    Turnover far beyond a business's registered capital.

Most callers need only :func:`run_amount_rules` with an :class:`AmountParams`; the per-rule
functions are public for callers that want one rule or its intermediate tables.
"""

from toolkit.amounts._common import acting_account, currency_rates, movement_usd
from toolkit.amounts.bounds import AccountBounds, account_bounds, large_amount_findings, upper_bound
from toolkit.amounts.capital import CapitalParams, capital_findings, turnover
from toolkit.amounts.limits import (
    Limit,
    Limits,
    deposit_limit_findings,
    load_limits,
    transfer_limit_findings,
)
from toolkit.amounts.rules import AmountParams, AmountResult, run_amount_rules
from toolkit.amounts.structuring import StructuringParams, customer_groups, structuring_findings

__all__ = [
    # one entry point
    "AmountParams",
    "AmountResult",
    "run_amount_rules",
    # large_amount
    "AccountBounds",
    "account_bounds",
    "large_amount_findings",
    "upper_bound",
    # deposit_limit / transfer_limit
    "Limit",
    "Limits",
    "load_limits",
    "deposit_limit_findings",
    "transfer_limit_findings",
    # structuring
    "StructuringParams",
    "structuring_findings",
    "customer_groups",
    # capital_mismatch
    "CapitalParams",
    "capital_findings",
    "turnover",
    # shared conventions
    "acting_account",
    "movement_usd",
    "currency_rates",
]
