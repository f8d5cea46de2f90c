"""The NumPy stand-ins for pandas and scipy.stats (toolkit.arrays, the Poisson tail, the bounds'
quantiles): the same answers as the calls they replaced, bit for bit, with those libraries as the
oracles (tests may import them; the detection process may not)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from toolkit.amounts import upper_bound
from toolkit.arrays import factorize, group_cumsum, index_of, is_missing
from toolkit.detect import FlowView
from toolkit.detect.view import poisson_sf

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


def test_poisson_tail_is_scipy_stats_bit_for_bit():
    rng = np.random.default_rng(4)
    k = np.r_[rng.integers(-3, 80, 50000).astype(np.float64), 0.5, 2.7, np.inf, -np.inf, np.nan]
    mu = np.r_[rng.uniform(0, 40, 50000) * (rng.random(50000) < 0.9), 3.0, 2.0, 1.0, 1.0, 1.0]
    mu[:20] = 1e-12
    assert np.array_equal(_bits(poisson_sf(k, mu)), _bits(stats.poisson.sf(k, mu)))
    assert np.isnan(poisson_sf(3.0, -1.0)) and np.isnan(stats.poisson.sf(3.0, -1.0))
    assert poisson_sf(3.0, 2.0) == stats.poisson.sf(3.0, 2.0)


def test_chance_of_a_busy_window_as_with_scipy_stats():
    from tests.unit.detect_graphs import synthetic_network

    net, _ = synthetic_network(n_accounts=1000, n_transfers=20_000, days=60, inject=2)
    view = FlowView.from_network(net)
    rng = np.random.default_rng(6)
    acc = np.arange(1000)
    counts = view.transfer_counts(view.inn)
    in_window = rng.integers(0, np.maximum(counts, 1)) * (counts > 0)
    count = in_window + rng.integers(0, 3, 1000)
    window = 3 * 86_400
    got = view.chance(view.inn, acc, in_window, count, window)
    lam = (counts - in_window) * (window / (view.span - window))
    tail = stats.poisson.sf(count - 1.0, np.maximum(lam, 1e-12))
    want = (view.span / window) * np.where(lam > 0, tail, 0.0)
    assert np.array_equal(_bits(got), _bits(want)) and (got > 0).sum() > 100


@pytest.mark.parametrize("alpha", [0.05, 0.01, 0.2])
def test_bound_quantiles_are_scipy_stats_bit_for_bit(alpha):
    rng = np.random.default_rng(5)
    n = rng.integers(0, 400, 3000).astype(np.float64)
    mu, sigma = rng.normal(500, 100, 3000), rng.uniform(0, 50, 3000)
    ok = n >= 2
    mean = np.full(3000, np.nan)
    mean[ok] = mu[ok] + stats.norm.ppf(1.0 - alpha) * sigma[ok] / np.sqrt(n[ok])
    pred = np.full(3000, np.nan)
    pred[ok] = mu[ok] + stats.t.ppf(1.0 - alpha, n[ok] - 1.0) * sigma[ok] * np.sqrt(1.0 + 1.0 / n[ok])
    assert np.array_equal(_bits(upper_bound(mu, sigma, n, alpha=alpha, kind="mean")), _bits(mean))
    assert np.array_equal(_bits(upper_bound(mu, sigma, n, alpha=alpha, kind="prediction")), _bits(pred))
