"""Findings keep their evidence as packed row numbers that behave like the tuples they replace."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from toolkit.findings import EMPTY, Finding, Rows, as_rows, split_rows


def test_rows_behave_like_the_tuple_of_the_same_numbers():
    r = Rows((5, 6, 70000))
    assert r == (5, 6, 70000) and r == [5, 6, 70000] and (5, 6, 70000) == r
    assert r != (5, 6) and r != (5, 6, 7)
    assert hash(r) == hash((5, 6, 70000))
    assert list(r) == [5, 6, 70000] and all(type(x) is int for x in r)
    assert len(r) == 3 and r[0] == 5 and r[-1] == 70000 and r[1:] == (6, 70000)
    assert 6 in r and 7 not in r
    assert (1,) + r == (1, 5, 6, 70000) and r + (8,) == (5, 6, 70000, 8)
    assert sorted([Rows((2, 1)), Rows((1, 9)), Rows((1, 2, 3))]) == [(1, 2, 3), (1, 9), (2, 1)]
    assert repr(r) == "(5, 6, 70000)"


def test_rows_take_four_bytes_each_and_view_as_numpy_without_copy():
    r = Rows(np.arange(1000, dtype=np.int64))
    a = np.asarray(r)
    assert a.dtype == np.int32 and a.tolist() == list(range(1000))
    assert not a.flags.owndata and not a.flags.writeable
    assert len(r._b) == 4000


def test_rows_refuse_numbers_beyond_32_bits():
    with pytest.raises(OverflowError):
        Rows(np.array([2**31], dtype=np.int64))
    with pytest.raises(OverflowError):
        Rows((2**31,))


def test_split_rows_cuts_one_array_into_consecutive_groups():
    groups = split_rows(np.array([3, 4, 5, 9, 1]), np.array([2, 0, 3]))
    assert groups == [(3, 4), (), (5, 9, 1)]
    assert groups[1] is EMPTY


def test_finding_stores_any_sequence_as_rows_and_survives_pickle():
    f = Finding("cycle", 0, [4, 5], 3.0, 2.0, accounts=np.array([1, 2]), details={"length": 3})
    assert isinstance(f.movements, Rows) and isinstance(f.accounts, Rows)
    assert f.movements == (4, 5) and f.accounts == (1, 2)
    assert Finding("large_amount", 1, (), 1.0, 1.0).accounts is EMPTY
    g = pickle.loads(pickle.dumps(f))
    assert g == f and g.movements == (4, 5)
    assert as_rows(f.movements) is f.movements
