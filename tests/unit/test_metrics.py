"""Metrics on hand-made confusion matrices, and PR-AUC against scikit-learn's average precision."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, precision_recall_curve

from toolkit.scoring.metrics import average_precision, best_f1_threshold, binary_metrics, confusion, pr_curve

# Ten accounts: truth 5 laundering; the method flags 4, of which 3 are right.
#   tp = 3 (rows 0-2), fn = 2 (rows 3-4), fp = 1 (row 5), tn = 4 (rows 6-9)
Y_TRUE = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
Y_PRED = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]


def test_confusion_matrix_by_hand():
    c = confusion(Y_TRUE, Y_PRED)
    assert (c.tp, c.fp, c.fn, c.tn) == (3, 1, 2, 4)
    assert c.matrix() == [[4, 1], [2, 3]]
    assert c.accuracy == pytest.approx(0.7)
    assert c.precision == pytest.approx(0.75)
    assert c.recall == pytest.approx(0.6)
    assert c.f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)


def test_binary_metrics_headline_keys_and_values():
    m = binary_metrics(Y_TRUE, Y_PRED)
    assert list(m.headline()) == ["accuracy", "precision", "recall", "f1", "pr_auc"]
    assert (m.tp, m.fp, m.fn, m.tn, m.positives, m.n) == (3, 1, 2, 4, 5, 10)
    # Without scores the decisions rank: 4 flagged first (precision 3/4 at recall 3/5), then the
    # rest (precision 5/10 at recall 1): AP = 0.6 * 0.75 + 0.4 * 0.5
    assert m.pr_auc == pytest.approx(0.6 * 0.75 + 0.4 * 0.5)


def test_degenerate_cases():
    nothing = binary_metrics([0, 0, 0], [0, 0, 0], [0.1, 0.2, 0.3])
    assert nothing.precision == 0.0 and nothing.recall == 0.0 and nothing.f1 == 0.0
    assert math.isnan(nothing.pr_auc)
    assert nothing.accuracy == 1.0
    none_flagged = binary_metrics([1, 0], [0, 0], [0.0, 0.0])
    assert none_flagged.precision == 0.0 and none_flagged.recall == 0.0
    with pytest.raises(ValueError):
        confusion([1, 0], [1])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_average_precision_matches_sklearn_with_ties(seed):
    rng = np.random.default_rng(seed)
    y = rng.random(500) < 0.1
    score = np.round(rng.random(500) + 0.5 * y, 1)  # rounding makes many ties
    assert average_precision(y, score) == pytest.approx(average_precision_score(y, score), abs=1e-12)


def test_pr_curve_matches_sklearn():
    rng = np.random.default_rng(7)
    y = rng.random(300) < 0.2
    s = np.round(rng.random(300), 2)
    p, r, t = pr_curve(y, s)
    sp, sr, st = precision_recall_curve(y, s)
    # scikit-learn lists thresholds ascending and appends the (precision 1, recall 0) end point
    assert np.allclose(p, sp[:-1][::-1]) and np.allclose(r, sr[:-1][::-1]) and np.allclose(t, st[::-1])
    assert np.all(np.diff(r) >= 0)


def test_best_f1_threshold_finds_a_perfect_cut():
    thr, f1 = best_f1_threshold([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    assert thr == pytest.approx(0.8) and f1 == pytest.approx(1.0)
