"""The paper's benchmark (Table 1): our method, ML and ML + random walk, per phase, at 0.6M-2.1M transfers.

How a run goes
--------------
For every size: the data set is generated (or reused: cached by size and seed under
``<cache_dir>/datasets/bench-<transfers>-<seed>``), the database is cleared and the data loaded
**once**, timed, by the toolkit's own loader in a process of its own (``python -m toolkit.bench
load``: the loader's imports and peak are not charged to a method's process, and are reported as
the load's ``py_peak_mb``). Then every method runs in a **fresh Python process**
(``python -m toolkit.bench``), so each one's imports and peak memory are its own, through the
paper's four phases:

``initialization``
    imports, settings, connection, GDS check;
``graph_construction``
    the load (shared by the three methods: its time and peaks are added to each method's phase)
    plus what the method builds from the stored graph: the one bulk read into NumPy, and the GDS
    projection for ours and ML + RW (ML also reads the labels it trains on);
``algorithm_execution``
    ours: amount rules, typologies, laundering paths (when that job succeeds), embeddings +
    K-means + abnormal actors, combined score; ML: features, one fit on a stratified 80% of the
    labelled accounts, prediction for every account; ML + RW: the same plus Node2Vec walks;
``result_storage``
    ours: flags, cluster marks, abnormal flags and scores as detection runs; baselines: their
    score per account (``a.amlMlScore`` / ``a.amlMlRwScore``).

Memory per phase (reset at each phase): the Python process's peak RSS is the kernel's own high-water
mark (``VmHWM`` in ``/proc/self/status``, reset through ``/proc/self/clear_refs``), exact and free;
where that is not available (not Linux) a thread samples the RSS every 20 ms (psutil), which cost
the measured run 0.9 s of CPU at 600k transfers. The server JVM's used heap is sampled
(``dbms.queryJmx``, every 0.5 s, over a second connection), with the JVM's RSS as a fallback.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from toolkit.config import Settings
from toolkit.errors import ToolkitError

__all__ = ["METHODS", "PHASES", "PAPER_SECONDS", "PhaseRecord", "MemorySampler", "run_bench", "summary", "prepare_ours_process",
           "has_data", "bench_dir"]

METHODS = ("ours", "ml", "ml_rw")
PHASES = ("initialization", "graph_construction", "algorithm_execution", "result_storage")
#: The paper's Table 1 (seconds; None where it reports "> 500 s").
PAPER_SECONDS: dict[str, dict[int, float | None]] = {
    "ml": {600_000: 20.21, 1_100_000: 37.83, 1_600_000: 54.82, 2_100_000: 62.99},
    "ml_rw": {600_000: 433.84, 1_100_000: None, 1_600_000: None, 2_100_000: None},
    "ours": {600_000: 81.37, 1_100_000: 133.71, 1_600_000: 171.69, 2_100_000: 192.51},
}
PAPER_MEMORY_MB = 273.0

_JMX = ("CALL dbms.queryJmx('java.lang:type=Memory') YIELD attributes "
        "RETURN attributes.HeapMemoryUsage.value.properties.used AS used")


@dataclass
class PhaseRecord:
    """One method, one size, one phase. :meth:`as_dict` is the ``--json`` contract."""

    method: str
    transfers: int
    phase: str
    seconds: float
    py_peak_mb: float
    server_heap_peak_mb: float
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "transfers": self.transfers, "phase": self.phase,
                "seconds": round(self.seconds, 3), "py_peak_mb": round(self.py_peak_mb, 1),
                "server_heap_peak_mb": round(self.server_heap_peak_mb, 1)}


_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _kernel_hwm_mb() -> float:
    """This process's peak RSS since the last reset (``VmHWM``), in MB."""
    for line in _STATUS.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e6
    raise OSError("no VmHWM in /proc/self/status")


def _reset_kernel_hwm() -> None:
    _CLEAR_REFS.write_text("5")  # "5": reset the peak RSS to the current RSS (Linux >= 4.0)


def _kernel_hwm_available() -> bool:
    try:
        _reset_kernel_hwm()
        _kernel_hwm_mb()
        return True
    except OSError:
        return False


