"""Column-oriented, in-memory views of the financial network.

Why this module exists: the detectors that run as bulk NumPy/SciPy passes, the oracles that tests
compare Cypher results against, and the generator all need one shared shape for "the accounts" and
"the money movements". Reading the graph once into a few NumPy arrays (one bulk read) and then
working vectorised is how the toolkit stays fast at millions of transfers; passing Python objects
row by row is what it avoids.

Conventions
-----------
- Accounts are numbered ``0..n-1`` in the order of :attr:`AccountFrame.ids`; movements refer to
  accounts by that index (``src``/``dst``), with ``-1`` meaning "none" (the cash side of a deposit
  or withdrawal).
- Times are integer seconds since the Unix epoch, UTC.
- ``kind`` codes are :data:`DEPOSIT`, :data:`TRANSFER`, :data:`WITHDRAWAL`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "DEPOSIT",
    "TRANSFER",
    "WITHDRAWAL",
    "KIND_NAMES",
    "KIND_CODES",
    "AccountFrame",
    "MovementFrame",
    "Network",
]

DEPOSIT = 0
TRANSFER = 1
WITHDRAWAL = 2
KIND_NAMES = ("deposit", "transfer", "withdrawal")
KIND_CODES = {name: code for code, name in enumerate(KIND_NAMES)}


@dataclass(frozen=True)
class AccountFrame:
    """Accounts as parallel arrays, one row per account.

    Attributes
    ----------
    ids : ndarray of str
        Account ids, unique.
    cls : ndarray of str
        Account class (``personal``, ``business``, ``merchant``, ``shell``, ``msb``, ``external``).
    currency : ndarray of str
        ISO 4217 code of the account's currency.
    country : ndarray of str
        ISO 3166 alpha-2 country code.
    opened : ndarray of int64
        Opening time, seconds since the epoch.
    registered_capital : ndarray of float64
        Registered capital of a business, NaN where none was declared.
    customer : ndarray of str
        The customer owning the account, ``""`` where unknown.
    """

    ids: np.ndarray
    cls: np.ndarray
    currency: np.ndarray
    country: np.ndarray
    opened: np.ndarray
    registered_capital: np.ndarray
    customer: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.customer is None:
            object.__setattr__(self, "customer", np.full(len(self.ids), "", dtype=object))

    def __len__(self) -> int:
        return len(self.ids)

    def index(self) -> dict[str, int]:
        """Map account id -> row number."""
        return {str(a): i for i, a in enumerate(self.ids)}


@dataclass(frozen=True)
class MovementFrame:
    """Money movements as parallel arrays, one row per movement.

    Attributes
    ----------
    ids : ndarray of str
        Movement ids, unique.
    kind : ndarray of int8
        :data:`DEPOSIT`, :data:`TRANSFER` or :data:`WITHDRAWAL`.
    src, dst : ndarray of int32 or int64
        Row numbers in the :class:`AccountFrame`; ``-1`` for the cash side. :func:`toolkit.network.
        read_network` gives int32 (below 2**31 accounts), :meth:`Network.from_rows` int64: code
        that multiplies them widens them first (``src.astype(np.int64) * n``).
    amount : ndarray of float64
        Amount in ``currency``, positive.
    currency : ndarray of str, or Labels
        ISO 4217 code. :func:`toolkit.network.read_network` gives a :class:`toolkit.labels.Labels`
        (codes into the few distinct values), which reads like the object array.
    ts : ndarray of int64
        Time, seconds since the epoch (UTC).
    channel : ndarray of str, or Labels
        Channel (``cash``, ``wire``, ``ach``, ``card``, ``cheque``, ``cross_border``, ``crypto``,
        ``purchase``, ...).
    """

    ids: np.ndarray
    kind: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    amount: np.ndarray
    currency: np.ndarray
    ts: np.ndarray
    channel: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def select(self, mask: np.ndarray) -> "MovementFrame":
        """The rows where ``mask`` is true (or the rows at the given indices)."""
        return MovementFrame(
            ids=self.ids[mask],
            kind=self.kind[mask],
            src=self.src[mask],
            dst=self.dst[mask],
            amount=self.amount[mask],
            currency=self.currency[mask],
            ts=self.ts[mask],
            channel=self.channel[mask],
        )

    def transfers(self) -> "MovementFrame":
        """Only the account-to-account transfers."""
        return self.select(self.kind == TRANSFER)


@dataclass(frozen=True)
class Network:
    """Accounts and the movements between them."""

    accounts: AccountFrame
    movements: MovementFrame

    @classmethod
    def from_rows(
        cls,
        accounts: list[dict],
        movements: list[dict],
    ) -> "Network":
        """Build a network from small lists of dicts (tests and examples).

        ``accounts`` rows take ``id`` and optionally ``class``, ``currency``, ``country``,
        ``opened`` (seconds), ``registered_capital``, ``customer``. ``movements`` rows take ``id``,
        ``kind`` (name), ``from``/``to`` (account ids or None), ``amount``, ``currency``, ``ts``
        (seconds) and ``channel``.

        Examples
        --------
        >>> net = Network.from_rows([{"id": "A"}, {"id": "B"}],
        ...     [{"id": "t1", "kind": "transfer", "from": "A", "to": "B", "amount": 5.0, "ts": 0}])
        >>> int(net.movements.src[0]), int(net.movements.dst[0])
        (0, 1)
        """
        acc = AccountFrame(
            ids=np.array([str(r["id"]) for r in accounts], dtype=object),
            cls=np.array([r.get("class", "personal") for r in accounts], dtype=object),
            currency=np.array([r.get("currency", "USD") for r in accounts], dtype=object),
            country=np.array([r.get("country", "US") for r in accounts], dtype=object),
            opened=np.array([int(r.get("opened", 0)) for r in accounts], dtype=np.int64),
            registered_capital=np.array(
                [float(r["registered_capital"]) if r.get("registered_capital") is not None else np.nan
                 for r in accounts],
                dtype=np.float64,
            ),
            customer=np.array([r.get("customer") or "" for r in accounts], dtype=object),
        )
        idx = acc.index()

        def ref(v: object) -> int:
            return -1 if v is None or v == "" else idx[str(v)]

        mov = MovementFrame(
            ids=np.array([str(r["id"]) for r in movements], dtype=object),
            kind=np.array([KIND_CODES[r.get("kind", "transfer")] for r in movements], dtype=np.int8),
            src=np.array([ref(r.get("from")) for r in movements], dtype=np.int64),
            dst=np.array([ref(r.get("to")) for r in movements], dtype=np.int64),
            amount=np.array([float(r["amount"]) for r in movements], dtype=np.float64),
            currency=np.array([r.get("currency", "USD") for r in movements], dtype=object),
            ts=np.array([int(r.get("ts", 0)) for r in movements], dtype=np.int64),
            channel=np.array([r.get("channel", "wire") for r in movements], dtype=object),
        )
        return cls(acc, mov)
