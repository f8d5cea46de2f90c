"""Cycles: money that comes back to where it started within days, shrinking only by fees.

Why time and amounts: static cycles are everywhere in a payment graph (friends paying each other
back, a customer refunded by a shop). A laundering loop is different: its hops follow each other
in time, the loop closes within days, and every hop carries about the same amount.

Definition (``L`` = :attr:`~TypologyParams.cycle_max_length`, ``W`` =
:attr:`~TypologyParams.cycle_window_s`, ``tol`` = :attr:`~TypologyParams.cycle_amount_tolerance`):
a directed cycle ``v0 -> v1 -> ... -> v(h-1) -> v0`` of ``h = 2..L`` distinct accounts is reported
when transfers ``e1..eh`` along it exist, in some rotation, with

- ``t(e1) <= t(e2) <= ... <= t(eh)`` (each hop at or after the previous one),
- ``t(eh) - t(e1) <= W`` (the loop closes within ``W``),
- ``|a(ej) - a(e1)| <= tol * a(e1)`` for every hop (amounts within ``±tol`` of the first).

Each cycle (set of accounts in cyclic order) is reported **once**, in its canonical rotation
starting at its smallest account row (``account``; the others in order in ``accounts``), with the
strongest of its valid transfer sequences as evidence and the number of distinct valid sequences
in ``details["instances"]``.

Score: ``0.3 + 0.7 * mean(1 - span / W, 1 - max_deviation / tol, shrinking)`` where
``shrinking`` is 1 when no hop is larger than the one before (fees only ever take). A loop that
passes all rules scores at least 0.3; a fast, fee-shrinking loop of near-equal amounts near 1.

How the search is bounded: accounts outside a strongly connected component with more than one
account (scipy.sparse.csgraph) cannot be on a cycle and are dropped with their transfers. The
search then starts from every remaining transfer as the *first* hop ``e1`` and grows the loop
from both ends at once, a level (one hop) per round for all starts together: the forward end
follows transfers out of the last account reached, the backward end follows transfers into the
account the loop must return through, both restricted to ``[t(e1), t(e1) + W]``, to the running
time order and to the amount band of ``e1``. Each round a state extends the end with fewer
candidate transfers, so a loop through one busy hub costs as little as the quiet side allows;
the ends meeting closes a cycle. All valid transfer sequences are enumerated exactly, in
memory-bounded batches of start transfers.

Two exact prunings keep that search small on millions of transfers. First hops are grouped by
amount and time (:func:`_partition`): a group searches only the transfers within the amount band
and time range its first hops can reach, cut again to the strongly connected components of that
small subgraph, so most transfers never start or extend a search. And a partial loop with one or
two hops left is dropped unless its ends are joined by a path of that many edges of the subgraph
at all (:meth:`_Edges.linked`).
"""

from __future__ import annotations

import copy
from typing import Iterator

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from toolkit.details import detail_rows
from toolkit.findings import Finding
from toolkit.frames import Network
from toolkit.detect.layering import episode_burst, episode_match
from toolkit.detect.params import TypologyParams
from toolkit.detect.view import Detection, FlowView, as_view
from toolkit.detect.windows import chunks_by_weight, expand_ranges, range_search

__all__ = ["detect_cycles", "cycle_score"]

#: Start transfers searched together (bounds the memory of one batch of search states).
_START_BATCH = 200_000
#: Most candidate extensions materialised at once within one round.
_EXPAND_BUDGET = 4_000_000
#: Most partial loops carried into the next round at once (the rest wait, depth first).
_STATE_BUDGET = 1_000_000
#: Sequences turned into findings at once (see :func:`_by_cycle`).
_FINDINGS_BATCH = 20_000
#: Ratio of the largest to the smallest first-hop amount searched together (see :func:`_partition`).
_BUCKET_RATIO = 1.25
#: First hops searched together lie within this many cycle windows of each other.
_SLICE_W = 1.0


