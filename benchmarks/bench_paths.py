"""Benchmark of the laundering-path search: Cypher enumeration and exact R2 for many pairs.

Not collected by pytest. It runs against the configured database, which must already hold a
generated graph, e.g. (with the environment of your own server)::

    aml generate --transfers 2100000 --seed 7 --out /tmp/g2100k
    aml load /tmp/g2100k
    .venv/bin/python benchmarks/bench_paths.py --pairs 100,300,1000 --out bench_paths.json

What it measures
----------------
1. One bulk read of the network (:func:`toolkit.network.read_network`) and building P.
2. (S0, S_{N+1}) pairs that are connected: from random placement accounts, a random walk that
   keeps the path rules (hub bound, time window, carry, new accounts) for 1..L transfers and
   ends at an integration account. Seeded, one pair per source; the 100- and 300-pair sets are
   prefixes of the 1,000-pair set.
3. For each pair count: wall time of ``paths/enumerate`` (``enumerate_paths_db``), the server's
   memory for the query (``PROFILE``'s total allocated memory, a second run) and the Python peak
   (tracemalloc) while reading the rows back; then exact R2: ``first_passage_many`` for the
   pairs and :func:`toolkit.jobs.paths.measure_paths` (path probabilities, reach, utility, rank).
4. ``--compare`` runs ``paths/enumerate_qpp`` and ``paths/enumerate_apoc`` on a few sources at
   small L with a timeout, to document the choice of query (docs/paths.md).
5. ``--check`` compares the paths with the pure-Python oracle :func:`toolkit.paths.enumerate_paths`.

Timings go to ``--out`` (JSON); the pairs and path counts to ``--results``, so a run doubles as a
cross-check.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from toolkit.config import load_settings  # noqa: E402
from toolkit.db import connect  # noqa: E402
from toolkit.frames import TRANSFER, Network  # noqa: E402
from toolkit.jobs.paths import METHODS, enumerate_paths_db, hops_to_targets, measure_paths  # noqa: E402
from toolkit.network import read_network  # noqa: E402
from toolkit.paths import enumerate_paths, first_passage_many, transition_matrix_from_network  # noqa: E402
from toolkit.paths.endpoints import integration_accounts, placement_accounts  # noqa: E402
from toolkit.queries import load_query  # noqa: E402

SEED = 0xDEADC0DE
DAY = 86_400


def connected_pairs(net: Network, n: int, L: int, window_days: float, min_carry: float, cap: int,
                    seed: int = SEED) -> list[tuple[int, int]]:
    """``n`` (source, target) account rows joined by at least one candidate path, distinct sources."""
    rng = np.random.default_rng(seed)
    mov = net.movements
    el = np.flatnonzero((mov.kind == TRANSFER) & (mov.src >= 0) & (mov.dst >= 0) & (mov.src != mov.dst))
    _, id_rank = np.unique(mov.ids[el].astype(str), return_inverse=True)
    order = el[np.lexsort((id_rank.ravel(), -mov.amount[el], mov.src[el]))]
    out: dict[int, list[int]] = {}
    for r in order.tolist():
        lst = out.setdefault(int(mov.src[r]), [])
        if len(lst) < cap:
            lst.append(r)
    sources = rng.permutation(placement_accounts(net))
    targets = set(integration_accounts(net).tolist())
    pairs: list[tuple[int, int]] = []
    for s in sources.tolist():
        if len(pairs) >= n:
            break
        for _attempt in range(5):
            depth = int(rng.integers(1, L + 1))
            first = out.get(s, [])
            if not first:
                break
            r = first[int(rng.integers(len(first)))]
            visited = {s, int(mov.dst[r])}
            for _ in range(depth - 1):
                v = int(mov.dst[r])
                nxt = [q for q in out.get(v, [])
                       if mov.ts[r] <= mov.ts[q] <= mov.ts[r] + window_days * DAY
                       and mov.amount[q] >= min_carry * mov.amount[r] and int(mov.dst[q]) not in visited]
                if not nxt:
                    break
                r = nxt[int(rng.integers(len(nxt)))]
                visited.add(int(mov.dst[r]))
            t = int(mov.dst[r])
            if t in targets and t != s:
                pairs.append((s, t))
                break
    return pairs


def server_memory(db, net, pairs_ids, L, window_days, min_carry, cap, prune) -> int:
    """Total memory the server allocated for the enumeration query (PROFILE), in bytes; the
    parameters are those :func:`enumerate_paths_db` sends for these pairs."""
    src = sorted({s for s, _ in pairs_ids})
    tgt = sorted({t for _, t in pairs_ids})
    pair_targets: dict[str, list[str]] = {}
    for s, t in sorted(set(pairs_ids)):
        pair_targets.setdefault(s, []).append(t)
    index = net.accounts.index()
    near = hops_to_targets(net, [index[t] for t in tgt], L - 1) if prune else None
    with db.driver.session(database=db.database) as session:
        res = session.run("PROFILE " + load_query(METHODS["levels"]).text,
                          sources=src, targets=tgt, pair_targets=pair_targets, near=near,
                          max_hops=L, window_days=window_days, min_carry=min_carry,
                          fanout_cap=cap, limit=2**31 - 1)
        for _row in res:  # the profile is only complete once every row was pulled
            pass
        summary = res.consume()
    return int(summary.profile["args"].get("GlobalMemory", 0))


def compare(db, net, n_sources, n_targets, hops, timeout):
    """Time the three enumeration queries on the same few sources, at each L in ``hops``."""
    import neo4j

    rng = np.random.default_rng(SEED)
    ids = net.accounts.ids
    src = [str(ids[r]) for r in rng.choice(placement_accounts(net), n_sources, replace=False)]
    tgt = [str(ids[r]) for r in integration_accounts(net)[:n_targets]]
    rows = []
    for L in hops:
        for method, name in METHODS.items():
            # the QPP quantifier is a literal: give it the bound of this L, as a user would
            text = load_query(name).text.replace("{0,5}", "{0,%d}" % (L - 1))
            for cap in (20, None):
                t0 = time.perf_counter()
                try:
                    with db.driver.session(database=db.database) as session:
                        extra = {"pair_targets": None, "near": None} if method == "levels" else {}
                        found = len(session.run(neo4j.Query(text, timeout=timeout), sources=src, targets=tgt,
                                                max_hops=L, window_days=30.0, min_carry=0.5,
                                                fanout_cap=cap, limit=2**31 - 1, **extra).data())
                    status = "ok"
                except Exception as exc:  # noqa: BLE001 - a timeout is a result here
                    found, status = None, type(exc).__name__
                rows.append({"method": method, "max_hops": L, "fanout_cap": cap, "sources": n_sources,
                             "targets": n_targets, "paths": found, "status": status,
                             "seconds": round(time.perf_counter() - t0, 2)})
                print(json.dumps(rows[-1]), flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", default="100,300,1000", help="comma-separated pair counts")
    ap.add_argument("--max-hops", type=int, default=6)
    ap.add_argument("--window", type=float, default=30.0)
    ap.add_argument("--min-carry", type=float, default=0.5)
    ap.add_argument("--fanout-cap", type=int, default=20)
    ap.add_argument("--weighting", default="uniform")
    ap.add_argument("--out", default="bench_paths.json", help="timings (JSON)")
    ap.add_argument("--results", default="bench_paths.results.json", help="pairs and path counts (JSON)")
    ap.add_argument("--compare", action="store_true", help="also time the QPP and APOC queries")
    ap.add_argument("--compare-sources", type=int, default=10)
    ap.add_argument("--compare-hops", default="2,3")
    ap.add_argument("--compare-timeout", type=float, default=100.0)
    ap.add_argument("--check", action="store_true", help="compare with the pure-Python oracle")
    ap.add_argument("--no-prune", action="store_true", help="enumerate without the hops-to-target pruning")
    args = ap.parse_args(argv)
    sizes = sorted(int(x) for x in args.pairs.split(","))
    L, W, C, K = args.max_hops, args.window, args.min_carry, args.fanout_cap

    report: dict = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
                    "params": vars(args), "phases": {}}
    db = connect(load_settings())
    t0 = time.perf_counter()
    net = read_network(db)
    report["phases"]["read_network_s"] = round(time.perf_counter() - t0, 2)
    report["graph"] = {"accounts": len(net.accounts), "movements": len(net.movements),
                       "transfers": int((net.movements.kind == TRANSFER).sum())}
    t0 = time.perf_counter()
    P = transition_matrix_from_network(net, args.weighting)  # type: ignore[arg-type]
    report["phases"]["build_P_s"] = round(time.perf_counter() - t0, 2)
    report["graph"]["P_nnz"] = int(P.nnz)
    print(json.dumps(report), flush=True)

    t0 = time.perf_counter()
    pairs = connected_pairs(net, max(sizes), L, W, C, K)
    report["phases"]["sample_pairs_s"] = round(time.perf_counter() - t0, 2)
    ids = net.accounts.ids
    pair_ids = [(str(ids[s]), str(ids[t])) for s, t in pairs]
    results: dict = {"pairs": pair_ids, "runs": []}

    # warm-up: the first query after a load or restart pays for cold caches
    enumerate_paths_db(db, [], [], pairs=pair_ids[: min(sizes)], max_hops=L, window_days=W,
                       min_carry=C, fanout_cap=K, net=None if args.no_prune else net)
    runs = []
    for n in sizes:
        sub = pair_ids[:n]
        tracemalloc.start()
        t0 = time.perf_counter()
        enum = enumerate_paths_db(db, [], [], pairs=sub, max_hops=L, window_days=W, min_carry=C, fanout_cap=K,
                                  net=None if args.no_prune else net)
        t_call = time.perf_counter() - t0
        t_enum = enum.seconds  # the query and reading its rows; t_call adds the fanout_cut count
        _cur, py_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        mem = server_memory(db, net, sub, L, W, C, K, not args.no_prune)
        rows = np.array(pairs[:n], dtype=np.int64)
        t_fp = {}
        for method in ("backward", "meet", "auto"):
            t0 = time.perf_counter()
            F = first_passage_many(P, rows, L, method=method)  # type: ignore[arg-type]
            t_fp[method] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        measured = measure_paths(net, enum.paths, weighting=args.weighting, max_hops=L, P=P)
        t_measure = time.perf_counter() - t0
        run = {
            "pairs": n, "paths": len(enum.paths),
            "pairs_with_paths": len({(p.source, p.target) for p in enum.paths}),
            "enumerate_s": round(t_enum, 2), "enumerate_ms_per_pair": round(1000 * t_enum / n, 2),
            "enumerate_call_s": round(t_call, 2),
            "server_query_memory_mb": round(mem / 2**20, 1),
            "server_query_memory_kb_per_pair": round(mem / 1024 / n, 1),
            "python_peak_mb": round(py_peak / 2**20, 1),
            "r2_first_passage_s": t_fp, "r2_measure_paths_s": round(t_measure, 2),
            "reach_positive": int((F.sum(axis=1) > 0).sum()),
        }
        if args.check:
            t0 = time.perf_counter()
            hits = enumerate_paths(net, sorted({s for s, _ in pairs[:n]}), sorted({t for _, t in pairs[:n]}),
                                   L, W, C, K)
            want = set(pairs[:n])
            mov = net.movements.ids
            oracle = [(str(ids[h.source]), str(ids[h.target]), tuple(str(mov[r]) for r in h.transfers))
                      for h in hits if (h.source, h.target) in want]
            run["oracle_equal"] = oracle == [p.sort_key() for p in enum.paths]
            run["oracle_s"] = round(time.perf_counter() - t0, 2)
        runs.append(run)
        results["runs"].append({"pairs": n, "paths": len(enum.paths),
                                "optimal": sum(m.optimal for m in measured)})
        print(json.dumps(run), flush=True)
    report["runs"] = runs
    report["fanout_cut"] = {"accounts_capped": enum.stats.accounts_capped, "transfers_cut": enum.stats.transfers_cut}
    if args.compare:
        hops = [int(x) for x in args.compare_hops.split(",")]
        report["compare"] = compare(db, net, args.compare_sources, 1000, hops, args.compare_timeout)
    db.close()
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    Path(args.results).write_text(json.dumps(results) + "\n")
    print(f"timings -> {args.out}; results -> {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
