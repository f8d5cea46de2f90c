"""Our detection pipeline (:func:`detect_all`): read the network, run every detector, combine, write back.

Why its own module: the benchmark's ``ours`` process imports this and nothing of the evaluation
around it (:mod:`toolkit.evaluate` keeps the baselines, metrics and plots, which need pandas,
scikit-learn and matplotlib). Everything reached from here works on NumPy and
``scipy.sparse``/``scipy.special`` alone, so the process that runs it stays within its memory
budget; ``tests/unit/test_lean_imports.py`` holds it to that.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, ContextManager, Iterator

import numpy as np

from toolkit.config import Settings
from toolkit.db import Database
from toolkit.errors import ToolkitError
from toolkit.frames import Network

__all__ = ["PipelineResult", "detect_all"]


@dataclass(eq=False)
class PipelineResult:
    """What :func:`detect_all` ran and wrote."""

    seconds: dict[str, float]
    notes: list[str]
    counts: dict[str, Any]
    run_ids: dict[str, str]
    embeddings: Any
    scores: Any


def _no_phase(_name: str) -> ContextManager[None]:
    return contextlib.nullcontext()


def _unfreezes_gc(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Undo, however ``fn`` ends, the ``gc.freeze`` calls it makes: the findings of
    :func:`detect_all` are moved out of Python's cyclic garbage collector once made (they live to
    the end and hold no cycles; at 2.1M transfers the full collections walking them took 4 s), and
    are ordinary objects again after it."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        finally:
            gc.unfreeze()

    return wrapper


@_unfreezes_gc
def detect_all(
    db: Database,
    settings: Settings,
    net: Network | None = None,
    phase: Callable[[str], ContextManager[Any]] | None = None,
    keep_vectors: bool = False,
    with_paths: bool = False,
    path_endpoints: int = 300,
    progress: Callable[[str], None] | None = None,
) -> PipelineResult:
    """Our whole detection pipeline in the paper's phases, written back as one run per detector.

    graph construction
        one bulk read of the network into NumPy (unless ``net`` is given) and, at the same time,
        the GDS projection;
    algorithm execution
        amount rules, typology detectors, laundering paths (when :mod:`toolkit.jobs.paths` is
        there; it writes its own results as it goes) between the ``path_endpoints`` placement and
        integration accounts the amount rules suspect most (every placement-to-integration pair of
        a 0.6M-transfer bank is more than the path search's limit of 100,000 paths), embeddings
        (computed by GDS while the detectors run) + K-means + abnormal actors, and the combined score, all from in-memory findings (the same
        input the stand-alone :func:`toolkit.jobs.scores.run_scores_job` reads back from the
        graph);
    result storage
        the flags of the amount and typology runs, the cluster marks and abnormal-cluster flags,
        and the scores, each as its own detection run. (Writing the amount flags beside the
        typology detectors was tried on 2026-12-03 and gained nothing: the writer's record
        building took the interpreter from the detectors, 2.1M transfers 79.3/75.4 s against
        78.5/70.9 s written after them.)

    ``phase(name)`` is entered around each phase (the benchmark measures time and memory there).
    The projection is dropped at the end of algorithm execution, also on failure.

    Paths are off by default (``with_paths=False``): measured on the 0.6M-transfer generated set,
    the path job's default endpoint selection exceeds its 100,000-path limit after ~23 s, and
    with 300 amount-suspected endpoints it takes 18-27 s while its flags have 2.6% account
    precision and lowered the combined F1 (docs/ai.md). Path flags written by the paths job on its
    own still enter the stand-alone score job.
    """
    from toolkit.amounts import run_amount_rules
    from toolkit.detect import TypologyParams, run_typologies
    from toolkit.finding_table import FindingTable
    from toolkit.embeddings.embed import embed_projection
    from toolkit.embeddings.project import accounts_projection
    from toolkit.jobs.amounts import amount_params, describe as amounts_describe
    from toolkit.jobs.embeddings import compute_embeddings, embedding_job_params, write_embeddings
    from toolkit.jobs.scores import active_accounts, flag_table_from_findings, score_params, write_scores
    from toolkit.network import read_network
    from toolkit.runs import detection_run
    from toolkit.scoring.combined import combined_score, rule_evidence, typology_scores
    from toolkit.writeback import write_findings

    ph = phase or _no_phase
    step = progress or (lambda _n: None)
    seconds: dict[str, float] = {}
    notes: list[str] = []
    counts: dict[str, Any] = {}
    run_ids: dict[str, str] = {}

    def timed(name: str) -> Any:
        @contextlib.contextmanager
        def cm() -> Iterator[None]:
            step(name)
            t = time.perf_counter()
            try:
                yield
            finally:
                seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - t
        return cm()

    ap = amount_params(settings)
    tp = TypologyParams.from_mapping(settings.section("typologies"))
    ep = embedding_job_params(settings)
    sp = score_params(settings)

    # The server and this process work side by side where one does not need the other's result:
    # the projection is built while the network is read, and the embeddings computed on the server
    # while the detectors run here (two cores: one each). The worker thread is left (and waited
    # for) before the projection is dropped, also on failure.
    with contextlib.ExitStack() as stack, ThreadPoolExecutor(max_workers=1, thread_name_prefix="aml-aside") as aside:
        with ph("graph_construction"):
            reading = aside.submit(read_network, db) if net is None else None
            with timed("projection"):
                g = stack.enter_context(accounts_projection(db))
            with timed("read_network"):  # what is left of the read once the projection is built
                net = reading.result() if reading is not None else net
        with ph("algorithm_execution"):
            embedding = (aside.submit(embed_projection, db, g["graphName"], ep.embedding, len(net.accounts))
                         if ep.kmeans.backend != "gds" else None)
            with timed("amounts"):
                ar = run_amount_rules(net, ap)
            with timed("typologies"):
                tr = run_typologies(net, tp)
            gc.freeze()
            flags = flag_table_from_findings(net, FindingTable.concat([ar.findings, tr.findings]))
            active = active_accounts(net)
            # the typology detectors' own account score, from the same findings the flags hold
            typ = typology_scores(flags, active_accounts(net, transfers_only=True), tp)
            if with_paths and path_endpoints > 0:
                with timed("paths"):
                    # endpoints ranked by the amount rules alone, so that the agreement between
                    # paths and typologies (step 1b of the combined score) is not circular
                    evidence = rule_evidence(flag_table_from_findings(net, ar.findings), sp, active)
                    path_findings = _run_paths(db, settings, net, evidence, path_endpoints, notes, run_ids, counts)
                if path_findings:
                    flags = flag_table_from_findings(
                        net, FindingTable.concat([ar.findings, tr.findings, FindingTable.pack(path_findings)]))
            else:
                notes.append("laundering paths not run (with_paths=False): their flags count when the paths "
                             "job has run on its own")
            with timed("embeddings"):  # what is left of them once the detectors are done
                emb = compute_embeddings(db, settings, ep, g["graphName"], flags, active, net, keep_vectors,
                                         typology=typ, embeddings=embedding.result() if embedding else None)
            stack.close()  # drop the projection now: storage does not need it
            notes.extend(emb.notes)
            with timed("score"):
                sc = combined_score(flags, sp, cluster_score=emb.abnormal.score, active=active, typology=typ)
    gc.freeze()
    def write_run(kind: str, describe: dict[str, Any], result: Any) -> None:
        """One detection run of ``kind`` holding ``result``'s findings as flags."""
        with timed(f"write_{kind}"):
            with detection_run(db, kind, describe) as run:
                write_findings(db, run, net, result.findings)
                run.counts = dict(result.counts)
            run_ids[kind] = run.id

    with ph("result_storage"):
        write_run("amounts", amounts_describe(ap), ar)
        write_run("typologies", _typology_describe(tp), tr)
        with timed("write_embeddings"):
            run_ids["embeddings"] = write_embeddings(db, ep, emb)
        with timed("write_scores"):
            run_ids["scores"] = write_scores(db, sp, sc)
    counts.update(amounts=dict(ar.counts), typologies=dict(tr.counts), embeddings=dict(emb.counts),
                  scores=sc.counts())
    return PipelineResult(seconds, notes, counts, run_ids, emb, sc)


def _typology_describe(tp: Any) -> dict[str, Any]:
    import dataclasses

    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(tp).items()}


