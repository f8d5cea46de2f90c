"""Per-account bounds computed by the database: the Cypher-aggregate twin of
:func:`toolkit.amounts.account_bounds`.

Why it exists: the issue asked for per-account bounds "computed with Cypher aggregates or bulk
NumPy, whichever is faster at 2.1M transfers (measure both)". This module is the Cypher side of
that measurement (``benchmarks/bench_amounts.py``) and, because it reaches the same table by a
different road (the server's ``count``/``avg``/``stDev`` per account, the pools combined from
those aggregates, the quantiles from SciPy here), it is also the oracle the integration tests hold
the NumPy bounds against. The toolkit's job uses the NumPy side; ``docs/amounts.md`` has the
figures and the reason.

Query: ``cypher/detect/amount_bounds.cypher`` returns one row per account: ``n``, ``mu`` and
``sigma`` (sample sd) of the amounts it initiates, in USD (or log-USD).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from toolkit.amounts._common import RatesLike, check_rates
from toolkit.amounts.bounds import AccountBounds, BoundKind, check_bound_args
from toolkit.currency import USD_RATES
from toolkit.db import Database

__all__ = ["QUERY", "account_stats_cypher", "account_bounds_cypher"]

#: The named query behind both functions.
QUERY = "detect/amount_bounds"

_SOURCES = np.array(("account", "class", "none"), dtype=object)


def account_stats_cypher(db: Database, *, log_scale: bool = False, usd_rates: RatesLike = None) -> pd.DataFrame:
    """The raw aggregate: one row per account with ``n``, ``mu``, ``sigma`` from the server.

    Parameters
    ----------
    db : Database
    log_scale : bool
        Aggregate natural logs of the positive USD amounts instead of the amounts.
    usd_rates : mapping, optional
        USD per unit of currency; defaults to :data:`toolkit.currency.USD_RATES`. As in
        :func:`toolkit.amounts.currency_rates`, a code without a rate counts at face value.

    Returns
    -------
    DataFrame
        Columns ``account``, ``class``, ``currency``, ``n`` (int64), ``mu``, ``sigma`` (float64;
        NaN where ``n`` is 0, and ``sigma`` NaN where ``n`` < 2), sorted by ``account``.
    """
    check_rates(usd_rates)
    rates = {str(k): float(v) for k, v in (USD_RATES if usd_rates is None else usd_rates).items()}
    rows = db.run(QUERY, usd_rates=rates, log_scale=bool(log_scale))
    frame = pd.DataFrame(rows, columns=["account", "class", "currency", "n", "mu", "sigma"])
    frame["account"] = frame["account"].astype(str)
    frame["n"] = frame["n"].astype(np.int64)
    for col in ("mu", "sigma"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(np.float64)
    # Cypher's stDev of one value is 0.0; a sample sd needs two values (NumPy side: NaN).
    frame.loc[frame["n"] < 2, "sigma"] = np.nan
    frame.loc[frame["n"] < 1, "mu"] = np.nan
    return frame.sort_values("account", kind="stable").reset_index(drop=True)


def _pooled(frame: pd.DataFrame) -> pd.DataFrame:
    """Count, mean and sample sd per ``(class, currency)`` combined from the per-account rows.

    Chan et al.'s parallel formula: ``M2 = sum((n_i - 1) s_i^2) + sum(n_i (mu_i - mu)^2)``. It is
    exact, so the pools need no second pass over the movements.
    """
    f = frame[frame["n"] > 0]
    n = f["n"].to_numpy(np.float64)
    mu = f["mu"].to_numpy(np.float64)
    m2 = np.where(n >= 2, (n - 1.0) * np.nan_to_num(f["sigma"].to_numpy(np.float64)) ** 2, 0.0)
    keys = pd.MultiIndex.from_frame(f[["class", "currency"]])
    g = pd.DataFrame({"n": n, "s": n * mu, "m2": m2}, index=keys)
    tot = g.groupby(level=[0, 1], sort=False).sum()
    tot["mu"] = tot["s"] / tot["n"]
    pool_mu = tot["mu"].reindex(keys).to_numpy()
    g["dev"] = n * (mu - pool_mu) ** 2
    tot["m2"] += g["dev"].groupby(level=[0, 1], sort=False).sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        tot["sigma"] = np.sqrt(tot["m2"] / (tot["n"] - 1.0))
    tot.loc[tot["n"] < 2, "sigma"] = np.nan
    return tot[["n", "mu", "sigma"]]


def account_bounds_cypher(
    db: Database,
    account_ids: Sequence[Any] | np.ndarray | None = None,
    *,
    alpha: float = 0.05,
    bound: BoundKind = "prediction",
    log_scale: bool = False,
    min_history: int = 10,
    usd_rates: RatesLike = None,
) -> AccountBounds:
    """Per-account upper bounds from Cypher aggregates (same table as
    :func:`toolkit.amounts.account_bounds`).

    Parameters
    ----------
    db : Database
    account_ids : sequence of str, optional
        The order of the result's rows, e.g. ``net.accounts.ids`` to compare with the NumPy table
        row by row. Default: every account of the graph in ascending id order.
    alpha, bound, log_scale, min_history, usd_rates
        As for :func:`toolkit.amounts.account_bounds`.

    Returns
    -------
    AccountBounds

    Raises
    ------
    ConfigError
        Bad ``alpha``, ``bound``, ``min_history`` or rates.
    KeyError
        An id of ``account_ids`` is not an account of the graph.

    Notes
    -----
    The server computes each account's ``n``, mean and sample sd; the class-and-currency pools are
    combined from those (:func:`_pooled`), and the quantile, ``u = norm.ppf(1 - alpha)`` or
    ``t = t.ppf(1 - alpha, n - 1)``, is applied here, since Cypher has no quantile functions.

    Examples
    --------
    >>> from toolkit.amounts import account_bounds
    >>> from toolkit.network import read_network
    >>> net = read_network(db)  # doctest: +SKIP
    >>> a = account_bounds(net, alpha=0.01)  # doctest: +SKIP
    >>> b = account_bounds_cypher(db, net.accounts.ids, alpha=0.01)  # doctest: +SKIP
    >>> bool(np.allclose(a.bound, b.bound, equal_nan=True))  # doctest: +SKIP
    True
    """
    check_bound_args(alpha, bound, min_history)
    frame = account_stats_cypher(db, log_scale=log_scale, usd_rates=usd_rates)
    if account_ids is not None:
        wanted = pd.Index([str(i) for i in account_ids])
        pos = pd.Index(frame["account"]).get_indexer(wanted)
        if (pos < 0).any():
            missing = wanted[pos < 0][:5].tolist()
            raise KeyError(f"not accounts of the graph: {', '.join(map(str, missing))}")
        frame = frame.iloc[pos].reset_index(drop=True)

    own_n = frame["n"].to_numpy(np.int64)
    pools = _pooled(frame)
    keys = pd.MultiIndex.from_frame(frame[["class", "currency"]])
    pool = pools.reindex(keys)
    pool_n = pool["n"].fillna(0).to_numpy(np.int64)

    need = max(int(min_history), 2)
    use_own = own_n >= need
    use_pool = ~use_own & (pool_n >= need)
    mu = np.where(use_own, frame["mu"], np.where(use_pool, pool["mu"], np.nan)).astype(np.float64)
    sigma = np.where(use_own, frame["sigma"], np.where(use_pool, pool["sigma"], np.nan)).astype(np.float64)
    n = np.where(use_pool, pool_n, own_n).astype(np.int64)

    b = np.full(len(frame), np.nan)
    ok = (use_own | use_pool) & np.isfinite(mu) & np.isfinite(sigma)
    k = n[ok].astype(np.float64)
    if bound == "mean":
        b[ok] = mu[ok] + stats.norm.ppf(1.0 - alpha) * sigma[ok] / np.sqrt(k)
    else:
        b[ok] = mu[ok] + stats.t.ppf(1.0 - alpha, k - 1.0) * sigma[ok] * np.sqrt(1.0 + 1.0 / k)
    if log_scale:
        with np.errstate(over="ignore"):
            b = np.exp(b)
    src = np.where(use_own, 0, np.where(use_pool, 1, 2))
    return AccountBounds(
        mu=mu,
        sigma=sigma,
        n=n,
        bound=b,
        source=_SOURCES[src],
        history=own_n,
        alpha=float(alpha),
        kind=bound,
        log_scale=bool(log_scale),
        min_history=int(min_history),
    )
