"""Per-account tabular features: counts, sums, degrees, amount statistics, cash use, channel mix.

Why these: they are what a "machine-learning based" AML model of the paper's kind sees (the
paper's first baseline), and what our embeddings are optionally concatenated with ("amount
features"). Everything is one vectorised pass over the movements (``np.bincount`` per account),
so 2M movements take well under a second.

Amounts are converted to USD with the toolkit's reference rates (:mod:`toolkit.currency`) and
taken as ``log1p`` (amounts are heavy-tailed; a model on raw sums learns "big bank = bad").
Vocabularies (channels, account classes) are read from the data, sorted, so a data set always
gives the same columns in the same order.

Examples
--------
>>> from toolkit.frames import Network
>>> net = Network.from_rows([{"id": "A"}, {"id": "B"}],
...     [{"id": "t1", "from": "A", "to": "B", "amount": 99.0},
...      {"id": "t2", "from": "A", "to": "B", "amount": 9.0}])
>>> f = account_features(net)
>>> f.column("out_degree").tolist(), f.column("in_degree").tolist()
([1.0, 0.0], [0.0, 1.0])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from toolkit.arrays import factorize
from toolkit.currency import USD_RATES, to_usd_rate
from toolkit.frames import DEPOSIT, TRANSFER, WITHDRAWAL, Network

__all__ = ["FeatureFrame", "account_features", "amount_features", "AMOUNT_COLUMNS", "usd_amounts",
           "distinct_degrees"]

DAY = 86_400.0

#: The columns of :func:`amount_features` (those the embeddings job concatenates to the vectors).
AMOUNT_COLUMNS = ("tx_in_count", "tx_out_count", "tx_in_sum", "tx_out_sum", "log_in_degree", "log_out_degree",
                  "dep_count", "dep_sum", "wd_count", "wd_sum", "amount_log_mean", "amount_log_std",
                  "pass_through")


@dataclass(frozen=True, eq=False)
class FeatureFrame:
    """Features as a dense matrix: one row per account (network order), one named column each."""

    names: tuple[str, ...]
    X: np.ndarray

    def column(self, name: str) -> np.ndarray:
        return self.X[:, self.names.index(name)]

    def select(self, names: tuple[str, ...] | list[str]) -> "FeatureFrame":
        idx = [self.names.index(n) for n in names]
        return FeatureFrame(tuple(names), self.X[:, idx])

    def __len__(self) -> int:
        return self.X.shape[0]


def usd_amounts(net: Network, usd_rates: Mapping[str, float] | None = None) -> np.ndarray:
    """Every movement's amount in USD (unknown currencies at face value)."""
    mov = net.movements
    amount = np.asarray(mov.amount, dtype=np.float64)
    if amount.size == 0:
        return amount.copy()
    table = dict(USD_RATES if usd_rates is None else usd_rates)
    codes, uniques = factorize(np.asarray(mov.currency, dtype=object))
    rate = np.array([to_usd_rate(str(u), table) for u in uniques] + [1.0], dtype=np.float64)
    return amount * rate[codes]


