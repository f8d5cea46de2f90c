"""Movements are read in (time, id) order: the tie-limited sort equals the full lexicographic one."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.network import _IDS, time_then_id_order


def test_ties_in_time_are_ordered_by_id():
    ts = np.array([5, 3, 5, 3, 9, 5], dtype=np.int64)
    ids = np.array(["m9", "m2", "m1", "m10", "m0", "m5"], dtype=_IDS)
    order = time_then_id_order(ts, ids)
    assert [(int(ts[i]), str(ids[i])) for i in order] == [
        (3, "m10"), (3, "m2"), (5, "m1"), (5, "m5"), (5, "m9"), (9, "m0")]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.text("abc", max_size=3)), max_size=40, unique_by=lambda r: r[1]))
def test_equals_the_full_lexicographic_sort(rows):
    ts = np.array([t for t, _ in rows], dtype=np.int64)
    ids = np.array([i for _, i in rows], dtype=_IDS)
    assert time_then_id_order(ts, ids).tolist() == np.lexsort((ids, ts)).tolist()


def test_the_read_layout_keeps_account_rows_as_int32_and_changes_no_finding():
    # The random bank of test_amount_features (transfers, self-transfers, cash, three currencies):
    # every amount rule and typology finds the same with int32 account rows as with int64.
    from tests.unit.test_amount_features import _random_network
    from toolkit.amounts import run_amount_rules
    from toolkit.detect import run_typologies
    from toolkit.network import as_read, row_dtype
    from toolkit.scoring.features import account_features

    wide = _random_network(3)
    narrow = as_read(wide)
    assert wide.movements.src.dtype == np.int64 and narrow.movements.src.dtype == narrow.movements.dst.dtype == np.int32
    assert row_dtype(2**31) == np.int64 and as_read(narrow) is narrow
    assert (narrow.movements.dst == wide.movements.dst).all() and (narrow.movements.src == -1).any()
    for run in (run_amount_rules, run_typologies):
        a, b = run(wide).findings, run(narrow).findings
        assert len(a) == len(b) and all(x == y for x, y in zip(a, b))
    assert np.array_equal(account_features(wide).X, account_features(narrow).X)
