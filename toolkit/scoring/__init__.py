"""Scoring: tabular features, the paper's baselines, the combined risk score, metrics.

Modules
-------
:mod:`.features`   per-account tabular features (one vectorised pass over the movements)
:mod:`.baselines`  the paper's "ML" and "ML + random walk" baselines as scikit-learn estimators
:mod:`.combined`   the combined risk score from current flags and cluster marks (no labels)
:mod:`.metrics`    confusion matrix, accuracy, precision, recall, F1, PR-AUC

Submodules are imported on first use, so a detection run that only needs the combined score
never imports scikit-learn's model zoo (about 30 MB of resident memory).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "FeatureFrame", "account_features",
    "MLBaseline", "MLRandomWalkBaseline", "cross_val_scores",
    "CombinedParams", "CombinedScore", "FlagTable", "combined_score", "rule_evidence",
    "BinaryMetrics", "Confusion", "binary_metrics", "confusion", "average_precision", "pr_curve",
]

_WHERE = {
    "FeatureFrame": "features", "account_features": "features",
    "MLBaseline": "baselines", "MLRandomWalkBaseline": "baselines", "cross_val_scores": "baselines",
    "CombinedParams": "combined", "CombinedScore": "combined", "FlagTable": "combined",
    "combined_score": "combined", "rule_evidence": "combined",
    "BinaryMetrics": "metrics", "Confusion": "metrics", "binary_metrics": "metrics", "confusion": "metrics",
    "average_precision": "metrics", "pr_curve": "metrics",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"toolkit.scoring.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'toolkit.scoring' has no attribute {name!r}")
