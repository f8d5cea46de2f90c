"""K-means on the account embeddings, with k chosen by silhouette (or configured).

Why K-means in Python on the streamed vectors by default, not ``gds.kmeans``: measured on the
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

Why our own few lines of NumPy instead of scikit-learn (backend ``"numpy"``; ``"sklearn"`` is
still accepted as its old name): importing ``sklearn.cluster`` costs 67 MiB of resident memory
(it pulls in ``scipy.stats`` and more; measured after numpy, the driver and ``scipy.special``),
a quarter of the detection process's 273 MB budget. The
algorithm is scikit-learn's: greedy k-means++ seeding, Lloyd iterations to the same tolerance,
best of ``n_init`` restarts by inertia, and the same silhouette definition; the results differ
from scikit-learn's only by which random draws are made. Measured on 30,000 x 45 standardised
rows, k = 8, one thread: 0.07 s per fit on well-separated clusters (scikit-learn 0.05 s, same
labels), 0.8 s on structureless noise (0.3 s); the silhouette of a 3,000-row sample 0.2 s.

Candidate k values are fitted on a seeded sample (at most ``fit_sample`` rows), scored by
silhouette on a smaller sample, and the winner is refitted on all rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields
from typing import Any, Mapping, Sequence

import numpy as np

from toolkit.errors import ConfigError

__all__ = ["KMeansParams", "Clustering", "kmeans", "choose_k", "cluster", "silhouette", "standardize",
           "single_thread", "BACKENDS"]

BACKENDS = ("numpy", "gds")
#: Old backend names still accepted in ``[embeddings] kmeans_backend`` and ``--backend``.
_ALIASES = {"sklearn": "numpy"}


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
    backend : "numpy" or "gds"
        ``"sklearn"``, the name from when scikit-learn ran it, means ``"numpy"``.
    random_seed : int
    """

    k: int | None = None
    k_candidates: tuple[int, ...] = (4, 6, 8, 12, 16)
    n_init: int = 2
    max_iter: int = 100
    silhouette_sample: int = 3000
    fit_sample: int = 10000
    backend: str = "numpy"
    random_seed: int = 42

    def __post_init__(self) -> None:
        object.__setattr__(self, "backend", _ALIASES.get(self.backend, self.backend))
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
    backend: str = "numpy"
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
    """Run the BLAS matrix products of K-means on one thread.

    Measured with scikit-learn's K-means on the 2-core development machine while other servers
    ran: one fit of 30k x 32 took 1.24 s with two threads and 0.17 s with one (threads fighting
    for busy cores); results are identical either way.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _sq_distances(X: np.ndarray, x_sq: np.ndarray, C: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances of the rows of ``X`` to the rows of ``C`` (n x k), from
    ``|x|^2 - 2 x.c + |c|^2`` (one matrix product), clipped at 0 against rounding."""
    d = X @ C.T
    d *= -2.0
    d += x_sq[:, None]
    d += np.einsum("ij,ij->i", C, C)[None, :]
    np.maximum(d, 0.0, out=d)
    return d


