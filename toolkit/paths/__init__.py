"""Laundering paths, in process: random-walk reach (R2), its Monte-Carlo check, the launderer's
utility, and the pure-Python path enumeration that the Cypher side is tested against.

Why in process: these are the exact, self-contained mathematics behind the path findings. The
Neo4j side fetches the accounts and transfers (or enumerates paths in Cypher) and calls these
functions; they take plain NumPy/SciPy arrays and :class:`toolkit.frames.Network` objects, never a
database connection, and never print.

Modules
-------
transition
    ``transition_matrix`` P (uniform or amount-weighted), ``idealised_network``,
    ``path_probability``.
reach
    Exact first-passage probabilities ``f_k(s, t)``, one pair or batched, and ``reach_summary``.
montecarlo
    ``monte_carlo_reach``: the same quantity by vectorised random walks.
utility
    ``UtilityModel`` (the ``[utility]`` config), ``path_utility`` U(Q), ``rank_paths``.
enumerate
    ``enumerate_paths``: simple, time-respecting, carrying transfer paths.

Typical use::

    P = transition_matrix_from_network(net, "amount")
    F = first_passage_many(P, [(s, t) for s in sources for t in targets], max_hops=6)
    summaries = [reach_summary(f) for f in F]
    hits = enumerate_paths(net, sources, targets, max_hops=6)
    model = UtilityModel.from_dict(settings.section("utility"))
    u = [path_utility(model, h.amounts, net.accounts.cls[list(h.accounts[1:])]) for h in hits]
    best = hits[optimal_path(u)]
"""

from toolkit.paths.enumerate import EnumerationStats, PathHit, PathHits, enumerate_paths
from toolkit.paths.montecarlo import MonteCarloEstimate, monte_carlo_reach
from toolkit.paths.reach import ReachSummary, first_passage, first_passage_many, reach_summary
from toolkit.paths.transition import (
    idealised_network,
    path_probability,
    transition_matrix,
    transition_matrix_from_network,
)
from toolkit.paths.utility import (
    DEFAULT_HOP_RISK,
    UtilityModel,
    optimal_path,
    path_utility,
    rank_paths,
    total_utility,
)

__all__ = [
    # transition
    "transition_matrix",
    "transition_matrix_from_network",
    "idealised_network",
    "path_probability",
    # reach
    "first_passage",
    "first_passage_many",
    "ReachSummary",
    "reach_summary",
    # montecarlo
    "MonteCarloEstimate",
    "monte_carlo_reach",
    # utility
    "DEFAULT_HOP_RISK",
    "UtilityModel",
    "path_utility",
    "total_utility",
    "rank_paths",
    "optimal_path",
    # enumerate
    "PathHit",
    "PathHits",
    "EnumerationStats",
    "enumerate_paths",
]
