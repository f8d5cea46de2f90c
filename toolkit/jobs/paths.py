"""The laundering-path job: enumerate candidate paths in Neo4j, measure them, rank them, write
them back as one detection run.

Why this split: the path *search* runs where the graph is (``cypher/paths/enumerate.cypher``, one
query, pruned hop by hop), while the *measurements* (R2 from the random walk's transition matrix,
the launderer's utility U, the ranking) are the in-process mathematics of :mod:`toolkit.paths`,
fed by one bulk read of the network. The job glues the two and writes the results where
investigators look: ``(:LaunderingPath)`` nodes linked to their accounts in order, and a
``laundering_path`` flag on every account of an optimal path, so ``aml explain`` lists it.

Measures of a path ``S0 -> ... -> S_{N+1}`` (spec §4)
----------------------------------------------------
- ``r1``: the number of transfers.
- ``r2``: the probability that the random walk of :func:`toolkit.paths.transition_matrix` takes
  exactly this path (the product of its transition probabilities); ``r2_distance = -log r2``.
- the pair's reach: first-passage probabilities ``f_1..f_L`` of the walk from S0 to S_{N+1}
  (:func:`toolkit.paths.first_passage_many`), their sum, the most likely and the expected number
  of transfers given arrival, and ``-log reach``.
- ``utility``: U(Q) of :func:`toolkit.paths.path_utility` with the ``[utility]`` model; the paths
  of each (S0, S_{N+1}) pair are ranked by it (1 = best) and the rank-1 path is ``optimal``.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from toolkit.config import Settings
from toolkit.db import Database
from toolkit.errors import ConfigError, NotFound, ToolkitError
from toolkit.findings import Finding
from toolkit.frames import TRANSFER, Network
from toolkit.network import read_network
from toolkit.paths import (
    EnumerationStats,
    MonteCarloEstimate,
    ReachSummary,
    UtilityModel,
    first_passage,
    first_passage_many,
    monte_carlo_reach,
    path_utility,
    rank_paths,
    reach_summary,
    transition_matrix_from_network,
)
from toolkit.paths.endpoints import EndpointSelection, select_endpoints
from toolkit.runs import detection_run
from toolkit.writeback import write_findings

__all__ = [
    "MAX_HOPS_LIMIT",
    "METHODS",
    "PathParams",
    "TooManyPaths",
    "FoundPath",
    "Enumeration",
    "MeasuredPath",
    "PathJobResult",
    "ReachReport",
    "path_params",
    "describe",
    "enumerate_paths_db",
    "hops_to_targets",
    "measure_paths",
    "path_findings",
    "run_paths",
    "read_paths",
    "flagged_accounts",
    "reach",
]

#: Largest ``max_hops`` of ``paths/enumerate`` (one block per hop in the query text).
MAX_HOPS_LIMIT = 8

#: Enumeration queries: ``levels`` (the default, pruned hop by hop), and the two it was measured
#: against (docs/paths.md): a quantified path pattern (``max_hops <= 6``) and the APOC expander.
METHODS = {"levels": "paths/enumerate", "qpp": "paths/enumerate_qpp", "apoc": "paths/enumerate_apoc"}
_QPP_MAX_HOPS = 6

#: Cypher list slices take 32-bit integers: the "no limit" of the enumeration's $limit.
_INT32_MAX = 2**31 - 1

#: Detector name of the runs this job writes, and of the runs whose flags it can start from.
DETECTOR = "paths"
AMOUNTS_DETECTOR = "amounts"

#: Rule id of the flags on the accounts of optimal paths.
RULE = "laundering_path"

_KEYS = (
    "max_hops", "window_days", "min_carry", "fanout_cap", "weighting", "top", "walks",
    "max_paths", "method",
    "source_ids", "source_classes", "source_behaviour", "source_flagged",
    "target_ids", "target_classes", "target_behaviour", "target_flagged",
)


class TooManyPaths(ToolkitError):
    """The search found more candidate paths than ``max_paths`` allows."""


@dataclass(frozen=True)
class PathParams:
    """Parameters of a path run (``[paths]`` of ``aml.toml``, then command-line options).

    Attributes
    ----------
    max_hops : int
        L, the most transfers on a path (1..:data:`MAX_HOPS_LIMIT`), default 6.
    window_days : float or None
        Largest gap between consecutive transfers, in days (default 30); None: no bound.
    min_carry : float
        Each transfer carries at least this share of the previous one's amount (default 0.5).
    fanout_cap : int or None
        Hub bound: only an account's K largest out-transfers are followed (default 20); None
        (``0`` in the file or on the command line) follows all.
    weighting : {"uniform", "amount"}
        Transition probabilities of the walk behind R2 (default ``uniform``, the paper's).
    sources, targets : EndpointSelection
        Candidate S0 and S_{N+1} (default: by placement / integration behaviour).
    max_paths : int
        A search that finds more paths stops with :class:`TooManyPaths` (default 100,000), so
        a too-wide selection fails fast instead of writing millions of nodes.
    method : {"levels", "qpp", "apoc"}
        Enumeration query (:data:`METHODS`); all give the same paths.
    top : int
        Paths the command line shows (default 20); not a parameter of the run.
    walks : int
        Random walks of the Monte-Carlo check of ``aml paths reach`` (default 100,000).
    utility : UtilityModel
        f1 / f2 of the utility, from ``[utility]``.
    """

    max_hops: int = 6
    window_days: float | None = 30.0
    min_carry: float = 0.5
    fanout_cap: int | None = 20
    weighting: str = "uniform"
    sources: EndpointSelection = field(default_factory=EndpointSelection)
    targets: EndpointSelection = field(default_factory=EndpointSelection)
    max_paths: int = 100_000
    method: str = "levels"
    top: int = 20
    walks: int = 100_000
    utility: UtilityModel = field(default_factory=UtilityModel)

    def __post_init__(self) -> None:
        if isinstance(self.max_hops, bool) or not isinstance(self.max_hops, int) or not (
            1 <= self.max_hops <= MAX_HOPS_LIMIT
        ):
            raise ConfigError(f"[paths] max_hops = {self.max_hops!r}: expected 1..{MAX_HOPS_LIMIT}")
        if self.window_days is not None and not _nonneg(self.window_days):
            raise ConfigError(f"[paths] window_days = {self.window_days!r}: expected a number >= 0")
        if not _nonneg(self.min_carry):
            raise ConfigError(f"[paths] min_carry = {self.min_carry!r}: expected a number >= 0")
        if self.fanout_cap is not None and (
            isinstance(self.fanout_cap, bool) or not isinstance(self.fanout_cap, int) or self.fanout_cap < 1
        ):
            raise ConfigError(f"[paths] fanout_cap = {self.fanout_cap!r}: expected an integer >= 1")
        if self.weighting not in ("uniform", "amount"):
            raise ConfigError(f"[paths] weighting = {self.weighting!r}: expected 'uniform' or 'amount'")
        if self.method not in METHODS:
            raise ConfigError(f"[paths] method = {self.method!r}: expected one of {', '.join(METHODS)}")
        if self.method == "qpp" and self.max_hops > _QPP_MAX_HOPS:
            raise ConfigError(f"[paths] method = 'qpp' supports max_hops <= {_QPP_MAX_HOPS}")
        for name in ("max_paths", "top", "walks"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ConfigError(f"[paths] {name} = {v!r}: expected an integer >= 1")


def _nonneg(v: object) -> bool:
    return not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v) and v >= 0


def path_params(
    settings: Settings,
    *,
    sources: Sequence[str] | None = None,
    targets: Sequence[str] | None = None,
    max_hops: int | None = None,
    window_days: float | None = None,
    min_carry: float | None = None,
    fanout_cap: int | None = None,
    weighting: str | None = None,
    top: int | None = None,
    walks: int | None = None,
    max_paths: int | None = None,
    method: str | None = None,
) -> PathParams:
    """Parameters from ``[paths]`` and ``[utility]``, with command-line overrides (None = keep).

    ``sources`` / ``targets`` given here are explicit account ids and replace the configured
    selection of that role. ``fanout_cap = 0`` means no hub bound.

    Raises
    ------
    toolkit.errors.ConfigError
        Unknown ``[paths]`` keys (all listed), values of the wrong type or out of range.
    """
    conf = settings.section("paths")
    unknown = sorted(set(conf) - set(_KEYS))
    if unknown:
        raise ConfigError(f"[paths] unknown key(s): {', '.join(unknown)}; known: {', '.join(_KEYS)}")
    given = {k: conf[k] for k in _KEYS if k in conf and not k.startswith(("source_", "target_"))}
    for key, value in (
        ("max_hops", max_hops), ("window_days", window_days), ("min_carry", min_carry),
        ("fanout_cap", fanout_cap), ("weighting", weighting), ("top", top), ("walks", walks),
        ("max_paths", max_paths), ("method", method),
    ):
        if value is not None:
            given[key] = value
    if "fanout_cap" in given and given["fanout_cap"] in (0, False):
        given["fanout_cap"] = None
    if isinstance(given.get("window_days"), int) and not isinstance(given["window_days"], bool):
        given["window_days"] = float(given["window_days"])
    src = EndpointSelection(ids=tuple(sources)) if sources else EndpointSelection.from_config(conf, "source")
    tgt = EndpointSelection(ids=tuple(targets)) if targets else EndpointSelection.from_config(conf, "target")
    return PathParams(
        sources=src, targets=tgt, utility=UtilityModel.from_dict(settings.section("utility")), **given
    )


def describe(params: PathParams) -> dict[str, Any]:
    """The parameters that decide a run's results, as plain data (stored on the run; also the key
    that makes a re-run with the same parameters replace the earlier results)."""
    u = params.utility
    return {
        "max_hops": params.max_hops,
        "window_days": params.window_days,
        "min_carry": params.min_carry,
        "fanout_cap": params.fanout_cap,
        "weighting": params.weighting,
        "sources": params.sources.describe(),
        "targets": params.targets.describe(),
        "utility": {"benefit": u.benefit, "fee_rate": u.fee_rate, "hop_risk": dict(sorted(u.hop_risk.items()))},
    }


# --------------------------------------------------------------------------- enumeration


@dataclass(frozen=True)
class FoundPath:
    """One candidate path as the enumeration query returns it (ids, in path order).

    ``accounts`` has ``r1 + 1`` ids, ``transfers``, ``amounts`` and ``ts`` (epoch seconds) ``r1``.
    """

    source: str
    target: str
    accounts: tuple[str, ...]
    transfers: tuple[str, ...]
    amounts: tuple[float, ...]
    ts: tuple[int, ...]

    @property
    def r1(self) -> int:
        """R1: the number of transfers."""
        return len(self.transfers)

    def sort_key(self) -> tuple[str, str, tuple[str, ...]]:
        """The order of :func:`toolkit.paths.enumerate_paths`: source, target, transfer ids."""
        return (self.source, self.target, self.transfers)


@dataclass(frozen=True)
class Enumeration:
    """Paths found by :func:`enumerate_paths_db`, in oracle order, with what the hub bound cut."""

    paths: list[FoundPath]
    stats: EnumerationStats
    method: str
    seconds: float


def enumerate_paths_db(
    db: Database,
    sources: Iterable[str],
    targets: Iterable[str],
    *,
    max_hops: int = 6,
    window_days: float | None = 30.0,
    min_carry: float = 0.5,
    fanout_cap: int | None = 20,
    max_paths: int | None = None,
    method: str = "levels",
    pairs: Iterable[tuple[str, str]] | None = None,
    net: Network | None = None,
) -> Enumeration:
    """Candidate laundering paths from ``sources`` to ``targets``, enumerated in Neo4j.

    The rules are those of :func:`toolkit.paths.enumerate_paths` (which the tests hold this to):
    simple paths of 1..``max_hops`` transfers, each no earlier than the previous one and within
    ``window_days`` of it, each carrying at least ``min_carry`` of the previous amount, following
    only each account's ``fanout_cap`` largest out-transfers.

    Parameters
    ----------
    db : Database
    sources, targets : iterable of str
        Account ids (unknown ids simply start or end no path; the job checks them first).
    max_hops, window_days, min_carry, fanout_cap
        As in :class:`PathParams`.
    max_paths : int, optional
        Raise :class:`TooManyPaths` when more paths than this are found.
    method : {"levels", "qpp", "apoc"}
        Which query of :data:`METHODS` enumerates.
    pairs : iterable of (source id, target id), optional
        Only paths of these pairs (``sources`` and ``targets`` are then ignored): each source's
        paths may end only at its own targets.
    net : Network, optional
        The network, when the caller has it: the search is then pruned by each account's
        distance to the nearest target (:func:`hops_to_targets`, method ``levels`` only), which
        drops no path but saves expanding accounts that cannot reach a target in the hops left.

    Returns
    -------
    Enumeration
        ``paths`` sorted by (source, target, transfer ids); ``stats`` counts the accounts whose
        out-transfers the cap bounded and the transfers it cut, over the whole network.

    Raises
    ------
    TooManyPaths
        More than ``max_paths`` paths.
    toolkit.errors.QueryError
        The query failed (e.g. APOC missing for ``method="apoc"``).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if not 1 <= int(max_hops) <= (MAX_HOPS_LIMIT if method != "qpp" else _QPP_MAX_HOPS):
        raise ValueError(f"max_hops = {max_hops} is out of range for method {method!r}")
    wanted: set[tuple[str, str]] | None = None
    pair_targets: dict[str, list[str]] | None = None
    if pairs is not None:
        wanted = {(str(s), str(t)) for s, t in pairs}
        sources = sorted({s for s, _ in wanted})
        targets = sorted({t for _, t in wanted})
        pair_targets = {}
        for s, t in sorted(wanted):
            pair_targets.setdefault(s, []).append(t)
    src = sorted({str(s) for s in sources})
    tgt = sorted({str(t) for t in targets})
    t0 = time.perf_counter()
    rows: list[dict[str, Any]] = []
    if src and tgt:
        limit = min(int(max_paths) + 1, _INT32_MAX) if max_paths is not None else _INT32_MAX
        if wanted is not None and method != "levels":
            limit = _INT32_MAX  # these queries find every source-target combination: filter first
        params: dict[str, Any] = dict(
            sources=src, targets=tgt, max_hops=int(max_hops),
            window_days=None if window_days is None else float(window_days),
            min_carry=float(min_carry), fanout_cap=None if fanout_cap is None else int(fanout_cap),
            limit=limit,
        )
        if method == "levels":
            near = None
            index = net.accounts.index() if net is not None else {}
            if net is not None and all(t in index for t in tgt):  # else net is not this graph's
                near = hops_to_targets(net, [index[t] for t in tgt], int(max_hops) - 1)
            params.update(pair_targets=pair_targets, near=near)
        rows = db.run(METHODS[method], **params)
    found = [
        FoundPath(r["source"], r["target"], tuple(r["accounts"]), tuple(r["transfers"]),
                  tuple(float(a) for a in r["amounts"]), tuple(int(t) for t in r["ts"]))
        for r in rows
    ]
    if wanted is not None:
        found = [p for p in found if (p.source, p.target) in wanted]
    if max_paths is not None and len(found) > max_paths:
        raise TooManyPaths(
            f"more than {max_paths:,} candidate paths from {len(src):,} source(s) to {len(tgt):,} "
            "target(s): narrow the endpoints (--source/--target, [paths] source_classes, "
            "source_flagged), lower --max-hops or raise [paths] max_paths"
        )
    found.sort(key=FoundPath.sort_key)
    seconds = time.perf_counter() - t0
    cut = db.run_one("paths/fanout_cut", fanout_cap=None if fanout_cap is None else int(fanout_cap)) or {}
    stats = EnumerationStats(int(cut.get("accounts_capped") or 0), int(cut.get("transfers_cut") or 0), len(found))
    return Enumeration(found, stats, method, seconds)


