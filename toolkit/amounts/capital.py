"""The ``capital_mismatch`` rule: turnover out of all proportion to registered capital
(paper §4.5, front businesses).

Why: a front business (a shell or cash-intensive company used to mix illicit funds into its
takings) typically declares a small registered capital yet receives far more money than a
business of that size could earn. Turnover here is everything the account *receives* over a
period (incoming transfers plus deposits, in USD); it is compared with the registered capital
converted to USD from the account's currency.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toolkit.amounts._common import RatesLike, check_rates, currency_rates, is_number, usd_of
from toolkit.errors import ConfigError
from toolkit.findings import Finding
from toolkit.frames import DEPOSIT, TRANSFER, Network

__all__ = ["CapitalParams", "turnover", "capital_findings"]

_DAY = 86_400


@dataclass(frozen=True)
class CapitalParams:
    """Parameters of the front-business rule.

    Attributes
    ----------
    multiple : float, default 10
        Flag when turnover is strictly more than ``multiple`` times the registered capital.
    period_days : float or None, default 365
        Length of the period ending at ``as_of``; ``None`` takes the whole history.
    as_of : int or None, default None
        End of the period (epoch seconds, inclusive); ``None`` = the latest movement time.
    evidence_limit : int, default 20
        How many of the largest incoming movements to attach to a finding as evidence (a busy
        account may have thousands; the figures in ``details`` cover all of them).
    """

    multiple: float = 10.0
    period_days: float | None = 365.0
    as_of: int | None = None
    evidence_limit: int = 20

    def __post_init__(self) -> None:
        m = self.multiple
        if not is_number(m) or m <= 0:
            raise ConfigError(f"capital.multiple must be a positive number, got {m!r}")
        d = self.period_days
        if d is not None and (not is_number(d) or d <= 0):
            raise ConfigError(f"capital.period_days must be a positive number, got {d!r}")
        t = self.as_of
        if t is not None and (not isinstance(t, (int, np.integer)) or isinstance(t, bool)):
            raise ConfigError(f"capital.as_of must be epoch seconds (an integer), got {self.as_of!r}")
        k = self.evidence_limit
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 0:
            raise ConfigError(f"capital.evidence_limit must be a non-negative integer, got {k!r}")


def _period(net: Network, p: CapitalParams) -> tuple[int, int | None]:
    """``(as_of, start)``: the period is ``start < ts <= as_of`` (``start`` None = unbounded)."""
    ts = net.movements.ts
    as_of = int(p.as_of) if p.as_of is not None else int(ts.max())
    start = None if p.period_days is None else as_of - int(round(p.period_days * _DAY))
    return as_of, start


def _incoming(net: Network, p: CapitalParams, usd: np.ndarray) -> tuple[np.ndarray, int, int | None]:
    """Rows of the movements counted as turnover, and the period."""
    mov = net.movements
    as_of, start = _period(net, p)
    kind = np.asarray(mov.kind)
    m = ((kind == DEPOSIT) | ((kind == TRANSFER) & (mov.src != mov.dst))) & (mov.dst >= 0)
    m &= (mov.ts <= as_of) & np.isfinite(usd)
    if start is not None:
        m &= mov.ts > start
    return np.flatnonzero(m), as_of, start


def turnover(
    net: Network,
    params: CapitalParams | None = None,
    *,
    usd_rates: RatesLike = None,
    amount_usd: np.ndarray | None = None,
) -> np.ndarray:
    """Turnover in USD per account over the rule's period (incoming transfers + deposits).

    Self-transfers are left out: moving money between one's own pockets is not takings.
    """
    p = params or CapitalParams()
    check_rates(usd_rates)
    if len(net.movements) == 0:
        return np.zeros(len(net.accounts))
    usd = usd_of(net.movements, usd_rates, amount_usd)
    rows, _, _ = _incoming(net, p, usd)
    return np.bincount(net.movements.dst[rows], weights=usd[rows], minlength=len(net.accounts))


def capital_findings(
    net: Network,
    params: CapitalParams | None = None,
    *,
    usd_rates: RatesLike = None,
    amount_usd: np.ndarray | None = None,
) -> list[Finding]:
    """``capital_mismatch`` findings: turnover > ``multiple`` x registered capital.

    Only accounts with a registered capital above 0 are judged (no capital declared means nothing
    to compare with).

    Parameters
    ----------
    net : Network
    params : CapitalParams, optional
    usd_rates : mapping, optional
    amount_usd : ndarray, optional
        Precomputed :func:`toolkit.amounts.movement_usd`.

    Returns
    -------
    list of Finding
        One per flagged account, in account order: ``value`` turnover / capital, ``threshold``
        ``multiple``, ``movements`` the ``evidence_limit`` largest incoming movements (time
        order), ``window`` the first/last incoming movement in the period, ``score``
        ``1 - multiple / ratio``, ``details`` ``turnover`` and ``capital`` (USD),
        ``movements_in_period``, ``period_start`` (exclusive, ``None`` = unbounded) and ``as_of``.
    """
    p = params or CapitalParams()
    check_rates(usd_rates)
    mov, acc = net.movements, net.accounts
    if len(mov) == 0:
        return []
    usd = usd_of(mov, usd_rates, amount_usd)
    rows, as_of, start = _incoming(net, p, usd)
    n_acc = len(acc)
    dst = mov.dst[rows]
    total = np.bincount(dst, weights=usd[rows], minlength=n_acc)
    count = np.bincount(dst, minlength=n_acc)
    capital = np.asarray(acc.registered_capital, dtype=np.float64)
    capital = capital * currency_rates(acc.currency, usd_rates)
    judged = np.isfinite(capital) & (capital > 0)
    flagged = np.flatnonzero(judged & (total > p.multiple * np.where(judged, capital, np.inf)))
    if flagged.size == 0:
        return []

    evidence, windows = _evidence(rows, dst, usd[rows], mov.ts[rows], flagged, n_acc, p.evidence_limit)
    ratio = total[flagged] / capital[flagged]
    return [
        Finding(
            rule="capital_mismatch",
            account=a,
            movements=ev,
            value=r,
            threshold=float(p.multiple),
            window=win,
            score=max(0.0, min(1.0, 1.0 - p.multiple / r)),
            details={
                "turnover": t,
                "capital": c,
                "movements_in_period": k,
                "period_start": start,
                "as_of": as_of,
            },
        )
        for a, r, t, c, k, ev, win in zip(
            flagged.tolist(), ratio.tolist(), total[flagged].tolist(), capital[flagged].tolist(),
            count[flagged].tolist(), evidence, windows,
        )
    ]


def _evidence(
    rows: np.ndarray,
    dst: np.ndarray,
    usd: np.ndarray,
    ts: np.ndarray,
    flagged: np.ndarray,
    n_acc: int,
    limit: int,
) -> tuple[list[tuple[int, ...]], list[tuple[int, int]]]:
    """Per flagged account: its ``limit`` largest incoming movements in time order, and the
    first/last time of all its incoming movements in the period."""
    is_flagged = np.zeros(n_acc, dtype=bool)
    is_flagged[flagged] = True
    sel = np.flatnonzero(is_flagged[dst])
    r, d, u, t = rows[sel], dst[sel], usd[sel], ts[sel]

    by_time = np.lexsort((t, d))
    d_t, t_t = d[by_time], t[by_time]
    lo, hi = np.searchsorted(d_t, flagged, side="left"), np.searchsorted(d_t, flagged, side="right")
    windows = list(zip(t_t[lo].tolist(), t_t[hi - 1].tolist()))  # every flagged account has rows
    if limit == 0:
        return [() for _ in range(flagged.size)], windows

    order = np.lexsort((r, -u, d))  # per account, largest first
    r, d, t = r[order], d[order], t[order]
    first = np.searchsorted(d, d, side="left")
    keep = (np.arange(d.size) - first) < limit
    r, d, t = r[keep], d[keep], t[keep]
    order = np.lexsort((r, t, d))  # back to time order within each account
    r, d = r[order], d[order]
    lo, hi = np.searchsorted(d, flagged, side="left"), np.searchsorted(d, flagged, side="right")
    return [tuple(r[s:e].tolist()) for s, e in zip(lo.tolist(), hi.tolist())], windows