def cycle_score(span_s: np.ndarray, max_dev: np.ndarray, shrinking: np.ndarray, window_s: int, tol: float) -> np.ndarray:
    """Strength of valid cycles in [0.3, 1]: fast, equal-amount, fee-shrinking loops score high."""
    time_term = 1.0 - np.asarray(span_s, dtype=np.float64) / window_s if window_s > 0 else np.ones(np.shape(span_s))
    amount_term = 1.0 - np.asarray(max_dev, dtype=np.float64) / tol if tol > 0 else np.ones(np.shape(max_dev))
    mean = (np.clip(time_term, 0, 1) + np.clip(amount_term, 0, 1) + np.asarray(shrinking, dtype=np.float64)) / 3.0
    return 0.3 + 0.7 * mean


class _Edges:
    """The transfers searched for cycles, as rows of the view's out-side (edge ids).

    ``_Edges(view)`` holds every transfer of the view: the forward end searches ``view.out``
    (sorted by sender, time), the backward end ``view.inn`` (sorted by receiver, time) mapped to
    out-rows, and rows that are cash or cannot lie on a cycle are masked out (``alive``, ``in_alive``).
    :meth:`subset` gives the same structure over a sorted subset of the out-rows (edge ids then
    number the subset; ``rows`` maps them back), with every row alive.
    """

    def __init__(self, view: FlowView | None) -> None:
        if view is None:
            return
        out, inn = view.out, view.inn
        n = view.n_accounts
        self.n_accounts = n
        self.stride = view.stride
        self.out_key, self.in_key = out.key, inn.key
        self._src, self._dst, self._amount, self._mov = out.acc, out.cp, out.amount, out.mov
        self.rows = None
        alive = out.cp >= 0
        rows = np.flatnonzero(alive)
        if len(rows):
            alive[rows] = _same_component(out.acc[rows], out.cp[rows], n)
        self.alive = alive
        # in-row -> out-row of the same transfer (-1 for cash), through the movement rows.
        n_mov = int(max(out.mov.max(initial=-1), inn.mov.max(initial=-1))) + 1
        out_row = np.full(n_mov, -1, dtype=np.int64 if len(out) >= 2**31 else np.int32)
        out_row[out.mov[rows]] = rows
        self.in_to_out = out_row[inn.mov]
        del out_row
        self.in_alive = (self.in_to_out >= 0) & (alive[np.maximum(self.in_to_out, 0)] if len(alive) else False)
        self.n = int(np.count_nonzero(alive))
        self._out_to_in: np.ndarray | None = None
        self._pairs: np.ndarray | None = None

    def out_to_in(self) -> np.ndarray:
        """out-row -> in-row of the same transfer (-1 for cash), built on first use."""
        if self._out_to_in is None:
            o2i = np.full(len(self.out_key), -1, dtype=self.in_to_out.dtype)
            ok = np.flatnonzero(self.in_to_out >= 0)
            o2i[self.in_to_out[ok]] = ok
            self._out_to_in = o2i
        return self._out_to_in

    def subset(self, rows: np.ndarray) -> "_Edges":
        """The transfers ``rows`` (ascending out-rows of the full set) as their own edge set."""
        sub = _Edges(None)
        sub.stride, sub.n_accounts = self.stride, self.n_accounts
        sub.rows = rows
        sub.out_key = self.out_key[rows]
        sub._src, sub._dst, sub._amount, sub._mov = self._src[rows], self._dst[rows], self._amount[rows], self._mov[rows]
        in_rows = np.sort(self.out_to_in()[rows])
        sub.in_key = self.in_key[in_rows]
        sub.in_to_out = np.searchsorted(rows, self.in_to_out[in_rows]).astype(self.in_to_out.dtype)
        sub.alive = sub.in_alive = None
        sub.n = len(rows)
        sub._pairs = None
        return sub

    def linked(self, u: np.ndarray, v: np.ndarray, hops: int = 1) -> np.ndarray:
        """Whether a path of at most ``hops`` (1 or 2) edges of the set goes from ``u`` to ``v``
        (at any times and amounts): a bound on what the search can still close. Only parts of
        the search (:meth:`subset`) are small enough for this; over all transfers it is skipped."""
        if self.rows is None:
            return np.ones(len(u), dtype=bool)
        if self._pairs is None:
            e = np.arange(len(self.out_key)) if self.alive is None else np.flatnonzero(self.alive)
            n = self.n_accounts
            a = csr_matrix((np.ones(len(e), dtype=np.int64), (self._src[e], self._dst[e])), shape=(n, n))
            self._pairs = {1: _codes(a, n), 2: _codes(a @ a + a, n)}
        pairs = self._pairs[hops]
        code = u.astype(np.int64) * self.n_accounts + v
        pos = np.searchsorted(pairs, code)
        hit = pos < len(pairs)
        hit[hit] = pairs[pos[hit]] == code[hit]
        return hit

    def rows_of(self, seqs: np.ndarray) -> np.ndarray:
        """Edge ids of found sequences as kept until the findings are made: int32 where the
        out-rows fit (they wait for all of the search; as int64 they were 13.6 MB at 0.6M)."""
        return seqs.astype(np.int32 if len(self.out_key) < 2**31 else np.int64)

    def src(self, e: np.ndarray) -> np.ndarray:
        return self._src[e]

    def dst(self, e: np.ndarray) -> np.ndarray:
        return self._dst[e]

    def t(self, e: np.ndarray) -> np.ndarray:
        return self.out_key[e] - self._src[e].astype(np.int64) * self.stride

    def amount(self, e: np.ndarray) -> np.ndarray:
        return self._amount[e]

    def mov(self, e: np.ndarray) -> np.ndarray:
        return self._mov[e].astype(np.int64)


