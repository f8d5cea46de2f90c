"""The movements of a :class:`~toolkit.frames.Network` sorted the two ways every detector needs.

Why a prepared view: every typology asks "what did account ``a`` send (receive) between ``t``
and ``t + W``?". Sorting the movements once by (account, time) turns that question into two
:func:`numpy.searchsorted` calls on one int64 key, for all accounts at once. Building the view
costs two sorts; the detectors then share it (:func:`toolkit.detect.run_typologies` builds it
once), so a run over millions of transfers sorts twice, not twelve times.

Conventions
-----------
- A **transfer** here is a movement of kind TRANSFER between two different accounts. Self
  transfers move nothing and are dropped; so are rows with a missing side.
- Cash is kept on the side it touches: a deposit is an *inflow* of its account, a withdrawal an
  *outflow*, with counterparty ``-1``. Detectors that count counterparties ignore it; the
  moving-on share and the pass-through measure include it, because cashing out is how a funnel
  account empties and cash placement is how a scatter is funded.
- Amounts are in USD (``amount * rate(currency)``) so that amounts in different currencies
  compare.
- The sort key of a row is ``acc * stride + (ts - t0)``; ``stride`` exceeds the time span plus
  the longest window, so ``key ± W`` never reaches another account's keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
from scipy.special import pdtrc

from toolkit.arrays import factorize
from toolkit.currency import USD_RATES, to_usd_rate
from toolkit.errors import ConfigError
from toolkit.findings import Finding
from toolkit.frames import DEPOSIT, TRANSFER, WITHDRAWAL, Network
from toolkit.detect.params import MAX_WINDOW_S

__all__ = ["FlowSide", "FlowView", "Detection", "usd_amounts", "poisson_sf"]


def usd_amounts(net: Network, usd_rates: Mapping[str, float] | None = None) -> np.ndarray:
    """Every movement's amount in USD.

    The currency column is hash-factorised (a handful of codes among millions of rows), so each
    distinct code is looked up once. Unknown codes count at face value, as
    :func:`toolkit.currency.to_usd_rate` does.
    """
    mov = net.movements
    amount = np.asarray(mov.amount, dtype=np.float64)
    if len(amount) == 0:
        return amount.copy()
    table = dict(USD_RATES if usd_rates is None else usd_rates)
    codes, uniques = factorize(np.asarray(mov.currency, dtype=object))
    per_code = np.array([to_usd_rate(str(u), table) for u in uniques] + [1.0], dtype=np.float64)
    return amount * per_code[codes]


@dataclass(frozen=True, eq=False)
class FlowSide:
    """One side of every account's money flow, sorted by (account, time, movement row).

    Attributes
    ----------
    acc : ndarray of int32
        The account whose outflow (inflow) the row is.
    cp : ndarray of int32
        The counterparty account, ``-1`` for cash.
    key : ndarray of int64
        ``acc * stride + (ts - t0)``, non-decreasing.
    amount : ndarray of float64
        USD.
    mov : ndarray of int
        Row in ``net.movements``.
    ptr : ndarray of int64
        ``ptr[a]:ptr[a + 1]`` are account ``a``'s rows (length ``n_accounts + 1``).
    stride : int
    """

    acc: np.ndarray
    cp: np.ndarray
    key: np.ndarray
    amount: np.ndarray
    mov: np.ndarray
    ptr: np.ndarray
    stride: int

    def __len__(self) -> int:
        return len(self.key)

    def ts_rel(self, pos: np.ndarray | slice | None = None) -> np.ndarray:
        """Time minus ``t0`` (int64) of the rows at ``pos`` (all rows if ``None``)."""
        if pos is None:
            return self.key - self.acc.astype(np.int64) * self.stride
        return self.key[pos] - self.acc[pos].astype(np.int64) * self.stride

    def cumsum(self, transfers_only: bool = False) -> np.ndarray:
        """Running amount with a leading 0: ``cs[j] - cs[i]`` is the sum over rows ``i..j-1``."""
        amt = np.where(self.cp >= 0, self.amount, 0.0) if transfers_only else self.amount
        out = np.empty(len(amt) + 1, dtype=np.float64)
        out[0] = 0.0
        np.cumsum(amt, out=out[1:])
        return out


class FlowView:
    """Transfers and cash of a network, sorted by (account, time) on the out- and the in-side.

    Build with :meth:`from_network`; detectors accept either a view or a network.

    Attributes
    ----------
    n_accounts : int
    t0 : int
        Earliest time among the kept movements (keys are relative to it).
    span : int
        Latest minus earliest time, seconds.
    stride : int
        Key distance between consecutive accounts.
    out : FlowSide
        Transfers by sender and withdrawals, per account.
    inn : FlowSide
        Transfers by receiver and deposits, per account.
    """

    def __init__(self, n_accounts: int, t0: int, span: int, stride: int, out: FlowSide, inn: FlowSide) -> None:
        self.n_accounts = int(n_accounts)
        self.t0 = int(t0)
        self.span = int(span)
        self.stride = int(stride)
        self.out = out
        self.inn = inn

    @classmethod
    def from_network(cls, net: Network, usd_rates: Mapping[str, float] | None = None) -> "FlowView":
        """Sort the movements of ``net`` (two stable sorts, one USD conversion)."""
        mov = net.movements
        n = len(net.accounts)
        kind = np.asarray(mov.kind)
        src = np.asarray(mov.src, dtype=np.int64)
        dst = np.asarray(mov.dst, dtype=np.int64)
        ts = np.asarray(mov.ts, dtype=np.int64)
        transfer = (kind == TRANSFER) & (src >= 0) & (dst >= 0) & (src != dst)
        out_mask = transfer | ((kind == WITHDRAWAL) & (src >= 0))
        in_mask = transfer | ((kind == DEPOSIT) & (dst >= 0))
        kept_ts = ts[out_mask | in_mask]
        t0 = int(kept_ts.min()) if len(kept_ts) else 0
        span = int(kept_ts.max()) - t0 if len(kept_ts) else 0
        del kept_ts
        stride = span + MAX_WINDOW_S + 1
        if n * stride + MAX_WINDOW_S >= 2**62:
            raise ConfigError(f"typologies: {n} accounts over {span} s do not fit the int64 sort key")
        usd = usd_amounts(net, usd_rates)
        mov_dtype = np.int32 if len(mov) < 2**31 else np.int64
        acc_dtype = np.int32 if n < 2**31 else np.int64

        def side(mask: np.ndarray, acc_col: np.ndarray, cp_col: np.ndarray) -> FlowSide:
            rows = np.flatnonzero(mask)
            key = acc_col[rows] * stride
            key += ts[rows]
            key -= t0
            order = np.argsort(key, kind="stable")  # (account, time, movement row)
            key = key[order]
            rows = rows[order]
            del order
            acc = acc_col[rows].astype(acc_dtype)
            cp = np.where(transfer[rows], cp_col[rows], -1).astype(acc_dtype)
            ptr = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(np.bincount(acc, minlength=n), out=ptr[1:])
            return FlowSide(acc=acc, cp=cp, key=key, amount=usd[rows], mov=rows.astype(mov_dtype), ptr=ptr, stride=stride)

        out = side(out_mask, src, dst)
        del out_mask
        inn = side(in_mask, dst, src)
        return cls(n, t0, span, stride, out, inn)

    @property
    def n_transfers(self) -> int:
        """Number of account-to-account transfers kept."""
        return int(np.count_nonzero(self.out.cp >= 0))

    def transfer_counts(self, side: FlowSide) -> np.ndarray:
        """Transfers per account on one side (cash rows not counted)."""
        return np.bincount(side.acc[side.cp >= 0], minlength=self.n_accounts)

    def chance(self, side: FlowSide, acc: np.ndarray, in_window: np.ndarray, count: np.ndarray, window_s: int) -> np.ndarray:
        """Expected number of windows this busy if the account behaved as usual.

        The usual rate is the account's transfers on ``side`` *outside* the window, spread over
        the rest of the data span: ``lam = outside * W / (span - W)`` transfers per window. The
        chance that one window of length ``W`` holds ``count`` or more transfers is the Poisson
        tail ``P(N >= count | lam)``; times the number of windows in the span (``span / W``, at
        least 1) it is the number of such windows to expect from ordinary traffic. A shop with
        100 customers every 3 days expects such windows all the time (chance >> 1); a quiet
        account that suddenly hears from 6 senders does not (chance ~0). Counting transfers
        rather than distinct counterparties over-estimates the chance, so the measure errs on
        the side of ordinary.
        """
        outside = self.transfer_counts(side)[acc] - np.asarray(in_window)
        rest = self.span - window_s
        lam = outside * (window_s / rest) if rest > 0 else np.zeros(len(acc))
        n_windows = max(self.span / window_s, 1.0) if window_s > 0 else 1.0
        tail = poisson_sf(np.asarray(count, dtype=np.float64) - 1.0, np.maximum(lam, 1e-12))
        return n_windows * np.where(lam > 0, tail, 0.0)

    def usual_flow(self) -> np.ndarray:
        """Per account the mean of its total inflow and total outflow (USD) over the data span:
        what it usually moves, the yardstick of a burst. Computed once and cached."""
        cached = getattr(self, "_usual_flow", None)
        if cached is None:
            n = self.n_accounts
            cached = (np.bincount(self.inn.acc, weights=self.inn.amount, minlength=n)
                      + np.bincount(self.out.acc, weights=self.out.amount, minlength=n)) / 2.0
            self._usual_flow = cached
        return cached

    def usual_per_window(self, acc: np.ndarray, window_flow: np.ndarray | float, window_s: int) -> np.ndarray:
        """What account ``acc`` usually moves in ``window_s`` *outside* the window at hand.

        ``(usual_flow - window_flow)`` (clipped at 0; ``window_flow`` is the window's own share of
        :meth:`usual_flow`, i.e. the mean of its inflow and outflow) spread over the rest of the
        span, ``max(span - W, W)``, times ``W``. Like :meth:`chance`, the window never explains
        itself: an account that moves nothing else has a usual of 0.
        """
        rest = np.maximum(self.usual_flow()[acc] - np.asarray(window_flow, dtype=np.float64), 0.0)
        return rest * (window_s / max(self.span - window_s, window_s, 1))

    def active(self) -> np.ndarray:
        """Accounts with at least one transfer (the population the score compares against)."""
        a = np.zeros(self.n_accounts, dtype=bool)
        a[self.out.acc[self.out.cp >= 0]] = True
        a[self.inn.acc[self.inn.cp >= 0]] = True
        return a

    def movement_ends(self) -> tuple[np.ndarray, np.ndarray]:
        """Sender and receiver row of every movement row (``-1`` for cash and for movements the
        view does not hold), for detectors that turn evidence movements into counterparties; in
        the dtype of the view's account rows (int32 below 2**31 accounts)."""
        out, inn = self.out, self.inn
        n_mov = int(max(out.mov.max(initial=-1), inn.mov.max(initial=-1))) + 1
        src = np.full(n_mov, -1, dtype=out.acc.dtype)
        dst = np.full(n_mov, -1, dtype=out.acc.dtype)
        src[out.mov] = out.acc
        dst[out.mov] = out.cp
        dst[inn.mov] = inn.acc
        return src, dst


