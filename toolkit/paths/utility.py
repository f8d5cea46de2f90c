"""The launderer's utility U(Q) of a laundering path, and the ranking of candidate paths by it.

Why a utility: the spec models the launderer as choosing, among the paths money could take, the
one that best trades the benefit of layering (every transfer puts distance between the money and
its origin) against the cost of every account used (fees, and the risk the account is flagged).
Ranking the enumerated candidate paths by that utility points an investigator at the route a
rational launderer would pick.

The spec's formula, over laundering rounds ``m = 0..L``::

    U(Q) = sum_m sum_{y=1}^{R1} sum_{x=1}^{y} f1(q_m(S_{x-1}, S_x))  +  sum_m sum_y f2(C_m(S_y))

with ``q_m(S_{x-1}, S_x)`` the amount moved on hop ``x`` of round ``m``, ``R1`` the number of
transfers of the path and ``C_m(S_y)`` the cost of using node ``y`` (an intermediate or the
target).

What the double sum means: ``y`` runs over the *prefixes* of the path (the money has reached
``S_y``) and the inner sum adds the benefit of every hop of that prefix. So hop ``x`` is counted
once for each prefix that contains it, ``R1 - x + 1`` times: early hops, which every later stage
of the laundering builds on, weigh most, and a path's benefit grows faster than its length. It is
implemented literally (sum over y of the running sum over x); the tests check it against the
weighted form ``sum_x (R1 - x + 1) f1(q_x)``.

This toolkit's choices for f1 and f2 (configurable under ``[utility]`` of ``aml.toml``):

- ``f1(q) = log(1 + q)`` (``benefit = "log1p"``, default: diminishing returns, so splitting money
  over many hops is not rewarded without bound) or ``f1(q) = q`` (``"linear"``);
- ``f2(C(S_y)) = -(fee_rate * q_y + hop_risk[class of S_y])``: a fee proportional to the amount
  passing through ``S_y`` (the amount ``q_y`` that arrives there), plus a fixed risk of using an
  account of that class (a shell company or money-service business is a cheap hop, an external
  bank abroad a costly one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, Mapping, Sequence

import numpy as np

from toolkit.errors import ConfigError

__all__ = [
    "DEFAULT_HOP_RISK",
    "UtilityModel",
    "path_utility",
    "total_utility",
    "rank_paths",
    "optimal_path",
]

#: Account classes of :class:`toolkit.frames.AccountFrame`, and ``default`` for anything else.
ACCOUNT_CLASSES = ("personal", "business", "merchant", "shell", "msb", "external")

#: Fixed cost of using one account of each class as a hop (``default``: classes not listed).
DEFAULT_HOP_RISK: Mapping[str, float] = MappingProxyType(
    {
        "personal": 1.0,
        "business": 0.5,
        "merchant": 0.5,
        "shell": 0.2,
        "msb": 0.3,
        "external": 2.0,
        "default": 1.0,
    }
)

_KEYS = ("benefit", "fee_rate", "hop_risk")


@dataclass(frozen=True)
class UtilityModel:
    """The f1 / f2 of the utility, as configured.

    Attributes
    ----------
    benefit : {"log1p", "linear"}
        f1: ``log(1 + amount)`` or ``amount``.
    fee_rate : float
        Share of the amount passing through an account that it costs, ``>= 0``.
    hop_risk : mapping of str to float
        Fixed cost per account class, ``>= 0``; ``default`` covers classes not listed.
    """

    benefit: Literal["log1p", "linear"] = "log1p"
    fee_rate: float = 0.02
    hop_risk: Mapping[str, float] = field(default_factory=lambda: DEFAULT_HOP_RISK)

    def __post_init__(self) -> None:
        if self.benefit not in ("log1p", "linear"):
            raise ConfigError(
                f"[utility] benefit = {self.benefit!r}: expected 'log1p' or 'linear'"
            )
        _check_number("fee_rate", self.fee_rate)
        risk = dict(self.hop_risk)
        for cls, value in risk.items():
            _check_number(f"hop_risk.{cls}", value)
        risk.setdefault("default", DEFAULT_HOP_RISK["default"])
        object.__setattr__(self, "fee_rate", float(self.fee_rate))
        object.__setattr__(
            self, "hop_risk", MappingProxyType({k: float(v) for k, v in risk.items()})
        )

    def __hash__(self) -> int:  # the mapping field is not hashable by itself
        return hash((self.benefit, self.fee_rate, tuple(sorted(self.hop_risk.items()))))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> "UtilityModel":
        """Build from the ``[utility]`` table of ``aml.toml`` (a dict as ``tomllib`` returns).

        ``hop_risk`` is merged over :data:`DEFAULT_HOP_RISK`, so a table naming only
        ``shell = 0.1`` keeps the other defaults.

        Raises
        ------
        toolkit.errors.ConfigError
            On an unknown key, an unknown account class under ``hop_risk``, a wrong type or a
            negative number: a typo must not silently fall back to a default.
        """
        d = dict(d or {})
        unknown = sorted(set(d) - set(_KEYS))
        if unknown:
            raise ConfigError(
                f"[utility] unknown key(s): {', '.join(unknown)}; known: {', '.join(_KEYS)}"
            )
        kwargs: dict[str, Any] = {}
        if "benefit" in d:
            if not isinstance(d["benefit"], str):
                raise ConfigError(f"[utility] benefit = {d['benefit']!r}: expected a string")
            kwargs["benefit"] = d["benefit"]
        if "fee_rate" in d:
            kwargs["fee_rate"] = d["fee_rate"]
        if "hop_risk" in d:
            table = d["hop_risk"]
            if not isinstance(table, Mapping):
                raise ConfigError(f"[utility] hop_risk = {table!r}: expected a table")
            bad = sorted(set(map(str, table)) - set(ACCOUNT_CLASSES) - {"default"})
            if bad:
                raise ConfigError(
                    f"[utility.hop_risk] unknown account class(es): {', '.join(bad)}; known: "
                    f"{', '.join(ACCOUNT_CLASSES)}, default"
                )
            kwargs["hop_risk"] = {**DEFAULT_HOP_RISK, **{str(k): v for k, v in table.items()}}
        return cls(**kwargs)

    def f1(self, amount: float) -> float:
        """Benefit of moving ``amount`` on one hop."""
        return math.log1p(amount) if self.benefit == "log1p" else float(amount)

    def f2(self, amount_through: float, cls: str) -> float:
        """Cost (a negative number) of using an account of class ``cls`` that ``amount_through``
        passes through."""
        risk = self.hop_risk.get(str(cls), self.hop_risk["default"])
        return -(self.fee_rate * amount_through + risk)


def path_utility(model: UtilityModel, amounts: Sequence[float], classes: Sequence[str]) -> float:
    """Utility of one laundering round along one path.

    Parameters
    ----------
    model : UtilityModel
    amounts : sequence of float
        ``q_1..q_R1``: the amount of each transfer in path order (``PathHit.amounts``).
    classes : sequence of str
        Account classes of ``S_1..S_R1``, the accounts the transfers arrive at (intermediates and
        the target, *not* the source, which is not a cost of laundering): for a path over
        ``accounts``, pass the classes of ``accounts[1:]``.

    Returns
    -------
    float
        ``sum_{y=1}^{R1} sum_{x=1}^{y} f1(q_x) + sum_{y=1}^{R1} f2(q_y, class_y)``; 0.0 for an
        empty path.
    """
    q = [float(a) for a in amounts]
    if len(classes) != len(q):
        raise ValueError(
            f"need one class per transfer (the receiving accounts): {len(classes)} classes for "
            f"{len(q)} amounts"
        )
    if any(a < 0 or not math.isfinite(a) for a in q):
        raise ValueError("amounts must be finite and >= 0")
    benefit = 0.0
    running = 0.0  # sum_{x=1}^{y} f1(q_x), the benefit of prefix S_0..S_y
    for y in range(len(q)):
        running += model.f1(q[y])
        benefit += running
    cost = sum(model.f2(q[y], classes[y]) for y in range(len(q)))
    return benefit + cost


def total_utility(
    model: UtilityModel, rounds: Sequence[tuple[Sequence[float], Sequence[str]]]
) -> float:
    """U(Q) of a whole laundering plan: the sum over its rounds ``m`` of :func:`path_utility`.

    ``rounds`` holds one ``(amounts, classes)`` per round, as for :func:`path_utility`.
    """
    return float(sum(path_utility(model, a, c) for a, c in rounds))


def rank_paths(utilities: Sequence[float] | np.ndarray) -> np.ndarray:
    """Rank of each path by utility: 1 = highest utility (the launderer's optimum).

    Ties keep the order given (the earlier path gets the better rank), so with
    :func:`toolkit.paths.enumerate_paths`' deterministic order the ranking is deterministic too.
    ``np.argmax(utilities)`` is the path ranked 1.

    Returns
    -------
    ndarray of int64
        ``ranks[i]`` in ``1..len(utilities)``, a permutation.
    """
    u = np.asarray(utilities, dtype=np.float64).ravel()
    if np.isnan(u).any():
        raise ValueError("utilities must not be NaN")
    order = np.argsort(-u, kind="stable")
    ranks = np.empty(u.size, dtype=np.int64)
    ranks[order] = np.arange(1, u.size + 1)
    return ranks


def optimal_path(utilities: Sequence[float] | np.ndarray) -> int:
    """Index of the path ranked 1 by :func:`rank_paths` (the first of equal maxima)."""
    u = np.asarray(utilities, dtype=np.float64).ravel()
    if u.size == 0:
        raise ValueError("no paths to choose from")
    return int(np.flatnonzero(rank_paths(u) == 1)[0])


def _check_number(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"[utility] {name} = {value!r}: expected a number")
    if not math.isfinite(value) or value < 0:
        raise ConfigError(f"[utility] {name} = {value!r}: expected a finite number >= 0")