def _codes(a: csr_matrix, n: int) -> np.ndarray:
    """Sorted codes ``row * n + col`` of the nonzero entries of ``a`` (non-negative entries)."""
    a.sum_duplicates()
    a.eliminate_zeros()
    a.sort_indices()
    rows = np.repeat(np.arange(a.shape[0], dtype=np.int64), np.diff(a.indptr))
    return rows * n + a.indices


def _same_component(src: np.ndarray, dst: np.ndarray, n: int) -> np.ndarray:
    """Which edges ``src -> dst`` (accounts ``0..n-1``) join two accounts of one strongly
    connected component (only those can lie on a directed cycle of these edges)."""
    if len(src) == 0:
        return np.zeros(0, dtype=bool)
    if len(src) < n // 4:  # few edges: number their accounts 0..k-1 first
        present = np.zeros(n, dtype=bool)
        present[src] = True
        present[dst] = True
        label = np.cumsum(present, dtype=np.int64) - 1
        src, dst, n = label[src], label[dst], int(label[-1]) + 1
    g = csr_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n))
    _, labels = connected_components(g, directed=True, connection="strong")
    return labels[src] == labels[dst]


def detect_cycles(data: Network | FlowView, params: TypologyParams | None = None) -> Detection:
    """Time-respecting cycles of 2..L accounts with near-equal amounts, each reported once.

    Returns
    -------
    Detection
        ``findings``: rule ``cycle``, ``account`` the smallest account row of the cycle,
        ``accounts`` the other accounts in cycle order, ``movements`` the transfers of the
        strongest valid sequence in time order, ``value`` the length, ``threshold`` ``L``,
        ``details`` ``length``, ``span_s``, ``first_amount``, ``last_amount``, ``shrink`` (``1 -
        last / first``), ``max_deviation`` (largest ``|a - a1| / a1``), ``shrinking``,
        ``instances``. ``stats``: ``cycles`` (number of reported cycles through each account).
    """
    p = params or TypologyParams()
    view = as_view(data, p.usd_rates)
    edges = _Edges(view)
    per_account = np.zeros(view.n_accounts, dtype=np.int64)
    found: dict[int, list[np.ndarray]] = {}
    for sub, starts in _partition(edges, p):
        for lo in range(0, len(starts), _START_BATCH):
            for h, seqs in _search(sub, starts[lo : lo + _START_BATCH].astype(np.int64), p).items():
                found.setdefault(h, []).append(edges.rows_of(seqs if sub.rows is None else sub.rows[seqs]))
    if p.cycle_ring_max_length > p.cycle_max_length:
        _long_rings(view, edges, p, found)
    findings: list[Finding] = []
    for h in sorted(found):
        seqs = np.concatenate(found.pop(h))
        for part in _by_cycle(edges, seqs):
            findings.extend(_cycle_findings(view, edges, part, p))
        del seqs
    findings.sort(key=lambda f: (f.account, f.accounts, f.window))
    for f in findings:
        per_account[f.account] += 1
        per_account[list(f.accounts)] += 1
    return Detection("cycle", findings, {"cycles": per_account})