class MemorySampler:
    """Peaks of this process's RSS and of the server's used heap since the last :meth:`reset`."""

    def __init__(self, settings: Settings | None, py_interval: float = 0.02, jmx_interval: float = 0.5) -> None:
        import psutil

        self._proc = psutil.Process()
        self._hwm = _kernel_hwm_available()
        self._settings = settings
        self._py_interval = py_interval
        self._jmx_interval = jmx_interval
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.py_peak = 0.0
        self.heap_peak = 0.0
        self.server_rss_peak = 0.0
        self._server_pid = self._find_server_pid()
        self._db = None
        self._threads = [] if self._hwm else [threading.Thread(target=self._py_loop, daemon=True)]
        if settings is not None:
            self._threads.append(threading.Thread(target=self._server_loop, daemon=True))

    def _find_server_pid(self) -> int | None:
        if self._settings is None or not self._settings.neo4j.is_local:
            return None
        try:
            from toolkit.server import status

            return status(self._settings).pid
        except Exception:  # noqa: BLE001 - the fallback is optional
            return None

    def __enter__(self) -> "MemorySampler":
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=2)
        if self._db is not None:
            with contextlib.suppress(Exception):
                self._db.close()

    def reset(self) -> None:
        if self._hwm:
            _reset_kernel_hwm()
        with self._lock:
            self.py_peak = self._proc.memory_info().rss / 1e6
            self.heap_peak = 0.0
            self.server_rss_peak = 0.0
        self._sample_server()

    def peaks(self) -> tuple[float, float, float]:
        self._sample_py()
        self._sample_server()
        with self._lock:
            return self.py_peak, self.heap_peak, self.server_rss_peak

    def _sample_py(self) -> None:
        rss = _kernel_hwm_mb() if self._hwm else self._proc.memory_info().rss / 1e6
        with self._lock:
            self.py_peak = max(self.py_peak, rss)

    def _py_loop(self) -> None:
        while not self._stop.wait(self._py_interval):
            self._sample_py()

    def _sample_server(self) -> None:
        if self._settings is None:
            return
        heap = None
        try:
            if self._db is None:
                from toolkit.db import connect

                self._db = connect(self._settings)
            # one auto-commit try, not a managed transaction: while the server is down for an
            # import the driver's retries would wait (and warn) instead of sampling
            with self._db.driver.session(database=self._db.database) as session:
                row = session.run(_JMX).single()
            heap = float(row["used"]) / 1e6 if row is not None and row["used"] is not None else None
        except Exception:  # noqa: BLE001 - sampling must never break the measured run
            heap = None
            if self._db is not None:  # e.g. the server restarted for an import: a new driver next time
                with contextlib.suppress(Exception):
                    self._db.close()
                self._db = None
            self._server_pid = self._find_server_pid()  # a restarted server has a new pid
        rss = None
        if self._server_pid:
            from toolkit.server import _rss_mb

            rss = _rss_mb(self._server_pid)
        with self._lock:
            if heap is not None:
                self.heap_peak = max(self.heap_peak, heap)
            if rss is not None:
                self.server_rss_peak = max(self.server_rss_peak, rss)

    def _server_loop(self) -> None:
        while not self._stop.wait(self._jmx_interval):
            self._sample_server()


class _Phases:
    """Times and samples each phase; ``records`` collects them."""

    def __init__(self, method: str, transfers: int, sampler: MemorySampler) -> None:
        self.method, self.transfers, self.sampler = method, transfers, sampler
        self.records: list[PhaseRecord] = []

    @contextlib.contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        self.sampler.reset()
        t = time.perf_counter()
        yield
        seconds = time.perf_counter() - t
        py, heap, rss = self.sampler.peaks()
        self.records.append(PhaseRecord(self.method, self.transfers, phase, seconds, py, heap or rss,
                                        {"server_rss_peak_mb": round(rss, 1)}))


def has_data(db: Any) -> bool:
    rows = db.cypher("MATCH (a:Account) RETURN count(a) > 0 AS any")
    return bool(rows and rows[0]["any"])


