"""Embeddings and K-means (paper §5): who deals with whom, clustered; abnormal actors marked.

Modules
-------
:mod:`.project`   the GDS projections (weighted undirected for embeddings; natural for degrees)
:mod:`.embed`     FastRP (default) and Node2Vec, seeded, streamed into NumPy
:mod:`.kmeans`    K-means with k by silhouette (NumPy on the streamed vectors; GDS optional)
:mod:`.abnormal`  small / outlying / flag-enriched clusters and accounts far from their centroid

The job that glues them and writes back is :func:`toolkit.jobs.embeddings.run_embeddings_job`.
Nothing here reads ground truth.
"""

from toolkit.embeddings.abnormal import REASONS, AbnormalParams, AbnormalResult, abnormal_actors
from toolkit.embeddings.embed import METHODS, EmbeddingParams, Embeddings, embed_projection, fastrp, node2vec
from toolkit.embeddings.kmeans import (
    BACKENDS,
    Clustering,
    KMeansParams,
    choose_k,
    cluster,
    kmeans,
    silhouette,
    standardize,
)
from toolkit.embeddings.project import NATURAL, WEIGHTED, accounts_projection, gds_degrees

__all__ = [
    "accounts_projection",
    "gds_degrees",
    "WEIGHTED",
    "NATURAL",
    "EmbeddingParams",
    "Embeddings",
    "embed_projection",
    "fastrp",
    "node2vec",
    "METHODS",
    "KMeansParams",
    "Clustering",
    "kmeans",
    "choose_k",
    "cluster",
    "silhouette",
    "standardize",
    "BACKENDS",
    "AbnormalParams",
    "AbnormalResult",
    "abnormal_actors",
    "REASONS",
]