def _long_rings(view: FlowView, edges: _Edges, p: TypologyParams, found: dict[int, list[np.ndarray]]) -> None:
    """Add to ``found`` the cycles of ``cycle_max_length + 1`` to ``cycle_ring_max_length``
    accounts whose every hop is a *hop transfer*: one its sender had just received and its
    receiver passes straight on, amount for amount less a fee (:func:`toolkit.detect.passers.
    matched_hops`).

    Why: laundering rings at medium hardness have 3-7 accounts, and searching all transfers for
    7-account loops cost 9.1 -> 14.7 s at 2.1M transfers (busy firms close countless long loops).
    A ring's hops are hop transfers, and few other transfers are (0.5% at 2.1M), so the long search
    runs on a small graph; the loops it finds satisfy the same rules as the others.
    """
    from dataclasses import replace
    from toolkit.detect.passers import matched_hops

    forwarded, fed = matched_hops(view, p.layering_max_dwell_s, p.episode_fee, p.episode_tolerance)
    mov = edges._mov.astype(np.int64)
    hop = edges.alive & fed[mov] & forwarded[mov]
    if not hop.any():
        return
    rows = np.flatnonzero(hop)
    hop[rows] = _same_component(edges.src(rows), edges.dst(rows), edges.n_accounts)
    if not hop.any():
        return
    sub = copy.copy(edges)
    sub.alive = hop
    sub.in_alive = (edges.in_to_out >= 0) & hop[np.maximum(edges.in_to_out, 0)]
    sub.n = int(np.count_nonzero(hop))
    sub._pairs = None
    pl = replace(p, cycle_max_length=p.cycle_ring_max_length)
    for part, starts in _partition(sub, pl):
        for lo in range(0, len(starts), _START_BATCH):
            for h, seqs in _search(part, starts[lo : lo + _START_BATCH].astype(np.int64), pl).items():
                if h > p.cycle_max_length:
                    found.setdefault(h, []).append(edges.rows_of(seqs if part.rows is None else part.rows[seqs]))