def bench_dir(settings: Settings, transfers: int, seed: int, cache_dir: str | Path | None = None) -> Path:
    root = Path(cache_dir) if cache_dir else settings.server.cache_path / "datasets"
    return root / f"bench-{transfers}-{seed}"


# -- one method in its own process --------------------------------------------------------------

def _child(method: str, transfers: int) -> list[PhaseRecord]:
    """Run one method through the four phases against the data loaded now (in this process)."""
    from toolkit.config import load_settings

    settings = load_settings(path=os.environ.get("AML_BENCH_CONFIG") or None)
    with MemorySampler(settings) as sampler:
        ph = _Phases(method, transfers, sampler)
        steps: dict[str, float] = {}
        with ph("initialization"):
            t = time.perf_counter()
            if method == "ours":
                import toolkit.amounts  # noqa: F401
                import toolkit.detect  # noqa: F401
                import toolkit.jobs.embeddings  # noqa: F401
                import toolkit.pipeline  # noqa: F401
            else:
                import toolkit.scoring.baselines  # noqa: F401
                import toolkit.scoring.features  # noqa: F401
            from toolkit.db import connect
            from toolkit.gds import drop_projection, gds_available, list_projections

            db = connect(settings)
            if method != "ml" and not gds_available(db):
                raise ToolkitError("the server has no GDS procedures")
            for name in list_projections(db):  # left over by a killed run
                if name.startswith(("aml-emb-", "aml-deg-")):
                    drop_projection(db, name)
            steps["init"] = time.perf_counter() - t
        try:
            if method == "ours":
                from toolkit.pipeline import detect_all

                res = detect_all(db, settings, phase=ph)
                steps.update(res.seconds)
                notes = res.notes
            else:
                notes = _baseline(db, settings, method, ph, steps)
        finally:
            db.close()
    for r in ph.records:
        r.detail["steps"] = {k: round(v, 3) for k, v in steps.items()}
        r.detail["notes"] = notes
    return ph.records


def _baseline(db: Any, settings: Settings, method: str, ph: _Phases, steps: dict[str, float]) -> list[str]:
    import numpy as np

    from toolkit.evaluate import random_walk_params, truth_labels
    from toolkit.embeddings.embed import node2vec
    from toolkit.embeddings.project import accounts_projection
    from toolkit.network import read_network
    from toolkit.scoring.baselines import MLBaseline, MLRandomWalkBaseline
    from toolkit.scoring.features import account_features

    seed = settings.general.random_seed
    with contextlib.ExitStack() as stack:
        with ph("graph_construction"):
            t = time.perf_counter()
            net = read_network(db)
            y, labelled, _ym, _n = truth_labels(db, net)
            steps["read_network"] = time.perf_counter() - t
            if method == "ml_rw":
                t = time.perf_counter()
                g = stack.enter_context(accounts_projection(db))
                steps["projection"] = time.perf_counter() - t
        with ph("algorithm_execution"):
            t = time.perf_counter()
            X = account_features(net).X
            steps["features"] = time.perf_counter() - t
            if method == "ml_rw":
                t = time.perf_counter()
                emb = node2vec(db, g["graphName"], random_walk_params(settings), n_hint=len(net.accounts))
                X = np.column_stack([X, emb.aligned(net.accounts.ids)])
                steps["random_walks"] = time.perf_counter() - t
                stack.close()
            t = time.perf_counter()
            idx = np.flatnonzero(labelled)
            rng = np.random.default_rng(seed)
            train = _stratified_half(idx, y, rng, 0.8)
            model = (MLRandomWalkBaseline if method == "ml_rw" else MLBaseline)(random_state=seed)
            model.fit(X[train], y[train].astype(int))
            proba = model.predict_proba(X)
            col = list(model.classes_).index(1) if 1 in model.classes_ else None
            score = proba[:, col] if col is not None else np.zeros(len(X))
            steps["fit_predict"] = time.perf_counter() - t
    with ph("result_storage"):
        t = time.perf_counter()
        query = "writeback/scores_ml" if method == "ml" else "writeback/scores_ml_rw"
        ids = net.accounts.ids
        for start in range(0, len(ids), 20000):
            db.run(query, ids=ids[start : start + 20000].tolist(),
                   scores=[round(float(s), 6) for s in score[start : start + 20000]])
        steps["write"] = time.perf_counter() - t
    return []


