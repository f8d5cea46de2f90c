"""Benchmark of the detection pipeline against the paper's Table 1 (never collected by pytest).

Runs :func:`toolkit.bench.run_bench` at named scales and writes two files, as LDBC does: the
timings (one record per method, size and phase, with the per-step detail) and the summary table
with the paper's figures and ratios. The database it talks to is cleared and reloaded at every
size: point it at your own server (``AML_NEO4J_URI`` and friends).

Usage::

    python benchmarks/bench_pipeline.py --scale paper --out benchmarks/results
    python benchmarks/bench_pipeline.py --scale 600k --methods ours

Scales: ``small`` (50k transfers), ``600k``, ``1.1m``, ``paper`` (0.6M, 1.1M, 1.6M, 2.1M).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

SCALES = {
    "small": [50_000],
    "600k": [600_000],
    "1.1m": [1_100_000],
    "paper": [600_000, 1_100_000, 1_600_000, 2_100_000],
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="small", choices=sorted(SCALES))
    ap.add_argument("--methods", default="ours,ml,ml_rw")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--out", default="benchmarks/results")
    args = ap.parse_args(argv)

    from toolkit import bench
    from toolkit.config import load_settings

    settings = load_settings()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    t0 = time.perf_counter()
    records = bench.run_bench(settings, SCALES[args.scale], args.methods.split(","), seed=args.seed,
                              detail_path=out / f"timings-{args.scale}-{stamp}.json",
                              progress=lambda m: print(f"{time.perf_counter() - t0:8.1f} s  {m}", file=sys.stderr))
    rows = bench.summary(records)
    (out / f"summary-{args.scale}-{stamp}.json").write_text(json.dumps(rows, indent=1, default=str))
    for r in rows:
        phases = "  ".join(f"{p[:5]} {r[p]['seconds']:7.1f}s" for p in bench.PHASES)
        print(f"{r['method']:6s} {r['transfers']:>9,}  {phases}  total {r['total']:7.1f}s  "
              f"paper {r['paper']:>7}  paper/ours {r['ratio']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