def _partition(edges: _Edges, p: TypologyParams):
    """Split the search into independent parts: ``(edge set, start edges)`` pairs that together
    start from every alive transfer exactly once.

    Every hop of a valid loop lies within ``±tol`` of the first hop's amount and within ``W``
    after it, so first hops are grouped by amount (buckets ``_BUCKET_RATIO`` wide) and time
    (slices of ``_SLICE_W`` windows), and a group searches only the transfers in the amount band
    and time range any of its first hops can reach, further cut to those joining two accounts of
    one strongly connected component *of that subset*. Each part is a small sparse graph where
    few loops survive, which is what makes the search fast; the loops found are exactly the same.
    First hops of amount zero search the zero transfers; those with a negative or non-finite
    amount (whose band is not an interval of positive amounts) search all transfers.
    """
    tol, w = p.cycle_amount_tolerance, int(p.cycle_window_s)
    n_acc = edges.n_accounts
    alive = np.flatnonzero(edges.alive)
    a = edges.amount(alive)
    regular = np.isfinite(a) & (a > 0)
    zero = a == 0
    if zero.any():  # a zero first hop only continues over zero transfers
        z = alive[zero]
        z = z[_same_component(edges.src(z), edges.dst(z), n_acc)]
        if len(z):
            yield edges.subset(z), np.arange(len(z))
    odd = ~regular & ~zero
    if odd.any():  # negative, NaN or infinite: rare, searched as they are over all transfers
        yield edges, alive[odd]
    del zero, odd
    rows, a = alive[regular], a[regular]
    del alive, regular
    if len(rows) == 0:
        return
    order = np.argsort(a, kind="stable")
    rows, a = rows[order], a[order]
    del order
    t = edges.t(rows)
    src, dst = edges.src(rows), edges.dst(rows)
    bucket = np.floor(np.log(a) / np.log(_BUCKET_RATIO)).astype(np.int64)
    bounds = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1], True])
    del bucket
    slice_s = max(int(_SLICE_W * w), 1)
    for g0, g1 in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        # Every amount within the band of any first hop of the bucket (with room for rounding).
        b0 = int(np.searchsorted(a, a[g0] * (1.0 - tol) * (1.0 - 1e-9), side="left"))
        b1 = int(np.searchsorted(a, a[g1 - 1] * (1.0 + tol) * (1.0 + 1e-9), side="right"))
        band, band_t, band_s, band_d = rows[b0:b1], t[b0:b1], src[b0:b1], dst[b0:b1]
        on = _same_component(band_s, band_d, n_acc)  # all times first: cheap, and cuts most
        band, band_t, band_s, band_d = band[on], band_t[on], band_s[on], band_d[on]
        starts, start_t = rows[g0:g1], t[g0:g1]
        t_min = int(start_t.min())
        sl = (start_t - t_min) // slice_s
        for s in np.unique(sl).tolist():
            lo_t = t_min + s * slice_s
            in_sub = (band_t >= lo_t) & (band_t <= lo_t + slice_s - 1 + w)
            on = _same_component(band_s[in_sub], band_d[in_sub], n_acc)
            sub_rows = np.sort(band[in_sub][on])
            if len(sub_rows) == 0:
                continue
            st = np.sort(starts[sl == s])
            pos = np.searchsorted(sub_rows, st)
            hit = pos < len(sub_rows)
            hit[hit] = sub_rows[pos[hit]] == st[hit]
            if hit.any():
                yield edges.subset(sub_rows), pos[hit]


def _search(edges: _Edges, starts: np.ndarray, p: TypologyParams) -> dict[int, np.ndarray]:
    """All valid transfer sequences whose first (earliest) hop is one of ``starts``.

    Returns
    -------
    dict of int -> ndarray
        Cycle length -> array ``(K, length)`` of edge ids (out-rows) in hop order.
    """
    L, w = p.cycle_max_length, p.cycle_window_s
    n = len(starts)
    result: dict[int, list[np.ndarray]] = {}
    if n == 0:
        return {}
    # State of a partial loop: forward end (fnode, ftime), backward end (bnode, btime); the loop
    # is s -> ... -> fnode ~~> bnode -> ... -> s with the gap fnode ~~> bnode still open.
    t1 = edges.t(starts)
    st = {
        "fnode": edges.dst(starts).astype(np.int64),
        "ftime": t1,
        "bnode": edges.src(starts).astype(np.int64),
        "btime": t1 + w,
        "nf": np.ones(n, dtype=np.int8),
        "nb": np.zeros(n, dtype=np.int8),
        "a1": edges.amount(starts),  # the band is |a - a1| <= tol * a1, evaluated as written
    }
    E = np.full((n, L), -1, dtype=edges.in_to_out.dtype)  # forward edges 0..nf-1, backward L-nb..L-1
    E[:, 0] = starts
    V = np.full((n, L), -1, dtype=edges._src.dtype)  # s at 0, forward nodes 1..nf, backward L-nb..
    V[:, 0] = st["bnode"]
    V[:, 1] = st["fnode"]
    _grow(edges, st, E, V, 1, p, result)
    return {h: np.concatenate(v) for h, v in result.items()}


