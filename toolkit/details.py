"""The ``details`` of many findings, kept by column: one small object per finding instead of a dict.

Why: a detection run keeps every finding until its flags are written, and each finding's
``details`` was a dict of 5-20 figures. At 0.6M transfers the 60k typology findings held 43 MB
of such dicts (600-980 bytes each: the hash table, a key pointer and a float or int object per
figure) and the 36k amount findings 19 MB, in a process that must stay under 273 MB. Findings of
one detector carry the same keys with values of the same types, so :func:`pack_details` stores
their figures as NumPy columns (8 bytes a figure) in one :class:`DetailTable` and gives each
finding a :class:`Details` that reads its row: measured at 0.6M transfers, 62 MB of dicts became
11 MB.

A :class:`Details` is a mutable mapping that behaves like the dict it replaces: the same keys in
the same order, and values of the same Python types, bit for bit (a float column gives back the
very ``float``, an int column ``int``, a bool column ``bool``; anything else, such as ``None``, a
string or a list, is kept as the object itself). It compares equal to that dict, ``dict(d)``
copies it, and setting a key (as :func:`toolkit.detect.passers.mark_passers` does) stores that
key on the finding alone. Readers should test for :class:`collections.abc.Mapping`, not
``dict``.

Detectors with many findings build them straight from their NumPy columns
(:func:`detail_rows`): no dict per finding is made at all, which saves the time and the memory
the short-lived dicts leave behind (freed small blocks between the findings that stay).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from typing import Any

import numpy as np

__all__ = ["DetailTable", "Details", "pack_details", "detail_rows", "set_many"]

class _Missing:
    """Marks a row of a sparse column that does not have the key (pickles as this one object)."""

    def __reduce__(self) -> str:
        return "_MISSING"

    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()


class DetailTable:
    """The figures of several findings with the same keys: one column per key.

    Attributes
    ----------
    keys : tuple of str
        In the order the findings' dicts had them.
    index : dict of str -> int
        Column of every key.
    columns : list of ndarray
        ``float64``, ``int64`` or ``bool`` where every value of the key had exactly that Python
        type (and ints fit 64 bits), else ``object`` holding the values themselves.
    sparse : set of int
        Columns added to some rows only (:func:`set_many`); the others hold a marker there and do
        not have the key.
    """

    __slots__ = ("keys", "index", "columns", "sparse")

    def __init__(self, keys: Sequence[str], columns: Sequence[np.ndarray]) -> None:
        self.keys = tuple(keys)
        self.index = {k: i for i, k in enumerate(self.keys)}
        self.columns = list(columns)
        self.sparse: set[int] = set()

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def row(self, i: int) -> "Details":
        """The details of row ``i``."""
        return Details(self, i)

    def _add_sparse(self, key: str, rows: list[int], values: list[Any]) -> None:
        col = np.empty(len(self), dtype=object)
        col.fill(_MISSING)
        for r, v in zip(rows, values):
            col[r] = v
        self.sparse.add(len(self.keys))
        self.index[key] = len(self.keys)
        self.keys = (*self.keys, key)
        self.columns.append(col)


#: The table of details that left their table (after a key was deleted): all in ``_extra``.
_NO_TABLE = DetailTable((), [])


class Details(MutableMapping[str, Any]):
    """One finding's figures: a row of a :class:`DetailTable`, plus keys set on it alone."""

    __slots__ = ("_table", "_row", "_extra")

    def __init__(self, table: DetailTable, row: int) -> None:
        self._table = table
        self._row = row
        self._extra: dict[str, Any] | None = None  # keys set on this finding after packing

    def _column(self, key: object) -> int:
        """The column of ``key`` if this row has it in the table, else -1."""
        t = self._table
        j = t.index.get(key, -1)  # type: ignore[call-overload]
        if j >= 0 and t.sparse and j in t.sparse and t.columns[j][self._row] is _MISSING:
            return -1
        return j

    def __getitem__(self, key: str) -> Any:
        extra = self._extra
        if extra is not None and key in extra:
            return extra[key]
        j = self._column(key)
        if j < 0:
            raise KeyError(key)
        return self._table.columns[j].item(self._row)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        extra = self._extra
        return (extra is not None and key in extra) or self._column(key) >= 0

    def __setitem__(self, key: str, value: Any) -> None:
        if self._extra is None:
            self._extra = {}
        self._extra[key] = value  # a key the row has keeps its place when iterating, as in a dict

    def __delitem__(self, key: str) -> None:
        # rare: become a plain dict inside, which then orders any later key exactly as a dict does
        d = dict(self)
        del d[key]
        self._table, self._row, self._extra = _NO_TABLE, 0, d

    def __iter__(self) -> Iterator[str]:
        t, extra = self._table, self._extra
        if extra is None and not t.sparse:
            yield from t.keys
            return
        for k in t.keys:
            if self._column(k) >= 0:
                yield k
        for k in extra or ():
            if self._column(k) < 0:
                yield k

    def __len__(self) -> int:
        if self._extra is None and not self._table.sparse:
            return len(self._table.keys)
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return repr(dict(self))


