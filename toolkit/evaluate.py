"""Evaluation: our method against the paper's two baselines, on generated and loaded labelled data.

Protocol (the same for all three methods; ``docs/ai.md`` states it for the README)
----------------------------------------------------------------------------------
- **Data.** Three generated data sets (the paper's "three data sets") with different seeds and
  typology mixes, each generated, loaded into the configured database (which is cleared first),
  detected and evaluated in turn; plus whatever labelled data is already loaded (AMLSim,
  AMLworld), evaluated first and left in place.
- **Labels.** Account truth is ``(:AccountTruth).isLaundering``; where a data set only labels
  movements (AMLworld), an account is laundering when it sends or receives a laundering movement.
  Only evaluation reads labels. Accounts of class ``external`` (other banks' customers, which
  the bank neither investigates nor reports) are left out of the account-level measures for all
  three methods; movement-level measures keep every movement.
- **Ours** never sees a label: the full detection pipeline (:func:`detect_all`: amount rules,
  typologies, laundering paths when that job is available, embeddings + K-means, combined
  score) runs on the whole graph; its account score is ``a.amlScore`` as written back, its
  decision ``a.amlFlagged``.
- **Baselines** (:mod:`toolkit.scoring.baselines`) are supervised, so they see labels, but only
  out of fold: 5 stratified folds (seeded), each account scored by a model fitted on the other
  four. A baseline flags an account when its out-of-fold probability is >= 0.5.
- **Metrics** (:mod:`toolkit.scoring.metrics`) on the same accounts for all three: accuracy,
  precision, recall, F1 (from the decisions), PR-AUC (average precision, from the scores), and the
  confusion matrix. **Movement level**: for the baselines, which score accounts only, a
  movement's score is the lower of its two account scores (the account's score for a cash
  movement), flagged when both ends are flagged. Our detectors cite the movements behind each
  flag, so ours flags a movement when a current flag cites it and that flag's account is flagged,
  with that account's score (``read/scores_evidence_movements``). The endpoint rule applied to our
  account scores is reported in the notes.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from toolkit.config import Settings
from toolkit.db import Database
from toolkit.errors import NotFound
from toolkit.frames import DEPOSIT, WITHDRAWAL, Network
from toolkit.pipeline import PipelineResult, detect_all
from toolkit.scoring.metrics import BinaryMetrics, binary_metrics, pr_curve

__all__ = [
    "METHODS",
    "PAPER_ACCURACY",
    "DataSpec",
    "DEFAULT_SETS",
    "MethodResult",
    "DatasetResult",
    "EvaluationReport",
    "PipelineResult",
    "detect_all",
    "truth_labels",
    "baseline_scores",
    "evaluate_loaded",
    "evaluate",
    "as_json",
]

log = logging.getLogger(__name__)

METHODS = ("ours", "ml", "ml_rw")
#: The paper's Table 2 (accuracy, %, on its three data sets).
PAPER_ACCURACY = {"ml": (80.97, 82.33, 78.81), "ml_rw": (81.07, 84.84, 79.13), "ours": (83.11, 87.03, 81.35)}


@dataclass(frozen=True)
class DataSpec:
    """One generated data set."""

    name: str
    seed: int
    typologies: tuple[str, ...] | None = None
    hardness: str = "medium"
    transfers: int = 200_000


#: The three generated data sets: every typology; the fan / scatter-gather family (mule
#: networks); the layering / cash family (cycles, shell chains, structuring, front businesses).
DEFAULT_SETS = (
    DataSpec("generated-1-all", 101, None),
    DataSpec("generated-2-fans", 202, ("fan_in", "fan_out", "scatter_gather", "gather_scatter", "bipartite")),
    DataSpec("generated-3-layering", 303, ("cycle", "chain", "structuring", "front_business")),
)


@dataclass(frozen=True, eq=False)
class MethodResult:
    account: BinaryMetrics
    movement: BinaryMetrics | None
    account_scores: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))


@dataclass(eq=False)
class DatasetResult:
    name: str
    source: str
    accounts: int
    positives: int
    methods: dict[str, MethodResult]
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    plots: list[str] = field(default_factory=list)
    spec: DataSpec | None = None


@dataclass(eq=False)
class EvaluationReport:
    datasets: list[DatasetResult]

    def paper_table(self) -> list[dict[str, Any]]:
        """Table 2 beside ours: per method, the paper's accuracy per data set and the measured one."""
        gen = [d for d in self.datasets if d.source == "generated"]
        rows = []
        for m in METHODS:
            row: dict[str, Any] = {"method": m}
            for i, paper in enumerate(PAPER_ACCURACY[m]):
                row[f"paper_{i + 1}"] = paper
                row[f"ours_{i + 1}"] = (100.0 * gen[i].methods[m].account.accuracy) if i < len(gen) else None
            rows.append(row)
        return rows


