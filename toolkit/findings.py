"""One record type for every reason the toolkit flags something.

Why one type: amount rules, typology detectors, paths and clusters all end up as "a reason this
account is suspicious", written back to the graph the same way and listed by ``aml explain`` the
same way. Detectors return lists of :class:`Finding`; the write-back and explain code never needs
to know which detector produced one.

Indices in a finding refer to rows of the :class:`toolkit.frames.Network` the detector ran on;
:func:`toolkit.findings.to_records` turns them into ids for writing back.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from functools import total_ordering
from typing import Any, Iterable, Iterator, Mapping, Sequence, overload

import numpy as np

from toolkit.frames import Network

__all__ = ["Finding", "Rows", "as_rows", "split_rows", "join_rows", "to_records", "RULE_IDS", "TYPOLOGY_IDS"]

#: Amount rules (issue "Abnormal amounts").
RULE_IDS = ("large_amount", "deposit_limit", "transfer_limit", "structuring", "capital_mismatch")
#: Typology detectors (issue "Typology detectors").
TYPOLOGY_IDS = ("fan_in", "fan_out", "scatter_gather", "gather_scatter", "cycle", "layering")


@total_ordering
class Rows(Sequence[int]):
    """An immutable sequence of row numbers, packed as 32-bit integers.

    Why not a tuple: a detection run at 2.1M transfers holds ~270k findings with ~6M row
    references; as tuples of Python ints that is 36 bytes per reference (an 8-byte pointer and a
    28-byte int object), ~0.2 GB, where 4 bytes each do. A ``Rows`` compares equal to the tuple
    or list of the same numbers, hashes like that tuple, orders like it, iterates as Python ints
    and turns into a NumPy array without copying (``np.asarray(rows)``, :meth:`array`).
    """

    __slots__ = ("_b",)
    _b: bytes

    def __init__(self, values: Iterable[int] | np.ndarray | "Rows" = ()) -> None:
        if isinstance(values, Rows):
            self._b = values._b
        elif isinstance(values, np.ndarray):
            if values.size and (values.min() < -(2**31) or values.max() >= 2**31):
                raise OverflowError("row number out of the 32-bit range")
            self._b = values.astype(np.int32, copy=False).tobytes()
        else:
            self._b = array("i", values).tobytes()

    @classmethod
    def from_bytes(cls, b: bytes) -> "Rows":
        """Rows over an existing buffer of native int32 values (no copy, no check)."""
        r = cls.__new__(cls)
        r._b = b
        return r

    def array(self) -> np.ndarray:
        """The rows as a read-only int32 array (a view of the buffer)."""
        return np.frombuffer(self._b, dtype=np.int32)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        a = self.array()
        return a if dtype is None else a.astype(dtype)

    def __len__(self) -> int:
        return len(self._b) // 4

    @overload
    def __getitem__(self, i: int) -> int: ...
    @overload
    def __getitem__(self, i: slice) -> "Rows": ...
    def __getitem__(self, i: int | slice) -> "int | Rows":
        view = memoryview(self._b).cast("i")
        if isinstance(i, slice):
            return Rows.from_bytes(view[i].tobytes())
        return view[i]

    def __iter__(self) -> Iterator[int]:
        return iter(memoryview(self._b).cast("i").tolist())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Rows):
            return self._b == other._b
        if isinstance(other, (tuple, list)):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __lt__(self, other: object) -> bool:
        if isinstance(other, (Rows, tuple, list)):
            return tuple(self) < tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __add__(self, other: object) -> tuple[int, ...]:
        """Concatenation gives a plain tuple, as with tuples: ``rows + (5,)``."""
        if isinstance(other, (Rows, tuple)):
            return tuple(self) + tuple(other)
        return NotImplemented

    def __radd__(self, other: object) -> tuple[int, ...]:
        """``(f.account,) + f.accounts`` gives a plain tuple."""
        if isinstance(other, tuple):
            return other + tuple(self)
        return NotImplemented

    def __repr__(self) -> str:
        return repr(tuple(self))

    def __reduce__(self) -> tuple[Any, tuple[bytes]]:
        return (Rows.from_bytes, (self._b,))


EMPTY = Rows()


def as_rows(values: Iterable[int] | np.ndarray | Rows) -> Rows:
    """``values`` as :class:`Rows` (itself when it already is; one shared empty instance)."""
    if isinstance(values, Rows):
        return values
    r = Rows(values)
    return r if len(r) else EMPTY


def split_rows(values: np.ndarray, counts: np.ndarray) -> list[Rows]:
    """Cut a flat array into consecutive :class:`Rows` of the given lengths (one buffer copy)."""
    buf = Rows(np.asarray(values))._b
    ends = np.cumsum(np.asarray(counts, dtype=np.int64)) * 4
    out: list[Rows] = []
    start = 0
    for end in ends.tolist():
        out.append(Rows.from_bytes(buf[start:end]) if end > start else EMPTY)
        start = end
    return out


def join_rows(parts: Iterable[Rows]) -> np.ndarray:
    """The row numbers of several :class:`Rows` one after the other, as one int32 array (one
    buffer copy; no array object per part)."""
    return np.frombuffer(b"".join(r._b for r in parts), dtype=np.int32).copy()


@dataclass(frozen=True, slots=True)
class Finding:
    """One reason to look at an account.

    Attributes
    ----------
    rule : str
        Rule or typology id, e.g. ``"large_amount"`` or ``"fan_in"``.
    account : int
        Row of the account the finding is about (the one an investigator opens).
    movements : Rows
        Rows of the movements involved (evidence), in time order where that matters. Any
        sequence of ints (a tuple, a NumPy array) is accepted and stored as :class:`Rows`.
    value : float
        The figure that triggered the rule (an amount, a count, a ratio).
    threshold : float
        The bound or limit the value crossed.
    accounts : Rows
        Other accounts involved (counterparties, cycle members), without ``account``; stored
        as :class:`Rows` like ``movements``.
    window : (int, int) or None
        First and last time (epoch seconds) of the evidence.
    score : float
        Strength in [0, 1]; 1.0 when the rule is a plain yes/no.
    details : dict or Mapping
        Further figures, JSON-serialisable, shown by ``aml explain``. Detectors make a dict;
        :func:`toolkit.amounts.run_amount_rules` and :func:`toolkit.detect.run_typologies` pack
        them by column (:class:`toolkit.details.Details`, same keys, values and types), so
        readers use the mapping interface (``isinstance(d, Mapping)``, not ``dict``).
    """

    rule: str
    account: int
    movements: Rows
    value: float
    threshold: float
    accounts: Rows = EMPTY
    window: tuple[int, int] | None = None
    score: float = 1.0
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "movements", as_rows(self.movements))
        object.__setattr__(self, "accounts", as_rows(self.accounts))


def _ids_per_finding(ids: np.ndarray, parts: list[Rows]) -> list[list[str]]:
    """``[[ids[r] for r in rows] for rows in parts]`` with one gather and one ``tolist``."""
    lens = [len(r) for r in parts]
    flat = b"".join(r._b for r in parts)
    names = [str(x) for x in ids[np.frombuffer(flat, dtype=np.int32)].tolist()] if flat else []
    out: list[list[str]] = []
    pos = 0
    for n in lens:
        out.append(names[pos : pos + n])
        pos += n
    return out


def to_records(net: Network, findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """Findings as plain dicts with account and movement **ids**, ready for ``UNWIND $rows``."""
    fs = list(findings)
    movements = _ids_per_finding(net.movements.ids, [f.movements for f in fs])
    accounts = _ids_per_finding(net.accounts.ids, [f.accounts for f in fs])
    out = []
    for f, mov, acc in zip(fs, movements, accounts):
        out.append(
            {
                "rule": f.rule,
                "account": str(net.accounts.ids[f.account]),
                "movements": mov,
                "accounts": acc,
                "value": float(f.value),
                "threshold": float(f.threshold),
                "window_start": None if f.window is None else int(f.window[0]),
                "window_end": None if f.window is None else int(f.window[1]),
                "score": float(f.score),
                "details": dict(f.details),
            }
        )
    return out
