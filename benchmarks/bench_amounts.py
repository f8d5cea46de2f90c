"""Per-account bounds: Cypher aggregates vs bulk NumPy, and the whole `aml detect amounts` job.

The issue asked for bounds "computed with Cypher aggregates or bulk NumPy, whichever is faster at
2.1M transfers (measure both)". This script measures, on one generated network:

1. **NumPy**: the bulk read of the network (``toolkit.network.read_network``, which the job does
   once for all five rules) and ``toolkit.amounts.account_bounds`` on it;
2. **Cypher**: ``toolkit.amounts.cypher_oracle.account_bounds_cypher``: the server aggregates
   ``count/avg/stDev`` per account (``cypher/detect/amount_bounds.cypher``), Python adds pools and
   quantiles; the aggregate alone is timed too;
3. the agreement of the two tables (largest relative difference of mu, sigma and the bound; n and
   source must be equal);
4. the job: ``/usr/bin/time -v aml detect amounts --json`` (wall time, peak RSS of the Python
   process), then the same job in process for its phases (read, rules, write back), also under
   ``/usr/bin/time -v``. The second run replaces the first (same parameters), so its write phase
   includes deleting the first run's flags, as a scheduled re-run would.

Data: ``aml generate --transfers N --seed S``; the graph replaces the database through ``aml load``'s
import route (``neo4j-admin database import full``, :mod:`loaders.bulk`). **This stops and
restarts the configured local server and replaces its ``neo4j`` database**: point ``AML_SERVER_HOME`` / ports at a server of your own.

Usage::

    .venv/bin/python benchmarks/bench_amounts.py --transfers 2100000 --seed 11 \
        --data /tmp/aml-bench/2.1M [--skip-import] [--repeat 2] [--no-job]

Writes ``<data>/amounts-timings.json`` (timings) and ``<data>/amounts-crosscheck.json`` (the
agreement figures and counts), and prints a summary.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from toolkit import server as srv  # noqa: E402
from toolkit.amounts import account_bounds  # noqa: E402
from toolkit.amounts.cypher_oracle import account_bounds_cypher, account_stats_cypher  # noqa: E402
from toolkit.config import Settings, load_settings  # noqa: E402
from toolkit.db import Database, connect  # noqa: E402
from toolkit.network import read_network  # noqa: E402

VENV_BIN = Path(sys.executable).parent


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _jvm_mb(settings: Settings) -> float | None:
    return srv.status(settings).rss_mb


# ----------------------------------------------------------------------------------------- data


def ensure_data(data: Path, transfers: int, seed: int) -> dict[str, Any]:
    """Generate the native files once per (transfers, seed); later runs reuse them."""
    stamp = data / "bench-stamp.json"
    want = {"transfers": transfers, "seed": seed}
    if stamp.is_file() and json.loads(stamp.read_text()) == want and (data / "movements.csv").is_file():
        return {"generated": False, "seconds": 0.0}
    from toolkit.generate import generate

    t0 = time.perf_counter()
    generate(data, transfers=transfers, seed=seed)
    stamp.write_text(json.dumps(want))
    return {"generated": True, "seconds": time.perf_counter() - t0}


def bulk_import(settings: Settings, data: Path) -> dict[str, Any]:
    """Replace the local server's database with the data, by ``aml load``'s import route."""
    from loaders.load import load_path

    t0 = time.perf_counter()
    with connect(settings) as db:
        summary = load_path(db, data, route="import", replace=True, rejects=data / "import.rejects.csv")
        stats = db.run_one("read/stats")
    return {
        "seconds": time.perf_counter() - t0,
        "steps": summary.import_seconds,
        "loaded": summary.loaded,
        "rejected": summary.rejected,
        "graph": stats,
    }


# --------------------------------------------------------------------------------------- bounds


def _timed(fn: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def bench_bounds(db: Database, settings: Settings, repeat: int) -> tuple[dict[str, Any], dict[str, Any]]:
    runs: list[dict[str, Any]] = []
    net = bounds_np = bounds_cy = None
    for _ in range(repeat):
        rss0 = _rss_mb()
        net, t_read = _timed(lambda: read_network(db))
        rss_net = _rss_mb()
        bounds_np, t_np = _timed(lambda: account_bounds(net))
        _, t_agg = _timed(lambda: account_stats_cypher(db))
        bounds_cy, t_cy = _timed(lambda: account_bounds_cypher(db, net.accounts.ids))
        runs.append({
            "numpy_read_seconds": t_read,
            "numpy_bounds_seconds": t_np,
            "numpy_total_seconds": t_read + t_np,
            "cypher_aggregate_seconds": t_agg,
            "cypher_bounds_seconds": t_cy,
            "python_rss_network_mb": rss_net - rss0,
            "jvm_rss_mb": _jvm_mb(settings),
        })
    assert net is not None and bounds_np is not None and bounds_cy is not None
    best = {k: min(r[k] for r in runs) for k in runs[0] if k.endswith("seconds")}
    check = compare(bounds_np, bounds_cy)
    check.update({"accounts": len(net.accounts), "movements": len(net.movements)})
    return {"runs": runs, "best": best, "peak_python_rss_mb": _peak_mb()}, check


def compare(a: Any, b: Any) -> dict[str, Any]:
    """Largest relative difference (|x - y| / max(1, |x|)) per column; n and source equal?"""
    out: dict[str, Any] = {}
    for col in ("mu", "sigma", "bound"):
        x, y = getattr(a, col), getattr(b, col)
        same_nan = bool(np.array_equal(np.isnan(x), np.isnan(y)))
        m = ~np.isnan(x) & ~np.isnan(y)
        rel = np.abs(x[m] - y[m]) / np.maximum(1.0, np.abs(x[m]))
        out[f"{col}_max_rel_diff"] = float(rel.max()) if rel.size else 0.0
        out[f"{col}_same_nan"] = same_nan
    out["n_equal"] = bool(np.array_equal(a.n, b.n))
    out["source_equal"] = bool(np.array_equal(a.source, b.source))
    out["sources"] = {str(k): int(v) for k, v in zip(*np.unique(a.source, return_counts=True))}
    return out


# ------------------------------------------------------------------------------------------ job

_TIME_FIELDS = {
    "Elapsed (wall clock) time (h:mm:ss or m:ss)": "wall",
    "Maximum resident set size (kbytes)": "max_rss_kb",
    "User time (seconds)": "user",
    "System time (seconds)": "sys",
}


def _time_v(cmd: list[str]) -> dict[str, Any]:
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, cwd=ROOT)
    got: dict[str, Any] = {"exit": proc.returncode, "stdout": proc.stdout.strip()[-4000:]}
    for line in proc.stderr.splitlines():
        key, _, value = line.strip().rpartition(": ")
        if key in _TIME_FIELDS:
            got[_TIME_FIELDS[key]] = value
    if "wall" in got:
        parts = [float(p) for p in re.split(":", got["wall"])]
        got["wall_seconds"] = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    if "max_rss_kb" in got:
        got["peak_rss_mb"] = int(got.pop("max_rss_kb")) / 1024.0
    if proc.returncode != 0:
        got["stderr"] = proc.stderr[-3000:]
    return got


def bench_job(settings: Settings) -> dict[str, Any]:
    cli = _time_v([str(VENV_BIN / "aml"), "detect", "amounts", "--json"])
    cli["jvm_rss_mb_after"] = _jvm_mb(settings)
    phases = _time_v([sys.executable, str(Path(__file__).resolve()), "--job-phases"])
    phases["jvm_rss_mb_after"] = _jvm_mb(settings)
    try:
        phases["phases"] = json.loads(phases["stdout"].splitlines()[-1])
    except (KeyError, IndexError, ValueError):
        pass
    return {"cli": cli, "in_process": phases}


def job_phases() -> None:
    """What `aml detect amounts` does, with the job's own phase timings printed as JSON."""
    from toolkit.jobs.amounts import amount_params, run_amounts

    s = load_settings()
    t0 = time.perf_counter()
    params = amount_params(s)
    with connect(s) as db:
        res = run_amounts(db, params)
    print(json.dumps({"run_id": res.run_id, "counts": res.counts, "flags_written": res.flags_written,
                      "seconds": {k: round(v, 3) for k, v in res.seconds.items()},
                      "total_seconds": round(time.perf_counter() - t0, 3)}))


