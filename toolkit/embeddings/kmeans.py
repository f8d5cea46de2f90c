"""K-means on the account embeddings, with k chosen by silhouette (or configured).

Why scikit-learn on the streamed vectors by default, not ``gds.kmeans``: measured on the
0.6M-transfer generated set (30,000 accounts, 32 dimensions, on a 2-core machine shared with
other servers), one ``gds.kmeans`` run with k = 8 took 0.25 s computing only and 1.5 s streaming
its (account, cluster, distance) rows back; one scikit-learn fit took 0.17 s on one thread (1.24 s
on two threads fighting for busy cores, hence :func:`single_thread`), after the FastRP vectors
were streamed in (1.9 s). What decides it is choosing k: GDS computes the silhouette only
exactly (``computeSilhouette``, quadratic in nodes: 10^10 pairs at 100k accounts, for each
candidate k), while here each candidate is scored on a seeded sample in well under a second.
We also need the vectors in Python anyway, for the amount/path features concatenated to them,
the centroid distances and the 2-D map of ``aml evaluate``. ``backend = "gds"`` stays available
(fixed k, FastRP only, no feature concatenation) for graphs whose vectors should not leave the
server. A further reason, seen in the test suite: on the same planted embeddings, ``gds.kmeans``
(k = 3, kmeans++, 10 restarts, seeded, concurrency 1) sometimes settles in a fixed point whose
inertia is a hundred times scikit-learn's best (102 against 0.94), depending only on the order
of node ids in the projection.

Candidate k values are fitted on a seeded sample (at most ``fit_sample`` rows), scored by
silhouette on a smaller sample, and the winner is refitted on all rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields
from typing import Any, Mapping, Sequence

import numpy as np

from toolkit.errors import ConfigError

__all__ = ["KMeansParams", "Clustering", "kmeans", "choose_k", "cluster", "standardize", "single_thread", "BACKENDS"]

BACKENDS = ("sklearn", "gds")


@dataclass(frozen=True)
class KMeansParams:
    """K-means settings (``[embeddings]`` keys ``k``, ``k_candidates``, ``kmeans_backend`` ...).

    Attributes
    ----------
    k : int or None
        Fixed number of clusters; None chooses among ``k_candidates`` by silhouette.
    k_candidates : tuple of int, default (4, 6, 8, 12, 16)
    n_init : int, default 2
        Restarts (k-means++ seeding), best inertia kept.
    max_iter : int, default 100
    silhouette_sample : int, default 3000
        Rows the silhouette of each candidate is computed on (seeded sample).
    fit_sample : int, default 10000
        Rows the candidates are fitted on before the winner is refitted on everything.
    backend : "sklearn" or "gds"
    random_seed : int
    """

    k: int | None = None
    k_candidates: tuple[int, ...] = (4, 6, 8, 12, 16)
    n_init: int = 2
    max_iter: int = 100
    silhouette_sample: int = 3000
    fit_sample: int = 10000
    backend: str = "sklearn"
    random_seed: int = 42

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ConfigError(f"[embeddings] kmeans_backend = {self.backend!r}: expected one of {', '.join(BACKENDS)}")
        if self.k is not None and self.k < 1:
            raise ConfigError(f"[embeddings] k = {self.k}: expected >= 1")
        object.__setattr__(self, "k_candidates", tuple(int(k) for k in self.k_candidates))
        if self.k is None and (not self.k_candidates or min(self.k_candidates) < 2):
            raise ConfigError("[embeddings] k_candidates: expected values >= 2")

    @classmethod
    def from_mapping(cls, conf: Mapping[str, Any], random_seed: int | None = None) -> "KMeansParams":
        """From ``[embeddings]``: ``k``, ``k_candidates``, ``n_init``, ``max_iter``,
        ``silhouette_sample``, ``fit_sample``, ``kmeans_backend``, ``random_seed``."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in conf.items() if k in known and k != "backend"}
        if "kmeans_backend" in conf:
            values["backend"] = conf["kmeans_backend"]
        if values.get("k") in (0, "auto"):
            values["k"] = None
        if random_seed is not None and "random_seed" not in values:
            values["random_seed"] = int(random_seed)
        return cls(**values)