def _run_paths(db: Database, settings: Settings, net: Network, evidence: np.ndarray, endpoints: int,
               notes: list[str], run_ids: dict[str, str], counts: dict[str, Any]) -> list:
    try:
        from toolkit.jobs.paths import path_findings, path_params, run_paths
        from toolkit.paths.endpoints import integration_accounts, placement_accounts
    except ImportError:
        notes.append("laundering-paths job not available: paths skipped")
        return []

    def top(mask_or_rows: np.ndarray) -> list[str]:
        m = np.zeros(len(net.accounts), dtype=bool)
        if mask_or_rows.dtype == bool:
            m |= mask_or_rows
        else:
            m[mask_or_rows] = True
        cand = np.flatnonzero(m & (evidence > 0))
        cand = cand[np.lexsort((cand, -evidence[cand]))][:endpoints]
        return [str(net.accounts.ids[i]) for i in cand]

    sources, targets = top(placement_accounts(net)), top(integration_accounts(net))
    if not sources or not targets:
        notes.append("paths skipped: no suspected placement or integration accounts")
        return []
    try:
        res = run_paths(db, path_params(settings, sources=sources, targets=targets), net=net)
    except ToolkitError as exc:
        notes.append(f"paths skipped: {exc}")
        return []
    run_ids["paths"] = res.run_id
    counts["paths"] = {"paths": len(res.paths), "flags": res.flags_written}
    return path_findings(net, res.paths, [f"{res.run_id}:{i}" for i in range(len(res.paths))])