# ----------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--transfers", type=int, default=2_100_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--data", type=Path, default=None, help="directory of the generated files")
    ap.add_argument("--skip-import", action="store_true", help="the graph is already loaded")
    ap.add_argument("--repeat", type=int, default=1, help="repetitions of the bounds comparison")
    ap.add_argument("--no-job", action="store_true", help="skip timing `aml detect amounts`")
    ap.add_argument("--job-phases", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.job_phases:
        job_phases()
        return 0

    data = args.data or Path(tempfile.gettempdir()) / "aml-bench" / f"amounts-{args.transfers}-{args.seed}"
    data.mkdir(parents=True, exist_ok=True)
    settings = load_settings()
    timings: dict[str, Any] = {
        "transfers": args.transfers, "seed": args.seed, "cpus": os.cpu_count(),
        "load_average_start": os.getloadavg(),
        "server": {"heap_max": settings.server.heap_max, "pagecache": settings.server.pagecache},
    }
    timings["generate"] = ensure_data(data, args.transfers, args.seed)
    if not args.skip_import:
        timings["import"] = bulk_import(settings, data)
        print(f"import: {timings['import']['seconds']:.1f} s, graph {timings['import']['graph']}")
    settings = load_settings()
    with connect(settings) as db:
        timings["bounds"], check = bench_bounds(db, settings, args.repeat)
    if not args.no_job:
        timings["job"] = bench_job(settings)
        check["job_counts"] = timings["job"]["cli"].get("stdout")
    timings["load_average_end"] = os.getloadavg()

    (data / "amounts-timings.json").write_text(json.dumps(timings, indent=2, default=str))
    (data / "amounts-crosscheck.json").write_text(json.dumps(check, indent=2, default=str))
    best = timings["bounds"]["best"]
    print(f"network: {check['accounts']:,} accounts, {check['movements']:,} movements")
    print(f"NumPy : read {best['numpy_read_seconds']:.2f} s + bounds {best['numpy_bounds_seconds']:.3f} s"
          f" = {best['numpy_total_seconds']:.2f} s")
    print(f"Cypher: aggregate {best['cypher_aggregate_seconds']:.2f} s, bounds table "
          f"{best['cypher_bounds_seconds']:.2f} s")
    print(f"agree : mu {check['mu_max_rel_diff']:.1e}, sigma {check['sigma_max_rel_diff']:.1e}, "
          f"bound {check['bound_max_rel_diff']:.1e}, n {check['n_equal']}, source {check['source_equal']}")
    if "job" in timings:
        cli, inp = timings["job"]["cli"], timings["job"]["in_process"]
        print(f"aml detect amounts: {cli.get('wall_seconds', float('nan')):.1f} s wall, peak RSS "
              f"{cli.get('peak_rss_mb', float('nan')):.0f} MB, exit {cli['exit']}: {cli.get('stdout')}")
        print(f"in process (re-run): {inp.get('wall_seconds', float('nan')):.1f} s wall, peak RSS "
              f"{inp.get('peak_rss_mb', float('nan')):.0f} MB, phases {inp.get('phases', {}).get('seconds')}")
    print(f"wrote {data / 'amounts-timings.json'} and {data / 'amounts-crosscheck.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
