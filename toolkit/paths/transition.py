"""The random-walk transition matrix P of the money network, and the paper's idealised network.

Why a transition matrix: the spec models laundered money as a random walk over accounts. Money at
an account moves on to one of the accounts it pays, with a probability P[u, v]; the chance that it
reaches a target (R2, :mod:`toolkit.paths.reach`) is then linear algebra on P. Building P once, as
a SciPy CSR matrix, lets every later step run as a handful of sparse products instead of walking
Python objects.

Conventions
-----------
- Rows and columns are account rows of :class:`toolkit.frames.AccountFrame` (``0..n-1``).
- A row of P sums to 1, or is all zero for an account that sends nothing (a *sink*): a walk that
  reaches a sink stops there.
- Cash sides (``-1``) and self-transfers are not edges: money that stays put or leaves the
  banking system does not move the walk on.
"""

from __future__ import annotations

from typing import Literal, Sequence

import numpy as np
import scipy.sparse as sp

from toolkit.frames import TRANSFER, Network

__all__ = [
    "Weighting",
    "transition_matrix",
    "transition_matrix_from_network",
    "idealised_network",
    "path_probability",
]

#: How the out-probability of an account is shared among the accounts it pays.
Weighting = Literal["uniform", "amount"]


def transition_matrix(
    src: np.ndarray | Sequence[int],
    dst: np.ndarray | Sequence[int],
    amount: np.ndarray | Sequence[float] | None,
    n: int,
    weighting: Weighting = "uniform",
) -> sp.csr_matrix:
    """Row-stochastic transition matrix of a walk that follows transfers.

    Parameters
    ----------
    src, dst : array_like of int
        Account rows of the paying and the receiving account of each transfer. Entries ``< 0``
        (the cash side of a deposit or withdrawal) are skipped, as are self-transfers
        (``src == dst``), because neither moves money to another account.
    amount : array_like of float or None
        Amount of each transfer; only read for ``weighting="amount"`` (may be None otherwise).
    n : int
        Number of accounts; P is ``n x n``.
    weighting : {"uniform", "amount"}
        ``"uniform"``: P[u, v] = 1 / (number of *distinct* accounts u pays); repeated transfers
        between the same pair count once, so a chatty pair does not dominate the walk.
        ``"amount"``: P[u, v] = (total u sent to v) / (total u sent to other accounts), i.e. money
        follows the money. An account whose transfers total 0 gets an all-zero row.

    Returns
    -------
    scipy.sparse.csr_matrix
        ``n x n``, float64, canonical (sorted indices, no duplicates, no explicit zeros). Rows of
        accounts without out-transfers are all zero: a walk arriving there stops.

    Raises
    ------
    ValueError
        On mismatched lengths, account rows ``>= n``, negative amounts or an unknown weighting.
    """
    if weighting not in ("uniform", "amount"):
        raise ValueError(f"weighting must be 'uniform' or 'amount', not {weighting!r}")
    if n < 0:
        raise ValueError(f"n must be >= 0, not {n}")
    src = np.asarray(src, dtype=np.int64).ravel()
    dst = np.asarray(dst, dtype=np.int64).ravel()
    if src.shape != dst.shape:
        raise ValueError(f"src and dst differ in length: {src.size} != {dst.size}")
    if weighting == "amount":
        if amount is None:
            raise ValueError("weighting='amount' needs the amounts")
        amt = np.asarray(amount, dtype=np.float64).ravel()
        if amt.shape != src.shape:
            raise ValueError(f"amount and src differ in length: {amt.size} != {src.size}")
        if np.any(amt < 0) or np.any(~np.isfinite(amt)):
            raise ValueError("amounts must be finite and >= 0")
    keep = (src >= 0) & (dst >= 0) & (src != dst)
    if np.any(src[keep] >= n) or np.any(dst[keep] >= n):
        raise ValueError(f"account rows must be < n = {n}")
    s, d = src[keep], dst[keep]
    if weighting == "uniform":
        w = np.ones(s.size, dtype=np.float64)
    else:
        w = amt[keep]
    a = sp.coo_matrix((w, (s, d)), shape=(n, n)).tocsr()  # tocsr sums duplicates
    a.sum_duplicates()
    if weighting == "uniform":
        a.data[:] = 1.0  # distinct neighbours: a pair counts once however many transfers
    a.eliminate_zeros()
    return _row_normalise(a)