def _grow(edges: _Edges, st: dict, E: np.ndarray, V: np.ndarray, hops: int, p: TypologyParams, result: dict) -> None:
    """Extend every state by one hop, record the loops that close, recurse on the rest.

    The next round's states are processed in slices of at most ``_STATE_BUDGET``, depth first,
    so memory stays bounded even where partial loops multiply (dense clusters of equal amounts).
    """
    L, tol = p.cycle_max_length, p.cycle_amount_tolerance
    stride = edges.stride
    f_lo, f_hi = range_search(edges.out_key, st["fnode"] * stride, st["ftime"], st["btime"])
    b_lo, b_hi = range_search(edges.in_key, st["bnode"] * stride, st["ftime"], st["btime"])
    cf, cb = f_hi - f_lo, b_hi - b_lo
    alive = (cf > 0) & (cb > 0)
    new_states: list[tuple[bool, np.ndarray, np.ndarray, np.ndarray]] = []
    for forward, sel in ((True, np.flatnonzero(alive & (cf <= cb))), (False, np.flatnonzero(alive & (cf > cb)))):
        if len(sel) == 0:
            continue
        lo, hi = (f_lo[sel], f_hi[sel]) if forward else (b_lo[sel], b_hi[sel])
        for a, b in chunks_by_weight(hi - lo, _EXPAND_BUDGET):
            rep, pos = expand_ranges(lo[a:b], hi[a:b])
            if forward:
                ok = None if edges.alive is None else edges.alive[pos]
                x = pos if ok is None else pos[ok]
            else:
                ok = None if edges.in_alive is None else edges.in_alive[pos]
                x = edges.in_to_out[pos if ok is None else pos[ok]].astype(np.int64)
            rows = sel[a:b][rep if ok is None else rep[ok]]
            del rep, pos, ok
            a1 = st["a1"][rows]
            ok = np.abs(edges.amount(x) - a1) <= tol * a1
            rows, x = rows[ok], x[ok]
            y = (edges.dst(x) if forward else edges.src(x)).astype(np.int64)
            meet = y == (st["bnode"][rows] if forward else st["fnode"][rows])
            if meet.any():
                r = rows[meet]
                result.setdefault(hops + 1, []).append(_close(E[r], x[meet], st["nf"][r], st["nb"][r], L))
            if hops + 1 < L:
                go = ~meet
                rows, x, y = rows[go], x[go], y[go]
                fresh = ~(V[rows] == y[:, None]).any(axis=1)
                left = L - hops - 1  # hops the new state may still add; the gap must close within them
                if left <= 2:
                    fresh &= edges.linked(y, st["bnode"][rows], left) if forward else edges.linked(st["fnode"][rows], y, left)
                new_states.append((forward, rows[fresh], x[fresh], y[fresh]))
    del f_lo, f_hi, b_lo, b_hi, cf, cb, alive
    if hops + 1 >= L:
        return
    total = sum(len(ns[1]) for ns in new_states)
    for lo in range(0, total, _STATE_BUDGET):
        part = _slice_states(new_states, lo, lo + _STATE_BUDGET)
        if any(len(ns[1]) for ns in part):
            st2, E2, V2 = _advance(st, E, V, part, edges, L)
            _grow(edges, st2, E2, V2, hops + 1, p, result)


