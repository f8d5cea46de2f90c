"""Movements are read in (time, id) order: the tie-limited sort equals the full lexicographic one."""

from __future__ import annotations

from pathlib import Path

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


def test_the_read_layout_changes_no_finding():
    # The random bank of test_amount_features (transfers, self-transfers, cash, three currencies):
    # every amount rule, typology, feature and path endpoint is the same with int32 account rows
    # and currency and channel as Labels as with int64 rows and object arrays of strings.
    from tests.unit.test_amount_features import _random_network
    from toolkit.amounts import AmountParams, load_limits, run_amount_rules
    from toolkit.detect import run_typologies
    from toolkit.labels import Labels
    from toolkit.network import as_read, row_dtype
    from toolkit.paths.endpoints import integration_accounts, placement_accounts
    from toolkit.scoring.features import account_features, amount_features

    wide = _random_network(3)
    narrow = as_read(wide)
    m = narrow.movements
    assert wide.movements.src.dtype == np.int64 and m.src.dtype == m.dst.dtype == np.int32
    assert isinstance(m.currency, Labels) and isinstance(m.channel, Labels) and m.currency.codes.dtype == np.int8
    assert row_dtype(2**31) == np.int64 and as_read(narrow) is narrow
    assert (m.dst == wide.movements.dst).all() and (m.src == -1).any()
    assert list(m.currency) == list(wide.movements.currency) and m.channel[5] == wide.movements.channel[5]
    limits = load_limits(Path(__file__).resolve().parents[2] / "config" / "limits.csv")
    for run in (lambda n: run_amount_rules(n, AmountParams(limits=limits)), run_typologies):
        a, b = run(wide).findings, run(narrow).findings
        assert len(a) == len(b) and all(x == y for x, y in zip(a, b))
    for f in (account_features, amount_features):
        assert np.array_equal(f(wide).X, f(narrow).X)
    for f in (placement_accounts, integration_accounts):
        assert np.array_equal(f(wide), f(narrow))


def test_labels_read_like_the_object_array_they_stand_for():
    from toolkit.labels import Labels

    values = np.array(["USD", "EUR", None, "USD", "JPY"], dtype=object)
    lab = Labels.from_values(values)
    assert lab.codes.dtype == np.int8 and len(lab) == 5 and lab.shape == (5,) and lab.dtype == object
    assert np.asarray(lab).tolist() == values.tolist() and np.asarray(lab, dtype=object).dtype == object
    assert lab[0] == "USD" and lab[2] is None and lab[-1] == "JPY"
    assert lab[np.array([4, 0])].tolist() == ["JPY", "USD"] and lab[values == "USD"].tolist() == ["USD", "USD"]
    assert (lab == "USD").tolist() == [True, False, False, True, False] and list(lab) == values.tolist()
    assert lab.astype(str).tolist() == ["USD", "EUR", "None", "USD", "JPY"]
    assert np.concatenate([lab, lab]).tolist() == values.tolist() * 2
    assert lab[0] is lab[3]  # one shared object per category, as in the reader's object arrays
    import pickle

    assert pickle.loads(pickle.dumps(lab)).tolist() == values.tolist()