@dataclass(frozen=True, eq=False)
class Clustering:
    """Cluster of every row, centroids and each row's Euclidean distance to its centroid."""

    labels: np.ndarray
    centers: np.ndarray
    distances: np.ndarray
    k: int
    silhouette: dict[int, float] = field(default_factory=dict)
    backend: str = "sklearn"
    seconds: float = 0.0

    def sizes(self) -> np.ndarray:
        return np.bincount(self.labels, minlength=self.k)


def standardize(X: np.ndarray) -> np.ndarray:
    """Columns to zero mean and unit variance (constant columns become 0)."""
    X = np.asarray(X, dtype=np.float64)
    if X.size == 0:
        return X.copy()
    mu = X.mean(axis=0)
    sd = X.std(axis=0)
    return (X - mu) / np.where(sd > 0, sd, 1.0)


def single_thread() -> Any:
    """Run scikit-learn's OpenMP/BLAS code on one thread.

    Measured on the 2-core development machine while other servers ran: one K-means fit of
    30k x 32 took 1.24 s with two threads and 0.17 s with one (threads fighting for busy cores);
    results are identical either way.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def kmeans(X: np.ndarray, k: int, random_state: int = 42, n_init: int = 2, max_iter: int = 100) -> Clustering:
    """K-means (k-means++ seeding, Lloyd iterations, best of ``n_init``) on the rows of ``X``."""
    from sklearn.cluster import KMeans

    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    k = max(1, min(int(k), n))
    t0 = time.perf_counter()
    if n == 0:
        return Clustering(np.empty(0, dtype=np.int64), np.zeros((0, X.shape[1] if X.ndim == 2 else 0)),
                          np.empty(0), 0, backend="sklearn")
    with single_thread():
        km = KMeans(n_clusters=k, n_init=n_init, max_iter=max_iter, random_state=random_state).fit(X)
    labels = km.labels_.astype(np.int64)
    centers = km.cluster_centers_
    dist = np.linalg.norm(X - centers[labels], axis=1)
    return Clustering(labels, centers, dist, k, backend="sklearn", seconds=time.perf_counter() - t0)


def choose_k(X: np.ndarray, candidates: Sequence[int], random_state: int = 42, silhouette_sample: int = 3000,
             fit_sample: int = 10000, n_init: int = 1, max_iter: int = 100) -> tuple[int, dict[int, float]]:
    """The candidate k with the highest silhouette coefficient (ties: the smaller k).

    Each candidate is fitted on the same seeded sample of at most ``fit_sample`` rows and scored on
    the same seeded sub-sample of at most ``silhouette_sample`` rows.
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    rng = np.random.default_rng(random_state)
    fit_idx = np.sort(rng.choice(n, size=min(n, fit_sample), replace=False)) if n > fit_sample else np.arange(n)
    Xf = X[fit_idx]
    sil_idx = np.sort(rng.choice(len(Xf), size=min(len(Xf), silhouette_sample), replace=False))
    scores: dict[int, float] = {}
    with single_thread():
        for k in sorted(set(int(c) for c in candidates)):
            if k < 2 or k >= len(sil_idx):
                continue
            km = KMeans(n_clusters=k, n_init=n_init, max_iter=max_iter, random_state=random_state).fit(Xf)
            lab = km.labels_[sil_idx]
            if len(np.unique(lab)) < 2:
                scores[k] = -1.0
                continue
            scores[k] = float(silhouette_score(Xf[sil_idx], lab))
    if not scores:
        return max(1, min(n, min(candidates) if candidates else 1)), scores
    best = max(scores.items(), key=lambda kv: (round(kv[1], 6), -kv[0]))[0]
    return best, scores


def cluster(X: np.ndarray, params: KMeansParams) -> Clustering:
    """K-means with ``params.k``, or with the silhouette-best of ``params.k_candidates``."""
    t0 = time.perf_counter()
    scores: dict[int, float] = {}
    k = params.k
    if k is None:
        k, scores = choose_k(X, params.k_candidates, params.random_seed, params.silhouette_sample,
                             params.fit_sample, max_iter=params.max_iter)
    res = kmeans(X, k, params.random_seed, params.n_init, params.max_iter)
    return Clustering(res.labels, res.centers, res.distances, res.k, scores, "sklearn", time.perf_counter() - t0)