def transition_matrix_from_network(net: Network, weighting: Weighting = "uniform") -> sp.csr_matrix:
    """:func:`transition_matrix` over the account-to-account transfers of ``net``.

    Deposits and withdrawals are left out: they move money between an account and cash, not
    between accounts, so they are no step of the walk.
    """
    mov = net.movements
    t = mov.kind == TRANSFER
    return transition_matrix(mov.src[t], mov.dst[t], mov.amount[t], len(net.accounts), weighting)


def idealised_network(N: int) -> sp.csr_matrix:
    """The paper's idealised laundering network with ``N`` intermediate accounts.

    Nodes: ``0`` is the source S0, ``1..N`` are the intermediates S1..SN, ``N + 1`` is the target
    S_{N+1}. Edges and probabilities:

    - S0 pays each intermediate with probability ``1/N`` (never the target directly, so
      laundering takes at least two transfers);
    - an intermediate Si pays each of the other ``N - 1`` intermediates and the target, uniformly,
      ``1/N`` each: the paper's "uniform over the other nodes, never back to S0 or to itself",
      with the target counted among the other nodes so that money can arrive;
    - the target pays nobody (all-zero row).

    Why this shape: from any intermediate the money reaches the target on the next transfer with
    probability ``1/N``, independently of the past, so the first-passage probabilities have the
    closed form ``f_1 = 0`` and ``f_k = (1/N) (1 - 1/N)^(k-2)`` for ``k >= 2`` (with ``0^0 = 1``),
    which the tests use as a hand-checkable oracle. The expected number of transfers is
    ``N + 1``: more intermediates, longer (and safer) laundering.

    Parameters
    ----------
    N : int
        Number of intermediates, ``>= 1``.

    Returns
    -------
    scipy.sparse.csr_matrix
        ``(N + 2) x (N + 2)`` transition matrix.
    """
    if N < 1:
        raise ValueError(f"N must be >= 1, not {N}")
    rows: list[int] = []
    cols: list[int] = []
    for i in range(1, N + 1):
        rows.append(0)
        cols.append(i)
        for j in range(1, N + 2):
            if j != i:
                rows.append(i)
                cols.append(j)
    a = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(N + 2, N + 2))
    return _row_normalise(a)


def path_probability(P: sp.spmatrix | sp.sparray | np.ndarray, nodes: Sequence[int]) -> float:
    """Probability that the walk follows exactly ``nodes[0] -> nodes[1] -> ...``.

    The product of ``P[nodes[i], nodes[i+1]]``; 1.0 for a path of fewer than two nodes (no
    transfer, nothing to be unlikely). Unlike first-passage probabilities this does not check that
    the path avoids its own last node earlier: it is the plain chance of that sequence of steps.
    """
    nodes = [int(v) for v in nodes]
    if len(nodes) < 2:
        return 1.0
    if sp.issparse(P):
        P = sp.csr_matrix(P)
    p = 1.0
    for u, v in zip(nodes[:-1], nodes[1:]):
        p *= float(P[u, v])
        if p == 0.0:
            break
    return p


def _row_normalise(a: sp.csr_matrix) -> sp.csr_matrix:
    """Divide every row by its sum; all-zero rows stay zero (a sink, where a walk stops)."""
    a = sp.csr_matrix(a, dtype=np.float64)
    sums = np.asarray(a.sum(axis=1)).ravel()
    inv = np.divide(1.0, sums, out=np.zeros_like(sums), where=sums > 0)
    a.data *= np.repeat(inv, np.diff(a.indptr))
    a.sort_indices()
    return a
