"""The paper's baselines as scikit-learn estimators, the out-of-fold protocol, tabular features."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from toolkit.frames import Network
from toolkit.scoring.baselines import MLBaseline, MLRandomWalkBaseline, cross_val_scores
from toolkit.scoring.features import account_features, distinct_degrees


@parametrize_with_checks([MLBaseline(max_iter=30, random_state=0), MLRandomWalkBaseline(max_iter=30, random_state=0)])
def test_sklearn_estimator_contract(estimator, check):
    check(estimator)


def test_fitted_attributes_and_probabilities():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] > 1.2).astype(int)
    clf = MLBaseline(random_state=0).fit(X, y)
    assert list(clf.classes_) == [0, 1] and clf.n_features_in_ == 4
    proba = clf.predict_proba(X)
    assert proba.shape == (400, 2) and np.allclose(proba.sum(axis=1), 1.0)
    assert clf.score(X, y) > 0.9
    # same seed, same model
    again = MLBaseline(random_state=0).fit(X, y).predict_proba(X)
    assert np.array_equal(proba, again)


def test_out_of_fold_scores_never_see_their_own_label():
    # Labels are pure noise, but each row has a unique feature value, so a model that saw a row's
    # label could memorise it (in-sample AUC ~1). Out of fold it cannot: AUC ~0.5.
    rng = np.random.default_rng(1)
    n = 600
    X = rng.permutation(n).reshape(-1, 1).astype(float)
    y = rng.random(n) < 0.2
    in_sample = MLBaseline(max_leaf_nodes=63, early_stopping=False, random_state=0).fit(X, y).predict_proba(X)[:, 1]
    assert roc_auc_score(y, in_sample) > 0.9
    oof = cross_val_scores(MLBaseline(max_leaf_nodes=63, early_stopping=False, random_state=0), X, y, 5, 0)
    assert 0.35 < roc_auc_score(y, oof) < 0.65


def test_out_of_fold_degenerate_labels():
    X = np.arange(10, dtype=float).reshape(-1, 1)
    assert np.all(cross_val_scores(MLBaseline(), X, np.zeros(10, dtype=int)) == 0.0)
    one = np.zeros(10, dtype=int)
    one[3] = 1  # one positive: fewer positives than folds, no split possible
    assert np.allclose(cross_val_scores(MLBaseline(), X, one), 0.1)


# Three accounts: A pays B twice (100 and 10), B pays C once (50), C pays C (self-transfer);
# A deposits 1000 in cash, C withdraws 20.
SMALL = Network.from_rows(
    [{"id": "A"}, {"id": "B", "class": "business", "registered_capital": 1000.0}, {"id": "C"}],
    [
        {"id": "t1", "from": "A", "to": "B", "amount": 100.0, "ts": 0, "channel": "wire"},
        {"id": "t2", "from": "A", "to": "B", "amount": 10.0, "ts": 86_400, "channel": "card"},
        {"id": "t3", "from": "B", "to": "C", "amount": 50.0, "ts": 2 * 86_400, "channel": "wire"},
        {"id": "t4", "from": "C", "to": "C", "amount": 5.0, "ts": 3 * 86_400, "channel": "wire"},
        {"id": "d1", "kind": "deposit", "to": "A", "amount": 1000.0, "ts": 0, "channel": "cash"},
        {"id": "w1", "kind": "withdrawal", "from": "C", "amount": 20.0, "ts": 4 * 86_400, "channel": "cash"},
    ],
)


def test_features_by_hand():
    f = account_features(SMALL)
    col = f.column
    assert col("in_degree").tolist() == [0.0, 1.0, 2.0]  # C: from B and from itself
    assert col("out_degree").tolist() == [1.0, 1.0, 1.0]
    assert np.expm1(col("tx_out_count")).round(6).tolist() == [2.0, 1.0, 1.0]
    assert np.expm1(col("tx_in_sum")).round(6).tolist() == [0.0, 110.0, 55.0]
    assert np.expm1(col("tx_out_max")).round(6).tolist() == [100.0, 50.0, 5.0]
    assert np.expm1(col("dep_sum")).round(6).tolist() == [1000.0, 0.0, 0.0]
    assert np.expm1(col("wd_count")).round(6).tolist() == [0.0, 0.0, 1.0]
    # A: 3 movements (t1, t2, d1), one of them by card
    assert col("ch_card").tolist() == pytest.approx([1 / 3, 1 / 3, 0.0])
    assert col("span_days").tolist() == pytest.approx([1.0, 2.0, 2.0])
    assert col("class_business").tolist() == [0.0, 1.0, 0.0]
    assert col("has_capital").tolist() == [0.0, 1.0, 0.0]
    # B forwards 50 of the 110 it received
    assert col("pass_through")[1] == pytest.approx(50 / 110)
    assert f.X.shape == (3, len(f.names)) and np.isfinite(f.X).all()


def test_features_of_an_empty_network():
    f = account_features(Network.from_rows([], []))
    assert f.X.shape[0] == 0
    din, dout = distinct_degrees(Network.from_rows([{"id": "A"}], []))
    assert din.tolist() == [0.0] and dout.tolist() == [0.0]
