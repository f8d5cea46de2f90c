"""Every detector with the configured defaults, as one detection run (``aml detect``).

The network is read once and shared by the in-process detectors. The umbrella
``(:DetectionRun {detector: 'detect'})`` records the counts per detector and the run ids of the
detectors' own runs; each detector's run replaces its earlier results as usual.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from toolkit.config import Settings
from toolkit.db import Database
from toolkit.network import read_network
from toolkit.runs import detection_run

__all__ = ["DetectAllResult", "run_all", "DETECTOR_ORDER"]

#: The order detectors run in: later ones read the flags of earlier ones.
DETECTOR_ORDER = ("amounts", "typologies", "paths", "embeddings", "scores")


@dataclass
class DetectAllResult:
    run_id: str
    counts: dict[str, Any] = field(default_factory=dict)
    runs: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def _steps(settings: Settings) -> dict[str, Callable[[Database, Any], tuple[str, Any]]]:
    """Detector name -> callable(db, net) returning (run id, counts)."""
    steps: dict[str, Callable[[Database, Any], tuple[str, Any]]] = {}

    def amounts(db: Database, net: Any) -> tuple[str, Any]:
        from toolkit.jobs.amounts import amount_params, run_amounts

        r = run_amounts(db, amount_params(settings), net=net)
        return r.run_id, r.counts

    def typologies(db: Database, net: Any) -> tuple[str, Any]:
        from toolkit.jobs.typologies import run_typology_job, typology_params

        r = run_typology_job(db, typology_params(settings), net=net)
        return r.run_id, r.counts

    def paths(db: Database, net: Any) -> tuple[str, Any]:
        import dataclasses

        from toolkit.jobs.paths import TooManyPaths, path_params, run_paths
        from toolkit.paths.endpoints import EndpointSelection

        params = path_params(settings)
        if not settings.section("paths"):
            # Unconfigured: paths between accounts the amount rules flagged (placement to
            # integration), each hop carrying 80 % of the last within a week, at most 5 hops:
            # the money an investigator already has reason to follow. The broad search of
            # `aml paths` finds >100k candidate paths on a 50k-transfer bank.
            params = dataclasses.replace(
                params, sources=EndpointSelection(flagged=True), targets=EndpointSelection(flagged=True),
                min_carry=0.8, window_days=7.0, max_hops=5,
            )
        try:
            r = run_paths(db, params, net=net)
        except TooManyPaths as exc:
            return "", {"skipped": str(exc)}
        return r.run_id, {"paths": len(r.paths), "optimal": sum(p.optimal for p in r.paths),
                          "sources": r.sources, "targets": r.targets,
                          "transfers_cut": getattr(r.stats, "transfers_cut", 0)}

    def embeddings(db: Database, net: Any) -> tuple[str, Any]:
        from toolkit.jobs.embeddings import run_embeddings_job

        r = run_embeddings_job(db, settings, net=net)
        return r.run_id or "", dict(r.counts)

    def scores(db: Database, net: Any) -> tuple[str, Any]:
        from toolkit.jobs.scores import run_scores_job

        r = run_scores_job(db, settings)
        return r.run_id, dict(r.counts)

    steps["amounts"] = amounts
    steps["typologies"] = typologies
    steps["paths"] = paths
    steps["embeddings"] = embeddings
    steps["scores"] = scores
    return steps


def run_all(db: Database, settings: Settings, progress: Callable[[str], None] | None = None) -> DetectAllResult:
    """Run every detector; the umbrella run fails (and the previous results stay) if one fails."""
    t0 = time.perf_counter()
    net = read_network(db)
    read_s = time.perf_counter() - t0
    steps = _steps(settings)
    with detection_run(db, "detect", {"detectors": [d for d in DETECTOR_ORDER if d in steps]}) as run:
        result = DetectAllResult(run.id, seconds={"read": read_s})
        for name in DETECTOR_ORDER:
            if name not in steps:
                continue
            if progress:
                progress(name)
            t = time.perf_counter()
            run_id, counts = steps[name](db, net)
            result.seconds[name] = time.perf_counter() - t
            result.runs[name] = run_id
            result.counts[name] = counts
        run.counts = {"counts": result.counts, "runs": result.runs}
    return result