def _stratified_half(idx: Any, y: Any, rng: Any, share: float) -> Any:
    import numpy as np

    pos = idx[y[idx]]
    neg = idx[~y[idx]]
    take = [rng.choice(part, size=max(1, int(round(share * len(part)))), replace=False) for part in (pos, neg) if len(part)]
    return np.sort(np.concatenate(take)) if take else idx


# -- the driver ---------------------------------------------------------------------------------

def _load(settings: Settings, transfers: int, d: Path, progress: Callable[[str], None]) -> PhaseRecord:
    """Load the data set into the database, replacing what is there (the caller has consent).

    When the load will take the import route (:mod:`loaders.bulk`), the old data is not cleared
    first: the import replaces the database whole (clearing 2.5M movements took 80-97 s).
    Runs in this (fresh) process: ``python -m toolkit.bench load <transfers> <dir>``, so that its
    peak memory is the loader's own and not that of the ``aml`` command that started it."""
    from loaders.load import import_blocker, load_path, plan_files
    from toolkit.admin import clear_database, init_schema
    from toolkit.db import connect

    load = settings.load
    with connect(settings) as db:
        replace = import_blocker(db, plan_files(d, None), load.route, load.import_min_rows, replace=True) is None
        if not replace:
            progress(f"{transfers:,}: clear")
            clear_database(db)
            init_schema(db)
        progress(f"{transfers:,}: load {d}")
        with MemorySampler(settings) as sampler:
            sampler.reset()
            t = time.perf_counter()
            summary = load_path(db, d, batch_size=load.batch_size, writers=load.writers,
                                route="import" if replace else load.route, import_min_rows=load.import_min_rows,
                                max_amount=load.max_amount, rejects=d.parent / f"{d.name}.rejects.csv",
                                replace=replace, on_step=progress)
            seconds = time.perf_counter() - t
            py, heap, rss = sampler.peaks()
    return PhaseRecord("load", transfers, "load", seconds, py, heap or rss,
                       {"rows": summary.loaded, "route": summary.route, "server_rss_peak_mb": round(rss, 1),
                        "import_seconds": {k: round(v, 3) for k, v in summary.import_seconds.items()}})


def run_bench(
    settings: Settings,
    sizes: Sequence[int],
    methods: Sequence[str] = METHODS,
    seed: int | None = None,
    detail_path: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
    hardness: str = "medium",
    cache_dir: str | Path | None = None,
) -> list[PhaseRecord]:
    """Generate (or reuse), load and run every method at every size; one record per phase.

    The load is timed once per size and added to every method's ``graph_construction`` (its
    Python peak is the loader's, its server peak the server's during the load); the records'
    ``detail`` keeps the parts apart (``load_seconds``, ``steps``).

    Raises
    ------
    ToolkitError
        A method's process failed (its stderr tail is in the message).
    """
    from toolkit.generate import generate

    step = progress or (lambda _m: None)
    seed = settings.general.random_seed if seed is None else seed
    records: list[PhaseRecord] = []
    env = dict(os.environ)
    if settings.source not in ("defaults", ""):
        env["AML_BENCH_CONFIG"] = str(Path(settings.source).resolve())
    for n in sizes:
        d = bench_dir(settings, n, seed, cache_dir)
        if not (d / "accounts.csv").is_file() or not (d / "movements.csv").is_file():
            step(f"{n:,}: generate {d}")
            generate(d, transfers=n, seed=seed, hardness=hardness)
        (load,) = _in_process(["load", str(n), str(d)], env, f"load at {n:,} transfers", step)
        for m in methods:
            step(f"{n:,}: {m}")
            for r in _in_process([m, str(n)], env, f"bench {m} at {n:,} transfers"):
                if r.phase == "graph_construction":
                    r.detail["load_seconds"] = round(load.seconds, 3)
                    r.detail["load"] = {**load.detail, "py_peak_mb": round(load.py_peak_mb, 1)}
                    r.detail["without_load_seconds"] = round(r.seconds, 3)
                    r.seconds += load.seconds
                    r.py_peak_mb = max(r.py_peak_mb, load.py_peak_mb)
                    r.server_heap_peak_mb = max(r.server_heap_peak_mb, load.server_heap_peak_mb)
                records.append(r)
        if detail_path is not None:
            _write_detail(detail_path, records)
    return records


