"""The ours detection process stays lean: nothing on its path imports pandas, pyarrow,
scikit-learn, scipy.stats, matplotlib or graphdatascience, at import time or while it runs.

Why: the benchmark's ``ours`` process must peak at 273 MB; those libraries were 150 MB of it
before a single account was read. Each check runs in a fresh interpreter in which pandas,
pyarrow and scikit-learn cannot be imported (``sys.modules[name] = None``), imports the modules
of the path, runs every in-process stage of :func:`toolkit.pipeline.detect_all` on a small
hand-made network (the stages that need the server, reading, GDS and writing, are the
integration tests' part), and then lists what got imported anyway.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: This checkout first on the path, so the subprocesses import the code under test.
_ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

#: Forbidden at import time and at run time in the ours process.
HEAVY = ("pandas", "pyarrow", "sklearn", "scipy.stats", "matplotlib", "graphdatascience")

PIPELINE = textwrap.dedent(
    """
    import json, sys
    for name in ("pandas", "pyarrow", "sklearn"):
        sys.modules[name] = None  # any import of them now fails

    import toolkit.pipeline, toolkit.amounts, toolkit.detect, toolkit.jobs.embeddings, toolkit.jobs.scores
    import toolkit.scoring.combined, toolkit.network, toolkit.writeback, toolkit.runs, toolkit.db
    imported = sorted(m for m in %(heavy)r if sys.modules.get(m) is not None)

    import numpy as np
    from toolkit.amounts import AmountParams, load_limits, run_amount_rules
    from toolkit.detect import TypologyParams, run_typologies
    from toolkit.embeddings import AbnormalParams, KMeansParams, abnormal_actors, cluster, standardize
    from toolkit.frames import Network
    from toolkit.jobs.embeddings import AMOUNT_COLUMNS
    from toolkit.jobs.scores import active_accounts, flag_table_from_findings
    from toolkit.scoring.combined import CombinedParams, combined_score, rule_evidence, typology_scores
    from toolkit.scoring.features import account_features
    from tests.unit.detect_graphs import DAY, FAN_IN_MULE, HOUR, T0

    # The fan-in mule of detect_graphs (H collects from s0..s4 and forwards to X) inside a small
    # bank: 40 background accounts paying each other at random for 60 days, customer C1 splitting
    # 27,500 USD of cash into three deposits just under 10,000 on two of its accounts, and one
    # 25,000 USD deposit above the personal USD deposit limit (20,000).
    rng = np.random.default_rng(0)
    accounts = [{"id": a} for a in FAN_IN_MULE.accounts]
    accounts += [{"id": f"b{i}", "customer": "C1" if i < 2 else f"C{i + 10}"} for i in range(40)]
    moves = [{"id": f"m{i}", "from": s, "to": d, "amount": float(a), "ts": T0 + 30 * DAY + int(t)}
             for i, (s, d, a, t) in enumerate(FAN_IN_MULE.moves)]
    for i in range(1500):
        s, d = rng.choice(40, 2, replace=False)
        moves.append({"id": f"r{i}", "from": f"b{s}", "to": f"b{d}", "amount": round(float(rng.lognormal(6, 1)), 2),
                      "ts": T0 + int(rng.integers(0, 60 * DAY))})
    for j, (acct, amount) in enumerate([("b0", 9200.0), ("b1", 9100.0), ("b0", 9200.0)]):
        moves.append({"id": f"d{j}", "kind": "deposit", "to": acct, "amount": amount, "ts": T0 + 40 * DAY + j * HOUR,
                      "channel": "cash"})
    moves.append({"id": "big", "kind": "deposit", "to": "b7", "amount": 25000.0, "ts": T0 + 50 * DAY, "channel": "cash"})
    net = Network.from_rows(accounts, moves)

    ar = run_amount_rules(net, AmountParams(limits=load_limits(%(limits)r)))
    tp = TypologyParams()
    tr = run_typologies(net, tp)
    flags = flag_table_from_findings(net, [*ar.findings, *tr.findings])
    active = active_accounts(net)
    typ = typology_scores(flags, active_accounts(net, transfers_only=True), tp)
    sp = CombinedParams()
    evidence = rule_evidence(flags, sp, active, typ)
    X = standardize(np.column_stack([rng.normal(size=(len(net.accounts), 8)),
                                     account_features(net).select(list(AMOUNT_COLUMNS)).X]))
    clustering = cluster(X, KMeansParams(k_candidates=(2, 3, 4), random_seed=0))
    ab = abnormal_actors(clustering, AbnormalParams(distance_percentile=90.0), evidence)
    sc = combined_score(flags, sp, cluster_score=ab.score, active=active, typology=typ)

    hub = FAN_IN_MULE.row("H")
    print(json.dumps({
        "imported_at_start": imported,
        "imported_at_end": sorted(m for m in %(heavy)r if sys.modules.get(m) is not None),
        "amounts": ar.counts, "typologies": tr.counts, "k": clustering.k, "silhouette": len(clustering.silhouette),
        "abnormal": int(ab.abnormal.sum()), "hub_score": float(sc.score[hub]), "flags": len(flags.rule),
        "hub_fan_in": any(f.rule == "fan_in" and f.account == hub for f in tr.findings),
    }))
    """
)


def _run(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_ENV, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.strip().splitlines()[-1]


def test_detection_path_runs_without_dataframe_libraries_or_scipy_stats():
    out = json.loads(_run(PIPELINE % {"heavy": HEAVY, "limits": str(ROOT / "config" / "limits.csv")}))
    assert out["imported_at_start"] == [] and out["imported_at_end"] == []
    # and it did the work: every stage found what the hand-made network holds
    assert out["amounts"]["structuring"] == 1 and out["amounts"]["deposit_limit"] == 1
    assert out["hub_fan_in"] and out["flags"] >= 3
    assert out["k"] in (2, 3, 4) and out["silhouette"] == 3 and out["abnormal"] > 0
    assert out["hub_score"] > 0


def test_forbid_dataframe_libraries_keeps_them_out_of_the_driver():
    code = textwrap.dedent(
        """
        import sys
        from toolkit.lean import forbid_dataframe_libraries
        blocked = forbid_dataframe_libraries()
        import neo4j, toolkit.db
        try:
            import pandas
            importable = True
        except ImportError:
            importable = False
        print(blocked, importable, [m for m in ("pandas", "pyarrow") if sys.modules.get(m) is not None])
        """
    )
    assert _run(code) == "['pandas', 'pyarrow'] False []"


def test_forbid_dataframe_libraries_leaves_an_imported_one_alone():
    code = "import sys, pandas\nfrom toolkit.lean import forbid_dataframe_libraries\n" \
           "print('pandas' in forbid_dataframe_libraries(), pandas.Series([1, 2]).sum())"
    assert _run(code) == "False 3"


def test_bench_forbids_them_for_ours_only():
    code = textwrap.dedent(
        """
        import sys
        import toolkit.bench as bench
        bench._child = lambda method, transfers: []  # the phases need a server; only the set-up is checked
        bench._main([sys.argv[1], "1000"])
        print(sys.modules.get("pandas", "absent") is None)
        """
    )
    for method, blocked in (("ours", True), ("ml", False)):
        proc = subprocess.run([sys.executable, "-c", code, method], cwd=ROOT, env=_ENV, capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert proc.stdout.strip() == str(blocked)


def test_return_freed_memory_gives_freed_arrays_back():
    # glibc raises its mmap limit to 32 MB when the first big array is freed; after that, arrays
    # of 2 MB come from the heap, where blocks allocated between them keep the freed space resident
    code = textwrap.dedent(
        """
        import platform
        from pathlib import Path
        import numpy as np
        from toolkit.lean import return_freed_memory

        def rss_mb():
            line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("VmRSS:"))
            return int(line.split()[1]) / 1024

        ok = return_freed_memory()
        big = np.ones(4_000_000)
        del big
        arrays, between = [], []
        for i in range(50):
            arrays.append(np.ones(250_000))  # 2 MB
            between.append(bytes(1000))
        before = rss_mb()
        del arrays
        print(platform.libc_ver()[0] == "glibc", ok, before - rss_mb() >= 90)
        """
    )
    out = _run(code)
    assert out == "True True True" or out.startswith("False False")  # nothing to set without glibc