def _slice_states(new_states: list, lo: int, hi: int) -> list:
    """Entries ``lo..hi-1`` of the concatenation of the extension lists."""
    out, base = [], 0
    for forward, rows, x, y in new_states:
        a, b = max(lo - base, 0), min(hi - base, len(rows))
        if a < b:
            out.append((forward, rows[a:b], x[a:b], y[a:b]))
        base += len(rows)
    return out


def _close(E: np.ndarray, x: np.ndarray, nf: np.ndarray, nb: np.ndarray, L: int) -> np.ndarray:
    """Edge sequences of closed loops: forward edges, the closing edge ``x``, backward edges."""
    h = int(nf[0]) + int(nb[0]) + 1
    j = np.arange(h)[None, :]
    nf_, nb_ = nf.astype(np.int64)[:, None], nb.astype(np.int64)[:, None]
    col = np.where(j < nf_, j, L - nb_ + (j - nf_ - 1))
    seq = np.take_along_axis(E, np.clip(col, 0, L - 1), axis=1).astype(np.int64)
    seq[j.repeat(len(x), 0) == nf_] = x
    return seq


def _advance(st: dict, E: np.ndarray, V: np.ndarray, new_states: list, edges: _Edges, L: int) -> tuple[dict, np.ndarray, np.ndarray]:
    """The states of the next round from the surviving extensions."""
    parts: list[tuple[dict, np.ndarray, np.ndarray]] = []
    for forward, rows, x, y in new_states:
        if len(rows) == 0:
            continue
        s = {k: v[rows] for k, v in st.items()}
        e_, v_ = E[rows], V[rows]
        r = np.arange(len(rows))
        if forward:
            e_[r, s["nf"]] = x
            v_[r, s["nf"].astype(np.int64) + 1] = y
            s["fnode"], s["ftime"] = y, edges.t(x)
            s["nf"] = s["nf"] + 1
        else:
            col = L - 1 - s["nb"].astype(np.int64)
            e_[r, col] = x
            v_[r, col] = y
            s["bnode"], s["btime"] = y, edges.t(x)
            s["nb"] = s["nb"] + 1
        parts.append((s, e_, v_))
    if not parts:
        return {k: v[:0] for k, v in st.items()}, E[:0], V[:0]
    merged = {k: np.concatenate([pt[0][k] for pt in parts]) for k in st}
    return merged, np.concatenate([pt[1] for pt in parts]), np.concatenate([pt[2] for pt in parts])