def poisson_sf(k: np.ndarray | float, mu: np.ndarray | float) -> np.ndarray:
    """``P(N > k)`` for ``N ~ Poisson(mu)``: what ``scipy.stats.poisson.sf(k, mu)`` returns, bit for
    bit (``pdtrc(floor(k), mu)`` clipped to [0, 1]; 1 below the support, 0 at ``k = inf``, NaN for
    a NaN ``k`` or a negative ``mu``), without importing ``scipy.stats`` (about 35 MB resident)."""
    k_a, mu_a = np.broadcast_arrays(np.asarray(k, dtype=np.float64), np.asarray(mu, dtype=np.float64))
    out = np.zeros(k_a.shape)
    valid = mu_a >= 0
    out[valid & (k_a < 0)] = 1.0
    out[~valid | np.isnan(k_a)] = np.nan
    ok = valid & (k_a >= 0) & np.isfinite(k_a)
    if ok.any():
        out[ok] = np.clip(pdtrc(np.floor(k_a[ok]), mu_a[ok]), 0.0, 1.0)
    return out if out.ndim else out[()]


def as_view(data: Network | FlowView, usd_rates: Mapping[str, float] | None = None) -> FlowView:
    """``data`` itself if it is a view, else a view built from the network."""
    return data if isinstance(data, FlowView) else FlowView.from_network(data, usd_rates)


@dataclass(frozen=True, eq=False)
class Detection:
    """What one detector returns.

    Attributes
    ----------
    rule : str
        Typology id (:data:`toolkit.findings.TYPOLOGY_IDS`).
    findings : list of Finding
        Hits, grouped by ``account`` (ascending); an account's hits in time order.
    stats : dict of str -> ndarray
        Per-account statistics over **all** accounts (length ``n_accounts``), so the caller can
        see where an account stands against the population (e.g. ``max_counterparties``).
    """

    rule: str
    findings: list[Finding]
    stats: dict[str, np.ndarray]
