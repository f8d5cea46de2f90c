"""Same results before and after a change: the in-process stages of ``detect_all``, offline, in two
code trees, compared bit for bit (never collected by pytest; needs no server).

Why: changes meant to make the pipeline faster or leaner must not move a single finding or
score. This runs amount rules, typology detectors, the flag table, the typology scores, the
combined score (without embeddings: ``cluster_score=None``) and the account features on one
pickled network (in the layout that tree's ``read_network`` gives, ``toolkit.network.as_read``
where it has one), in whichever tree ``PYTHONPATH`` points at, and compares two such dumps:
findings (rule, account, movements, value, threshold, accounts, window, score, details: packed
details as the dict they stand for, keys in order, values and their types), the
bound table, typology scores, flags (row numbers compared as int64), reasons, weights and
features (and the embeddings' amount features), floats bit for bit (NaN
equal to NaN), types included, and the rows the write-back would send for the findings (as a
digest of each row's JSON). ``run`` also prints the RSS after each stage.

Usage::

    git archive <commit> | tar -x -C /tmp/before          # the tree to compare against
    python benchmarks/same_results.py network --transfers 200000 --seed 101 /tmp/net-200k.pkl
    PYTHONPATH=/tmp/before python benchmarks/same_results.py run /tmp/net-200k.pkl /tmp/before.pkl
    PYTHONPATH=. python benchmarks/same_results.py run --lean /tmp/net-200k.pkl /tmp/after.pkl
    python benchmarks/same_results.py compare /tmp/before.pkl /tmp/after.pkl

``network`` generates the data (``toolkit.generate``, hardness medium) unless ``--data`` holds it,
reads the native files with pandas (``eval_typologies.read_native``) and stores the arrays as
:func:`toolkit.network.read_network` would give them: movements in (time, id) order, movement ids
as ``StringDType``, currency and channel as shared string objects. ``run --lean`` makes pandas,
pyarrow and scikit-learn unimportable first, as the benchmark's ours process does.
"""

from __future__ import annotations

import argparse
import math
import pickle
import struct
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _rss(tag: str) -> None:
    d = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, value = line.split(":")
            d[key] = int(value.split()[0]) * 1024 / 1e6
    print(f"{tag:<30} RSS {d.get('VmRSS', 0):7.1f} MB   peak {d.get('VmHWM', 0):7.1f} MB", flush=True)


def network(out: Path, transfers: int, seed: int, data: Path | None) -> None:
    import numpy as np

    sys.path.insert(0, str(Path(__file__).parent))
    from eval_typologies import read_native

    from toolkit.frames import AccountFrame, MovementFrame, Network
    from toolkit.generate import generate
    from toolkit.network import time_then_id_order

    with tempfile.TemporaryDirectory() as tmp:
        d = data or Path(tmp) / "d"
        if not (d / "movements.csv").is_file():
            generate(d, transfers=transfers, seed=seed, hardness="medium")
        net, _acc = read_native(d)
    m, a = net.movements, net.accounts
    ids = np.asarray(m.ids.astype(str), dtype=np.dtypes.StringDType())
    order = time_then_id_order(m.ts, ids)

    def shared(col: Any) -> Any:
        uniq, inv = np.unique(col.astype(str), return_inverse=True)
        return np.array([str(x) for x in uniq], dtype=object)[inv]

    mov = MovementFrame(ids=ids[order], kind=m.kind[order], src=m.src[order], dst=m.dst[order],
                        amount=m.amount[order], currency=shared(m.currency)[order], ts=m.ts[order],
                        channel=shared(m.channel)[order])
    acc = AccountFrame(ids=a.ids, cls=shared(a.cls), currency=shared(a.currency), country=shared(a.country),
                       opened=a.opened, registered_capital=a.registered_capital, customer=a.customer)
    with open(out, "wb") as fh:
        pickle.dump(Network(acc, mov), fh, protocol=5)
    print(f"{len(acc):,} accounts, {len(mov):,} movements -> {out}")