def set_many(details: Sequence[MutableMapping[str, Any]], key: str, values: Sequence[Any]) -> None:
    """``details[i][key] = values[i]`` for every ``i``, as one column per :class:`DetailTable`
    where it can (8 bytes a row instead of a dict on each finding).

    The column is used for the rows of a table that has no ``key`` yet and that carry no keys of
    their own (so the key lands last, where a dict puts it); any other mapping gets the key set
    one by one.
    """
    by_table: dict[int, tuple[DetailTable, list[int], list[Any]]] = {}
    for d, v in zip(details, values):
        if type(d) is Details and d._extra is None and key not in d._table.index and d._table is not _NO_TABLE:
            entry = by_table.setdefault(id(d._table), (d._table, [], []))
            entry[1].append(d._row)
            entry[2].append(v)
        else:
            d[key] = v
    for table, rows, vals in by_table.values():
        table._add_sparse(key, rows, vals)


def _column(values: list[Any]) -> np.ndarray:
    kind = type(values[0])
    if kind in (float, int, bool) and all(type(v) is kind for v in values):
        try:
            return np.array(values, dtype={float: np.float64, int: np.int64, bool: np.bool_}[kind])
        except OverflowError:  # an int beyond 64 bits: kept as it is
            pass
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):  # not out[:] = values: a list value would be unpacked
        out[i] = v
    return out


def pack_details(findings: Sequence[Any]) -> None:
    """Replace, in place, the ``details`` dict of every finding by a :class:`Details` over one
    :class:`DetailTable` per set of keys (module docstring). Findings whose details are empty
    or not a plain dict are left as they are."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, f in enumerate(findings):
        d = f.details
        if type(d) is dict and d:
            groups.setdefault(tuple(d), []).append(i)
    for keys, rows in groups.items():
        dicts = [findings[i].details for i in rows]
        table = DetailTable(keys, [_column([d[k] for d in dicts]) for k in keys])
        del dicts
        for r, i in enumerate(rows):
            object.__setattr__(findings[i], "details", Details(table, r))  # Finding is frozen


def detail_rows(n: int, columns: Mapping[str, Any]) -> list[Details]:
    """The details of ``n`` findings from their columns, without a dict per finding.

    ``columns`` maps each key, in the order the details list them, to an array of ``n`` values
    (row ``i`` reads as ``array.tolist()[i]`` would: give the array the dtype whose Python type
    the value must have, e.g. ``astype(np.int64)`` where a dict held ``int(x)``), or to one value
    shared by all rows.
    """
    if n == 0:
        return []
    cols = []
    for key, v in columns.items():
        if isinstance(v, np.ndarray):
            if v.shape != (n,):
                raise ValueError(f"details column {key!r}: shape {v.shape}, expected ({n},)")
            cols.append(v)
        else:
            cols.append(_column([v] * n))
    table = DetailTable(list(columns), cols)
    return [Details(table, i) for i in range(n)]
