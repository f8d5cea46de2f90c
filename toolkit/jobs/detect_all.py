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

    steps["amounts"] = amounts
    steps["typologies"] = typologies
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