def _row_groups(a: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """Distinct rows of the 2-d ``a``, as ``np.unique(a, axis=0, return_inverse=True,
    return_index=True)`` numbers them (ascending rows): their count, every row's group and the
    first row of every group."""
    if len(a) == 0:
        return 0, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    order = np.lexsort(a.T[::-1])
    sa = a[order]
    new = np.r_[True, (sa[1:] != sa[:-1]).any(axis=1)]
    del sa
    inv = np.empty(len(a), dtype=np.int64)
    inv[order] = np.cumsum(new) - 1
    return int(np.count_nonzero(new)), inv, order[new]


def _by_cycle(edges: _Edges, seqs: np.ndarray, budget: int | None = None) -> Iterator[np.ndarray]:
    """``seqs`` (all of one length) in parts of about ``budget`` sequences, every cycle whole in one
    part (its sequences share the cycle's smallest account), for :func:`_cycle_findings`, whose
    dozen ``(K, h)`` temporaries were the detector's peak at 0.6M transfers (K = 112k)."""
    budget = budget or _FINDINGS_BATCH
    if len(seqs) <= budget:
        yield seqs
        return
    low = edges.src(seqs).min(axis=1)
    order = np.argsort(low, kind="stable")
    low = low[order]
    bounds = np.flatnonzero(np.r_[True, low[1:] != low[:-1], True])
    del low
    for a, b in chunks_by_weight(np.diff(bounds), budget):
        yield seqs[order[bounds[a] : bounds[b]]]


def _cycle_findings(view: FlowView, edges: _Edges, seqs: np.ndarray, p: TypologyParams) -> list[Finding]:
    """One finding per distinct cycle among the valid sequences ``seqs`` (all of one length)."""
    K, h = seqs.shape
    nodes = edges.src(seqs).astype(np.int64)
    rot = np.argmin(nodes, axis=1)
    idx = (rot[:, None] + np.arange(h)[None, :]) % h
    canon = np.take_along_axis(nodes, idx, axis=1)
    amounts = edges.amount(seqs)
    times = edges.t(seqs)
    span = times[:, -1] - times[:, 0]
    dev = np.abs(amounts - amounts[:, :1]).max(axis=1) / amounts[:, 0]
    shrinking = np.all(amounts[:, 1:] <= amounts[:, :-1], axis=1) if h > 1 else np.ones(K, bool)
    shape_score = cycle_score(span, dev, shrinking, p.cycle_window_s, p.cycle_amount_tolerance)
    # Amounts and volume: every hop should carry the previous hop's money less a fee, and the
    # loop should move far more than its members usually do in that time.
    if h > 1:
        with np.errstate(divide="ignore", invalid="ignore"):
            hop_ratio = amounts[:, 1:] / amounts[:, :-1]
        fee_match = episode_match(hop_ratio, p.episode_fee, p.episode_tolerance).mean(axis=1)
    else:
        fee_match = np.ones(K)
    win = int(p.cycle_window_s)
    usual = view.usual_per_window(nodes.reshape(-1), amounts.reshape(-1), win).reshape(K, h)
    burst = episode_burst(amounts, usual).mean(axis=1)
    score = shape_score * (0.1 + 0.9 * fee_match) * (0.25 + 0.75 * burst)
    n_cycles, inv, _ = _row_groups(canon)
    # Distinct transfer sets per cycle (ties in time can enumerate one set from two first hops).
    _, _, set_first = _row_groups(np.sort(seqs, axis=1))
    instances = np.bincount(inv[set_first], minlength=n_cycles)
    # Strongest sequence per cycle: highest score, then earliest, then smallest movement rows,
    # over all sequences, so the choice does not depend on the order they were found in.
    mov_seq = edges.mov(seqs)
    keys = [mov_seq[:, j] for j in range(h - 1, -1, -1)] + [times[:, 0], -score, inv]
    order = np.lexsort(keys)
    inv_o = inv[order]
    pick = order[np.r_[True, inv_o[1:] != inv_o[:-1]]]
    a_first, a_last = amounts[pick, 0].astype(np.float64), amounts[pick, -1].astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        shrink = np.where(a_first > 0, 1.0 - a_last / a_first, 0.0)
    details = detail_rows(len(pick), {
        "length": h,
        "span_s": span[pick].astype(np.int64),
        "window_s": int(p.cycle_window_s),
        "first_amount": a_first,
        "last_amount": a_last,
        "shrink": shrink,
        "max_deviation": dev[pick].astype(np.float64),
        "shrinking": shrinking[pick].astype(bool),
        "instances": instances[inv[pick]].astype(np.int64),
        "fee_match": fee_match[pick].astype(np.float64),
        "burst": burst[pick].astype(np.float64),
    })
    out: list[Finding] = []
    for i, q in enumerate(pick.tolist()):
        c = canon[q]
        seq = seqs[q]
        out.append(
            Finding(
                rule="cycle",
                account=int(c[0]),
                movements=tuple(int(m) for m in edges.mov(seq)),
                value=float(h),
                threshold=float(p.cycle_max_length),
                accounts=tuple(int(a) for a in c[1:]),
                window=(view.t0 + int(times[q, 0]), view.t0 + int(times[q, -1])),
                score=float(score[q]),
                details=details[i],
            )
        )
    return out
