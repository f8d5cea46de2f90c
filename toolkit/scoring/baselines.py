"""The paper's two baselines as scikit-learn estimators, and the protocol they are evaluated with.

The paper (§5) compares its K-means-on-embeddings method with a "machine-learning based" method
and a "machine learning + random walk" method without saying which model either uses. We take
the most defensible reading and implement both honestly, i.e. as strong as we reasonably can:

``MLBaseline`` ("ml")
    A supervised classifier on the per-account tabular features of
    :func:`toolkit.scoring.features.account_features` (transfer counts, sums, means, maxima in
    and out, distinct in/out degree, log-amount statistics, cash deposits and withdrawals,
    pass-through ratio, channel mix, account class, capital). The model is scikit-learn's
    ``HistGradientBoostingClassifier`` (gradient-boosted trees: no scaling needed, robust to
    heavy tails, fast on 100k rows) with balanced class weights, because laundering accounts are
    about 1% of all accounts.

``MLRandomWalkBaseline`` ("ml_rw")
    The same model on the same features plus random-walk embeddings of every account: GDS
    Node2Vec with ``p = q = 1`` (which is DeepWalk: uniform truncated random walks fed to a
    skip-gram model), computed by :func:`toolkit.embeddings.node2vec`. Input columns are
    ``[tabular | walk embedding]``.

Protocol (identical for the baselines and for our method)
    Labels are used only by the baselines, and only out of fold: :func:`cross_val_scores` splits
    the labelled accounts into ``n_splits`` stratified folds with a fixed seed, fits on the other
    folds and scores each fold once, so every account's baseline score comes from a model that
    never saw its label. Our method never reads a label. All three methods are then measured on
    the same accounts with the same metrics; a baseline flags an account when its out-of-fold
    probability is >= 0.5, ours when its combined score is >= its configured threshold.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(200, 3)); y = (X[:, 0] > 1.0).astype(int)
>>> clf = MLBaseline(random_state=0).fit(X, y)
>>> bool(clf.score(X, y) > 0.9)
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["MLBaseline", "MLRandomWalkBaseline", "cross_val_scores"]


class MLBaseline(ClassifierMixin, BaseEstimator):
    """The paper's "machine-learning based" baseline: gradient-boosted trees on tabular features.

    Parameters
    ----------
    max_iter : int, default 300
        Most boosting iterations.
    learning_rate : float, default 0.1
    max_leaf_nodes : int, default 31
    class_weight : "balanced" or None, default "balanced"
        Re-weight the rare laundering class.
    early_stopping : bool, default True
        Stop when the loss on a 10% validation split has not improved for 10 iterations (only with
        at least 1,000 rows and 20 of each class; smaller sets use every iteration).
    n_threads : int or None, default 1
        OpenMP threads (None: all cores). One thread is faster on a busy 2-core machine and
        gives the same model.
    random_state : int or None
        Seed of the model's randomness (early-stopping split).

    Attributes
    ----------
    classes_ : ndarray
    n_features_in_ : int
    model_ : HistGradientBoostingClassifier or None
        None when the training labels had one class only.
    n_iter_ : int
        Boosting iterations run.
    """

    def __init__(self, max_iter: int = 300, learning_rate: float = 0.1, max_leaf_nodes: int = 31,
                 class_weight: str | None = "balanced", early_stopping: bool = True,
                 n_threads: int | None = 1, random_state: int | None = None) -> None:
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.class_weight = class_weight
        self.early_stopping = early_stopping
        self.n_threads = n_threads
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> "MLBaseline":
        from sklearn.ensemble import HistGradientBoostingClassifier

        X, y = validate_data(self, X, y, ensure_all_finite="allow-nan")
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) == 1:
            self.model_ = None  # one class only: predict it
            self.n_iter_ = 1
            return self
        # a 10% validation split needs enough rows of every class to say anything
        counts = np.unique(y, return_counts=True)[1]
        stop_early = bool(self.early_stopping) and len(y) >= 1000 and counts.min() >= 20
        self.model_ = HistGradientBoostingClassifier(
            max_iter=self.max_iter, learning_rate=self.learning_rate, max_leaf_nodes=self.max_leaf_nodes,
            class_weight=self.class_weight, early_stopping=stop_early, validation_fraction=0.1,
            n_iter_no_change=10, random_state=self.random_state,
        )
        with self._threads():
            self.model_.fit(X, y)
        self.n_iter_ = int(self.model_.n_iter_)
        return self

    def _threads(self) -> Any:
        from threadpoolctl import threadpool_limits

        return threadpool_limits(limits=self.n_threads)

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "classes_")
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan")
        if self.model_ is None:
            return np.ones((X.shape[0], 1))
        with self._threads():
            return self.model_.predict_proba(X)

    def predict(self, X: Any) -> np.ndarray:
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):  # noqa: D105 - scikit-learn hook
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class MLRandomWalkBaseline(MLBaseline):
    """The paper's "machine learning + random walk" baseline: :class:`MLBaseline` on the tabular
    features concatenated with random-walk (DeepWalk / Node2Vec) embeddings of each account.

    The estimator itself is the same model; what differs is its input, built by
    :func:`toolkit.jobs.scores.baseline_features` with ``walks=True``. Keeping it a separate
    class names the method in results and lets the two be tuned apart.
    """


def cross_val_scores(estimator: MLBaseline, X: np.ndarray, y: np.ndarray, n_splits: int = 5,
                     random_state: int = 0) -> np.ndarray:
    """Out-of-fold probability of the positive class for every row.

    Each row is scored by a clone of ``estimator`` fitted on the other folds (stratified, shuffled
    with ``random_state``). With fewer positives than folds the number of folds shrinks; with no
    positives (or no negatives) every score is the constant share of positives.
    """
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold

    y = np.asarray(y).astype(int)
    X = np.asarray(X, dtype=np.float64)
    out = np.zeros(len(y), dtype=np.float64)
    pos = int(y.sum())
    folds = min(n_splits, pos, len(y) - pos)
    if folds < 2:
        out[:] = pos / max(len(y), 1)
        return out
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    for train, test in skf.split(X, y):
        model = clone(estimator).fit(X[train], y[train])
        proba = model.predict_proba(X[test])
        col = list(model.classes_).index(1) if 1 in model.classes_ else None
        out[test] = proba[:, col] if col is not None else 0.0
    return out