def _kmeans_plusplus(X: np.ndarray, x_sq: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Greedy k-means++ seeding (as scikit-learn does it): each new centre is the best, by the
    resulting potential, of ``2 + log(k)`` candidates drawn with probability proportional to
    the squared distance to the nearest centre chosen so far."""
    n = X.shape[0]
    trials = 2 + int(np.log(k))
    centers = np.empty((k, X.shape[1]))
    centers[0] = X[rng.integers(n)]
    closest = _sq_distances(X, x_sq, centers[:1])[:, 0]
    potential = float(closest.sum())
    for c in range(1, k):
        cand = np.searchsorted(np.cumsum(closest), rng.random(trials) * potential)
        np.minimum(cand, n - 1, out=cand)
        d = _sq_distances(X, x_sq, X[cand])
        np.minimum(d, closest[:, None], out=d)
        pots = d.sum(axis=0)
        best = int(np.argmin(pots))
        closest, potential = d[:, best].copy(), float(pots[best])
        centers[c] = X[cand[best]]
    return centers


def _lloyd(X: np.ndarray, x_sq: np.ndarray, centers: np.ndarray, max_iter: int, tol: float
           ) -> tuple[np.ndarray, np.ndarray, float]:
    """Lloyd iterations from ``centers`` until the labels stop changing, the centres move less than
    ``tol`` (sum of squared shifts) or ``max_iter``; an emptied cluster is moved to the point
    farthest from its centre. Returns labels, centres and inertia, labels consistent with the
    centres."""
    k = centers.shape[0]
    labels: np.ndarray | None = None
    for _ in range(max_iter):
        d = _sq_distances(X, x_sq, centers)
        new = np.argmin(d, axis=1)
        if labels is not None and np.array_equal(new, labels):
            break
        labels = new
        counts = np.bincount(labels, minlength=k)
        onehot = np.zeros((len(labels), k))
        onehot[np.arange(len(labels)), labels] = 1.0
        moved = (onehot.T @ X) / np.maximum(counts, 1)[:, None]  # cluster means (one BLAS product)
        del onehot
        empty = np.flatnonzero(counts == 0)
        if empty.size:
            far = np.argsort(-d[np.arange(len(labels)), labels], kind="stable")[: empty.size]
            moved[empty] = X[far]
        shift = float(((moved - centers) ** 2).sum())
        centers = moved
        if shift <= tol:
            break
    d = _sq_distances(X, x_sq, centers)
    labels = np.argmin(d, axis=1)
    return labels, centers, float(d[np.arange(len(labels)), labels].sum())


def _fit(X: np.ndarray, k: int, random_state: int, n_init: int, max_iter: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels and centres of the best (lowest inertia) of ``n_init`` seeded k-means++ + Lloyd runs."""
    rng = np.random.default_rng(random_state)
    x_sq = np.einsum("ij,ij->i", X, X)
    tol = 1e-4 * float(np.mean(np.var(X, axis=0))) if X.size else 0.0
    best: tuple[np.ndarray, np.ndarray, float] | None = None
    with single_thread():
        for _ in range(max(1, int(n_init))):
            res = _lloyd(X, x_sq, _kmeans_plusplus(X, x_sq, k, rng), max_iter, tol)
            if best is None or res[2] < best[2]:
                best = res
    assert best is not None
    return best[0].astype(np.int64), best[1]


def silhouette(X: np.ndarray, labels: np.ndarray, chunk: int = 256) -> float:
    """Mean silhouette coefficient of the rows of ``X`` (Euclidean), as
    ``sklearn.metrics.silhouette_score`` defines it: per row ``(b - a) / max(a, b)`` with ``a``
    the mean distance to the rest of its cluster and ``b`` the mean distance to the nearest other
    cluster; 0 for a row alone in its cluster. Distances are computed ``chunk`` rows at a time
    (``chunk x n`` floats, 6 MB at the default sample of 3,000 rows).

    Raises
    ------
    ValueError
        Fewer than 2 clusters, or as many clusters as rows.
    """
    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    _uniq, lab = np.unique(labels, return_inverse=True)
    lab = lab.ravel()
    k = len(_uniq)
    if not 2 <= k <= n - 1:
        raise ValueError(f"silhouette needs 2 <= clusters <= rows - 1, got {k} clusters of {n} rows")
    counts = np.bincount(lab, minlength=k).astype(np.float64)
    onehot = np.zeros((n, k))
    onehot[np.arange(n), lab] = 1.0
    x_sq = np.einsum("ij,ij->i", X, X)
    s = np.empty(n)
    for start in range(0, n, chunk):
        rows = np.arange(start, min(start + chunk, n))
        D = np.sqrt(_sq_distances(X, x_sq, X[rows]).T)  # rows x n
        D[np.arange(len(rows)), rows] = 0.0
        sums = D @ onehot
        own = lab[rows]
        a = sums[np.arange(len(rows)), own] / np.maximum(counts[own] - 1.0, 1.0)
        other = sums / counts[None, :]
        other[np.arange(len(rows)), own] = np.inf
        b = other.min(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            sil = (b - a) / np.maximum(a, b)
        sil[counts[own] <= 1] = 0.0
        s[rows] = np.nan_to_num(sil)
    return float(s.mean())


def kmeans(X: np.ndarray, k: int, random_state: int = 42, n_init: int = 2, max_iter: int = 100) -> Clustering:
    """K-means (k-means++ seeding, Lloyd iterations, best of ``n_init``) on the rows of ``X``."""
    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    k = max(1, min(int(k), n))
    t0 = time.perf_counter()
    if n == 0:
        return Clustering(np.empty(0, dtype=np.int64), np.zeros((0, X.shape[1] if X.ndim == 2 else 0)),
                          np.empty(0), 0, backend="numpy")
    labels, centers = _fit(X, k, random_state, n_init, max_iter)
    dist = np.linalg.norm(X - centers[labels], axis=1)
    return Clustering(labels, centers, dist, k, backend="numpy", seconds=time.perf_counter() - t0)


def choose_k(X: np.ndarray, candidates: Sequence[int], random_state: int = 42, silhouette_sample: int = 3000,
             fit_sample: int = 10000, n_init: int = 1, max_iter: int = 100) -> tuple[int, dict[int, float]]:
    """The candidate k with the highest silhouette coefficient (ties: the smaller k).

    Each candidate is fitted on the same seeded sample of at most ``fit_sample`` rows and scored on
    the same seeded sub-sample of at most ``silhouette_sample`` rows.
    """
    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    rng = np.random.default_rng(random_state)
    fit_idx = np.sort(rng.choice(n, size=min(n, fit_sample), replace=False)) if n > fit_sample else np.arange(n)
    Xf = X[fit_idx]
    sil_idx = np.sort(rng.choice(len(Xf), size=min(len(Xf), silhouette_sample), replace=False))
    scores: dict[int, float] = {}
    for k in sorted(set(int(c) for c in candidates)):
        if k < 2 or k >= len(sil_idx):
            continue
        labels, _centers = _fit(Xf, k, random_state, n_init, max_iter)
        lab = labels[sil_idx]
        if len(np.unique(lab)) < 2:
            scores[k] = -1.0
            continue
        with single_thread():
            scores[k] = silhouette(Xf[sil_idx], lab)
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
    return Clustering(res.labels, res.centers, res.distances, res.k, scores, "numpy", time.perf_counter() - t0)
