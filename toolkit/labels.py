"""A column of a few distinct strings, kept as small integer codes.

Why: every movement has a currency and a channel, a dozen distinct values among millions of rows.
As NumPy object arrays of shared strings they cost 8 bytes a row each: at 0.6M transfers 11 MB
of the 273 MB the benchmark's ``ours`` process may hold, for the whole run, and 38 MB at 2.1M.
:func:`toolkit.network.read_network` keeps them as :class:`Labels` instead: one byte a row.

A :class:`Labels` stands for the object array ``categories[codes]`` (``None`` where the code is
-1) wherever the toolkit reads such a column: ``np.asarray(labels)`` and ``np.asarray(labels,
dtype=object)`` give that array, indexing gives its element (a ``str`` or ``None``) or, with an
index array or mask, an object array of them; ``len``, iteration, ``tolist``, ``astype`` and
``==`` work as on the array. The strings are the category objects themselves, so values read
from it are the very objects an object array of shared strings would give.
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from toolkit.arrays import factorize

__all__ = ["Labels"]


class Labels:
    """Codes into ``categories`` (module docstring).

    Attributes
    ----------
    codes : ndarray of int8 (int16, int32 for more categories)
        One per row; -1 for a missing value.
    categories : ndarray of object
        The distinct values.
    """

    __slots__ = ("codes", "categories", "_lookup")

    def __init__(self, codes: np.ndarray, categories: np.ndarray) -> None:
        self.codes = codes
        self.categories = np.asarray(categories, dtype=object)
        self._lookup = np.append(self.categories, None)  # code -1 reads the last slot: None

    @classmethod
    def from_values(cls, values: Any) -> "Labels":
        """Labels of an array (or list) of strings; ``None`` stays missing."""
        codes, cats = factorize(np.asarray(values, dtype=object))
        return cls(codes.astype(_code_dtype(len(cats))), cats)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = self._lookup[self.codes]
        return out if dtype is None else out.astype(dtype)

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, index: Any) -> Any:
        return self._lookup[self.codes[index]]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.tolist())

    def __eq__(self, other: object) -> Any:  # elementwise, as the array's ==
        return np.asarray(self) == other

    def __ne__(self, other: object) -> Any:
        return np.asarray(self) != other

    __hash__ = None  # type: ignore[assignment]

    def tolist(self) -> list[Any]:
        return np.asarray(self).tolist()

    def astype(self, dtype: Any, **kwargs: Any) -> np.ndarray:
        return np.asarray(self).astype(dtype, **kwargs)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(object)

    @property
    def shape(self) -> tuple[int]:
        return (len(self.codes),)

    @property
    def nbytes(self) -> int:
        return int(self.codes.nbytes)

    def __repr__(self) -> str:
        return f"Labels({len(self)} rows, categories {self.categories.tolist()})"

    def __reduce__(self) -> tuple[Any, tuple[np.ndarray, np.ndarray]]:
        return (Labels, (self.codes, self.categories))


def _code_dtype(n_categories: int) -> type:
    for t in (np.int8, np.int16, np.int32):
        if n_categories <= np.iinfo(t).max:
            return t
    return np.int64
