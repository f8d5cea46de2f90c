"""Shared vectorised helpers for the amount rules: USD conversion, acting account, group codes.

Why a private module: every rule needs "this movement in USD" and "the account this movement is
about"; computing them one way, once, keeps the rules consistent with each other (a deposit is
judged against the same account by the bound rule and the limit rule) and lets
:func:`toolkit.amounts.rules.run_amount_rules` share the conversion between rules.
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np

from toolkit.arrays import factorize
from toolkit.currency import USD_RATES, to_usd_rate
from toolkit.errors import ConfigError
from toolkit.frames import DEPOSIT, MovementFrame

__all__ = [
    "RatesLike",
    "is_number",
    "check_rates",
    "currency_rates",
    "movement_usd",
    "usd_of",
    "acting_account",
    "group_codes",
]

#: Units of USD per unit of currency; ``None`` means :data:`toolkit.currency.USD_RATES`.
RatesLike = Mapping[str, float] | None


def is_number(value: object) -> bool:
    """True for a finite int or float that is not a bool (``True`` is an int in Python)."""
    return (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, (bool, np.bool_))
        and math.isfinite(float(value))
    )


def check_rates(rates: RatesLike) -> None:
    """Raise :class:`ConfigError` unless every rate is a positive finite number.

    Why: a zero or negative rate would silently turn thresholds into infinities or flip
    comparisons; better to refuse the configuration with the offending code named.
    """
    if rates is None:
        return
    for code, rate in rates.items():
        if not is_number(rate) or float(rate) <= 0:
            raise ConfigError(f"usd_rates: rate for {code!r} must be a positive number, got {rate!r}")


def currency_rates(codes: np.ndarray, rates: RatesLike = None) -> np.ndarray:
    """USD per unit for each element of an array of currency codes.

    Hash-factorises the codes (a handful of distinct values among millions of rows) and looks
    each distinct code up once, so the cost is one pass over the array. Unknown codes (and
    missing values) get 1.0, as :func:`toolkit.currency.to_usd_rate` does.

    Parameters
    ----------
    codes : ndarray of str
        ISO 4217 codes.
    rates : mapping, optional
        USD per unit; defaults to :data:`toolkit.currency.USD_RATES`.

    Returns
    -------
    ndarray of float64
        Same length as ``codes``.
    """
    table = dict(USD_RATES if rates is None else rates)
    idx, uniques = factorize(np.asarray(codes, dtype=object))
    # One slot past the known codes for missing values: factorize marks them -1.
    per_code = np.array([to_usd_rate(str(u), table) for u in uniques] + [1.0], dtype=np.float64)
    return per_code[idx]


def movement_usd(movements: MovementFrame, rates: RatesLike = None) -> np.ndarray:
    """Every movement's amount in USD (``amount * rate(currency)``).

    Why USD: an account may hold movements in several currencies and the class pools mix
    accounts, so means and sums are only meaningful in one reference unit.
    """
    return np.asarray(movements.amount, dtype=np.float64) * currency_rates(movements.currency, rates)


def usd_of(movements: MovementFrame, rates: RatesLike, amount_usd: np.ndarray | None) -> np.ndarray:
    """``amount_usd`` when the caller already converted (shared between rules), else convert."""
    if amount_usd is None:
        return movement_usd(movements, rates)
    usd = np.asarray(amount_usd, dtype=np.float64)
    if usd.shape != (len(movements),):
        raise ValueError(f"amount_usd has shape {usd.shape}, expected ({len(movements)},)")
    return usd


def acting_account(movements: MovementFrame) -> np.ndarray:
    """The account each movement is *initiated on*: receiver for deposits, sender otherwise.

    A deposit is money the account holder brings in, so it is judged against the receiving
    account; transfers and withdrawals are judged against the account they leave. ``-1`` where
    that side is the cash side (malformed rows), which callers skip.
    """
    return np.where(np.asarray(movements.kind) == DEPOSIT, movements.dst, movements.src).astype(np.int64)


def group_codes(*columns: np.ndarray) -> tuple[np.ndarray, int]:
    """Dense group numbers ``0..g-1`` for rows keyed by several parallel columns.

    Each column is hash-factorised, the codes are combined into one integer key, and that key is
    factorised again; numbering follows first appearance, so it is deterministic.

    Returns
    -------
    codes : ndarray of int64
    n_groups : int
    """
    if not columns:
        raise ValueError("group_codes needs at least one column")
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for col in columns:
        idx, uniques = factorize(np.asarray(col, dtype=object))
        key = key * (len(uniques) + 1) + (idx.astype(np.int64) + 1)
    codes, uniques = factorize(key)
    return codes.astype(np.int64), len(uniques)
