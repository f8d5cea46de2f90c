"""The embeddings job: project, embed, cluster, mark abnormal actors, write back as one run.

Steps (each timed in ``seconds``):

1. ``read``: every account id, and the current rule flags (for flag-enriched clusters and the
   optional path features); tabular amount features from the in-memory network when the caller
   passes one, else from one aggregate query on the server.
2. ``project`` / ``embed``: the weighted undirected projection (:mod:`toolkit.embeddings.project`),
   FastRP or Node2Vec streamed into a float32 matrix; the projection is dropped on exit, also when
   a step fails.
3. ``cluster``: K-means on ``[standardised embedding | feature_weight * standardised features]``,
   k by silhouette unless configured; then :func:`toolkit.embeddings.abnormal_actors`.
4. ``write``: per account ``amlCluster``, ``amlCentroidDistance``, ``amlAbnormal``,
   ``amlAbnormalScore``, ``amlClusterRunId``, and an ``abnormal_cluster`` flag on every abnormal
   account (so ``aml explain`` lists it), all tagged with the ``embeddings`` run.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np

from toolkit.arrays import index_of
from toolkit.config import Settings
from toolkit.db import Database
from toolkit.embeddings.abnormal import AbnormalParams, AbnormalResult, abnormal_actors
from toolkit.embeddings.embed import EmbeddingParams, Embeddings, embed_projection
from toolkit.writeback import write_flag_records
from toolkit.embeddings.kmeans import Clustering, KMeansParams, cluster, standardize
from toolkit.embeddings.project import accounts_projection
from toolkit.errors import ConfigError
from toolkit.frames import Network
from toolkit.runs import detection_run
from toolkit.scoring.combined import CLUSTER_RULE, PATH_RULE, CombinedParams, FlagTable, rule_evidence
from toolkit.scoring.features import AMOUNT_COLUMNS as _AMOUNT_COLUMNS

__all__ = ["EmbeddingJobParams", "EmbeddingJobResult", "embedding_job_params", "run_embeddings_job",
           "compute_embeddings", "write_embeddings", "FEATURE_SETS", "DETECTOR", "AMOUNT_COLUMNS"]

DETECTOR = "embeddings"
FEATURE_SETS = ("amounts", "paths")

#: The tabular columns concatenated to the embedding when ``features`` includes "amounts".
AMOUNT_COLUMNS = _AMOUNT_COLUMNS
_OWN_KEYS = {"features", "feature_weight"}


@dataclass(frozen=True)
class EmbeddingJobParams:
    """Everything the job needs; ``[embeddings]`` holds all of it as flat keys."""

    embedding: EmbeddingParams = field(default_factory=EmbeddingParams)
    kmeans: KMeansParams = field(default_factory=KMeansParams)
    abnormal: AbnormalParams = field(default_factory=AbnormalParams)
    features: tuple[str, ...] = ("amounts", "paths")
    feature_weight: float = 0.5

    def describe(self) -> dict[str, Any]:
        """Plain data stored on the run (and the key that makes a re-run replace it)."""
        return {"embedding": asdict(self.embedding), "kmeans": asdict(self.kmeans),
                "abnormal": asdict(self.abnormal), "features": list(self.features),
                "feature_weight": self.feature_weight}


def embedding_job_params(settings: Settings, method: str | None = None, k: int | None = None,
                         dimension: int | None = None, features: tuple[str, ...] | None = None,
                         backend: str | None = None) -> EmbeddingJobParams:
    """Parameters from ``[embeddings]`` (seed from ``[general] random_seed``) with overrides.

    Raises
    ------
    ConfigError
        Unknown keys in ``[embeddings]`` (all listed) or values out of range.
    """
    conf = settings.section("embeddings")
    from dataclasses import fields as dc_fields

    known = ({f.name for f in dc_fields(EmbeddingParams)} | {f.name for f in dc_fields(KMeansParams)}
             | {f.name for f in dc_fields(AbnormalParams)} | _OWN_KEYS | {"kmeans_backend"}) - {"backend"}
    unknown = sorted(set(conf) - known)
    if unknown:
        raise ConfigError(f"[embeddings] unknown key(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    seed = settings.general.random_seed
    emb = EmbeddingParams.from_mapping(conf, seed).with_changes(method=method, dimension=dimension)
    km_conf = dict(conf)
    if backend is not None:
        km_conf["kmeans_backend"] = backend
    if k is not None:
        km_conf["k"] = k
    km = KMeansParams.from_mapping(km_conf, seed)
    feats = tuple(features if features is not None else conf.get("features", ("amounts", "paths")))
    bad = sorted(set(feats) - set(FEATURE_SETS))
    if bad:
        raise ConfigError(f"[embeddings] features: unknown {', '.join(bad)}; known: {', '.join(FEATURE_SETS)}")
    if km.backend == "gds" and feats:
        feats = ()  # server-side K-means clusters the embedding alone
    return EmbeddingJobParams(emb, km, AbnormalParams.from_mapping(conf), feats,
                              float(conf.get("feature_weight", 0.5)))


@dataclass(frozen=True, eq=False)
class EmbeddingJobResult:
    """What the job did. ``ids``/``vectors``/``clustering``/``abnormal`` are kept for callers
    (evaluation plots); ``counts`` is what the run node stores."""

    run_id: str | None
    k: int
    silhouette: dict[int, float]
    cluster_sizes: list[int]
    counts: dict[str, int]
    seconds: dict[str, float]
    notes: list[str]
    ids: np.ndarray
    vectors: np.ndarray | None
    clustering: Clustering
    abnormal: AbnormalResult


def _amount_features(db: Database, ids: np.ndarray, net: Network | None) -> np.ndarray:
    if net is not None:
        from toolkit.scoring.features import amount_features

        f = amount_features(net)  # only these columns (account_features computes ~45)
        pos = index_of(net.accounts.ids, ids)
        out = np.zeros((len(ids), len(AMOUNT_COLUMNS)))
        ok = pos >= 0
        out[ok] = f.X[pos[ok]]
        return out
    row = db.run_one("read/scores_amount_features") or {}
    pos = index_of(ids, row.get("ids", []))
    out = np.zeros((len(ids), len(AMOUNT_COLUMNS)))
    ok = pos >= 0
    for j, col in enumerate(AMOUNT_COLUMNS):
        vals = np.asarray(row.get(col, []), dtype=np.float64)
        if vals.size:
            out[pos[ok], j] = vals[ok]
    return out


def _path_features(flags: FlagTable) -> np.ndarray | None:
    sel = flags.rule == PATH_RULE
    if not sel.any():
        return None
    n = flags.n_accounts
    cnt = np.bincount(flags.account[sel], minlength=n).astype(np.float64)
    best = np.zeros(n)
    np.maximum.at(best, flags.account[sel], flags.score[sel])
    return np.column_stack([np.log1p(cnt), best])


def compute_embeddings(
    db: Database,
    settings: Settings,
    params: EmbeddingJobParams,
    graph_name: str,
    flags: FlagTable,
    active: np.ndarray | None = None,
    net: Network | None = None,
    keep_vectors: bool = False,
    progress: Callable[[str], None] | None = None,
    typology: np.ndarray | None = None,
    embeddings: Embeddings | None = None,
) -> EmbeddingJobResult:
    """Embed, cluster and mark abnormal actors on an open projection; writes nothing.

    ``embeddings`` already computed on that projection (with ``params.embedding``) are used
    instead of computing them again: :func:`toolkit.pipeline.detect_all` has the server compute
    them while its own detectors run.

    ``flags`` are the current rule flags (read from the graph, or built from in-memory findings
    by :func:`toolkit.jobs.scores.flag_table_from_findings`); they give the rule evidence behind
    flag-enriched clusters and the path features. ``typology`` is the typology detectors' own
    per-account score (:func:`toolkit.scoring.combined.typology_scores`), when known.
    """
    from toolkit.jobs.scores import score_params

    p = params
    step = progress or (lambda _name: None)
    seconds: dict[str, float] = {}
    notes: list[str] = []
    step("features")
    t = time.perf_counter()
    ids = flags.ids
    evidence = rule_evidence(flags, score_params(settings), active, typology) if len(flags.rule) else None
    if evidence is None:
        notes.append("no current rule flags: flag_enriched clusters skipped")
    extra: list[np.ndarray] = []
    if "amounts" in p.features:
        extra.append(_amount_features(db, ids, net))
    if "paths" in p.features:
        pf = _path_features(flags)
        if pf is None:
            notes.append("no laundering_path flags: path features skipped")
        else:
            extra.append(pf)
    seconds["features"] = time.perf_counter() - t

    step("embed")
    t1 = time.perf_counter()
    km_labels = km_dist = None
    emb: Embeddings | None = None
    if p.kmeans.backend == "gds":
        km_ids, km_labels, km_dist, emb = _gds_kmeans(db, graph_name, p, len(ids))
    else:
        emb = embeddings if embeddings is not None else embed_projection(db, graph_name, p.embedding, n_hint=len(ids))
    seconds["embed"] = time.perf_counter() - t1

    step("cluster")
    t2 = time.perf_counter()
    X: np.ndarray | None = None
    if km_labels is not None:
        pos = index_of(km_ids, ids)
        labels = np.where(pos >= 0, km_labels[np.maximum(pos, 0)], 0).astype(np.int64)
        dist = np.where(pos >= 0, km_dist[np.maximum(pos, 0)], 0.0)
        k = int(labels.max()) + 1 if labels.size else 0
        # the vectors never left the server: no centroids here (outlying clusters are skipped)
        clustering = Clustering(labels, np.zeros((k, 1)), dist, k, {}, "gds", seconds["embed"])
        notes.append("kmeans_backend = gds: outlying_cluster criterion skipped (centroids stay on the server)")
    else:
        assert emb is not None
        X = standardize(emb.aligned(ids))
        if extra:
            F = standardize(np.column_stack(extra))
            # the feature block gets feature_weight of the embedding block's total variance
            scale = p.feature_weight * np.sqrt(X.shape[1] / max(F.shape[1], 1))
            X = np.column_stack([X, scale * F])
        clustering = cluster(X, p.kmeans)
    ab = abnormal_actors(clustering, p.abnormal, evidence)
    notes.extend(ab.notes)
    seconds["cluster"] = time.perf_counter() - t2
    counts = {"accounts": int(len(ids)), "k": int(clustering.k), **ab.counts()}
    return EmbeddingJobResult(
        None, clustering.k, dict(clustering.silhouette), clustering.sizes().tolist(), counts, seconds, notes,
        ids, X if keep_vectors else None, clustering, ab,
    )


def write_embeddings(db: Database, params: EmbeddingJobParams, result: EmbeddingJobResult) -> str:
    """Write a computed result back as one ``embeddings`` run; returns the run id."""
    with detection_run(db, DETECTOR, params.describe()) as run:
        _write(db, run.id, result.ids, result.clustering, result.abnormal)
        run.counts = dict(result.counts)
    return run.id


def run_embeddings_job(
    db: Database,
    settings: Settings,
    params: EmbeddingJobParams | None = None,
    net: Network | None = None,
    write: bool = True,
    keep_vectors: bool = False,
    progress: Callable[[str], None] | None = None,
    flags: FlagTable | None = None,
) -> EmbeddingJobResult:
    """Embed every account, cluster, mark abnormal actors and (``write=True``) write back.

    Parameters
    ----------
    db : Database
    settings : Settings
        ``[embeddings]``, ``[scoring]`` (for the rule evidence) and ``[general] random_seed``.
    params : EmbeddingJobParams, optional
        Default: :func:`embedding_job_params` of ``settings``.
    net : Network, optional
        The in-memory network when the caller already read it (amount features are then computed
        from it instead of an aggregate query).
    write : bool
        False computes everything and writes nothing (no run node either).
    keep_vectors : bool
        Keep the clustered matrix on the result (for plots).
    progress : callable, optional
        Called with the name of each step as it starts.
    flags : FlagTable, optional
        The current flags, when the caller already has them (default: read from the graph).

    Returns
    -------
    EmbeddingJobResult
        ``run_id`` is None when ``write=False``.

    Raises
    ------
    ConfigError
        Bad ``[embeddings]`` values.
    QueryError
        A GDS call failed (the projection is dropped all the same).
    """
    from toolkit.jobs.scores import read_flag_table, typology_params
    from toolkit.scoring.combined import typology_scores

    p = params or embedding_job_params(settings)
    step = progress or (lambda _name: None)
    step("read")
    t = time.perf_counter()
    active = transfer_active = None
    if flags is None:
        flags, active, transfer_active = read_flag_table(db)
    typology = typology_scores(flags, transfer_active, typology_params(settings))
    t_read = time.perf_counter() - t
    step("project")
    t = time.perf_counter()
    with accounts_projection(db) as g:
        t_project = time.perf_counter() - t
        res = compute_embeddings(db, settings, p, g["graphName"], flags, active, net, keep_vectors, progress,
                                 typology)
    res.seconds.update(read=t_read, project=t_project)
    if not write:
        return res
    step("write")
    t = time.perf_counter()
    run_id = write_embeddings(db, p, res)
    res.seconds["write"] = time.perf_counter() - t
    return EmbeddingJobResult(run_id, res.k, res.silhouette, res.cluster_sizes, res.counts, res.seconds, res.notes,
                              res.ids, res.vectors, res.clustering, res.abnormal)


def _gds_kmeans(db: Database, graph: str, p: EmbeddingJobParams, n_hint: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, Embeddings | None]:
    """FastRP mutated into the projection and ``gds.kmeans`` on it: the vectors stay on the server."""
    if p.kmeans.k is None:
        raise ConfigError("[embeddings] kmeans_backend = 'gds' needs a fixed k (the silhouette is computed in Python)")
    conf = p.embedding.gds_config()
    if p.embedding.method != "fastrp":
        raise ConfigError("[embeddings] kmeans_backend = 'gds' supports method = 'fastrp' only")
    db.run("gds/fastrp_mutate", graph_name=graph, config={**conf, "mutateProperty": "embedding"})
    ids: list[str] = []
    labels: list[int] = []
    dist: list[float] = []
    for rec in db.stream("gds/kmeans_stream", graph_name=graph, config={
            "nodeProperty": "embedding", "k": int(p.kmeans.k), "randomSeed": int(p.kmeans.random_seed),
            "concurrency": int(p.embedding.concurrency), "maxIterations": int(p.kmeans.max_iter),
            "numberOfRestarts": int(p.kmeans.n_init), "initialSampler": "kmeans++"}):
        ids.append(rec[0])
        labels.append(rec[1])
        dist.append(rec[2])
    return (np.array(ids, dtype=object), np.array(labels, dtype=np.int64), np.array(dist, dtype=np.float64), None)


def _write(db: Database, run_id: str, ids: np.ndarray, clustering: Clustering, ab: AbnormalResult,
           batch_size: int = 20000) -> None:
    n = len(ids)
    for start in range(0, n, batch_size):
        sl = slice(start, min(start + batch_size, n))
        db.run("writeback/scores_clusters", run_id=run_id, ids=ids[sl].tolist(),
               clusters=clustering.labels[sl].tolist(),
               distances=[round(float(d), 6) for d in clustering.distances[sl]],
               abnormal=[bool(a) for a in ab.abnormal[sl]],
               scores=[round(float(s), 6) for s in ab.score[sl]])
    rows = []
    sizes = ab.cluster_size
    for i in np.flatnonzero(ab.abnormal):
        c = int(clustering.labels[i])
        rows.append({
            "id": f"{run_id}:{len(rows)}", "rule": CLUSTER_RULE, "account": str(ids[i]), "accounts": [],
            "movements": [], "value": float(ab.relative_distance[i]), "threshold": float(ab.distance_threshold),
            "score": float(ab.score[i]), "window_start": None, "window_end": None,
            "details": json.dumps({"cluster": c, "cluster_size": int(sizes[c]),
                                   "centroid_distance": round(float(clustering.distances[i]), 6),
                                   "distance_rank": round(float(ab.distance_rank[i]), 4),
                                   "cluster_enrichment": round(float(ab.cluster_enrichment[c]), 3),
                                   "reasons": list(ab.reasons[i])}, sort_keys=True),
        })
    write_flag_records(db, run_id, (rows[start : start + 5000] for start in range(0, len(rows), 5000)))