def hops_to_targets(net: Network, targets: Iterable[int], max_dist: int) -> dict[str, int]:
    """Fewest transfers from each account to any of ``targets``, for accounts within ``max_dist``.

    Over every account-to-account transfer, ignoring time, amounts and the hub bound, so it is a
    lower bound on the hops any candidate path still needs: the enumeration uses it to stop
    extending paths that cannot reach a target in the hops left. Targets map to 0.

    Examples
    --------
    >>> net = Network.from_rows([{"id": i} for i in "ABCD"], [
    ...     {"id": "t1", "from": "A", "to": "B", "amount": 1.0},
    ...     {"id": "t2", "from": "B", "to": "C", "amount": 1.0}])
    >>> hops_to_targets(net, [2], 5)
    {'A': 2, 'B': 1, 'C': 0}
    """
    import scipy.sparse as sp

    n = len(net.accounts)
    mov = net.movements
    keep = (mov.kind == TRANSFER) & (mov.src >= 0) & (mov.dst >= 0) & (mov.src != mov.dst)
    src, dst = mov.src[keep].astype(np.int64), mov.dst[keep].astype(np.int64)
    into = sp.csr_matrix((np.ones(src.size, dtype=np.float32), (src, dst)), shape=(n, n))
    dist = np.full(n, -1, dtype=np.int64)
    frontier = np.zeros(n, dtype=bool)
    t = np.unique(np.asarray(list(targets), dtype=np.int64))
    dist[t] = 0
    frontier[t] = True
    for d in range(1, int(max_dist) + 1):
        if not frontier.any():
            break
        reached = (into @ frontier.astype(np.float32)) > 0  # accounts paying into the frontier
        new = reached & (dist < 0)
        dist[new] = d
        frontier = new
    rows = np.flatnonzero(dist >= 0)
    ids = net.accounts.ids
    return {str(ids[r]): int(dist[r]) for r in rows}


