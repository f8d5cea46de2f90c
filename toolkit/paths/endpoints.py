"""Where laundering paths start and end: the candidate S0 (placement) and S_{N+1} (integration).

Why a module of its own: the path search is only as good as its endpoints. A laundering scheme
starts where dirty money *enters* the bank and ends where it *leaves* as something that looks clean
(spec §3), so the candidate endpoints are chosen from the movements an account makes, not from
who the account is. Investigators also want to narrow the search (one suspect, the shell
companies, the accounts the amount rules flagged); all of that is one :class:`EndpointSelection`.

The rules, over a :class:`toolkit.frames.Network`
-------------------------------------------------

*Placement* (candidate S0): a bank account (any class but ``external``) that

- receives a cash deposit, or
- receives a transfer from outside the bank (the sender's class is ``external``) or from
  another country (the sender's country differs from the receiver's).

*Integration* (candidate S_{N+1}): a bank account that

- makes a cash withdrawal, or
- pays outside the bank or abroad (the receiver is ``external`` or in another country), or
- pays on channel ``purchase`` (high-value goods).

Self-transfers count for neither. External accounts are never candidates by behaviour (they are
outside the bank, where the path search cannot follow the money), but they can be named
explicitly or selected by class.

The endpoint is the bank account that does the placing or the integrating, so a scheme
``offshore -> A -> shell -> B -> offshore`` has S0 = A and S_{N+1} = B.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Literal, Mapping

import numpy as np

from toolkit.errors import ConfigError, NotFound
from toolkit.frames import DEPOSIT, TRANSFER, WITHDRAWAL, Network

__all__ = [
    "Role",
    "EXTERNAL_CLASS",
    "INTEGRATION_CHANNELS",
    "EndpointSelection",
    "placement_accounts",
    "integration_accounts",
    "select_endpoints",
]

#: ``"source"`` selects candidate S0, ``"target"`` candidate S_{N+1}.
Role = Literal["source", "target"]

#: The account class of counterparties outside the bank.
EXTERNAL_CLASS = "external"

#: Transfer channels that are integration whoever receives them.
INTEGRATION_CHANNELS: tuple[str, ...] = ("purchase",)

#: Account classes a selection may name (those of :class:`toolkit.frames.AccountFrame`).
_CLASSES = ("personal", "business", "merchant", "shell", "msb", "external")

#: The ``[paths]`` keys of one role, after the ``source_`` / ``target_`` prefix.
SELECTION_KEYS = ("ids", "classes", "behaviour", "flagged")


@dataclass(frozen=True)
class EndpointSelection:
    """Which accounts are candidate endpoints of one role.

    Attributes
    ----------
    ids : tuple of str
        Explicit account ids. When given they are the endpoints and the filters below are not
        applied (an investigator naming an account means that account).
    behaviour : bool
        Keep only accounts that place (sources) or integrate (targets) money, by the rules of the
        module docstring. Default True.
    classes : tuple of str
        Keep only accounts of these classes; empty keeps every class.
    flagged : bool
        Keep only accounts flagged by the latest complete ``amounts`` detection run (the caller
        passes their ids to :func:`select_endpoints`).

    The filters combine with AND: ``EndpointSelection(behaviour=False, classes=("shell",))`` is
    every shell company, ``EndpointSelection(flagged=True)`` the flagged accounts that place money.
    """

    ids: tuple[str, ...] = ()
    behaviour: bool = True
    classes: tuple[str, ...] = ()
    flagged: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "ids", tuple(str(i) for i in self.ids))
        object.__setattr__(self, "classes", tuple(str(c) for c in self.classes))
        bad = sorted(set(self.classes) - set(_CLASSES))
        if bad:
            raise ConfigError(
                f"unknown account class(es) {', '.join(bad)}; known: {', '.join(_CLASSES)}"
            )

    @classmethod
    def from_config(cls, conf: Mapping[str, Any], role: Role) -> "EndpointSelection":
        """Read ``<role>_ids``, ``<role>_classes``, ``<role>_behaviour``, ``<role>_flagged`` from
        the ``[paths]`` table (missing keys keep the defaults).

        Raises
        ------
        toolkit.errors.ConfigError
            A value of the wrong type or an unknown account class.

        Examples
        --------
        >>> EndpointSelection.from_config({"source_classes": ["shell"], "source_behaviour": False},
        ...                               "source")
        EndpointSelection(ids=(), behaviour=False, classes=('shell',), flagged=False)
        """
        _check_role(role)
        kw: dict[str, Any] = {}
        for key in SELECTION_KEYS:
            name = f"{role}_{key}"
            if name not in conf:
                continue
            value = conf[name]
            if key in ("ids", "classes"):
                if isinstance(value, str):
                    value = [value]
                if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                    raise ConfigError(f"[paths] {name} = {value!r}: expected a list of strings")
                kw[key] = tuple(value)
            else:
                if not isinstance(value, bool):
                    raise ConfigError(f"[paths] {name} = {value!r}: expected true or false")
                kw[key] = value
        return cls(**kw)

    def describe(self) -> dict[str, Any]:
        """Plain data for a detection run's parameters."""
        return {
            "ids": sorted(self.ids),
            "behaviour": self.behaviour,
            "classes": sorted(self.classes),
            "flagged": self.flagged,
        }


