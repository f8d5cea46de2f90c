"""The load benchmark: ``aml bench load --transfers N``.

Measures a first load into an empty database (the fast, constraint-guarded CREATE route) and a
second load of the same files (every id checked and skipped), each in its own process so its
peak RSS is the loader's alone, while the server JVM's RSS is sampled alongside.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

from toolkit import server as srv
from toolkit.admin import clear_database
from toolkit.config import Settings
from toolkit.db import connect

__all__ = ["LoadBench", "bench_load", "bench_data"]


@dataclass(frozen=True)
class LoadBench:
    transfers: int
    route: str
    rows: int
    loaded: int
    seconds: float
    rows_per_s: float
    py_peak_mb: float
    server_peak_mb: float | None


def bench_data(settings: Settings, transfers: int, seed: int = 42) -> Path:
    """Generated native files for a size, cached (the generator is deterministic per seed)."""
    from toolkit.generate import generate

    out = settings.server.cache_path / "bench" / f"native-{transfers}-seed{seed}"
    if not (out / ".complete").is_file():
        generate(out, transfers=transfers, seed=seed)
        (out / ".complete").write_text("ok\n")
    return out


class _Sampler(threading.Thread):
    """Peak RSS of a few processes, sampled every 50 ms."""

    def __init__(self, pids: dict[str, int | None]) -> None:
        super().__init__(daemon=True)
        self.procs = {k: psutil.Process(p) for k, p in pids.items() if p}
        self.peak = {k: 0.0 for k in pids}
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.is_set():
            for name, proc in self.procs.items():
                try:
                    self.peak[name] = max(self.peak[name], proc.memory_info().rss / 2**20)
                except psutil.Error:
                    pass
            time.sleep(0.05)


def _timed_load(settings: Settings, data: Path, route: str, transfers: int) -> LoadBench:
    server_pid = srv.status(settings).pid if settings.neo4j.is_local else None
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "toolkit.cli", "load", str(data), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    sampler = _Sampler({"py": proc.pid, "server": server_pid})
    sampler.start()
    out, _ = proc.communicate()
    seconds = time.perf_counter() - t0
    sampler.stop_event.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"load failed with exit code {proc.returncode}")
    summary = json.loads(out)
    return LoadBench(
        transfers=transfers, route=route, rows=summary["rows"], loaded=summary["loaded"],
        seconds=round(seconds, 2), rows_per_s=round(summary["rows"] / seconds, 0),
        py_peak_mb=round(sampler.peak["py"], 1),
        server_peak_mb=round(sampler.peak["server"], 1) if server_pid else None,
    )


def bench_load(settings: Settings, transfers: int, seed: int = 42) -> list[LoadBench]:
    """First load into an empty database, then the same files again (exactly-once check)."""
    data = bench_data(settings, transfers, seed)
    with connect(settings) as db:
        clear_database(db)
    first = _timed_load(settings, data, "first load: UNWIND + CREATE (constraint-guarded)", transfers)
    again = _timed_load(settings, data, "second load: UNWIND, every id checked and skipped", transfers)
    return [first, again]


def as_json(rows: list[LoadBench]) -> str:
    return json.dumps([asdict(r) for r in rows])
