"""Many findings kept by column, from the detector that made them to the write-back.

Why: a detection run holds every finding until its flags are written, and a :class:`Finding`
with its objects (two :class:`~toolkit.findings.Rows`, a window tuple, three floats, its
details) is about 650 bytes besides its row numbers. At 0.6M transfers the ~96k findings of the
amount rules and typology detectors were ~65 MB of small objects, a quarter of what the
benchmark's ``ours`` process may hold at its peak (273 MB), and more at every step after them. A
:class:`FindingTable` keeps the same figures in NumPy columns and one buffer of row numbers,
about 70 bytes a finding besides its rows and details.

It is a sequence of findings: ``len``, indexing, slicing (a list), iteration and ``==`` (with
any sequence of findings) behave as on the list it replaces. A finding is made when it is asked
for, equal to the one that was packed (same types, floats bit for bit, the same details
object), so a reader that needs one finding at a time pays nothing for it; readers of many
findings use the columns (:attr:`account`, :attr:`score`, :meth:`rules`, :attr:`details`,
:meth:`accounts_rows`, :meth:`movements_rows`) and make no finding at all.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, overload

import numpy as np

from toolkit.details import _column
from toolkit.findings import EMPTY, Finding, Rows

__all__ = ["FindingTable"]


def _rows_column(parts: list[Rows]) -> tuple[np.ndarray, bytes]:
    """Offsets (in rows, ``n + 1``) and the joined buffer of int32 row numbers."""
    ptr = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter((len(r) for r in parts), dtype=np.int64, count=len(parts)), out=ptr[1:])
    return ptr, b"".join(r._b for r in parts)


def _windows(windows: list[Any]) -> tuple[np.ndarray, np.ndarray | None]:
    """``(int64 (n, 2), has)`` when every window is None or a pair of ints, else ``(object, None)``."""
    n = len(windows)
    if all(w is None or (type(w) is tuple and len(w) == 2 and type(w[0]) is int and type(w[1]) is int)
           for w in windows):
        has = np.fromiter((w is not None for w in windows), dtype=bool, count=n)
        try:
            pairs = np.array([w if w is not None else (0, 0) for w in windows], dtype=np.int64).reshape(n, 2)
            return pairs, has
        except OverflowError:
            pass
    out = np.empty(n, dtype=object)
    for i, w in enumerate(windows):
        out[i] = w
    return out, None


class FindingTable(Sequence[Finding]):
    """Findings by column (module docstring). Build with :meth:`pack` or :meth:`concat`."""

    __slots__ = ("_rules", "_rule", "_account", "_value", "_threshold", "_score", "_window", "_has_window",
                 "_mov_ptr", "_mov", "_acc_ptr", "_acc", "_details")

    _rules: tuple[str, ...]
    _rule: np.ndarray
    _account: np.ndarray
    _value: np.ndarray
    _threshold: np.ndarray
    _score: np.ndarray
    _window: np.ndarray
    _has_window: np.ndarray | None
    _mov_ptr: np.ndarray
    _mov: bytes
    _acc_ptr: np.ndarray
    _acc: bytes
    _details: np.ndarray

    @classmethod
    def pack(cls, findings: Iterable[Finding]) -> "FindingTable":
        """The findings by column (they can be dropped afterwards)."""
        fs = findings if isinstance(findings, list) else list(findings)
        t = cls.__new__(cls)
        rules: dict[str, int] = {}
        t._rule = np.fromiter((rules.setdefault(f.rule, len(rules)) for f in fs), dtype=np.int16, count=len(fs))
        t._rules = tuple(rules)
        if len(fs):
            account = _column([f.account for f in fs])
            if account.dtype == np.int64 and account.min() >= -(2**31) and account.max() < 2**31:
                account = account.astype(np.int32)
            t._account = account
            t._value = _column([f.value for f in fs])
            t._threshold = _column([f.threshold for f in fs])
            t._score = _column([f.score for f in fs])
        else:
            t._account = np.zeros(0, dtype=np.int32)
            t._value = t._threshold = t._score = np.zeros(0)
        t._window, t._has_window = _windows([f.window for f in fs])
        t._mov_ptr, t._mov = _rows_column([f.movements for f in fs])
        t._acc_ptr, t._acc = _rows_column([f.accounts for f in fs])
        t._details = np.fromiter((f.details for f in fs), dtype=object, count=len(fs))
        return t

    @classmethod
    def concat(cls, tables: Sequence["FindingTable"]) -> "FindingTable":
        """The findings of several tables, one table after the other."""
        if not tables:
            return cls.pack([])
        t = cls.__new__(cls)
        rules: dict[str, int] = {}
        codes = []
        for x in tables:
            remap = np.array([rules.setdefault(r, len(rules)) for r in x._rules] or [0], dtype=np.int16)
            codes.append(remap[x._rule])
        t._rules = tuple(rules)
        t._rule = np.concatenate(codes)
        for name in ("_account", "_value", "_threshold", "_score", "_details"):
            cols = [getattr(x, name) for x in tables]
            if len({c.dtype for c in cols if len(c)}) <= 1:
                setattr(t, name, np.concatenate(cols))
            else:  # columns of different types: each value keeps its own Python type
                setattr(t, name, _column([v for c in cols for v in c.tolist()]))
        if all(x._has_window is not None for x in tables):
            t._window = np.concatenate([x._window for x in tables]).reshape(-1, 2)
            t._has_window = np.concatenate([x._has_window for x in tables])  # type: ignore[misc]
        else:
            t._window, t._has_window = _windows([w for x in tables for w in x._windows()])
        for ptr, buf in (("_mov_ptr", "_mov"), ("_acc_ptr", "_acc")):
            offsets = np.cumsum([0] + [int(getattr(x, ptr)[-1]) for x in tables[:-1]])
            setattr(t, ptr, np.concatenate([[0]] + [getattr(x, ptr)[1:] + o for x, o in zip(tables, offsets)]))
            setattr(t, buf, b"".join(getattr(x, buf) for x in tables))
        return t

    @classmethod
    def from_columns(cls, rules: np.ndarray, account: np.ndarray, score: np.ndarray, details: np.ndarray,
                     accounts: tuple[np.ndarray, np.ndarray]) -> "FindingTable":
        """Findings given by column: rule ids (strings), account rows (ints), scores (floats),
        details, and ``(counts, flat)`` of the accounts involved; ``value`` and ``threshold`` 0.0,
        no movements, no window (what flags read back from the graph carry for scoring)."""
        n = len(rules)
        t = cls.__new__(cls)
        names: dict[str, int] = {}
        t._rule = np.fromiter((names.setdefault(str(r), len(names)) for r in rules.tolist()), dtype=np.int16, count=n)
        t._rules = tuple(names)
        t._account = np.asarray(account, dtype=np.int64)
        t._value = t._threshold = np.zeros(n)
        t._score = np.asarray(score, dtype=np.float64)
        t._window, t._has_window = np.zeros((n, 2), dtype=np.int64), np.zeros(n, dtype=bool)
        t._mov_ptr, t._mov = np.zeros(n + 1, dtype=np.int64), b""
        counts, flat = accounts
        t._acc_ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=t._acc_ptr[1:])
        t._acc = np.asarray(flat).astype(np.int32).tobytes()
        t._details = np.asarray(details, dtype=object)
        return t

    # -- the sequence ------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._rule)

    @overload
    def __getitem__(self, i: int) -> Finding: ...
    @overload
    def __getitem__(self, i: slice) -> list[Finding]: ...
    def __getitem__(self, i: int | slice) -> Finding | list[Finding]:
        if isinstance(i, slice):
            return [self._finding(j) for j in range(*i.indices(len(self)))]
        j = operator.index(i)
        n = len(self)
        if j < 0:
            j += n
        if not 0 <= j < n:
            raise IndexError("FindingTable index out of range")
        return self._finding(j)

    def __iter__(self) -> Iterator[Finding]:
        for j in range(len(self)):
            yield self._finding(j)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (FindingTable, list, tuple)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"FindingTable({len(self)} findings)"

    def _finding(self, j: int) -> Finding:
        return Finding(self._rules[self._rule[j]], self._account.item(j), self._rows(self._mov_ptr, self._mov, j),
                       self._value.item(j), self._threshold.item(j), self._rows(self._acc_ptr, self._acc, j),
                       self._window_of(j), self._score.item(j), self._details[j])

    @staticmethod
    def _rows(ptr: np.ndarray, buf: bytes, j: int) -> Rows:
        a, b = int(ptr[j]), int(ptr[j + 1])
        return Rows.from_bytes(buf[4 * a : 4 * b]) if b > a else EMPTY

    def _window_of(self, j: int) -> tuple[int, int] | None:
        if self._has_window is None:
            return self._window[j]
        if not self._has_window[j]:
            return None
        return (self._window.item(j, 0), self._window.item(j, 1))

    def _windows(self) -> list[Any]:
        return [self._window_of(j) for j in range(len(self))]

    # -- columns -----------------------------------------------------------------------------
    def rules(self) -> np.ndarray:
        """The rule id of every finding (an object array of the shared strings)."""
        return np.array(self._rules + ("",), dtype=object)[self._rule]

    def take(self, rows: np.ndarray) -> "FindingTable":
        """The findings at ``rows``, in that order, as a table of their own."""
        rows = np.asarray(rows, dtype=np.int64)
        t = FindingTable.__new__(FindingTable)
        t._rules, t._rule = self._rules, self._rule[rows]
        for name in ("_account", "_value", "_threshold", "_score", "_details"):
            setattr(t, name, getattr(self, name)[rows])
        t._window = self._window[rows]
        t._has_window = None if self._has_window is None else self._has_window[rows]
        for ptr, buf in (("_mov_ptr", "_mov"), ("_acc_ptr", "_acc")):
            counts, flat = self._flat(getattr(self, ptr), getattr(self, buf), rows)
            new_ptr = np.zeros(len(rows) + 1, dtype=np.int64)
            np.cumsum(counts, out=new_ptr[1:])
            setattr(t, ptr, new_ptr)
            setattr(t, buf, flat.tobytes())
        return t

    @property
    def account(self) -> np.ndarray:
        """Account row of every finding."""
        return self._account

    @property
    def score(self) -> np.ndarray:
        """Score of every finding."""
        return self._score

    @property
    def details(self) -> np.ndarray:
        """The details mapping of every finding (the objects themselves: setting a key on one is
        setting it on that finding)."""
        return self._details

    def accounts_rows(self, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(counts, flat)``: how many accounts each finding (of ``rows``, default all) involves,
        and their rows one finding after the other (int32)."""
        return self._flat(self._acc_ptr, self._acc, rows)

    def movements_rows(self, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(counts, flat)`` of the findings' movement rows, as :meth:`accounts_rows`."""
        return self._flat(self._mov_ptr, self._mov, rows)

    @staticmethod
    def _flat(ptr: np.ndarray, buf: bytes, rows: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        allrows = np.frombuffer(buf, dtype=np.int32)
        if rows is None:
            return np.diff(ptr), allrows.copy()
        rows = np.asarray(rows, dtype=np.int64)
        lo, counts = ptr[rows], ptr[rows + 1] - ptr[rows]
        if len(rows) and bool(np.all(rows[1:] > rows[:-1])):  # ascending: a mask (1 byte a row)
            keep = np.zeros(len(ptr) - 1, dtype=bool)
            keep[rows] = True
            return counts, allrows[np.repeat(keep, np.diff(ptr))]
        take = np.repeat(lo - (np.cumsum(counts) - counts), counts) + np.arange(int(counts.sum()))
        return counts, allrows[take]
