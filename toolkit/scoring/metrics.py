"""Classification metrics for the evaluation: confusion matrix, accuracy, precision, recall, F1, PR-AUC.

Why our own few lines instead of ``sklearn.metrics``: the definitions are the contract of
``aml evaluate --json`` and must not move with a library version; they are also what the unit
tests check against a hand-made confusion matrix. PR-AUC is *average precision* (the step-wise
area under the precision-recall curve, no interpolation), the same number as
``sklearn.metrics.average_precision_score``; the tests cross-check the two.

Conventions for degenerate cases (no positive labels, nothing predicted positive): precision is 0
when nothing is predicted positive, recall is 0 when there are no positives, F1 is 0 when
precision + recall is 0, PR-AUC is ``nan`` when there are no positives (the curve is undefined).

Examples
--------
>>> m = binary_metrics([1, 1, 0, 0], [1, 0, 0, 1], [0.9, 0.4, 0.1, 0.6])
>>> m.tp, m.fp, m.fn, m.tn
(1, 1, 1, 1)
>>> round(m.f1, 3), round(m.pr_auc, 3)
(0.5, 0.833)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Sequence

import numpy as np

__all__ = ["Confusion", "BinaryMetrics", "confusion", "binary_metrics", "average_precision", "pr_curve",
           "best_f1_threshold"]


@dataclass(frozen=True)
class Confusion:
    """A 2x2 confusion matrix (positive = laundering)."""

    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def accuracy(self) -> float:
        return (self.tp + self.tn) / self.n if self.n else 0.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if (self.tp + self.fp) else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if (self.tp + self.fn) else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if (p + r) else 0.0

    def matrix(self) -> list[list[int]]:
        """``[[tn, fp], [fn, tp]]`` (rows: truth honest / laundering; columns: predicted)."""
        return [[self.tn, self.fp], [self.fn, self.tp]]


@dataclass(frozen=True)
class BinaryMetrics:
    """Every figure ``aml evaluate`` reports for one method on one data set and level."""

    accuracy: float
    precision: float
    recall: float
    f1: float
    pr_auc: float
    tp: int
    fp: int
    fn: int
    tn: int
    positives: int
    n: int

    def headline(self) -> dict[str, float]:
        """The five numbers of the ``--json`` contract."""
        return {"accuracy": self.accuracy, "precision": self.precision, "recall": self.recall,
                "f1": self.f1, "pr_auc": self.pr_auc}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _bool(a: Sequence[Any] | np.ndarray) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype != bool:
        arr = arr.astype(float) > 0.5 if arr.dtype.kind == "f" else arr.astype(bool)
    return arr.ravel()


def confusion(y_true: Sequence[Any] | np.ndarray, y_pred: Sequence[Any] | np.ndarray) -> Confusion:
    """The confusion matrix of boolean (or 0/1) truth and predictions.

    Raises
    ------
    ValueError
        The two have different lengths.
    """
    t, p = _bool(y_true), _bool(y_pred)
    if t.shape != p.shape:
        raise ValueError(f"y_true has {t.size} values, y_pred {p.size}")
    tp = int(np.count_nonzero(t & p))
    fp = int(np.count_nonzero(~t & p))
    fn = int(np.count_nonzero(t & ~p))
    tn = int(t.size - tp - fp - fn)
    return Confusion(tp, fp, fn, tn)


def average_precision(y_true: Sequence[Any] | np.ndarray, y_score: Sequence[float] | np.ndarray) -> float:
    """Area under the precision-recall curve as average precision: ``sum_k (R_k - R_{k-1}) P_k``
    over the distinct score thresholds, highest first (ties form one step). ``nan`` without positives.
    """
    t = _bool(y_true)
    s = np.asarray(y_score, dtype=np.float64).ravel()
    if t.shape != s.shape:
        raise ValueError(f"y_true has {t.size} values, y_score {s.size}")
    pos = int(t.sum())
    if pos == 0:
        return float("nan")
    precision, recall, _ = pr_curve(t, s)
    # pr_curve runs from the highest threshold down; recall increases
    return float(np.sum(np.diff(np.concatenate([[0.0], recall])) * precision))


def pr_curve(y_true: Sequence[Any] | np.ndarray, y_score: Sequence[float] | np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision and recall at every distinct score threshold, highest threshold first.

    Returns
    -------
    precision, recall, thresholds : ndarray
        Predicting ``score >= thresholds[i]`` gives ``precision[i]``, ``recall[i]``.
    """
    t = _bool(y_true)
    s = np.asarray(y_score, dtype=np.float64).ravel()
    order = np.argsort(-s, kind="mergesort")
    s_sorted, t_sorted = s[order], t[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s_sorted)), s_sorted.size - 1] if s.size else np.empty(0, int)
    tps = np.cumsum(t_sorted)[last_of_tie]
    fps = (last_of_tie + 1) - tps
    pos = max(int(t.sum()), 1)
    precision = tps / np.maximum(tps + fps, 1)
    recall = tps / pos
    return precision.astype(np.float64), recall.astype(np.float64), s_sorted[last_of_tie]


def best_f1_threshold(y_true: Sequence[Any] | np.ndarray, y_score: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """The threshold with the highest F1 and that F1 (an oracle figure: it reads the labels, so it
    is reported as "best achievable", never used to set a detection threshold)."""
    p, r, th = pr_curve(y_true, y_score)
    if th.size == 0:
        return float("nan"), 0.0
    f = np.where(p + r > 0, 2 * p * r / np.maximum(p + r, 1e-300), 0.0)
    i = int(np.argmax(f))
    return float(th[i]), float(f[i])


def binary_metrics(
    y_true: Sequence[Any] | np.ndarray,
    y_pred: Sequence[Any] | np.ndarray,
    y_score: Sequence[float] | np.ndarray | None = None,
) -> BinaryMetrics:
    """Accuracy, precision, recall, F1 (from the predictions), PR-AUC (from the scores; from the
    predictions when no scores are given) and the confusion matrix.

    Parameters
    ----------
    y_true : array of bool
        Ground truth, True = laundering.
    y_pred : array of bool
        What the method flagged.
    y_score : array of float, optional
        The method's ranking score (higher = riskier).
    """
    c = confusion(y_true, y_pred)
    scores = np.asarray(y_pred if y_score is None else y_score, dtype=np.float64)
    return BinaryMetrics(
        accuracy=c.accuracy, precision=c.precision, recall=c.recall, f1=c.f1,
        pr_auc=average_precision(y_true, scores),
        tp=c.tp, fp=c.fp, fn=c.fn, tn=c.tn, positives=c.tp + c.fn, n=c.n,
    )