# --------------------------------------------------------------------------- measures


@dataclass(frozen=True)
class MeasuredPath:
    """A candidate path with its measures (module docstring).

    ``pair`` summarises the walk's first passage from ``source`` to ``target`` (shared by every
    path of the pair). ``r2_distance`` is ``inf`` when ``r2`` is 0.
    """

    source: str
    target: str
    accounts: tuple[str, ...]
    transfers: tuple[str, ...]
    amounts: tuple[float, ...]
    ts: tuple[int, ...]
    r1: int
    r2: float
    r2_distance: float
    utility: float
    rank: int
    optimal: bool
    pair: ReachSummary

    @property
    def key(self) -> str:
        """A stable id of the path: a hash of its transfer ids (the same in every run)."""
        return hashlib.sha256("\x1f".join(self.transfers).encode()).hexdigest()[:16]

    def as_dict(self) -> dict[str, Any]:
        """The ``aml paths --json`` object: exactly source, target, accounts, transfers, r1, r2,
        r2_distance (null when infinite), utility, rank, optimal."""
        return {
            "source": self.source,
            "target": self.target,
            "accounts": list(self.accounts),
            "transfers": list(self.transfers),
            "r1": self.r1,
            "r2": self.r2,
            "r2_distance": _finite(self.r2_distance),
            "utility": self.utility,
            "rank": self.rank,
            "optimal": self.optimal,
        }


