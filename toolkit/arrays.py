"""The few table operations the detection pipeline needs, in plain NumPy.

Why not pandas: the pipeline used pandas for four things only (factorising a column, looking ids
up in an index, a grouped running sum, spotting missing values), and importing it (with the
pyarrow the neo4j driver then pulls in) cost about 90 MB of resident memory in a process whose
whole budget is 273 MB. These helpers give the same answers as the pandas calls they replace:
the same codes in the same order, the same positions, and bit for bit the same sums.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

__all__ = ["factorize", "index_of", "is_missing", "group_cumsum"]


def _is_missing_key(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def factorize(values: Iterable[Any] | np.ndarray, sort: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Codes and distinct values of a column, like ``pandas.factorize``.

    Codes number the distinct values in order of first appearance (sorted order with
    ``sort=True``); missing values (``None``, NaN) get code ``-1`` and are not among the
    uniques.

    Why a dict for strings: a column of a few currency or channel codes among millions of rows is
    hashed once per row by a C-level loop (``dict.fromkeys``, ``map``), about 110 ms for 2.4M
    rows, where sorting the Python strings (``np.unique`` on objects) takes about 900 ms.

    Parameters
    ----------
    values : array_like
        Hashable values: strings (object arrays, lists) or numbers.
    sort : bool
        Number the uniques in sorted order instead of first appearance.

    Returns
    -------
    codes : ndarray of intp
    uniques : ndarray
        Object array for strings and other objects, the input dtype for numeric arrays.

    Examples
    --------
    >>> codes, uniques = factorize(["b", "a", None, "b"])
    >>> codes.tolist(), uniques.tolist()
    ([0, 1, -1, 0], ['b', 'a'])
    >>> factorize(["b", "a", "b"], sort=True)[0].tolist()
    [1, 0, 1]
    """
    if isinstance(values, np.ndarray) and values.dtype.kind in "biuf":
        return _factorize_numeric(values.ravel(), sort)
    seq = values if isinstance(values, (np.ndarray, list, tuple)) else list(values)
    table: dict[Any, int] = dict.fromkeys(seq)  # type: ignore[arg-type]
    keys = [k for k in table if not _is_missing_key(k)]
    if sort:
        keys.sort()
    for k in table:
        table[k] = -1
    for i, k in enumerate(keys):
        table[k] = i
    codes = np.fromiter(map(table.__getitem__, seq), dtype=np.intp, count=len(seq))
    uniques = np.empty(len(keys), dtype=object)
    uniques[:] = keys
    return codes, uniques


def _factorize_numeric(a: np.ndarray, sort: bool) -> tuple[np.ndarray, np.ndarray]:
    missing = np.isnan(a) if a.dtype.kind == "f" else None
    vals = a[~missing] if missing is not None and missing.any() else a
    uniq, first, inv = np.unique(vals, return_index=True, return_inverse=True)
    if sort:
        rank = np.arange(len(uniq), dtype=np.intp)
    else:  # renumber by first appearance
        order = np.argsort(first, kind="stable")
        rank = np.empty(len(uniq), dtype=np.intp)
        rank[order] = np.arange(len(uniq), dtype=np.intp)
        uniq = uniq[order]
    codes = rank[inv.ravel()]
    if vals is not a:
        full = np.full(len(a), -1, dtype=np.intp)
        full[~missing] = codes
        codes = full
    return codes, uniq


def index_of(keys: np.ndarray | Iterable[Any], values: np.ndarray | Iterable[Any]) -> np.ndarray:
    """Position of every value in ``keys``, ``-1`` where absent, like
    ``pandas.Index(keys).get_indexer(values)``.

    One sort of ``keys`` and a binary search per value, so nothing is built per key beyond the
    sort order (a dict of 2.4M movement ids would be ~250 MB).

    Raises
    ------
    ValueError
        ``keys`` holds a value twice (a position would be ambiguous).

    Examples
    --------
    >>> index_of(["a", "c", "b"], ["b", "x", "a"]).tolist()
    [2, -1, 0]
    """
    k = keys if isinstance(keys, np.ndarray) else np.asarray(list(keys), dtype=object)
    v = np.asarray(values if isinstance(values, np.ndarray) else list(values), dtype=k.dtype)
    out = np.full(len(v), -1, dtype=np.intp)
    if len(k) == 0 or len(v) == 0:
        return out
    order = np.argsort(k, kind="stable")
    sk = k[order]
    if len(sk) > 1 and np.any(sk[1:] == sk[:-1]):
        raise ValueError("index_of: keys are not unique")
    pos = np.searchsorted(sk, v)
    np.minimum(pos, len(sk) - 1, out=pos)
    hit = np.asarray(sk[pos] == v, dtype=bool)
    out[hit] = order[pos[hit]]
    return out


def is_missing(values: np.ndarray) -> np.ndarray:
    """``None`` or NaN, element-wise (``pandas.isna`` for object and float columns)."""
    a = np.asarray(values)
    if a.dtype.kind == "f":
        return np.isnan(a)
    if a.dtype.kind != "O":
        return np.zeros(a.shape, dtype=bool)
    return np.fromiter(map(_is_missing_key, a.ravel()), dtype=bool, count=a.size).reshape(a.shape)


def group_cumsum(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Running sum of ``values`` within each group, in row order (``Series.groupby().cumsum()``).

    Compensated (Kahan) summation, as pandas does: the rounding error stays at the last bit of
    one group's total instead of growing with the number of rows, and the sums are bit for bit
    those pandas gave. NaN values give NaN and leave the running sum as it was. A Python loop, one
    step per row: fine for the few thousand rows the structuring rule sums, not for millions.
    """
    x = np.asarray(values, dtype=np.float64)
    g = np.asarray(groups)
    out: list[float] = x.tolist()
    total: dict[Any, float] = {}
    comp: dict[Any, float] = {}
    for i, grp in enumerate(g.tolist()):
        val = out[i]
        if val != val:
            continue
        s = total.get(grp, 0.0)
        y = val - comp.get(grp, 0.0)
        t = s + y
        comp[grp] = (t - s) - y
        total[grp] = t
        out[i] = t
    return np.array(out, dtype=np.float64)
