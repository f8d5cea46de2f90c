"""The benchmark's ``ours`` process offline: resident memory and time of every step of
``detect_all`` on a pickled network, with a stand-in for the server (never collected by pytest).

Why: the issue's target is the peak RSS (``VmHWM``) of ``python -m toolkit.bench ours N``, and the
only server is busy with benchmarks. Everything that process holds in Python runs here for real:
the same process set-up (:func:`toolkit.bench.prepare_ours_process` where the tree has it), the
same imports, :func:`toolkit.pipeline.detect_all` itself with its amount rules, typology
detectors, flag table, embeddings (K-means and abnormal actors on FastRP-like vectors streamed
one record per account, as the driver gives them), combined score, and the write-back, which
builds every batch of parameters as it would for the server and hands it to :class:`_OfflineDb`,
which holds it as long as the server would take to write it (``--flag-ms``), then drops it. What is not here: the driver's own buffers (a batch packed for the
wire) and the network read (the pickle, in ``read_network``'s layout, stands in for its arrays).

Usage::

    PYTHONPATH=. python benchmarks/ours_memory.py /tmp/net-600k.pkl
    PYTHONPATH=/tmp/before python benchmarks/ours_memory.py /tmp/net-600k.pkl   # the tree before

Prints, per step, the RSS after it and the peak within it (``/proc/self/clear_refs`` resets the
peak at every step), in MB of 10^6 bytes, and the step's seconds (wall and CPU).
"""

from __future__ import annotations

import argparse
import gc
import json
import pickle
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

_STATUS = Path("/proc/self/status")


def _status() -> dict[str, float]:
    d = {}
    for line in _STATUS.read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, value = line.split(":")
            d[key] = int(value.split()[0]) * 1024 / 1e6
    return d


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