# -- ground truth -------------------------------------------------------------------------------

def truth_labels(db: Database, net: Network) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, list[str]]:
    """Account labels (and which accounts are labelled) and movement labels, in network order.

    Returns
    -------
    y : ndarray of bool
        Laundering accounts.
    labelled : ndarray of bool
        Accounts that carry a label (only these are evaluated).
    y_mov : ndarray of bool or None
        Laundering movements, None when the data carried no movement labels.
    notes : list of str

    Raises
    ------
    NotFound
        Neither accounts nor movements are labelled.
    """
    notes: list[str] = []
    ids = pd.Index(net.accounts.ids)
    acc = db.run_one("read/truth_accounts") or {}
    mov = db.run_one("read/truth_movements") or {}
    y_mov = None
    if mov.get("labelled"):
        y_mov = pd.Index(mov.get("ids", [])).get_indexer(pd.Series(net.movements.ids, dtype=object)) >= 0
    n = len(ids)
    y = np.zeros(n, dtype=bool)
    labelled = np.zeros(n, dtype=bool)
    if acc.get("ids"):
        pos = ids.get_indexer(pd.Series(acc["ids"], dtype=object))
        ok = pos >= 0
        labelled[pos[ok]] = True
        y[pos[ok]] = np.asarray(acc["labels"], dtype=bool)[ok]
    elif y_mov is not None:
        m = net.movements
        ends = np.concatenate([m.src[y_mov], m.dst[y_mov]])
        y[ends[ends >= 0]] = True
        labelled[:] = True
        notes.append("no account labels: an account is laundering when it sends or receives a laundering movement")
    else:
        raise NotFound("the loaded data carries no ground truth (no AccountTruth or MovementTruth nodes)")
    external = np.asarray(net.accounts.cls, dtype=object) == "external"
    if external.any() and (labelled & ~external).any():
        # the bank investigates and reports its own customers; counterparties at other banks are
        # nobody's case here (no KYC, no history beyond what they exchanged with the bank)
        labelled &= ~external
        notes.append(f"{int(external.sum()):,} accounts of class 'external' (other banks' customers) not evaluated")
    return y, labelled, y_mov, notes


# -- baselines ----------------------------------------------------------------------------------

def baseline_scores(db: Database, settings: Settings, net: Network, y: np.ndarray, labelled: np.ndarray,
                    methods: Sequence[str] = ("ml", "ml_rw"), n_splits: int = 5,
                    seconds: dict[str, float] | None = None) -> dict[str, np.ndarray]:
    """Out-of-fold probabilities of the baselines for every account (0 where unlabelled)."""
    from toolkit.embeddings.embed import EmbeddingParams, node2vec
    from toolkit.embeddings.project import accounts_projection
    from toolkit.scoring.baselines import MLBaseline, MLRandomWalkBaseline, cross_val_scores
    from toolkit.scoring.features import account_features

    seed = settings.general.random_seed
    secs = seconds if seconds is not None else {}
    out: dict[str, np.ndarray] = {}
    t = time.perf_counter()
    X = account_features(net).X
    secs["features"] = time.perf_counter() - t
    idx = np.flatnonzero(labelled)
    if "ml" in methods:
        t = time.perf_counter()
        s = np.zeros(len(y))
        s[idx] = cross_val_scores(MLBaseline(random_state=seed), X[idx], y[idx], n_splits, seed)
        out["ml"] = s
        secs["ml"] = time.perf_counter() - t
    if "ml_rw" in methods:
        t = time.perf_counter()
        walks = random_walk_features(db, settings, net)
        secs["random_walks"] = time.perf_counter() - t
        t = time.perf_counter()
        Xw = np.column_stack([X, walks])
        s = np.zeros(len(y))
        s[idx] = cross_val_scores(MLRandomWalkBaseline(random_state=seed), Xw[idx], y[idx], n_splits, seed)
        out["ml_rw"] = s
        secs["ml_rw"] = time.perf_counter() - t
    return out