def measure_paths(
    net: Network,
    found: Sequence[FoundPath],
    *,
    weighting: str = "uniform",
    model: UtilityModel | None = None,
    max_hops: int = 6,
    P: Any = None,
    r2_method: str = "backward",
) -> list[MeasuredPath]:
    """R1, R2, the pair's reach, U and the per-pair rank of each path, in the order given.

    Parameters
    ----------
    net : Network
        The network the paths run over (account classes and the walk's transitions come from it).
    found : sequence of FoundPath
        In the order of :class:`Enumeration` (ties in utility keep it, so ranks are stable).
    weighting : {"uniform", "amount"}
        Transition matrix of the walk.
    model : UtilityModel, optional
        Default: :class:`UtilityModel` defaults.
    max_hops : int
        L of the first-passage vectors of each pair.
    P : sparse matrix, optional
        A transition matrix already built from ``net`` with ``weighting`` (saves rebuilding it).
    r2_method : {"backward", "meet", "auto"}
        ``method`` of :func:`toolkit.paths.first_passage_many` for the pairs' reach. Default
        ``backward``: the pairs here always have a path, so they sit in the dense part of the
        network, where the dense backward pass beat meet-in-the-middle on the benchmark graph
        (1,000 connected pairs, 640 targets, L = 6: 4.9-6.9 s against 7.7-10.3 s for "meet" and
        7.9-13.1 s for "auto", on 2 busy cores; docs/paths.md).

    Raises
    ------
    toolkit.errors.NotFound
        A path names an account that ``net`` does not have.
    """
    model = model or UtilityModel()
    if not found:
        return []
    if P is None:
        P = transition_matrix_from_network(net, weighting)  # type: ignore[arg-type]
    index = net.accounts.index()
    try:
        rows = [[index[a] for a in p.accounts] for p in found]
    except KeyError as exc:
        raise NotFound(f"path account {exc.args[0]!r} is not in the network read") from None

    # R2 per path: all hops at once (one fancy-indexing call), then a product per path.
    u = np.fromiter((r[i] for r in rows for i in range(len(r) - 1)), dtype=np.int64)
    v = np.fromiter((r[i + 1] for r in rows for i in range(len(r) - 1)), dtype=np.int64)
    step_p = np.asarray(P[u, v]).ravel() if u.size else np.empty(0)
    hops = np.array([len(r) - 1 for r in rows], dtype=np.int64)
    starts = np.r_[0, np.cumsum(hops)[:-1]]
    r2 = np.multiply.reduceat(step_p, starts) if step_p.size else np.ones(len(rows))

    # Reach of every (S0, S_{N+1}) pair that has a path.
    pair_keys = sorted({(r[0], r[-1]) for r in rows})
    F = first_passage_many(P, np.array(pair_keys, dtype=np.int64), max_hops, method=r2_method)  # type: ignore[arg-type]
    summaries = {k: reach_summary(F[i]) for i, k in enumerate(pair_keys)}

    cls = net.accounts.cls
    utility = np.array(
        [path_utility(model, p.amounts, [str(cls[a]) for a in r[1:]]) for p, r in zip(found, rows)]
    )
    ranks = np.zeros(len(found), dtype=np.int64)
    groups: dict[tuple[int, int], list[int]] = {}
    for i, r in enumerate(rows):
        groups.setdefault((r[0], r[-1]), []).append(i)
    for members in groups.values():
        ranks[members] = rank_paths(utility[members])

    out = []
    for i, (p, r) in enumerate(zip(found, rows)):
        prob = float(r2[i])
        out.append(
            MeasuredPath(
                source=p.source, target=p.target, accounts=p.accounts, transfers=p.transfers,
                amounts=p.amounts, ts=p.ts, r1=p.r1, r2=prob,
                r2_distance=-math.log(prob) if prob > 0 else math.inf,
                utility=float(utility[i]), rank=int(ranks[i]), optimal=bool(ranks[i] == 1),
                pair=summaries[(r[0], r[-1])],
            )
        )
    return out