def placement_accounts(net: Network) -> np.ndarray:
    """Rows of the bank accounts that place money (module docstring), sorted.

    Examples
    --------
    >>> net = Network.from_rows(
    ...     [{"id": "A"}, {"id": "B"}, {"id": "X", "class": "external", "country": "KY"}],
    ...     [{"id": "d", "kind": "deposit", "from": None, "to": "A", "amount": 9e3},
    ...      {"id": "t", "kind": "transfer", "from": "X", "to": "B", "amount": 5e4}])
    >>> [str(net.accounts.ids[r]) for r in placement_accounts(net)]
    ['A', 'B']
    """
    mov, acc = net.movements, net.accounts
    src, dst = mov.src.astype(np.int64), mov.dst.astype(np.int64)
    deposit = (mov.kind == DEPOSIT) & (dst >= 0)
    transfer = _transfers(net)
    outside = np.zeros(len(mov), dtype=bool)
    t = np.flatnonzero(transfer)
    outside[t] = _external(net)[src[t]] | (acc.country[src[t]] != acc.country[dst[t]])
    return _bank_rows(net, dst[deposit | outside])


def integration_accounts(net: Network) -> np.ndarray:
    """Rows of the bank accounts that integrate money (module docstring), sorted.

    Examples
    --------
    >>> net = Network.from_rows(
    ...     [{"id": "A"}, {"id": "B"}, {"id": "C"}, {"id": "X", "class": "external"}],
    ...     [{"id": "w", "kind": "withdrawal", "from": "A", "to": None, "amount": 9e3},
    ...      {"id": "t", "kind": "transfer", "from": "B", "to": "X", "amount": 5e4},
    ...      {"id": "p", "kind": "transfer", "from": "C", "to": "A", "amount": 7e4,
    ...       "channel": "purchase"}])
    >>> [str(net.accounts.ids[r]) for r in integration_accounts(net)]
    ['A', 'B', 'C']
    """
    mov, acc = net.movements, net.accounts
    src, dst = mov.src.astype(np.int64), mov.dst.astype(np.int64)
    withdrawal = (mov.kind == WITHDRAWAL) & (src >= 0)
    transfer = _transfers(net)
    outward = np.zeros(len(mov), dtype=bool)
    t = np.flatnonzero(transfer)
    outward[t] = (
        _external(net)[dst[t]]
        | (acc.country[src[t]] != acc.country[dst[t]])
        | np.isin(mov.channel[t].astype(str), INTEGRATION_CHANNELS)
    )
    return _bank_rows(net, src[withdrawal | outward])


def select_endpoints(
    net: Network,
    role: Role,
    selection: EndpointSelection | None = None,
    flagged_ids: Iterable[str] | None = None,
) -> np.ndarray:
    """Account rows of the candidate endpoints of ``role``, sorted.

    Parameters
    ----------
    net : Network
    role : {"source", "target"}
        Placement rules for sources, integration rules for targets.
    selection : EndpointSelection, optional
        Default: every account whose behaviour fits the role.
    flagged_ids : iterable of str, optional
        Ids of the accounts flagged by the amount rules; needed when ``selection.flagged``.

    Returns
    -------
    ndarray of int64
        Account rows, ascending; may be empty.

    Raises
    ------
    toolkit.errors.NotFound
        An explicit id that is not an account of ``net`` (the message names it).
    ValueError
        ``selection.flagged`` without ``flagged_ids``.
    """
    _check_role(role)
    sel = selection or EndpointSelection()
    if sel.ids:
        return _rows_of_ids(net, sel.ids)
    keep = np.ones(len(net.accounts), dtype=bool)
    if sel.behaviour:
        rows = placement_accounts(net) if role == "source" else integration_accounts(net)
        mask = np.zeros_like(keep)
        mask[rows] = True
        keep &= mask
    if sel.classes:
        keep &= np.isin(net.accounts.cls.astype(str), sel.classes)
    if sel.flagged:
        if flagged_ids is None:
            raise ValueError("selection.flagged needs the ids of the flagged accounts")
        flagged = {str(i) for i in flagged_ids}
        keep &= np.fromiter((str(a) in flagged for a in net.accounts.ids), dtype=bool,
                            count=len(net.accounts))
    return np.flatnonzero(keep).astype(np.int64)


# --------------------------------------------------------------------------- internals


def _check_role(role: str) -> None:
    if role not in ("source", "target"):
        raise ValueError(f"role must be 'source' or 'target', not {role!r}")


def _transfers(net: Network) -> np.ndarray:
    mov = net.movements
    return (mov.kind == TRANSFER) & (mov.src >= 0) & (mov.dst >= 0) & (mov.src != mov.dst)


def _external(net: Network) -> np.ndarray:
    return net.accounts.cls.astype(str) == EXTERNAL_CLASS


def _bank_rows(net: Network, rows: np.ndarray) -> np.ndarray:
    rows = np.unique(np.asarray(rows, dtype=np.int64))
    return rows[~_external(net)[rows]] if rows.size else rows


def _rows_of_ids(net: Network, ids: Iterable[str]) -> np.ndarray:
    index = net.accounts.index()
    missing = [i for i in ids if i not in index]
    if missing:
        if len(missing) == 1:
            raise NotFound(f"no account with id {missing[0]!r} in the graph")
        shown = ", ".join(repr(m) for m in missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise NotFound(f"no accounts with ids {shown} in the graph")
    return np.array(sorted({index[i] for i in ids}), dtype=np.int64)
