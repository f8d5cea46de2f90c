"""The NumPy stand-ins for pandas (toolkit.arrays): the same answers as the calls they replace,
bit for bit, with pandas as the oracle (tests may import it; the detection process may not)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit.arrays import factorize, group_cumsum, index_of, is_missing

CODES = np.array(["USD", "EUR", "GBP", None, "CHF", np.nan, ""], dtype=object)


def _bits(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=np.float64).view(np.uint64)


@pytest.mark.parametrize("n", [0, 1, 9, 2000])
@pytest.mark.parametrize("sort", [False, True])
def test_factorize_strings_like_pandas(n, sort):
    values = CODES[np.random.default_rng(n).integers(0, len(CODES), n)]
    want_codes, want_uniques = pd.factorize(values, sort=sort)
    for given in (values, values.tolist()):
        codes, uniques = factorize(given, sort=sort)
        assert codes.tolist() == want_codes.tolist()
        assert uniques.tolist() == want_uniques.tolist()


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.float64])
@pytest.mark.parametrize("sort", [False, True])
def test_factorize_numbers_like_pandas(dtype, sort):
    values = np.random.default_rng(3).integers(-5, 40, 3000).astype(dtype)
    if dtype is np.float64:
        values[[4, 17, 2999]] = np.nan  # missing: code -1
    want_codes, want_uniques = pd.factorize(values, sort=sort)
    codes, uniques = factorize(values, sort=sort)
    assert codes.tolist() == want_codes.tolist()
    assert uniques.dtype == want_uniques.dtype and np.array_equal(uniques, want_uniques)


def test_missing_values_like_pandas():
    assert is_missing(CODES).tolist() == pd.isna(CODES).tolist() == [False, False, False, True, False, True, False]
    assert is_missing(np.array([1.0, np.nan])).tolist() == [False, True]


def test_index_of_like_get_indexer():
    rng = np.random.default_rng(1)
    keys = np.array([f"A{i:05d}" for i in rng.permutation(4000)], dtype=object)
    wanted = np.array([f"A{i:05d}" for i in rng.integers(0, 5000, 9000)], dtype=object)
    expect = pd.Index(keys).get_indexer(wanted).tolist()
    assert index_of(keys, wanted).tolist() == expect
    assert index_of(keys, wanted.tolist()).tolist() == expect
    # movement ids live in NumPy's StringDType
    assert index_of(keys.astype(np.dtypes.StringDType()), wanted.tolist()).tolist() == expect
    assert index_of(keys, []).tolist() == [] and index_of(np.empty(0, dtype=object), ["A"]).tolist() == [-1]


def test_index_of_refuses_duplicate_keys():
    with pytest.raises(ValueError, match="not unique"):
        index_of(np.array(["a", "b", "a"], dtype=object), ["a"])


def test_group_cumsum_is_pandas_kahan_sum_bit_for_bit():
    rng = np.random.default_rng(2)
    usd = (rng.uniform(8000, 10000, 20000) * rng.choice([1.0, 0.9, 1.1], 20000)).round(2)
    usd[7] = np.nan
    for groups in (np.sort(rng.integers(0, 300, 20000)), rng.integers(0, 40, 20000)):
        want = pd.Series(usd).groupby(groups).cumsum().to_numpy()
        assert np.array_equal(_bits(group_cumsum(usd, groups)), _bits(want))
    # the compensation matters: a plain running sum differs in the last bits
    assert not np.array_equal(np.cumsum(usd[8:]), pd.Series(usd[8:]).groupby(np.zeros(19992)).cumsum().to_numpy())