class _Steps:
    """Closes the previous step and opens the next one: RSS after, peak within, seconds."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.name: str | None = None
        self.t = time.perf_counter()
        self.cpu = time.process_time()
        self.sub_peak = 0.0
        self.sub_t = self.t
        self.trim: Any = None  # --trim: glibc's malloc_trim, called between steps
        _reset_peak()

    def part(self, name: str) -> None:
        """End a part of the current step (``--parts``): print its peak and time, reset the peak."""
        s = _status()
        self.sub_peak = max(self.sub_peak, s["VmHWM"])
        now = time.perf_counter()
        print(f"   {name:<19} RSS {s['VmRSS']:7.1f} MB   peak in part {s['VmHWM']:7.1f} MB   {now - self.sub_t:7.2f} s",
              flush=True)
        self.sub_t = now
        _reset_peak()

    def __call__(self, name: str | None) -> None:
        now = time.perf_counter()
        if self.name is not None:
            s = _status()
            row = {"step": self.name, "rss_mb": round(s["VmRSS"], 1),
                   "peak_mb": round(max(s["VmHWM"], self.sub_peak), 1), "seconds": round(now - self.t, 3),
                   "cpu_s": round(time.process_time() - self.cpu, 3)}
            self.rows.append(row)
            print(f"{row['step']:<22} RSS {row['rss_mb']:7.1f} MB   peak in step {row['peak_mb']:7.1f} MB"
                  f"   {row['seconds']:7.2f} s ({row['cpu_s']:.2f} s CPU)", flush=True)
        if self.trim is not None:
            self.trim(0)
        self.name, self.t, self.cpu = name, time.perf_counter(), time.process_time()
        self.sub_peak, self.sub_t = 0.0, self.t
        _reset_peak()


class _OfflineDb:
    """Answers what :func:`detect_all` asks a :class:`toolkit.db.Database` without a server.

    FastRP's stream gives one ``(id, [floats])`` record per account (seeded normal vectors of the
    configured dimension); a projection answers with its summary row; write queries count their
    rows and drop them; everything else answers nothing (no old runs to supersede, no projection
    to drop)."""

    def __init__(self, ids: Any, dimension: int, seed: int = 0, flag_seconds: float = 0.0) -> None:
        self.ids, self.dimension, self.seed = ids, dimension, seed
        self.flag_seconds = flag_seconds  # a flag row's time on the server: batches stay in flight
        self.rows_written: dict[str, int] = {}
        self.lock = threading.Lock()  # writes come from several threads

    def _count(self, name: str, params: dict[str, Any]) -> int:
        rows = params.get("rows", params.get("ids"))
        n = len(rows) if rows is not None else 0
        with self.lock:
            self.rows_written[name] = self.rows_written.get(name, 0) + n
        return n

    def run(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        self._count(name, params)
        return []

    def run_autocommit(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        return self.run(name, **params)

    def run_one(self, name: str, /, **params: Any) -> dict[str, Any] | None:
        n = self._count(name, params)
        if name.startswith("gds/project_"):  # the projection's summary row
            return {"graphName": params["graph_name"], "nodeCount": len(self.ids), "relationshipCount": 0}
        if name == "writeback/flags":
            time.sleep(n * self.flag_seconds)
            return {"written": n}
        return None

    def cypher(self, text: str, /, **params: Any) -> list[dict[str, Any]]:
        return []

    def stream(self, name: str, /, **params: Any) -> Iterator[tuple[str, list[float]]]:
        import numpy as np

        if not name.endswith("_stream") or "fastrp" not in name and "node2vec" not in name:
            return
        rng = np.random.default_rng(self.seed)
        for account in self.ids.tolist():
            yield str(account), rng.standard_normal(self.dimension).astype(np.float32).tolist()

    def close(self) -> None:
        pass


def _watch_parts(steps: _Steps) -> None:
    """Report each typology detector, the view before them and the passers and score after them
    as parts of the ``typologies`` step."""
    import toolkit.detect as detect

    def watched(name: str, fn: Any) -> Any:
        def run(*a: Any, **kw: Any) -> Any:
            out = fn(*a, **kw)
            steps.part(name)
            return out
        return run

    view = detect.FlowView.from_network.__func__  # type: ignore[attr-defined]
    detect.FlowView.from_network = classmethod(watched("view", view))  # type: ignore[method-assign]
    for t in list(detect.DETECTORS):
        detect.DETECTORS[t] = watched(t, detect.DETECTORS[t])
    detect.mark_passers = watched("passers", detect.mark_passers)  # type: ignore[attr-defined]
    detect.score_accounts = watched("score", detect.score_accounts)  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("network", type=Path, help="a pickled toolkit.frames.Network (benchmarks/same_results.py network)")
    ap.add_argument("--json", type=Path, default=None, help="also write the rows here")
    ap.add_argument("--parts", action="store_true", help="also the peak of every typology detector")
    ap.add_argument("--trim", action="store_true", help="experiment: malloc_trim(0) between steps")
    ap.add_argument("--flag-ms", type=float, default=0.3,
                    help="milliseconds the server takes per flag row written (0.3: 60k typology flags in 9 s "
                         "on two writers, as measured), so write batches stay in flight as they do")
    ap.add_argument("--mmap-threshold", type=int, default=None,
                    help="bytes for toolkit.lean.return_freed_memory (0: leave glibc's default)")
    args = ap.parse_args(argv)

    steps = _Steps()
    if args.trim:
        import ctypes

        steps.trim = ctypes.CDLL(None).malloc_trim
    steps("imports")
    import toolkit.bench as bench

    if hasattr(bench, "prepare_ours_process"):
        import toolkit.lean as lean

        if args.mmap_threshold == 0:
            lean.return_freed_memory = lambda *a, **kw: False  # type: ignore[assignment]
        elif args.mmap_threshold:
            lean.MMAP_THRESHOLD = args.mmap_threshold
        bench.prepare_ours_process()
    else:  # a tree from before it: what its _main did for ours
        from toolkit.lean import forbid_dataframe_libraries

        forbid_dataframe_libraries()
    import toolkit.amounts  # noqa: F401  (as bench._child imports for ours)
    import toolkit.detect  # noqa: F401
    import toolkit.jobs.embeddings  # noqa: F401
    import toolkit.pipeline
    from toolkit.config import load_settings
    from toolkit.jobs.embeddings import embedding_job_params

    import toolkit.jobs.scores as scores

    flag_table = scores.flag_table_from_findings

    def timed_flag_table(*a: Any, **kw: Any) -> Any:  # detect_all has no step of its own for it
        steps("flags")
        return flag_table(*a, **kw)

    scores.flag_table_from_findings = timed_flag_table  # type: ignore[assignment]
    if args.parts:
        _watch_parts(steps)
    settings = load_settings()
    steps("network")
    with open(args.network, "rb") as fh:
        net = pickle.load(fh)
    import toolkit.network

    if hasattr(toolkit.network, "as_read"):  # the layout read_network gives in this tree
        net = toolkit.network.as_read(net)
    gc.collect()
    db = _OfflineDb(net.accounts.ids, embedding_job_params(settings).embedding.dimension,
                    flag_seconds=args.flag_ms / 1000.0)
    t = time.perf_counter()
    res = toolkit.pipeline.detect_all(db, settings, net=net, progress=steps)  # type: ignore[arg-type]
    total = time.perf_counter() - t
    steps(None)
    heavy = [m for m in ("pandas", "pyarrow", "sklearn", "scipy.stats") if sys.modules.get(m) is not None]
    print(f"detect_all {total:.2f} s; amounts + typologies {res.seconds['amounts'] + res.seconds['typologies']:.2f} s; "
          f"counts {json.dumps({k: v for k, v in res.counts.get('typologies', {}).items()})}; "
          f"rows handed to the server {db.rows_written.get('writeback/flags', 0):,} flags; "
          f"heavy modules: {heavy or 'none'}")
    if args.json:
        args.json.write_text(json.dumps({"steps": steps.rows, "seconds": res.seconds, "total": total}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