def path_findings(net: Network, paths: Iterable[MeasuredPath], path_ids: Sequence[str] | None = None) -> list[Finding]:
    """A ``laundering_path`` finding for every account of every optimal path.

    Value = the path's utility, threshold = 0 (not laundering), movements = its transfers,
    accounts = the path's other accounts, window = first and last transfer time. ``details``
    carries the path id (when given), its position on the path and R1, R2, reach.
    """
    acc = net.accounts.index()
    mov = {str(m): i for i, m in enumerate(net.movements.ids)}
    out: list[Finding] = []
    paths = list(paths)
    for n, p in enumerate(paths):
        if not p.optimal:
            continue
        rows = [acc[a] for a in p.accounts]
        movements = tuple(mov[t] for t in p.transfers)
        for pos, a in enumerate(rows):
            details = {
                "path": path_ids[n] if path_ids is not None else p.key,
                "position": pos, "source": p.source, "target": p.target, "r1": p.r1,
                "r2": p.r2, "r2_distance": _finite(p.r2_distance), "pair_reach": p.pair.reach,
            }
            out.append(
                Finding(
                    rule=RULE, account=a, movements=movements, value=p.utility, threshold=0.0,
                    accounts=tuple(x for x in dict.fromkeys(rows) if x != a),
                    window=(min(p.ts), max(p.ts)), score=1.0, details=details,
                )
            )
    return out