def _in_process(args: list[str], env: dict[str, str], what: str,
                progress: Callable[[str], None] = lambda _m: None) -> list[PhaseRecord]:
    """Run ``python -m toolkit.bench ARGS`` and read back its records (JSON lines on stdout);
    the lines it writes to stderr go to ``progress`` as they come."""
    import collections

    proc = subprocess.Popen([sys.executable, "-m", "toolkit.bench", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.extend(proc.stdout), daemon=True)  # type: ignore[arg-type]
    reader.start()
    tail: collections.deque[str] = collections.deque(maxlen=8)
    for line in proc.stderr:  # type: ignore[union-attr]
        tail.append(line.rstrip())
        if line.strip():
            progress(line.strip())
    proc.wait()
    reader.join()
    if proc.returncode != 0:
        raise ToolkitError(f"{what} failed:\n" + "\n".join(tail))
    return [PhaseRecord(**json.loads(line)) for line in out if line.startswith("{")]


def _write_detail(path: str | Path, records: list[PhaseRecord]) -> None:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps([{**r.as_dict(), "detail": r.detail} for r in records], indent=1, default=str))


def summary(records: Sequence[PhaseRecord]) -> list[dict[str, Any]]:
    """One row per (method, size): each phase's figures, the total, the paper's seconds and the
    ratio paper / measured (> 1 means faster than the paper)."""
    rows: dict[tuple[str, int], dict[str, Any]] = {}
    for r in records:
        row = rows.setdefault((r.method, r.transfers), {"method": r.method, "transfers": r.transfers, "total": 0.0})
        row[r.phase] = {"seconds": r.seconds, "py_peak_mb": r.py_peak_mb, "server_heap_peak_mb": r.server_heap_peak_mb}
        row["total"] += r.seconds
    out = []
    for (m, n), row in rows.items():
        for p in PHASES:
            row.setdefault(p, {"seconds": 0.0, "py_peak_mb": 0.0, "server_heap_peak_mb": 0.0})
        paper = PAPER_SECONDS.get(m, {}).get(n, "n/a")
        if paper is None:
            row["paper"], row["ratio"] = "> 500", f"> {500.0 / row['total']:.2f}" if row["total"] else "-"
        elif isinstance(paper, float):
            row["paper"], row["ratio"] = f"{paper:.2f}", f"{paper / row['total']:.2f}" if row["total"] else "-"
        else:
            row["paper"], row["ratio"] = "-", "-"
        out.append(row)
    return out


def prepare_ours_process() -> None:
    """Set up the process that runs our method (first thing in ``python -m toolkit.bench ours``):
    no DataFrame libraries, freed memory given back (:mod:`toolkit.lean`).

    Only there: the baselines build their features and models with pandas and scikit-learn, and
    the loader reads and checks files with them. ``benchmarks/ours_memory.py`` calls it too, so its
    offline figures are this process's.
    """
    from toolkit.lean import forbid_dataframe_libraries, return_freed_memory

    # before anything imports neo4j: our pipeline never passes a DataFrame
    forbid_dataframe_libraries()
    return_freed_memory()


def _main(argv: Sequence[str]) -> int:
    """``python -m toolkit.bench <method> <transfers>``: one method's phases as JSON lines;
    ``python -m toolkit.bench load <transfers> <dir>``: the load's record."""
    if argv[0] == "ours":
        prepare_ours_process()
    from toolkit.config import load_settings

    if argv[0] == "load":
        settings = load_settings(path=os.environ.get("AML_BENCH_CONFIG") or None)
        records = [_load(settings, int(argv[1]), Path(argv[2]), lambda m: print(m, file=sys.stderr, flush=True))]
    else:
        records = _child(argv[0], int(argv[1]))
    for r in records:
        sys.stdout.write(json.dumps({**r.as_dict(), "detail": r.detail}, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
