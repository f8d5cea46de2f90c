"""Abnormal actors from a clustering: small or outlying clusters, accounts far from their centroid,
and clusters enriched in rule flags (paper §5: "mark the actors in abnormal clusters").

Four label-free criteria, each giving a component in [0, 1]:

``far_from_centroid``
    An account's distance to its centroid divided by the median distance of its cluster (so a
    tight cluster and a loose one are judged alike), ranked among all accounts. Component:
    ``(rank - q0) / (1 - q0)`` above the ``far_floor`` quantile ``q0``, 0 below; the account is
    marked when its rank is at or above ``distance_percentile``.
``small_cluster``
    A cluster holding less than ``small_cluster_share`` of the accounts. Component
    ``1 - size / (share * n)``.
``outlying_cluster``
    A cluster whose centroid is far from the others: robust z-score (median / MAD) of the
    centroid's distance to the mean of all centroids at or above ``outlier_z``. Component 1.
``flag_enriched``
    A cluster whose mean rule evidence (the combined score of the *other* detectors, see
    :func:`toolkit.scoring.combined.rule_evidence`) is at least ``enrichment_min`` times the
    overall mean, with at least ``enrichment_min_flagged`` evidenced members, and no more than
    ``enrichment_max_share`` of all accounts (a cluster of half the bank says nothing).
    Marks only (no score component).

An account's abnormal score is ``1 - prod(1 - component)`` over the three *geometric* criteria
(far from centroid, small cluster, outlying cluster): how unusual the account is in embedding
space. It is marked abnormal when any of the four criteria marks it; ``flag_enriched`` marks but
adds no score, because it restates the rule detectors' evidence, which the combined score
(:mod:`toolkit.scoring.combined`) already counts once. Nothing here reads ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Mapping

import numpy as np

from toolkit.embeddings.kmeans import Clustering

__all__ = ["AbnormalParams", "AbnormalResult", "abnormal_actors", "REASONS"]

REASONS = ("far_from_centroid", "small_cluster", "outlying_cluster", "flag_enriched")


@dataclass(frozen=True)
class AbnormalParams:
    """Thresholds of the four criteria (``[embeddings]`` keys of the same names)."""

    distance_percentile: float = 99.0
    far_floor: float = 90.0
    small_cluster_share: float = 0.005
    outlier_z: float = 3.5
    enrichment_min: float = 3.0
    enrichment_min_flagged: int = 3
    enrichment_max_share: float = 0.05

    @classmethod
    def from_mapping(cls, conf: Mapping[str, Any]) -> "AbnormalParams":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in conf.items() if k in known})


@dataclass(frozen=True, eq=False)
class AbnormalResult:
    """Per account (rows of the clustering) and per cluster."""

    abnormal: np.ndarray          # bool per account
    score: np.ndarray             # float in [0, 1] per account
    relative_distance: np.ndarray  # distance / median distance of the cluster
    distance_rank: np.ndarray     # quantile rank of relative_distance in [0, 1]
    distance_threshold: float     # relative distance at distance_percentile
    reasons: list[tuple[str, ...]]
    cluster_size: np.ndarray
    cluster_small: np.ndarray
    cluster_outlying: np.ndarray
    cluster_enrichment: np.ndarray
    cluster_enriched: np.ndarray
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {"abnormal": int(self.abnormal.sum())}
        for r in REASONS:
            out[r] = sum(1 for rs in self.reasons if r in rs)
        return out


def _rank(values: np.ndarray) -> np.ndarray:
    """Share of the values strictly below each value, in [0, 1): ties share the lowest rank, so
    a population of equal distances has nobody "far"."""
    n = values.size
    if n == 0:
        return values.astype(np.float64)
    order = np.sort(values)
    return np.searchsorted(order, values, side="left") / n


def abnormal_actors(clustering: Clustering, params: AbnormalParams | None = None,
                    evidence: np.ndarray | None = None) -> AbnormalResult:
    """Mark abnormal accounts from a clustering.

    Parameters
    ----------
    clustering : Clustering
        Labels, centroids and centroid distances of every account.
    params : AbnormalParams, optional
    evidence : ndarray of float, optional
        Per-account evidence in [0, 1] from the rule detectors (amounts, typologies, paths);
        without it the ``flag_enriched`` criterion is skipped (noted).
    """
    p = params or AbnormalParams()
    labels = clustering.labels
    n, k = labels.size, max(clustering.k, 1)
    notes: list[str] = []
    size = np.bincount(labels, minlength=k).astype(np.int64)
    dist = np.asarray(clustering.distances, dtype=np.float64)

    med = np.zeros(k)
    for c in range(k):
        d = dist[labels == c]
        med[c] = np.median(d) if d.size else 0.0
    scale = med[labels] if n else np.empty(0)
    fallback = np.median(dist) if n else 1.0
    scale = np.where(scale > 0, scale, fallback if fallback > 0 else 1.0)
    rel = dist / scale
    rank = _rank(rel)
    thr = float(np.quantile(rel, p.distance_percentile / 100.0)) if n else 0.0
    q0 = p.far_floor / 100.0
    far_comp = np.clip((rank - q0) / max(1.0 - q0, 1e-9), 0.0, 1.0)
    far = rank >= p.distance_percentile / 100.0 - 1e-12

    small_limit = p.small_cluster_share * n
    small = (size < small_limit) & (size > 0)
    small_comp_c = np.where(small, 1.0 - size / max(small_limit, 1e-9), 0.0)

    outlying = np.zeros(k, dtype=bool)
    if k >= 3:
        centre = clustering.centers.mean(axis=0)
        cd = np.linalg.norm(clustering.centers - centre, axis=1)
        mad = np.median(np.abs(cd - np.median(cd)))
        if mad > 0:
            z = 0.6745 * (cd - np.median(cd)) / mad
            outlying = (z >= p.outlier_z) & (size > 0)
    else:
        notes.append("outlying_cluster needs k >= 3: skipped")

    enrichment = np.zeros(k)
    enriched = np.zeros(k, dtype=bool)
    if evidence is not None and n:
        ev = np.asarray(evidence, dtype=np.float64)
        overall = ev.mean()
        if overall > 0:
            mean_c = np.bincount(labels, weights=ev, minlength=k) / np.maximum(size, 1)
            enrichment = mean_c / overall
            flagged_c = np.bincount(labels, weights=(ev > 0).astype(np.float64), minlength=k)
            enriched = ((enrichment >= p.enrichment_min) & (flagged_c >= p.enrichment_min_flagged)
                        & (size <= p.enrichment_max_share * n))
    elif evidence is None:
        notes.append("no rule evidence given: flag_enriched skipped")

    # geometric criteria only: enrichment is the rules' evidence again (see module docstring)
    comps = np.vstack([far_comp, small_comp_c[labels], outlying[labels].astype(np.float64)]) if n else np.zeros((3, 0))
    score = 1.0 - np.prod(1.0 - np.clip(comps, 0.0, 1.0), axis=0)
    marks = np.vstack([far, small[labels], outlying[labels], enriched[labels]]) if n else np.zeros((4, 0), bool)
    abnormal = marks.any(axis=0)
    reasons = [tuple(REASONS[j] for j in range(4) if marks[j, i]) for i in range(n)]
    return AbnormalResult(abnormal, score, rel, rank, thr, reasons, size, small, outlying, enrichment,
                          enriched, notes)