def distinct_degrees(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """Distinct senders (in) and distinct receivers (out) of transfers per account, self-transfers
    counted once like any other counterparty."""
    n = len(net.accounts)
    m = net.movements
    sel = m.kind == TRANSFER
    src, dst = m.src[sel], m.dst[sel]
    ok = (src >= 0) & (dst >= 0)
    pairs = np.unique(src[ok].astype(np.int64) * max(n, 1) + dst[ok].astype(np.int64))
    s, d = pairs // max(n, 1), pairs % max(n, 1)
    return (np.bincount(d, minlength=n).astype(np.float64), np.bincount(s, minlength=n).astype(np.float64))


def _stats(acc: np.ndarray, values: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """count, sum, mean, max of values per account (0 where none)."""
    cnt = np.bincount(acc, minlength=n).astype(np.float64)
    tot = np.bincount(acc, weights=values, minlength=n)
    mean = np.divide(tot, cnt, out=np.zeros(n), where=cnt > 0)
    mx = np.zeros(n)
    if acc.size:
        np.maximum.at(mx, acc, values)
    return cnt, tot, mean, mx


def account_features(net: Network, usd_rates: Mapping[str, float] | None = None,
                     max_channels: int = 12) -> FeatureFrame:
    """Tabular features of every account.

    Parameters
    ----------
    net : Network
    usd_rates : mapping, optional
        Currency -> USD rate (default: the toolkit's reference rates).
    max_channels : int
        Channel-mix columns for the most used channels (the rest are summed in ``ch_other``).

    Returns
    -------
    FeatureFrame
        Columns: transfer counts/sums/means/maxima in and out, distinct in/out degree, log-amount
        mean and spread, cash deposits and withdrawals, pass-through ratio, net flow, round-amount
        share, active span and rate, channel mix, account class (one-hot), registered capital and
        turnover over capital.
    """
    n = len(net.accounts)
    m = net.movements
    usd = usd_amounts(net, usd_rates)
    lamt = np.log1p(np.maximum(usd, 0.0))
    cols: dict[str, np.ndarray] = {}
    tr = m.kind == TRANSFER
    for side, acc_all in (("in", m.dst), ("out", m.src)):
        sel = tr & (acc_all >= 0)
        cnt, tot, mean, mx = _stats(acc_all[sel], usd[sel], n)
        cols[f"tx_{side}_count"] = np.log1p(cnt)
        cols[f"tx_{side}_sum"] = np.log1p(tot)
        cols[f"tx_{side}_mean"] = np.log1p(mean)
        cols[f"tx_{side}_max"] = np.log1p(mx)
    in_deg, out_deg = distinct_degrees(net)
    cols["in_degree"] = in_deg
    cols["out_degree"] = out_deg
    cols["log_in_degree"] = np.log1p(in_deg)
    cols["log_out_degree"] = np.log1p(out_deg)
    for kind, name, acc_all in ((DEPOSIT, "dep", m.dst), (WITHDRAWAL, "wd", m.src)):
        sel = (m.kind == kind) & (acc_all >= 0)
        cnt, tot, _mean, mx = _stats(acc_all[sel], usd[sel], n)
        cols[f"{name}_count"] = np.log1p(cnt)
        cols[f"{name}_sum"] = np.log1p(tot)
        cols[f"{name}_max"] = np.log1p(mx)

    # Every movement counted on each account side it touches.
    side_acc = np.concatenate([m.src, m.dst])
    keep = side_acc >= 0
    side_acc = side_acc[keep]
    side_l = np.concatenate([lamt, lamt])[keep]
    side_usd = np.concatenate([usd, usd])[keep]
    side_ts = np.concatenate([m.ts, m.ts])[keep].astype(np.float64)
    cnt = np.bincount(side_acc, minlength=n).astype(np.float64)
    s1 = np.bincount(side_acc, weights=side_l, minlength=n)
    s2 = np.bincount(side_acc, weights=side_l * side_l, minlength=n)
    mean = np.divide(s1, cnt, out=np.zeros(n), where=cnt > 0)
    var = np.divide(s2, cnt, out=np.zeros(n), where=cnt > 0) - mean * mean
    cols["amount_log_mean"] = mean
    cols["amount_log_std"] = np.sqrt(np.maximum(var, 0.0))
    rounded = (np.abs(side_usd - np.round(side_usd / 100.0) * 100.0) < 0.005) & (side_usd >= 100)
    cols["round_share"] = np.divide(np.bincount(side_acc, weights=rounded.astype(np.float64), minlength=n),
                                    cnt, out=np.zeros(n), where=cnt > 0)
    first = np.full(n, np.inf)
    last = np.full(n, -np.inf)
    if side_acc.size:
        np.minimum.at(first, side_acc, side_ts)
        np.maximum.at(last, side_acc, side_ts)
    span = np.where(cnt > 0, (last - first) / DAY, 0.0)
    cols["span_days"] = span
    cols["movements_per_day"] = np.log1p(cnt / np.maximum(span, 1.0))

    total_in = np.bincount(m.dst[m.dst >= 0], weights=usd[m.dst >= 0], minlength=n)
    total_out = np.bincount(m.src[m.src >= 0], weights=usd[m.src >= 0], minlength=n)
    cols["pass_through"] = np.minimum(np.divide(total_out, total_in, out=np.zeros(n), where=total_in > 0), 10.0)
    cols["net_flow"] = np.divide(total_in - total_out, total_in + total_out, out=np.zeros(n),
                                 where=(total_in + total_out) > 0)

    # Channel mix: share of the account's movements per channel.
    ch_codes, ch_names = factorize(np.concatenate([m.channel, m.channel])[keep], sort=True)
    if len(ch_names):
        usage = np.bincount(ch_codes, minlength=len(ch_names))
        top = sorted(np.argsort(-usage, kind="stable")[:max_channels].tolist())
        other = np.ones(len(ch_names), dtype=bool)
        for c in top:
            w = (ch_codes == c).astype(np.float64)
            cols[f"ch_{ch_names[c]}"] = np.divide(np.bincount(side_acc, weights=w, minlength=n), cnt,
                                                  out=np.zeros(n), where=cnt > 0)
            other[c] = False
        if other.any():
            w = other[ch_codes].astype(np.float64)
            cols["ch_other"] = np.divide(np.bincount(side_acc, weights=w, minlength=n), cnt,
                                         out=np.zeros(n), where=cnt > 0)

    cls_codes, cls_names = factorize(np.asarray(net.accounts.cls, dtype=object), sort=True)
    for c, name in enumerate(cls_names):
        cols[f"class_{name}"] = (cls_codes == c).astype(np.float64)
    cap = np.asarray(net.accounts.registered_capital, dtype=np.float64)
    has_cap = np.isfinite(cap) & (cap > 0)
    cols["has_capital"] = has_cap.astype(np.float64)
    cols["log_capital"] = np.where(has_cap, np.log1p(np.where(has_cap, cap, 0.0)), 0.0)
    turnover = total_in + total_out
    cols["turnover_over_capital"] = np.where(has_cap, np.log1p(turnover / np.where(has_cap, cap, 1.0)), 0.0)

    names = tuple(cols)
    X = np.column_stack([cols[k] for k in names]) if n else np.zeros((0, len(names)))
    return FeatureFrame(names, np.ascontiguousarray(X, dtype=np.float64))


def amount_features(net: Network, usd_rates: Mapping[str, float] | None = None) -> FeatureFrame:
    """The :data:`AMOUNT_COLUMNS` of :func:`account_features`, bit for bit, without the others.

    Why: the embeddings job uses 13 of its ~45 columns, and the per-side statistics there run
    over every movement counted on both of its accounts (copies of the account, amount, log
    amount, time and channel columns, doubled): at 0.6M transfers that raised the ours process's
    peak by ~60 MB, in a process held to 273 MB. Here each side is summed on its own; the sums
    over both sides continue the sender side's ``bincount`` with ``np.add.at`` over the receiver
    side, which adds in the same order as ``bincount`` over the two sides one after the other,
    so the figures are the same to the last bit.
    """
    n = len(net.accounts)
    m = net.movements
    usd = usd_amounts(net, usd_rates)
    cols: dict[str, np.ndarray] = {}
    tr = m.kind == TRANSFER
    for side, acc_all in (("in", m.dst), ("out", m.src)):
        sel = tr & (acc_all >= 0)
        acc = acc_all[sel]
        cols[f"tx_{side}_count"] = np.log1p(np.bincount(acc, minlength=n).astype(np.float64))
        cols[f"tx_{side}_sum"] = np.log1p(np.bincount(acc, weights=usd[sel], minlength=n))
    del tr
    in_deg, out_deg = distinct_degrees(net)
    cols["log_in_degree"] = np.log1p(in_deg)
    cols["log_out_degree"] = np.log1p(out_deg)
    for kind, name, acc_all in ((DEPOSIT, "dep", m.dst), (WITHDRAWAL, "wd", m.src)):
        sel = (m.kind == kind) & (acc_all >= 0)
        acc = acc_all[sel]
        cols[f"{name}_count"] = np.log1p(np.bincount(acc, minlength=n).astype(np.float64))
        cols[f"{name}_sum"] = np.log1p(np.bincount(acc, weights=usd[sel], minlength=n))
    lamt = np.log1p(np.maximum(usd, 0.0))
    cnt = np.zeros(n, dtype=np.int64)
    s1 = s2 = None
    for acc_all in (m.src, m.dst):  # the sender side first, as account_features concatenates them
        keep = acc_all >= 0
        acc, lk = acc_all[keep], lamt[keep]
        cnt += np.bincount(acc, minlength=n)
        if s1 is None:
            s1, s2 = np.bincount(acc, weights=lk, minlength=n), np.bincount(acc, weights=lk * lk, minlength=n)
        else:
            np.add.at(s1, acc, lk)
            np.add.at(s2, acc, lk * lk)
    del lamt
    cntf = cnt.astype(np.float64)
    mean = np.divide(s1, cntf, out=np.zeros(n), where=cntf > 0)
    var = np.divide(s2, cntf, out=np.zeros(n), where=cntf > 0) - mean * mean
    cols["amount_log_mean"] = mean
    cols["amount_log_std"] = np.sqrt(np.maximum(var, 0.0))
    total_in = np.bincount(m.dst[m.dst >= 0], weights=usd[m.dst >= 0], minlength=n)
    total_out = np.bincount(m.src[m.src >= 0], weights=usd[m.src >= 0], minlength=n)
    cols["pass_through"] = np.minimum(np.divide(total_out, total_in, out=np.zeros(n), where=total_in > 0), 10.0)
    X = np.column_stack([cols[k] for k in AMOUNT_COLUMNS]) if n else np.zeros((0, len(AMOUNT_COLUMNS)))
    return FeatureFrame(AMOUNT_COLUMNS, np.ascontiguousarray(X, dtype=np.float64))
