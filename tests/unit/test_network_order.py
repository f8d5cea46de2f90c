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
