"""Monte-Carlo estimate of R2: simulate the laundering walk instead of solving for it.

Why a simulation next to the exact :func:`toolkit.paths.first_passage`: it is the independent
check of the exact numbers (a different computation that must agree within its standard error),
and it is how R2 is explained to an investigator ("of 100,000 simulated transfers of this money,
431 reached the target").

Why NumPy here and not GDS ``gds.randomWalk``: the GDS procedure cannot make the target absorbing
(its walks run on through the target and are reported whole) nor stop a walk at a sink (it ends or
restarts walks by its own rules, and its walks have a fixed length), so the first-passage counts
would have to be reconstructed from streamed walks afterwards, and streaming 100,000 walks of
L nodes out of the server costs more than running them here. In process all walks advance together,
one vectorised step per transfer: per step a ``searchsorted`` over the cumulative row
probabilities of the CSR matrix picks every walk's next account at once.

Semantics (identical to the exact computation, so the two are comparable): a walk starts at the
source; each step it moves to ``v`` with probability ``P[u, v]``; it stops with a success at step k
when it enters the target, stops without one when it is at a sink (all-zero row; more generally
with probability ``1 - sum_v P[u, v]``) or after ``max_hops`` steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from toolkit.paths.reach import _as_csr, _check_hops, _check_rows

__all__ = ["MonteCarloEstimate", "monte_carlo_reach"]


@dataclass(frozen=True)
class MonteCarloEstimate:
    """Result of :func:`monte_carlo_reach`.

    Attributes
    ----------
    estimate : float
        Share of walks that reached the target within ``max_hops`` (estimates R2 = sum f_k).
    stderr : float
        Binomial standard error ``sqrt(p (1 - p) / walks)``; 0 when ``p`` is 0 or 1, so compare
        with a tolerance when the exact value is near those edges.
    walks : int
        Number of walks simulated.
    f_hat : ndarray of float64, shape (L,)
        Share of walks whose first arrival was on transfer ``k`` (estimates ``f_k``); sums to
        ``estimate``.
    """

    estimate: float
    stderr: float
    walks: int
    f_hat: np.ndarray


def monte_carlo_reach(
    P: sp.spmatrix | sp.sparray | np.ndarray,
    source: int,
    target: int,
    max_hops: int,
    walks: int = 100_000,
    seed: int | None = 0,
) -> MonteCarloEstimate:
    """Estimate first-passage probabilities from ``source`` to ``target`` by random walks.

    Parameters
    ----------
    P : sparse matrix or ndarray
        ``n x n`` transition matrix, non-negative with row sums ``<= 1``.
    source, target : int
        Account rows.
    max_hops : int
        ``L >= 1``: a walk that has not arrived after L transfers is a failure.
    walks : int
        Number of independent walks, ``>= 1``.
    seed : int or None
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same estimate.

    Returns
    -------
    MonteCarloEstimate
    """
    P = _as_csr(P)
    n = P.shape[0]
    _check_rows(np.array([source, target]), n)
    L = _check_hops(max_hops)
    walks = int(walks)
    if walks < 1:
        raise ValueError(f"walks must be >= 1, not {walks}")
    if P.nnz and P.data.min() < 0:
        raise ValueError("P must be non-negative")
    key, ends = _cumulative_keys(P)
    rng = np.random.default_rng(seed)

    hits = np.zeros(L, dtype=np.int64)
    pos = np.full(walks, int(source), dtype=np.int64)  # positions of the walks still running
    for k in range(L):
        if pos.size == 0:
            break
        # Row u's entries have keys u + (cumulative probability) in (u, u + 1]; the first key
        # above u + r is the next account; none inside the row means the walk stops here.
        r = rng.random(pos.size)
        j = np.searchsorted(key, pos + r, side="right")
        moved = j < ends[pos]
        nxt = P.indices[j[moved]]
        arrived = nxt == target
        hits[k] = int(arrived.sum())
        pos = nxt[~arrived]
    f_hat = hits / walks
    p = float(hits.sum()) / walks
    return MonteCarloEstimate(
        estimate=p,
        stderr=math.sqrt(p * (1.0 - p) / walks),
        walks=walks,
        f_hat=f_hat,
    )


def _cumulative_keys(P: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Globally sorted sampling keys: entry j of row u gets ``u + cumsum(row u)[j]``.

    One ``searchsorted`` over these keys then samples the next account of every walk at once.
    A row whose sum is within 1e-9 of 1 gets its last cumulative value pinned to exactly 1, so
    that rounding never stops a walk that should go on. Returns the keys and, per row, the end of
    the row in ``P.indices``.
    """
    n = P.shape[0]
    deg = np.diff(P.indptr)
    rows = np.repeat(np.arange(n, dtype=np.int64), deg)
    starts = P.indptr[:-1][deg > 0]
    last = P.indptr[1:][deg > 0] - 1
    # Segmented (per-row) cumulative sums. A plain global cumsum would grow to ~n and lose the
    # low digits (1e-7 of drift inside a row of 10,000 entries), so each row start subtracts the
    # previous row's total first, keeping the running value near [0, 1]; the tiny residue that
    # is carried over is then removed row by row.
    step = P.data.astype(np.float64, copy=True)
    if starts.size > 1:
        step[starts[1:]] -= np.add.reduceat(P.data, starts)[:-1]
    cum = np.cumsum(step)
    carry = cum[starts] - P.data[starts]  # the residue carried into each row (about 0)
    local = cum - np.repeat(carry, deg[deg > 0])
    sums = local[last]
    if np.any(sums > 1.0 + 1e-9):
        raise ValueError("rows of P must sum to at most 1")
    local[last] = np.where(np.abs(sums - 1.0) <= 1e-9, 1.0, sums)
    np.clip(local, 0.0, 1.0, out=local)
    return rows + local, P.indptr[1:].astype(np.int64)