def run(net_path: Path, out: Path, lean: bool) -> None:
    if lean:
        for name in ("pandas", "pyarrow", "sklearn"):
            sys.modules[name] = None  # type: ignore[assignment]
    _rss("start")
    import numpy as np

    from toolkit.amounts import run_amount_rules
    from toolkit.config import load_settings
    from toolkit.detect import TypologyParams, run_typologies
    from toolkit.jobs.amounts import amount_params
    from toolkit.jobs.scores import active_accounts, flag_table_from_findings, score_params
    from toolkit.scoring.combined import combined_score, typology_scores
    from toolkit.scoring.features import account_features

    _rss("imports")
    settings = load_settings()
    ap, sp = amount_params(settings), score_params(settings)
    tp = TypologyParams.from_mapping(settings.section("typologies"))
    with open(net_path, "rb") as fh:
        net = pickle.load(fh)
    import toolkit.network

    if hasattr(toolkit.network, "as_read"):  # the layout this tree's read_network gives
        net = toolkit.network.as_read(net)
    _rss("network")
    t = time.perf_counter()
    ar = run_amount_rules(net, ap)
    _rss(f"amounts {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    tr = run_typologies(net, tp)
    _rss(f"typologies {time.perf_counter() - t:.2f} s")
    try:  # as detect_all builds it in this tree
        from toolkit.finding_table import FindingTable

        both: Any = FindingTable.concat([ar.findings, tr.findings])
    except ImportError:
        both = [*ar.findings, *tr.findings]
    flags = flag_table_from_findings(net, both)
    active = active_accounts(net)
    typ = typology_scores(flags, active_accounts(net, transfers_only=True), tp)
    sc = combined_score(flags, sp, cluster_score=None, active=active, typology=typ)
    _rss("flags + combined score")
    feats = account_features(net)
    _rss("account features")
    from toolkit.jobs.embeddings import _amount_features

    emb_feats = _amount_features(None, net.accounts.ids, net)  # type: ignore[arg-type]  # (no server needed)
    _rss("embeddings' amount features")
    rows = {"amounts": _flag_rows(net, ar.findings), "typologies": _flag_rows(net, tr.findings)}
    _rss("write-back rows")

    def plain(d: Any) -> Any:  # packed details (toolkit.details) as the dict they stand for
        return d if d is None or type(d) is dict else dict(d)

    def fin(f: Any) -> tuple:
        return (f.rule, f.account, tuple(f.movements), f.value, f.threshold, tuple(f.accounts), f.window, f.score,
                plain(f.details))

    b = ar.bounds
    dump = {
        "amount_findings": [fin(f) for f in ar.findings], "amount_counts": ar.counts,
        "bounds": None if b is None else (b.mu, b.sigma, b.n, b.bound, b.source, b.history),
        "typology_findings": [fin(f) for f in tr.findings], "typology_counts": tr.counts,
        "typology_account_score": tr.account_score, "typology_reasons": tr.account_reasons,
        "typology_by": tr.scores.by_typology, "typology_hits": tr.scores.hits,
        "typology_commonness": tr.scores.finding_commonness, "typology_rarity": tr.scores.finding_rarity,
        "typology_stats": tr.stats,
        # row numbers as int64 whatever their dtype (the flag table keeps them as int32 since lean-2)
        "flags": (flags.ids, flags.account.astype(np.int64), flags.rule, flags.score,
                  flags.involved_flag.astype(np.int64), flags.involved_account.astype(np.int64),
                  [plain(d) for d in flags.details] if flags.details is not None else None),
        "active": active, "typology_scores": typ, "score": sc.score, "flagged": sc.flagged, "reasons": sc.reasons,
        "weights": sc.weights, "shares": sc.shares, "evidence": sc.evidence, "features": (feats.names, feats.X),
        "flag_rows": rows, "embedding_amount_features": emb_feats,
    }
    with open(out, "wb") as fh:
        pickle.dump(dump, fh, protocol=5)
    print(f"{len(ar.findings):,} amount and {len(tr.findings):,} typology findings, "
          f"{int(sc.flagged.sum()):,} of {len(sc.score):,} accounts flagged -> {out}")


def _flag_rows(net: Any, findings: list) -> list[str]:
    """The ``writeback/flags`` rows :func:`toolkit.writeback.write_findings` sends for
    ``findings`` (run id fixed), each as a SHA-1 of its JSON: what the graph would hold."""
    import hashlib
    import json

    from toolkit.runs import Run
    from toolkit.writeback import write_findings

    digests: list[str] = []

    class Capture:
        def run_one(self, name: str, /, **params: Any) -> dict[str, int]:
            for r in params["rows"]:
                digests.append(hashlib.sha1(json.dumps(r, sort_keys=True).encode()).hexdigest())
            return {"written": len(params["rows"])}

    write_findings(Capture(), Run("same-results", "x", {}, "x"), net, findings, writers=1)  # type: ignore[arg-type]
    return digests


def _differences(x: Any, y: Any, path: str, out: list[str]) -> None:
    import numpy as np

    if len(out) > 50:
        return
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        x, y = np.asarray(x), np.asarray(y)
        if x.shape != y.shape or x.dtype != y.dtype:
            out.append(f"{path}: {x.dtype}{x.shape} != {y.dtype}{y.shape}")
        elif x.dtype.kind == "f":
            bad = (x.view(f"u{x.itemsize}") != y.view(f"u{y.itemsize}")) & ~(np.isnan(x) & np.isnan(y))
            if bad.any():
                out.append(f"{path}: {int(bad.sum())} floats differ, most by {np.abs(x[bad] - y[bad]).max():.3g}")
        elif x.dtype.kind == "O":
            for i, (u, v) in enumerate(zip(x.ravel().tolist(), y.ravel().tolist())):
                _differences(u, v, f"{path}[{i}]", out)
        elif not np.array_equal(x, y):
            out.append(f"{path}: {int((x != y).sum())} values differ")
    elif type(x) is not type(y):
        out.append(f"{path}: {type(x).__name__} != {type(y).__name__} ({x!r} / {y!r})")
    elif isinstance(x, float):
        if struct.pack("d", x) != struct.pack("d", y) and not (math.isnan(x) and math.isnan(y)):
            out.append(f"{path}: {x!r} != {y!r}")
    elif isinstance(x, dict):
        if list(x) != list(y):
            out.append(f"{path}: keys {list(x)} != {list(y)}")
        for k in x:
            if k in y:
                _differences(x[k], y[k], f"{path}.{k}", out)
    elif isinstance(x, (list, tuple)):
        if len(x) != len(y):
            out.append(f"{path}: length {len(x)} != {len(y)}")
        for i, (u, v) in enumerate(zip(x, y)):
            _differences(u, v, f"{path}[{i}]", out)
    elif x != y:
        out.append(f"{path}: {x!r} != {y!r}")


def compare(a_path: Path, b_path: Path) -> int:
    with open(a_path, "rb") as fh:
        a = pickle.load(fh)
    with open(b_path, "rb") as fh:
        b = pickle.load(fh)
    out: list[str] = []
    _differences(a, b, "", out)
    print(f"{len(a['amount_findings']):,} amount findings, {len(a['typology_findings']):,} typology findings, "
          f"{len(a['score']):,} accounts ({int(a['flagged'].sum()):,} flagged), {len(a)} parts compared")
    print("\n".join(out[:50]) if out else "identical (floats bit for bit, types included)")
    return 1 if out else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    n = sub.add_parser("network")
    n.add_argument("out", type=Path)
    n.add_argument("--transfers", type=int, default=200_000)
    n.add_argument("--seed", type=int, default=101)
    n.add_argument("--data", type=Path, default=None, help="generated native files to read (or generate into)")
    r = sub.add_parser("run")
    r.add_argument("network", type=Path)
    r.add_argument("out", type=Path)
    r.add_argument("--lean", action="store_true", help="pandas, pyarrow and scikit-learn unimportable")
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = ap.parse_args()
    if args.cmd == "network":
        network(args.out, args.transfers, args.seed, args.data)
    elif args.cmd == "run":
        run(args.network, args.out, args.lean)
    else:
        return compare(args.a, args.b)
    return 0


if __name__ == "__main__":
    sys.exit(main())
