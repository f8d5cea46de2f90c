"""Typology detectors against the generator's ground truth (issue: typology detectors).

Usage: .venv/bin/python benchmarks/eval_typologies.py [--transfers 200000] [--seed 7]
       [--hardness medium] [--data DIR] [--top 100,500] [--set KEY=VALUE ...]

``--set`` overrides a detector parameter as in ``aml.toml [typologies]`` (numbers, ``true`` /
``false``; windows also as ``*_days``), e.g. ``--set layering_max_dwell_days=5``.

Generates a data set (into ``--data`` if given and kept there for the next run, else into a
temporary directory), reads the native files into a Network (the same arrays the job gets from
its bulk read), runs every detector, and prints:

- per typology: recall of injected instances (an instance counts as found when a hit of the
  matching detector has one of its accounts as hub or member), the number of hits, precision
  against decoys (of the hits whose hub lies in an injected instance or in a decoy, the share in
  an injected instance) and overall hub precision (share of hubs that are laundering accounts);
- the account-level PR-AUC of the typology score against a base rate near 1 %, and the same
  for each typology's part of the score;
- what an investigator working down the ranking sees: for the ``--top`` k accounts with the
  highest score, how many are laundering (precision), the share of laundering accounts among
  them (recall) and the share of injected instances with at least one account among them.

Detection never reads the truth; only this script does.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score

from toolkit.detect import TypologyParams, run_typologies
from toolkit.findings import TYPOLOGY_IDS
from toolkit.frames import KIND_CODES, AccountFrame, MovementFrame, Network
from toolkit.generate import generate

#: generator typology -> the detectors that should see it
MATCH = {
    "fan_in": {"fan_in"}, "fan_out": {"fan_out"}, "cycle": {"cycle"},
    "scatter_gather": {"scatter_gather"}, "gather_scatter": {"gather_scatter"},
    "bipartite": {"layering", "gather_scatter", "scatter_gather"}, "chain": {"layering"},
}


def read_native(d: Path) -> tuple[Network, pd.DataFrame]:
    acc = pd.read_csv(d / "accounts.csv", dtype=str, keep_default_na=False)
    mv = pd.read_csv(d / "movements.csv", dtype=str, keep_default_na=False)
    idx = pd.Index(acc["id"])
    ts = (pd.to_datetime(mv["ts"], utc=True) - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta(seconds=1)
    cap = pd.to_numeric(acc["registered_capital"], errors="coerce").to_numpy()
    opened = pd.to_datetime(acc["opened"], utc=True, errors="coerce")
    opened = ((opened - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta(seconds=1)).fillna(0)
    net = Network(
        AccountFrame(ids=acc["id"].to_numpy(object), cls=acc["class"].to_numpy(object),
                     currency=acc["currency"].to_numpy(object), country=acc["country"].to_numpy(object),
                     opened=opened.to_numpy(np.int64), registered_capital=cap,
                     customer=acc["customer"].to_numpy(object)),
        MovementFrame(ids=mv["id"].to_numpy(object), kind=mv["kind"].map(KIND_CODES).to_numpy(np.int8),
                      src=idx.get_indexer(mv["from"]).astype(np.int64), dst=idx.get_indexer(mv["to"]).astype(np.int64),
                      amount=mv["amount"].astype(float).to_numpy(), currency=mv["currency"].to_numpy(object),
                      ts=ts.to_numpy(np.int64), channel=mv["channel"].to_numpy(object)),
    )
    return net, acc


def load(out: Path, transfers: int, seed: int, hardness: str) -> tuple[Network, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    if not (out / "accounts.csv").exists():
        generate(out, transfers=transfers, seed=seed, hardness=hardness)
    net, acc = read_native(out)
    alerts = pd.read_csv(out / "truth/alerts.csv", dtype=str, keep_default_na=False)
    decoys = pd.read_csv(out / "truth/decoys.csv", dtype=str, keep_default_na=False)
    return net, acc, alerts, decoys


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--transfers", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--hardness", default="medium")
    ap.add_argument("--data", type=Path, default=None, help="directory to generate into / reuse")
    ap.add_argument("--top", default="", help="comma-separated k for the top-k lines (default: #laundering, 1%% and 5%% of accounts)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a detector parameter")
    a = ap.parse_args()
    conf: dict[str, object] = {}
    for item in a.set:
        key, _, value = item.partition("=")
        conf[key.strip()] = {"true": True, "false": False}.get(value.strip().lower(), None)
        if conf[key.strip()] is None:
            conf[key.strip()] = float(value) if any(c in value for c in ".eE") else int(value)
    params = TypologyParams.from_mapping(conf, source="--set")
    if a.data is not None:
        net, acc, alerts, decoys = load(a.data, a.transfers, a.seed, a.hardness)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            net, acc, alerts, decoys = load(Path(tmp) / "d", a.transfers, a.seed, a.hardness)
    t = time.perf_counter()
    res = run_typologies(net, params)
    secs = time.perf_counter() - t
    ids = net.accounts.ids
    alert_acc = {x for s in alerts["accounts"] for x in s.split(";")}
    decoy_acc = {x for s in decoys["accounts"] for x in s.split(";")} - alert_acc
    extra = f" ({', '.join(a.set)})" if a.set else ""
    print(f"{a.transfers:,} transfers, hardness {a.hardness}, seed {a.seed}{extra}: detectors {secs:.1f} s")
    print(f"{'typology':<16}{'instances':>10}{'found':>7}{'recall':>8}{'hits':>8}{'prec. vs decoys':>17}{'hub prec.':>11}")
    laundering = set(acc.loc[acc["is_laundering"] == "true", "id"])
    for det in TYPOLOGY_IDS:
        hits = [f for f in res.findings if f.rule == det]
        members = [{ids[f.account], *(ids[o] for o in f.accounts)} for f in hits]
        typs = [t for t, dets in MATCH.items() if det in dets]
        inst = alerts[alerts["typology"].isin(typs)]
        found = sum(1 for s in inst["accounts"] if any(set(s.split(";")) & m for m in members))
        hubs = [ids[f.account] for f in hits]
        in_alert = sum(h in alert_acc for h in hubs)
        in_decoy = sum(h in decoy_acc for h in hubs)
        pd_ = in_alert / (in_alert + in_decoy) if in_alert + in_decoy else float("nan")
        hp = sum(h in laundering for h in hubs) / len(hubs) if hubs else float("nan")
        rec = found / len(inst) if len(inst) else float("nan")
        print(f"{det:<16}{len(inst):>10}{found:>7}{rec:>8.2f}{len(hits):>8}{pd_:>17.2f}{hp:>11.2f}")
    bank = (acc["class"] != "external").to_numpy()
    y = acc.loc[bank, "is_laundering"].eq("true").to_numpy()
    s = res.account_score[bank]
    print(f"account-level PR-AUC of the typology score: {average_precision_score(y, s):.3f} "
          f"(base rate {y.mean():.3%}, {y.sum()} laundering of {len(y)} bank accounts)")
    parts = ", ".join(f"{t} {average_precision_score(y, res.scores.by_typology[bank, i]):.3f}"
                      for i, t in enumerate(TYPOLOGY_IDS))
    print(f"  per typology: {parts}")
    # Working down the ranking.
    bank_ids = acc.loc[bank, "id"].to_numpy()
    order = np.argsort(-s, kind="stable")
    n_pos = int(y.sum())
    ks = [int(k) for k in a.top.split(",") if k] or sorted({n_pos, max(1, round(0.01 * len(y))), max(1, round(0.05 * len(y)))})
    inst_sets = [set(x.split(";")) for x in alerts["accounts"]]
    print(f"{'top k':>8}{'laundering':>12}{'precision':>11}{'recall':>8}{'instances':>11}")
    for k in ks:
        top = order[:k]
        top = top[s[top] > 0]
        hit = int(y[top].sum())
        top_ids = set(bank_ids[top])
        n_inst = sum(1 for m in inst_sets if m & top_ids)
        print(f"{k:>8}{hit:>12}{hit / k:>11.2f}{hit / max(n_pos, 1):>8.2f}{n_inst / max(len(inst_sets), 1):>11.2f}")


if __name__ == "__main__":
    main()