# --------------------------------------------------------------------------- the job


@dataclass(frozen=True)
class PathJobResult:
    """What :func:`run_paths` found and wrote.

    ``paths`` are all measured paths, best first: utility descending, then source, target and
    transfer ids. ``sources`` / ``targets`` count the candidate endpoints searched.
    """

    run_id: str
    paths: list[MeasuredPath]
    sources: int
    targets: int
    stats: EnumerationStats
    paths_written: int
    flags_written: int
    seconds: dict[str, float]

    def top(self, k: int) -> list[MeasuredPath]:
        return self.paths[: max(0, int(k))]


def run_paths(
    db: Database,
    params: PathParams,
    net: Network | None = None,
    progress: Callable[[int], None] | None = None,
) -> PathJobResult:
    """Select endpoints, enumerate in Neo4j, measure, rank and write back as one ``paths`` run.

    A run with the same :func:`describe` parameters as an earlier one replaces its paths and
    flags (:func:`toolkit.runs.detection_run`); nothing is written when the search fails.

    Raises
    ------
    toolkit.errors.NotFound
        An explicit account id is not in the graph, or flagged endpoints were asked for and no
        amount detection run is complete.
    TooManyPaths
        The selection yields more than ``params.max_paths`` paths.
    """
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    net = net if net is not None else read_network(db)
    seconds["read"] = time.perf_counter() - t0

    flagged = None
    if params.sources.flagged or params.targets.flagged:
        flagged = flagged_accounts(db)
    sources = select_endpoints(net, "source", params.sources, flagged)
    targets = select_endpoints(net, "target", params.targets, flagged)
    ids = net.accounts.ids
    enum = enumerate_paths_db(
        db, [str(ids[r]) for r in sources], [str(ids[r]) for r in targets],
        max_hops=params.max_hops, window_days=params.window_days, min_carry=params.min_carry,
        fanout_cap=params.fanout_cap, max_paths=params.max_paths, method=params.method, net=net,
    )
    seconds["enumerate"] = enum.seconds

    t1 = time.perf_counter()
    measured = measure_paths(net, enum.paths, weighting=params.weighting, model=params.utility,
                             max_hops=params.max_hops)
    seconds["measure"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    with detection_run(db, DETECTOR, describe(params)) as run:
        path_ids = [f"{run.id}:{i}" for i in range(len(measured))]
        rows = [_path_row(pid, p) for pid, p in zip(path_ids, measured)]
        res = db.write_batches("paths/write", rows, batch_size=2000, progress=progress, run_id=run.id)
        flags = write_findings(db, run, net, path_findings(net, measured, path_ids))
        run.counts = {
            "paths": len(measured),
            "pairs": len({(p.source, p.target) for p in measured}),
            "optimal": sum(p.optimal for p in measured),
            "flags": flags,
            "sources": int(sources.size),
            "targets": int(targets.size),
            "accounts_capped": enum.stats.accounts_capped,
            "transfers_cut": enum.stats.transfers_cut,
        }
    seconds["write"] = time.perf_counter() - t2
    best = sorted(measured, key=lambda p: (-p.utility, p.source, p.target, p.transfers))
    return PathJobResult(run.id, best, int(sources.size), int(targets.size), enum.stats,
                         res.written, flags, seconds)


def flagged_accounts(db: Database, detector: str = AMOUNTS_DETECTOR) -> set[str]:
    """Ids of the accounts flagged by the latest complete run of ``detector``.

    Raises
    ------
    toolkit.errors.NotFound
        That detector has no complete run.
    """
    row = db.run_one("paths/flagged_accounts", detector=detector) or {}
    if row.get("run") is None:
        raise NotFound(
            f"no complete '{detector}' detection run to take flagged accounts from: run "
            f"`aml detect {detector}` first, or set [paths] source_flagged / target_flagged = false"
        )
    return set(row.get("ids") or [])


def read_paths(db: Database, run_id: str | None = None) -> list[dict[str, Any]]:
    """The written paths of a run (default: the latest complete ``paths`` run), best first."""
    return db.run("paths/read", run_id=run_id)


def _path_row(path_id: str, p: MeasuredPath) -> dict[str, Any]:
    return {
        "id": path_id, "key": p.key, "source": p.source, "target": p.target, "r1": p.r1,
        "r2": p.r2, "r2_distance": p.r2_distance, "utility": p.utility, "rank": p.rank,
        "optimal": p.optimal, "transfers": list(p.transfers), "amounts": list(p.amounts),
        "accounts": list(p.accounts), "ts": list(p.ts),
        "pair_reach": p.pair.reach, "pair_reach_distance": p.pair.distance,
        "pair_most_likely_hops": p.pair.most_likely_hops, "pair_expected_hops": p.pair.expected_hops,
    }


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


# --------------------------------------------------------------------------- reach


@dataclass(frozen=True)
class ReachReport:
    """Exact and simulated R2 of one (source, target) pair (``aml paths reach``)."""

    source: str
    target: str
    max_hops: int
    weighting: str
    summary: ReachSummary
    mc: MonteCarloEstimate

    def as_dict(self) -> dict[str, Any]:
        """The ``aml paths reach --json`` object: f, reach, most_likely_hops, expected_hops and
        mc {estimate, stderr, walks}."""
        s = self.summary
        return {
            "f": list(s.f),
            "reach": s.reach,
            "most_likely_hops": s.most_likely_hops,
            "expected_hops": s.expected_hops,
            "mc": {"estimate": self.mc.estimate, "stderr": self.mc.stderr, "walks": self.mc.walks},
        }


def reach(
    db: Database,
    source: str,
    target: str,
    *,
    max_hops: int = 6,
    weighting: str = "uniform",
    walks: int = 100_000,
    seed: int | None = 0,
    net: Network | None = None,
) -> ReachReport:
    """First-passage probabilities of the walk from ``source`` to ``target``, exactly (sparse
    powers of P) and by ``walks`` random walks.

    Raises
    ------
    toolkit.errors.NotFound
        Either id is not an account of the graph.
    """
    if weighting not in ("uniform", "amount"):
        raise ConfigError(f"weighting = {weighting!r}: expected 'uniform' or 'amount'")
    if not 1 <= int(max_hops):
        raise ConfigError(f"max_hops = {max_hops!r}: expected an integer >= 1")
    if int(walks) < 1:
        raise ConfigError(f"walks = {walks!r}: expected an integer >= 1")
    net = net if net is not None else read_network(db)
    index = net.accounts.index()
    for a in (source, target):
        if a not in index:
            raise NotFound(f"no account with id {a!r} in the graph")
    P = transition_matrix_from_network(net, weighting)  # type: ignore[arg-type]
    s, t = index[source], index[target]
    f = first_passage(P, s, t, int(max_hops))
    mc = monte_carlo_reach(P, s, t, int(max_hops), walks=int(walks), seed=seed)
    return ReachReport(source, target, int(max_hops), weighting, reach_summary(f), mc)

