"""Node embeddings of the accounts with GDS: FastRP (default) or Node2Vec, reproducible with a seed.

Why FastRP by default: it is a few sparse matrix products over the projection (seconds at 2M
transfers, linear in edges), while Node2Vec walks and trains a skip-gram model (minutes). Both
are seeded; GDS promises identical output for a fixed ``randomSeed`` only with
``concurrency: 1``, which is what we pass unless told otherwise.

Vectors are streamed one row per account into a preallocated ``float32`` matrix, so Python never
holds them as a list of lists of Python floats (which at 100k accounts x 64 dimensions would be
~200 MB of objects).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields, replace
from typing import Any, Mapping

import numpy as np

from toolkit.db import Database
from toolkit.errors import ConfigError

__all__ = ["EmbeddingParams", "Embeddings", "fastrp", "node2vec", "embed_projection", "METHODS"]

METHODS = ("fastrp", "node2vec")


@dataclass(frozen=True)
class EmbeddingParams:
    """How to embed (``[embeddings]`` in aml.toml; keys are these field names).

    Attributes
    ----------
    method : "fastrp" or "node2vec"
    dimension : int, default 32
    weighted : bool, default True
        Use the log-amount edge weight (FastRP ``relationshipWeightProperty``; Node2Vec biases
        its walks by it).
    iteration_weights : tuple of float, default (0.0, 1.0, 1.0, 1.0)
        FastRP: weight of each propagation step (0 for the node's own random vector, then 1-, 2-,
        3-hop neighbourhoods), so accounts are placed by whom they deal with, up to 3 hops.
    normalization_strength : float, default 0.0
        FastRP degree normalisation (negative down-weights hubs).
    walk_length, walks_per_node, window_size, iterations : int
        Node2Vec walks and skip-gram training (defaults 20, 5, 5, 1: the paper-like >500 s
        settings of 80 x 10 walks buy little on transaction graphs).
    in_out_factor, return_factor : float, default 1.0
        Node2Vec ``q`` and ``p``; 1.0 and 1.0 make it DeepWalk.
    random_seed : int
        Seed; defaults to ``[general] random_seed``.
    concurrency : int, default 1
        1 for reproducible output.
    """

    method: str = "fastrp"
    dimension: int = 32
    weighted: bool = True
    iteration_weights: tuple[float, ...] = (0.0, 1.0, 1.0, 1.0)
    normalization_strength: float = 0.0
    walk_length: int = 20
    walks_per_node: int = 5
    window_size: int = 5
    iterations: int = 1
    in_out_factor: float = 1.0
    return_factor: float = 1.0
    random_seed: int = 42
    concurrency: int = 1

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ConfigError(f"[embeddings] method = {self.method!r}: expected one of {', '.join(METHODS)}")
        if self.dimension < 2:
            raise ConfigError(f"[embeddings] dimension = {self.dimension}: expected >= 2")
        if self.concurrency < 1:
            raise ConfigError(f"[embeddings] concurrency = {self.concurrency}: expected >= 1")
        object.__setattr__(self, "iteration_weights", tuple(float(w) for w in self.iteration_weights))

    @classmethod
    def from_mapping(cls, conf: Mapping[str, Any], random_seed: int | None = None) -> "EmbeddingParams":
        """Build from a config section, ignoring keys that belong to other parts of ``[embeddings]``."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in conf.items() if k in known}
        if "iteration_weights" in values:
            values["iteration_weights"] = tuple(values["iteration_weights"])
        if random_seed is not None and "random_seed" not in values:
            values["random_seed"] = int(random_seed)
        return cls(**values)

    def with_changes(self, **changes: Any) -> "EmbeddingParams":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def gds_config(self) -> dict[str, Any]:
        """The configuration map passed to ``gds.fastRP`` / ``gds.node2vec``."""
        conf: dict[str, Any] = {"embeddingDimension": int(self.dimension), "randomSeed": int(self.random_seed),
                                "concurrency": int(self.concurrency)}
        if self.weighted:
            conf["relationshipWeightProperty"] = "weight"
        if self.method == "fastrp":
            conf["iterationWeights"] = list(self.iteration_weights)
            conf["normalizationStrength"] = float(self.normalization_strength)
        else:
            conf.update(walkLength=int(self.walk_length), walksPerNode=int(self.walks_per_node),
                        windowSize=int(self.window_size), iterations=int(self.iterations),
                        inOutFactor=float(self.in_out_factor), returnFactor=float(self.return_factor))
        return conf


@dataclass(frozen=True, eq=False)
class Embeddings:
    """Account ids and their vectors (row ``i`` of ``vectors`` is account ``ids[i]``)."""

    ids: np.ndarray
    vectors: np.ndarray
    method: str
    seconds: float = 0.0
    config: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def aligned(self, account_ids: np.ndarray) -> np.ndarray:
        """The vectors in the order of ``account_ids`` (zeros for an id without a vector)."""
        from toolkit.arrays import index_of

        pos = index_of(self.ids, np.asarray(account_ids, dtype=object))
        out = np.zeros((len(account_ids), self.vectors.shape[1]), dtype=self.vectors.dtype)
        ok = pos >= 0
        out[ok] = self.vectors[pos[ok]]
        return out


def _stream(db: Database, query: str, graph_name: str, config: dict[str, Any], n_hint: int, dim: int) -> tuple[np.ndarray, np.ndarray]:
    ids: list[str] = []
    vec = np.zeros((max(n_hint, 1), dim), dtype=np.float32)
    i = 0
    for rec in db.stream(query, graph_name=graph_name, config=config):
        if i >= vec.shape[0]:
            vec = np.concatenate([vec, np.zeros_like(vec)])
        ids.append(rec[0])
        vec[i] = rec[1]
        i += 1
    return np.array(ids, dtype=object), vec[:i]


def fastrp(db: Database, graph_name: str, params: EmbeddingParams, n_hint: int = 0) -> Embeddings:
    """FastRP embeddings of every node of projection ``graph_name`` (made by
    :func:`toolkit.embeddings.accounts_projection`)."""
    p = params if params.method == "fastrp" else replace(params, method="fastrp")
    t0 = time.perf_counter()
    conf = p.gds_config()
    ids, vec = _stream(db, "gds/fastrp_stream", graph_name, conf, n_hint, p.dimension)
    return Embeddings(ids, vec, "fastrp", time.perf_counter() - t0, conf)


def node2vec(db: Database, graph_name: str, params: EmbeddingParams, n_hint: int = 0) -> Embeddings:
    """Node2Vec embeddings (DeepWalk with the default ``p = q = 1``) of every node of the projection."""
    p = params if params.method == "node2vec" else replace(params, method="node2vec")
    t0 = time.perf_counter()
    conf = p.gds_config()
    ids, vec = _stream(db, "gds/node2vec_stream", graph_name, conf, n_hint, p.dimension)
    return Embeddings(ids, vec, "node2vec", time.perf_counter() - t0, conf)


def embed_projection(db: Database, graph_name: str, params: EmbeddingParams, n_hint: int = 0) -> Embeddings:
    """Embeddings of the projection with ``params.method``."""
    if params.method == "node2vec":
        return node2vec(db, graph_name, params, n_hint)
    return fastrp(db, graph_name, params, n_hint)