def random_walk_params(settings: Settings) -> Any:
    """Node2Vec (DeepWalk: p = q = 1) settings of the ML + random walk baseline."""
    from toolkit.embeddings.embed import EmbeddingParams

    conf = settings.section("embeddings")
    return EmbeddingParams(method="node2vec", dimension=int(conf.get("rw_dimension", 32)),
                           walk_length=int(conf.get("walk_length", 20)),
                           walks_per_node=int(conf.get("walks_per_node", 5)),
                           window_size=int(conf.get("window_size", 5)), weighted=False,
                           random_seed=settings.general.random_seed, concurrency=1)


def random_walk_features(db: Database, settings: Settings, net: Network) -> np.ndarray:
    """DeepWalk embeddings of every account in network order (projection dropped after)."""
    from toolkit.embeddings.embed import node2vec
    from toolkit.embeddings.project import accounts_projection

    with accounts_projection(db) as g:
        emb = node2vec(db, g["graphName"], random_walk_params(settings), n_hint=len(net.accounts))
    return emb.aligned(net.accounts.ids).astype(np.float64)


# -- evaluation ---------------------------------------------------------------------------------

def _movement_scores(net: Network, account_score: np.ndarray, account_flag: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = net.movements
    big = np.inf
    s_src = np.where(m.src >= 0, account_score[np.maximum(m.src, 0)], big)
    s_dst = np.where(m.dst >= 0, account_score[np.maximum(m.dst, 0)], big)
    f_src = np.where(m.src >= 0, account_flag[np.maximum(m.src, 0)], True)
    f_dst = np.where(m.dst >= 0, account_flag[np.maximum(m.dst, 0)], True)
    score = np.minimum(s_src, s_dst)
    score[~np.isfinite(score)] = 0.0
    return score, f_src & f_dst


def _evidence_movements(db: Database, net: Network) -> tuple[np.ndarray, np.ndarray]:
    row = db.run_one("read/scores_evidence_movements") or {}
    pos = pd.Index(net.movements.ids).get_indexer(pd.Series(row.get("ids", []), dtype=object))
    ok = pos >= 0
    score = np.zeros(len(net.movements))
    flag = np.zeros(len(net.movements), dtype=bool)
    score[pos[ok]] = np.asarray(row.get("scores", []), dtype=np.float64)[ok]
    flag[pos[ok]] = np.asarray(row.get("flagged", []), dtype=bool)[ok]
    return score, flag


def _ours_from_graph(db: Database, net: Network) -> tuple[np.ndarray, np.ndarray]:
    row = db.run_one("read/scores_all") or {}
    if not row.get("run"):
        raise NotFound("no complete score run: run detection first")
    pos = pd.Index(net.accounts.ids).get_indexer(pd.Series(row["ids"], dtype=object))
    ok = pos >= 0
    score = np.zeros(len(net.accounts))
    flag = np.zeros(len(net.accounts), dtype=bool)
    score[pos[ok]] = np.asarray(row["scores"], dtype=np.float64)[ok]
    flag[pos[ok]] = np.asarray(row["flagged"], dtype=bool)[ok]
    return score, flag


def evaluate_loaded(
    db: Database,
    settings: Settings,
    name: str = "loaded",
    source: str = "loaded",
    detect: bool = True,
    methods: Sequence[str] = METHODS,
    out: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> DatasetResult:
    """Evaluate the three methods on the data loaded now (which must carry ground truth).

    Parameters
    ----------
    detect : bool
        Run our full pipeline first (:func:`detect_all`); False evaluates the current score run.
    out : path, optional
        Directory for the PNG plots.
    """
    from toolkit.network import read_network

    step = progress or (lambda _n: None)
    seconds: dict[str, float] = {}
    step(f"{name}: read")
    t = time.perf_counter()
    net = read_network(db)
    seconds["read_network"] = time.perf_counter() - t
    y, labelled, y_mov, notes = truth_labels(db, net)
    emb = None
    if "ours" in methods and detect:
        step(f"{name}: detect")
        t = time.perf_counter()
        pipe = detect_all(db, settings, net=net, keep_vectors=out is not None)
        seconds["detect"] = time.perf_counter() - t
        notes.extend(pipe.notes)
        emb = pipe.embeddings
    scores: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if "ours" in methods:
        scores["ours"] = _ours_from_graph(db, net)
    wanted = [m for m in methods if m != "ours"]
    if wanted:
        step(f"{name}: baselines")
        t = time.perf_counter()
        bs = baseline_scores(db, settings, net, y, labelled, wanted, seconds=seconds)
        seconds["baselines"] = time.perf_counter() - t
        for m, s in bs.items():
            scores[m] = (s, s >= 0.5)
    results: dict[str, MethodResult] = {}
    mov_labelled = y_mov is not None
    for m in methods:
        s, f = scores[m]
        acc = binary_metrics(y[labelled], f[labelled], s[labelled])
        mov = None
        if mov_labelled:
            if m == "ours":
                ms, mf = _evidence_movements(db, net)
                es, ef = _movement_scores(net, s, f)
                res_extra = binary_metrics(y_mov, ef, es)
            else:
                ms, mf = _movement_scores(net, s, f)
            mov = binary_metrics(y_mov, mf, ms)
        results[m] = MethodResult(acc, mov, s)
    if mov_labelled and "ours" in methods:
        notes.append("movement level, ours by the baselines' endpoint rule: F1 %.4f, PR-AUC %.4f"
                     % (res_extra.f1, res_extra.pr_auc))
    if not mov_labelled:
        notes.append("no movement labels: movement level not evaluated")
    res = DatasetResult(name, source, int(labelled.sum()), int(y[labelled].sum()), results, notes, seconds)
    if out is not None:
        res.plots = write_plots(Path(out), res, y, labelled, emb, net.accounts.ids)
    return res


def write_plots(out: Path, res: DatasetResult, y: np.ndarray, labelled: np.ndarray, emb: Any,
                account_ids: np.ndarray) -> list[str]:
    """PR curves of the three methods, and a 2-D map of the clustered embeddings coloured by
    cluster and by truth (PNG, matplotlib's Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    written = []
    fig, ax = plt.subplots(figsize=(6, 5))
    for m, r in res.methods.items():
        p, rc, _t = pr_curve(y[labelled], r.account_scores[labelled])
        ax.step(np.r_[0.0, rc], np.r_[p[0] if p.size else 1.0, p], where="pre",
                label=f"{m} (PR-AUC {r.account.pr_auc:.3f}, F1 {r.account.f1:.3f})")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_title(f"{res.name}: account level")
    ax.legend(loc="lower left", fontsize=8)
    path = out / f"{res.name}_pr.png"
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(str(path))
    if emb is not None and emb.vectors is not None and len(emb.vectors):
        X = emb.vectors
        Xc = X - X.mean(axis=0)
        # PCA by SVD on a seeded sample of at most 20k points (the plot cannot show more)
        rng = np.random.default_rng(0)
        idx = np.sort(rng.choice(len(Xc), size=min(len(Xc), 20000), replace=False))
        _u, _s, vt = np.linalg.svd(Xc[idx], full_matrices=False)
        P = Xc[idx] @ vt[:2].T
        pos = pd.Index(account_ids).get_indexer(pd.Series(emb.ids[idx], dtype=object))
        y_emb = np.where(pos >= 0, (y & labelled)[np.maximum(pos, 0)], False)
        fig, axes = plt.subplots(1, 2, figsize=(11, 5))
        axes[0].scatter(P[:, 0], P[:, 1], c=emb.clustering.labels[idx], cmap="tab20", s=3, linewidths=0)
        axes[0].set_title(f"{res.name}: clusters (k={emb.k})")
        axes[1].scatter(P[~y_emb, 0], P[~y_emb, 1], c="#bbbbbb", s=3, linewidths=0, label="honest")
        axes[1].scatter(P[y_emb, 0], P[y_emb, 1], c="#d62728", s=9, linewidths=0, label="laundering")
        ab = emb.abnormal.abnormal[idx]
        axes[1].scatter(P[ab, 0], P[ab, 1], facecolors="none", edgecolors="#1f77b4", s=16, linewidths=0.5,
                        label="marked abnormal")
        axes[1].set_title("ground truth")
        axes[1].legend(loc="best", fontsize=8)
        for a in axes:
            a.set_xlabel("PC 1")
            a.set_ylabel("PC 2")
        path = out / f"{res.name}_embedding_map.png"
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(str(path))
    return written


def _data_present(db: Database) -> tuple[bool, bool]:
    """(accounts loaded, ground truth loaded)."""
    row = db.run_one("read/data_present") or {}
    return bool(row.get("accounts")), bool(row.get("truth"))


def generated_dir(cache: Path, spec: DataSpec) -> Path:
    import hashlib

    typ = "all" if spec.typologies is None else ",".join(spec.typologies)
    tag = hashlib.sha256(typ.encode()).hexdigest()[:8]
    return cache / f"eval-{spec.transfers}-{spec.seed}-{spec.hardness}-{tag}"


def evaluate(
    db: Database,
    settings: Settings,
    sets: Sequence[DataSpec] = DEFAULT_SETS,
    include_loaded: bool = True,
    generated: bool = True,
    out: str | Path | None = None,
    cache_dir: str | Path | None = None,
    methods: Sequence[str] = METHODS,
    progress: Callable[[str], None] | None = None,
) -> EvaluationReport:
    """Evaluate on the loaded labelled data (first, left in place until the generated sets run)
    and on the generated data sets, each generated (cached by size, seed, hardness and typology
    mix), loaded into the cleared database, detected and evaluated in turn."""
    from loaders.load import load_path
    from toolkit.admin import clear_database, init_schema
    from toolkit.generate import generate

    step = progress or (lambda _n: None)
    results: list[DatasetResult] = []
    has_accounts, has_truth = _data_present(db) if include_loaded else (False, False)
    if has_accounts and has_truth:
        results.append(evaluate_loaded(db, settings, "loaded", "loaded", True, methods, out, step))
    elif has_accounts:
        log.info("loaded data carries no ground truth: not evaluated")
    if generated:
        cache = Path(cache_dir) if cache_dir else settings.server.cache_path / "datasets"
        for spec in sets:
            d = generated_dir(cache, spec)
            if not (d / "accounts.csv").is_file() or not (d / "movements.csv").is_file():
                step(f"{spec.name}: generate")
                generate(d, transfers=spec.transfers, seed=spec.seed, typologies=list(spec.typologies)
                         if spec.typologies else None, hardness=spec.hardness)
            step(f"{spec.name}: load")
            t = time.perf_counter()
            clear_database(db)
            init_schema(db)
            load_path(db, d, batch_size=settings.load.batch_size, writers=settings.load.writers, max_amount=settings.load.max_amount,
                      rejects=d.parent / f"{d.name}.rejects.csv")
            t_load = time.perf_counter() - t
            r = evaluate_loaded(db, settings, spec.name, "generated", True, methods, out, step)
            r.seconds["load"] = t_load
            r.spec = spec
            results.append(r)
    return EvaluationReport(results)


def as_json(report: EvaluationReport, full: bool = False) -> dict[str, Any]:
    """``{"datasets": [{"name", "methods": {"ours": {accuracy, precision, recall, f1, pr_auc}, ...}}]}``
    at account level; ``full=True`` adds confusion matrices, movement level, notes and timings."""
    out = []
    for d in report.datasets:
        entry: dict[str, Any] = {"name": d.name,
                                 "methods": {m: _clean(r.account.headline()) for m, r in d.methods.items()}}
        if full:
            entry.update(
                source=d.source, accounts=d.accounts, positives=d.positives, notes=d.notes, seconds=d.seconds,
                plots=d.plots,
                confusion={m: {"tn": r.account.tn, "fp": r.account.fp, "fn": r.account.fn, "tp": r.account.tp}
                           for m, r in d.methods.items()},
                movement={m: (None if r.movement is None else {**_clean(r.movement.headline()),
                                                                 "tn": r.movement.tn, "fp": r.movement.fp,
                                                                 "fn": r.movement.fn, "tp": r.movement.tp})
                          for m, r in d.methods.items()},
            )
            if d.spec is not None:
                entry["spec"] = {"seed": d.spec.seed, "typologies": d.spec.typologies, "hardness": d.spec.hardness,
                                 "transfers": d.spec.transfers}
        out.append(entry)
    return {"datasets": out}


def _clean(d: dict[str, float]) -> dict[str, float | None]:
    return {k: (None if isinstance(v, float) and not np.isfinite(v) else round(float(v), 6)) for k, v in d.items()}
