"""The amount rules on the real database: `aml load` a hand-made bank, `aml detect amounts`, read
the (:Flag) nodes back (issue "Abnormal amounts", DB level).

Layout: the tiny bank and what each account is for; the CLI's JSON; bounds by hand (prediction,
mean, log scale, the Cypher aggregate); limits at the boundary; structuring windows; capital
ratios; re-runs and superseded runs; bad limits files; the saved queries of ``cypher/saved/``;
and, last, NumPy against Cypher bounds on generated data.
"""

from __future__ import annotations

import csv
import json
import random
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from toolkit import admin
from toolkit.amounts import account_bounds, run_amount_rules
from toolkit.amounts.cypher_oracle import account_bounds_cypher
from toolkit.cli import app
from toolkit.config import load_settings
from toolkit.findings import RULE_IDS, to_records
from toolkit.jobs.amounts import amount_params
from toolkit.network import read_network
from toolkit.queries import cypher_dir, load_query
from toolkit.runs import latest_run

runner = CliRunner()

T0 = 1_735_689_600  # 2025-01-01T00:00:00Z
HOUR, DAY = 3_600, 86_400

# One-sided quantiles as printed in statistical tables (4 decimals); checked against scipy below.
U_20, T_20_9, T_20_10 = 0.8416, 0.8834, 0.8791  # u_0.2, t_{0.2,9}, t_{0.2,10}
# B1 initiates 100, 200, ..., 1000 USD: n = 10, mu = 550, s^2 = 825000/9 (s = 302.7650).
B1_MU, B1_S = 550.0, (825_000 / 9) ** 0.5
# B2 initiates one 3000 USD transfer: too little history (n = 1 < min_history = 10), so it is judged
# against its class-and-currency pool ("bnd", USD) = B1's ten amounts + 3000: n = 11,
# mu = 8500/11 = 772.7273, s^2 = (12,850,000 - 11 mu^2) / 10 = 628,181.82 (s = 792.5792).
POOL_MU, POOL_S = 8_500 / 11, ((12_850_000 - 11 * (8_500 / 11) ** 2) / 10) ** 0.5
# alpha = 0.2, prediction bound mu + t s sqrt(1 + 1/n):
B1_PRED_20 = 550 + 0.8834 * 302.7650 * 1.1 ** 0.5  # = 830.52: flags 900 and 1000
POOL_PRED_20 = 772.7273 + 0.8791 * 792.5792 * (12 / 11) ** 0.5  # = 1500.43: flags 3000
# alpha = 0.2, the paper's mean bound mu + u s / sqrt(n):
B1_MEAN_20 = 550 + 0.8416 * 302.7650 / 10 ** 0.5  # = 630.58: flags 700, 800, 900, 1000
POOL_MEAN_20 = 772.7273 + 0.8416 * 792.5792 / 11 ** 0.5  # = 973.85: flags 3000


def acct(id_: str, cls: str, currency: str = "USD", capital: float | None = None,
          customer: str | None = None) -> dict[str, Any]:
    return {"id": id_, "class": cls, "currency": currency, "capital": capital, "customer": customer}


def mv(id_: str, kind: str, frm: str | None, to: str | None, amount: float, ts: int,
        currency: str = "USD") -> dict[str, Any]:
    return {"id": id_, "kind": kind, "from": frm, "to": to, "amount": amount, "ts": ts,
            "currency": currency}


# The tiny bank. Every scenario has accounts of its own class, so that no rule sees another
# scenario's movements: a class pool reaches min_history = 10 movements only for "bnd".
ACCOUNTS = [
    acct("SINK", "sink"),  # only receives: never judged by the bound, no capital
    acct("FUND", "fund"),  # pays the capital scenario (5 transfers: no bound, no limits)
    acct("B1", "bnd"), acct("B2", "bnd"),  # bounds, worked out above
    acct("L1", "lim"),  # limits: lim/USD 5000 deposit, 7000 transfer; lim/EUR 6000 deposit
    acct("S_IN", "s_in"),  # 3 deposits spanning exactly 7 days: structuring
    acct("S_OUT", "s_out"),  # the same, one second longer: nothing
    acct("S_AT", "s_at"),  # 9000, 10000 (= T, reportable, not counted), 9500: only 2 counted
    acct("S_MIX1", "s_mix", "USD", customer="CU_MIX"),  # one customer, two currencies:
    acct("S_MIX2", "s_mix", "EUR", customer="CU_MIX"),  # 9000 USD + 9000 EUR + 8000 EUR
    acct("S_GBP", "s_gbp", "GBP"),  # 3 x 8000 GBP: at or above T in GBP (7874.02), not counted
    acct("C1", "cap", "USD", capital=10_000),  # receives exactly 10x capital: not above
    acct("C2", "cap", "USD", capital=10_000),  # receives 10x capital + 0.01: flagged
    acct("C3", "cap", "EUR", capital=10_000),  # 10,000 EUR = 10,800 USD; receives 110,000 USD
    acct("C4", "cap", "USD"),  # no registered capital: never judged
]
MOVEMENTS = (
    [mv(f"b1-{i:02d}", "transfer", "B1", "SINK", 100.0 * i, T0 + i * HOUR) for i in range(1, 11)]
    + [mv("b2-01", "transfer", "B2", "SINK", 3000.0, T0 + 11 * HOUR)]
    + [
        mv("l1-d1", "deposit", None, "L1", 5000.00, T0 + 1 * DAY),  # = limit: allowed
        mv("l1-d2", "deposit", None, "L1", 5000.01, T0 + 2 * DAY),  # above: deposit_limit
        mv("l1-d3", "deposit", None, "L1", 5500.00, T0 + 3 * DAY, "EUR"),  # EUR limit is 6000
        mv("l1-t1", "transfer", "L1", "SINK", 7000.00, T0 + 4 * DAY),  # = limit: allowed
        mv("l1-t2", "transfer", "L1", "SINK", 7000.01, T0 + 5 * DAY),  # above: transfer_limit
    ]
    + [
        mv("sin-1", "deposit", None, "S_IN", 9000.0, T0 + 10 * DAY),
        mv("sin-2", "deposit", None, "S_IN", 9100.0, T0 + 13 * DAY),
        mv("sin-3", "deposit", None, "S_IN", 9200.0, T0 + 17 * DAY),  # exactly 7 days: inside
        mv("sout-1", "deposit", None, "S_OUT", 9000.0, T0 + 10 * DAY),
        mv("sout-2", "deposit", None, "S_OUT", 9100.0, T0 + 13 * DAY),
        mv("sout-3", "deposit", None, "S_OUT", 9200.0, T0 + 17 * DAY + 1),  # 1 s too late
        mv("sat-1", "deposit", None, "S_AT", 9000.0, T0 + 10 * DAY),
        mv("sat-2", "deposit", None, "S_AT", 10_000.0, T0 + 11 * DAY),
        mv("sat-3", "deposit", None, "S_AT", 9500.0, T0 + 12 * DAY),
        # T in EUR = 10000 / 1.08 = 9259.26 and x*T = 7407.41: both EUR deposits are in the band.
        mv("smix-1", "deposit", None, "S_MIX1", 9000.0, T0 + 10 * DAY),
        mv("smix-2", "deposit", None, "S_MIX2", 9000.0, T0 + 11 * DAY, "EUR"),
        mv("smix-3", "deposit", None, "S_MIX2", 8000.0, T0 + 12 * DAY, "EUR"),
        mv("sgbp-1", "deposit", None, "S_GBP", 8000.0, T0 + 10 * DAY, "GBP"),
        mv("sgbp-2", "deposit", None, "S_GBP", 8000.0, T0 + 11 * DAY, "GBP"),
        mv("sgbp-3", "deposit", None, "S_GBP", 8000.0, T0 + 12 * DAY, "GBP"),
    ]
    + [
        mv("c1-1", "transfer", "FUND", "C1", 60_000.0, T0 + 6 * DAY),
        mv("c1-2", "transfer", "FUND", "C1", 40_000.0, T0 + 7 * DAY),
        mv("c2-1", "transfer", "FUND", "C2", 100_000.01, T0 + 6 * DAY),
        mv("c3-1", "transfer", "FUND", "C3", 110_000.0, T0 + 6 * DAY),
        mv("c4-1", "transfer", "FUND", "C4", 1_000_000.0, T0 + 6 * DAY),
    ]
)
LIMITS_CSV = "class,currency,max_deposit,max_transfer\nlim,USD,5000,7000\nlim,EUR,6000,\n"
#: With --limits LIMITS_CSV --alpha 0.2 (prediction bound): B1 900 and 1000, B2 3000; l1-d2;
#: l1-t2; S_IN and CU_MIX; C2 and C3.
EXPECTED_20 = {"large_amount": 3, "deposit_limit": 1, "transfer_limit": 1, "structuring": 2,
               "capital_mismatch": 2}


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_bank(directory: Path, accounts: list[dict], movements: list[dict], seed: int = 42) -> Path:
    """Write the native CSVs, rows shuffled with a fixed seed (insertion order must not matter)."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    accounts, movements = list(accounts), list(movements)
    rng.shuffle(accounts)
    rng.shuffle(movements)
    with open(directory / "accounts.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "class", "currency", "country", "opened", "registered_capital", "customer", "name"])
        for a in accounts:
            w.writerow([a["id"], a["class"], a["currency"], "US", "2020-01-01",
                        "" if a.get("capital") is None else a["capital"], a.get("customer") or "", ""])
    with open(directory / "movements.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "kind", "from", "to", "amount", "currency", "ts", "channel"])
        for m in movements:
            w.writerow([m["id"], m["kind"], m["from"] or "", m["to"] or "", f"{m['amount']:.2f}",
                        m["currency"], _iso(m["ts"]), "cash" if m["kind"] != "transfer" else "wire"])
    return directory


def cli_load(directory: Path) -> dict[str, Any]:
    res = runner.invoke(app, ["load", str(directory), "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    assert summary["rejected"] == 0
    return summary


def fresh_database(db) -> None:
    admin.clear_database(db)
    admin.init_schema(db)


def run_ids(db) -> set[str]:
    return {r["id"] for r in db.cypher("MATCH (r:DetectionRun) RETURN r.id AS id")}


def detect(db, *args: str) -> tuple[dict[str, int], str]:
    """`aml detect amounts --json ARGS`: the printed object and the id of the run it made."""
    before = run_ids(db)
    res = runner.invoke(app, ["detect", "amounts", "--json", *args])
    assert res.exit_code == 0, res.output
    lines = res.stdout.strip().splitlines()
    assert len(lines) == 1, res.stdout  # exactly one object, nothing else on stdout
    (new,) = run_ids(db) - before
    return json.loads(lines[0]), new


def flags(db, run_id: str, rule: str | None = None) -> list[dict[str, Any]]:
    """The run's flags as plain rows, in a stable order."""
    return db.cypher(
        "MATCH (f:Flag {runId: $run})-[:FLAGS]->(a:Account) WHERE $rule IS NULL OR f.rule = $rule "
        "CALL (f) { OPTIONAL MATCH (f)-[:INVOLVES]->(o:Account) WITH o ORDER BY o.id "
        "           RETURN collect(o.id) AS others } "
        "RETURN f.rule AS rule, a.id AS account, f.value AS value, f.threshold AS threshold, "
        "f.movements AS movements, others, f.details AS details, f.score AS score, "
        "f.windowStart.epochSeconds AS start, f.windowEnd.epochSeconds AS end "
        "ORDER BY rule, account, movements",
        run=run_id, rule=rule,
    )


@pytest.fixture(scope="module")
def bank(db, tmp_path_factory):
    """The tiny bank loaded through `aml load` into a cleared database; its limits file."""
    fresh_database(db)
    root = tmp_path_factory.mktemp("tiny-bank")
    cli_load(write_bank(root / "data", ACCOUNTS, MOVEMENTS))
    limits = root / "limits.csv"
    limits.write_text(LIMITS_CSV)
    return {"limits": limits, "runs": {}}


def run_once(db, bank, *args: str) -> tuple[dict[str, int], str]:
    """One run per parameter set for the whole module (re-runs are tested on their own)."""
    if args not in bank["runs"]:
        bank["runs"][args] = detect(db, *args)
    return bank["runs"][args]


def limits_args(bank, *more: str) -> tuple[str, ...]:
    return ("--limits", str(bank["limits"]), *more)


# =========================================================================== the CLI's JSON


def test_detect_json_is_one_object_rule_id_to_count(db, bank):
    counts, _run = run_once(db, bank, *limits_args(bank, "--alpha", "0.2"))
    assert list(counts) == list(RULE_IDS) == [
        "large_amount", "deposit_limit", "transfer_limit", "structuring", "capital_mismatch"]
    assert counts == EXPECTED_20


# =========================================================================== bounds


def test_table_quantiles_match_scipy():
    assert stats.norm.ppf(0.8) == pytest.approx(U_20, abs=5e-5)
    assert stats.t.ppf(0.8, 9) == pytest.approx(T_20_9, abs=5e-5)
    assert stats.t.ppf(0.8, 10) == pytest.approx(T_20_10, abs=5e-5)
    b1 = np.arange(100.0, 1001.0, 100.0)
    pool = np.append(b1, 3000.0)
    assert (b1.mean(), b1.std(ddof=1)) == pytest.approx((B1_MU, B1_S))
    assert (pool.mean(), pool.std(ddof=1)) == pytest.approx((POOL_MU, POOL_S))


def _scipy_bound(mu: float, s: float, n: int, alpha: float, kind: str) -> float:
    if kind == "mean":
        return mu + stats.norm.ppf(1 - alpha) * s / n ** 0.5
    return mu + stats.t.ppf(1 - alpha, n - 1) * s * (1 + 1 / n) ** 0.5


def test_prediction_bound_by_hand(db, bank):
    _counts, run = run_once(db, bank, *limits_args(bank, "--alpha", "0.2"))
    got = {f["movements"][0]: f for f in flags(db, run, "large_amount")}
    assert sorted(got) == ["b1-09", "b1-10", "b2-01"]
    for mid in ("b1-09", "b1-10"):
        f = got[mid]
        assert f["account"] == "B1" and f["others"] == ["SINK"]
        assert f["threshold"] == pytest.approx(B1_PRED_20, abs=0.05)
        assert f["threshold"] == pytest.approx(_scipy_bound(B1_MU, B1_S, 10, 0.2, "prediction"), abs=1e-4)
        d = json.loads(f["details"])
        assert (d["n"], d["source"], d["scale"]) == (10, "account", "linear")
        assert (d["mu"], d["sigma"]) == pytest.approx((B1_MU, B1_S), abs=1e-4)
    f = got["b2-01"]
    assert f["account"] == "B2" and f["value"] == 3000.0
    assert f["threshold"] == pytest.approx(POOL_PRED_20, abs=0.05)
    assert f["threshold"] == pytest.approx(_scipy_bound(POOL_MU, POOL_S, 11, 0.2, "prediction"), abs=1e-4)
    d = json.loads(f["details"])
    assert (d["n"], d["source"]) == (11, "class")
    assert f["score"] == pytest.approx(1 - f["threshold"] / 3000.0, abs=1e-9)


def test_mean_bound_by_hand(db, bank):
    counts, run = run_once(db, bank, *limits_args(bank, "--alpha", "0.2", "--bound", "mean"))
    assert counts == {**EXPECTED_20, "large_amount": 5}
    got = {f["movements"][0]: f["threshold"] for f in flags(db, run, "large_amount")}
    assert sorted(got) == ["b1-07", "b1-08", "b1-09", "b1-10", "b2-01"]
    for mid in ("b1-07", "b1-08", "b1-09", "b1-10"):
        assert got[mid] == pytest.approx(B1_MEAN_20, abs=0.05)
        assert got[mid] == pytest.approx(_scipy_bound(B1_MU, B1_S, 10, 0.2, "mean"), abs=1e-4)
    assert got["b2-01"] == pytest.approx(POOL_MEAN_20, abs=0.05)
    assert got["b2-01"] == pytest.approx(_scipy_bound(POOL_MU, POOL_S, 11, 0.2, "mean"), abs=1e-4)


def test_log_scale_bound_is_fitted_on_logs(db, bank):
    # alpha 0.05 on log amounts: B1's bound exp(6.1156 + 1.8331 * 0.7330 * sqrt(1.1)) = 1853.65
    # flags nothing; the pool's exp(6.2875 + 1.8125 * 0.8992 * sqrt(12/11)) = 2950.59 flags 3000.
    counts, run = run_once(db, bank, *limits_args(bank, "--log-scale"))
    assert counts["large_amount"] == 1
    (f,) = flags(db, run, "large_amount")
    pool = np.log(np.append(np.arange(100.0, 1001.0, 100.0), 3000.0))
    expected = np.exp(_scipy_bound(pool.mean(), pool.std(ddof=1), 11, 0.05, "prediction"))
    assert f["movements"] == ["b2-01"]
    assert f["threshold"] == pytest.approx(expected, abs=1e-4) == pytest.approx(2950.59, abs=0.01)
    assert json.loads(f["details"])["scale"] == "log"


def test_cypher_aggregate_bounds_by_hand(db, bank):
    ids = ["B1", "B2", "SINK", "L1", "S_IN"]
    b = account_bounds_cypher(db, ids, alpha=0.2)
    assert b.source.tolist() == ["account", "class", "none", "none", "none"]
    assert b.n.tolist() == [10, 11, 0, 5, 3] and b.history.tolist() == [10, 1, 0, 5, 3]
    assert (b.mu[0], b.sigma[0], b.bound[0]) == pytest.approx((B1_MU, B1_S, B1_PRED_20), abs=0.05)
    assert (b.mu[1], b.sigma[1], b.bound[1]) == pytest.approx((POOL_MU, POOL_S, POOL_PRED_20), abs=0.05)
    assert np.isnan(b.bound[2:]).all()
    everyone = account_bounds_cypher(db, alpha=0.2)  # default order: ascending id
    assert len(everyone) == len(ACCOUNTS) and everyone.history.sum() == len(MOVEMENTS)
    with pytest.raises(KeyError, match="NOPE"):
        account_bounds_cypher(db, ["B1", "NOPE"])


# =========================================================================== limits


def test_limits_equal_is_not_above(db, bank):
    _counts, run = run_once(db, bank, *limits_args(bank, "--alpha", "0.2"))
    (dep,) = flags(db, run, "deposit_limit")
    assert (dep["account"], dep["movements"]) == ("L1", ["l1-d2"])
    assert (dep["value"], dep["threshold"]) == (5000.01, 5000.0)
    assert json.loads(dep["details"]) == pytest.approx({"class": "lim", "currency": "USD", "excess": 0.01})
    (tr,) = flags(db, run, "transfer_limit")
    assert (tr["account"], tr["movements"]) == ("L1", ["l1-t2"])
    assert (tr["value"], tr["threshold"]) == (7000.01, 7000.0)
    assert tr["others"] == ["SINK"]
    # Without --limits the shipped config/limits.csv applies: it has no class "lim".
    counts, _ = run_once(db, bank)
    assert counts["deposit_limit"] == counts["transfer_limit"] == 0


# =========================================================================== structuring


def test_structuring_windows_and_currencies(db, bank):
    _counts, run = run_once(db, bank, *limits_args(bank, "--alpha", "0.2"))
    got = flags(db, run, "structuring")
    assert [f["account"] for f in got] == ["S_IN", "S_MIX2"]  # not S_OUT, S_AT, S_GBP
    s_in, mix = got
    assert s_in["movements"] == ["sin-1", "sin-2", "sin-3"] and s_in["others"] == []
    assert (s_in["start"], s_in["end"]) == (T0 + 10 * DAY, T0 + 17 * DAY)
    assert s_in["value"] == pytest.approx(27_300.0) and s_in["threshold"] == 10_000.0
    # One customer, two accounts, two currencies: 9000 USD + (9000 + 8000) EUR * 1.08.
    assert mix["movements"] == ["smix-1", "smix-2", "smix-3"] and mix["others"] == ["S_MIX1"]
    assert mix["value"] == pytest.approx(9000 + 17_000 * 1.08)
    assert json.loads(mix["details"])["customer"] == "CU_MIX"


# =========================================================================== capital


def test_capital_ratios(db, bank):
    _counts, run = run_once(db, bank, *limits_args(bank, "--alpha", "0.2"))
    got = {f["account"]: f for f in flags(db, run, "capital_mismatch")}
    assert sorted(got) == ["C2", "C3"]  # C1 is exactly 10x (not above), C4 declares no capital
    assert got["C2"]["value"] == pytest.approx(10.000001, abs=1e-9) and got["C2"]["threshold"] == 10.0
    assert got["C3"]["value"] == pytest.approx(110_000 / 10_800, abs=1e-9)
    d = json.loads(got["C3"]["details"])
    assert (d["turnover"], d["capital"]) == pytest.approx((110_000.0, 10_800.0))
    assert got["C3"]["movements"] == ["c3-1"]


# =========================================================================== re-runs


def _runs_by_key(db) -> dict[str, list[dict[str, Any]]]:
    rows = db.cypher("MATCH (r:DetectionRun) RETURN r.id AS id, r.paramsKey AS key, r.status AS status, "
                     "r.counts AS counts ORDER BY r.started, r.id")
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r["key"], []).append(r)
    return out


def test_second_run_changes_nothing(db, bank):
    args = limits_args(bank, "--alpha", "0.1")
    first, run1 = detect(db, *args)
    before = flags(db, run1)
    second, run2 = detect(db, *args)
    assert second == first
    after = flags(db, run2)
    assert after == before  # same flags, same figures
    assert len(after) == sum(second.values())
    assert db.cypher("MATCH (f:Flag {runId: $r}) RETURN count(f) AS n", r=run1)[0]["n"] == 0
    # No duplicates: one flag per (rule, account, movements).
    assert len({(f["rule"], f["account"], tuple(f["movements"])) for f in after}) == len(after)
    status = {r["id"]: r["status"] for rs in _runs_by_key(db).values() for r in rs}
    assert status[run1] == "superseded" and status[run2] == "complete"


def test_one_complete_run_per_parameter_set_and_no_stray_flags(db, bank):
    run_once(db, bank, *limits_args(bank, "--alpha", "0.2"))
    again, _ = detect(db, *limits_args(bank, "--alpha", "0.2"))
    bank["runs"].pop(limits_args(bank, "--alpha", "0.2"))  # the memoised run is superseded now
    assert again == EXPECTED_20
    by_key = _runs_by_key(db)
    assert len(by_key) >= 2
    total = 0
    for runs in by_key.values():
        complete = [r for r in runs if r["status"] == "complete"]
        assert len(complete) == 1
        assert all(r["status"] == "superseded" for r in runs if r is not complete[0])
        total += sum(json.loads(complete[0]["counts"]).values())
    # Every Flag node belongs to a complete run, once.
    assert db.cypher("MATCH (f:Flag) RETURN count(f) AS n")[0]["n"] == total


# =========================================================================== bad limits files


@pytest.mark.parametrize(
    "text, where, problem",
    [
        ("class,currency,max_deposit,max_withdrawal\nlim,USD,1,2\n", 1,
         "unknown column 'max_withdrawal' (expected class, currency, max_deposit, max_transfer)"),
        ("class,currency,max_deposit,max_transfer\nlim,USD,5000,7000\nlim,EUR,lots,\n", 3,
         "max_deposit 'lots' is not a number"),
        ("class,currency,max_deposit,max_transfer\n# comment\nlim,USD,5000,7000\nlim,EUR,1,\n"
         "lim,usd,1,2\n", 5,
         "duplicate limits for class 'lim' and currency 'USD' (first at {path}:3)"),
    ],
    ids=["unknown-column", "non-numeric", "duplicate"],
)
def test_bad_limits_file_is_one_line_naming_the_line(db, bank, tmp_path, text, where, problem):
    path = tmp_path / "limits.csv"
    path.write_text(text)
    before = run_ids(db)
    res = runner.invoke(app, ["detect", "amounts", "--json", "--limits", str(path)])
    assert res.exit_code != 0
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert lines == [f"error: {path}:{where}: {problem.format(path=path)}"]
    assert res.stdout == "" and "Traceback" not in res.output
    assert run_ids(db) == before  # nothing ran


# =========================================================================== saved queries

SAVED = ("structuring_recent", "accounts_above_bound", "account_flags")


@pytest.mark.parametrize("name", SAVED)
def test_saved_query_header_and_browser_params(db, bank, name):
    path = cypher_dir() / "saved" / f"{name}.cypher"
    lines = path.read_text().splitlines()
    assert re.match(rf"// saved/{name}: \S", lines[0])
    assert re.match(r"// mode: read\b", lines[1])
    q = load_query(f"saved/{name}")
    block = re.search(r"/\*\s*:params\s*(\{.*?\})\s*\*/", q.text, re.S).group(1)
    body = re.sub(r"/\*.*?\*/", "", q.text, flags=re.S)
    body = "\n".join(ln for ln in body.splitlines() if not ln.lstrip().startswith("//"))
    assert set(re.findall(r"\$(\w+)", body)) == set(q.params)  # $parameters only, all declared
    assert "datetime()" not in body and "date()" not in body  # time arrives as $as_of
    # The :params example is valid Cypher (it pastes into Browser) and the query runs with it.
    example = db.cypher(f"RETURN {block} AS p")[0]["p"]
    assert set(example) == set(q.params)
    db.run(f"saved/{name}", **example)


def _python_findings(db, **kw: Any) -> list[dict[str, Any]]:
    """What the in-process rules find with the parameters `aml detect amounts` gets from ``kw``
    (``limits``, ``alpha``, ``bound``, ``log_scale``), as id-keyed records."""
    net = read_network(db)
    return to_records(net, run_amount_rules(net, amount_params(load_settings(), **kw)).findings)


def _utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc)


def test_structuring_recent_returns_what_python_finds(db, bank):
    run_once(db, bank, *limits_args(bank, "--alpha", "0.2"))
    recs = _python_findings(db, limits=bank["limits"], alpha=0.2)
    expected = {(r["account"], tuple(r["movements"])): r for r in recs if r["rule"] == "structuring"}
    rows = db.run("saved/structuring_recent", days=60, as_of=_utc(T0 + 30 * DAY))
    assert {(r["account"], tuple(d["id"] for d in r["deposits"])) for r in rows} == set(expected)
    assert {r["run"] for r in rows} == {latest_run(db, "amounts")["id"]}
    mix = next(r for r in rows if r["account"] == "S_MIX2")
    assert mix["customer"] == "CU_MIX" and mix["otherAccounts"] == ["S_MIX1"] and mix["count"] == 3
    assert mix["totalUsd"] == pytest.approx(expected[("S_MIX2", ("smix-1", "smix-2", "smix-3"))]["value"])
    assert [(d["account"], d["amount"], d["currency"]) for d in mix["deposits"]] == [
        ("S_MIX1", 9000.0, "USD"), ("S_MIX2", 9000.0, "EUR"), ("S_MIX2", 8000.0, "EUR")]
    assert mix["windowStart"].to_native() == _utc(T0 + 10 * DAY)
    # Only the last 4 days before day 20: S_IN's run ends on day 17, CU_MIX's on day 12.
    recent = db.run("saved/structuring_recent", days=4, as_of=_utc(T0 + 20 * DAY))
    assert [r["account"] for r in recent] == ["S_IN"]
    # Nothing starts after as_of.
    assert db.run("saved/structuring_recent", days=30, as_of=_utc(T0 + 9 * DAY)) == []


def _above_bound_expected(recs: list[dict]) -> dict[str, tuple]:
    per: dict[str, list[dict]] = {}
    for r in recs:
        if r["rule"] == "large_amount":
            per.setdefault(r["account"], []).append(r)
    out = {}
    for acct, rs in per.items():
        rs.sort(key=lambda r: -r["value"])
        out[acct] = (len(rs), rs[0]["value"], rs[0]["threshold"], [r["movements"][0] for r in rs])
    return out


def test_accounts_above_bound_returns_what_python_finds(db, bank):
    _c, run = run_once(db, bank, *limits_args(bank, "--alpha", "0.2", "--bound", "mean"))
    recs = _python_findings(db, limits=bank["limits"], alpha=0.2, bound="mean")
    rows = db.run("saved/accounts_above_bound", run_id=run, limit=100)
    got = {r["account"]: (r["movements"], r["largestUsd"], r["boundUsd"], r["movementIds"]) for r in rows}
    assert got == _above_bound_expected(recs)
    assert [r["account"] for r in rows] == ["B1", "B2"]  # most movements first
    assert rows[0]["movementIds"] == ["b1-10", "b1-09", "b1-08", "b1-07"]
    assert rows[0]["boundUsd"] == pytest.approx(B1_MEAN_20, abs=0.05)
    assert json.loads(rows[0]["params"])["bound"] == "mean"
    assert len(db.run("saved/accounts_above_bound", run_id=run, limit=1)) == 1
    latest = db.run("saved/accounts_above_bound", run_id=None, limit=100)
    assert {r["run"] for r in latest} <= {latest_run(db, "amounts")["id"]}


def test_account_flags_lists_every_current_flag(db, bank):
    _c, run = run_once(db, bank, *limits_args(bank, "--alpha", "0.2"))
    rows = db.run("saved/account_flags", account_id="L1")
    mine = sorted((r["rule"], r["movements"], r["value"], r["threshold"]) for r in rows if r["run"] == run)
    assert mine == [("deposit_limit", ["l1-d2"], 5000.01, 5000.0),
                    ("transfer_limit", ["l1-t2"], 7000.01, 7000.0)]
    complete = {r["id"] for rs in _runs_by_key(db).values() for r in rs if r["status"] == "complete"}
    assert {r["run"] for r in rows} <= complete and {r["detector"] for r in rows} == {"amounts"}
    assert db.run("saved/account_flags", account_id="SINK") == []
    assert db.run("saved/account_flags", account_id="NO-SUCH-ACCOUNT") == []


# =========================================================================== generated data


@pytest.fixture(scope="module")
def generated(db, tmp_path_factory):
    """A generated bank (structuring and front businesses injected) loaded through `aml load`.

    Runs after the tiny-bank tests of this module: it replaces their graph.
    """
    fresh_database(db)
    out = tmp_path_factory.mktemp("generated")
    res = runner.invoke(app, ["generate", "--transfers", "3000", "--seed", "5", "--out", str(out),
                              "--typologies", "structuring,front_business,fan_in",
                              "--laundering-fraction", "0.05"])
    assert res.exit_code == 0, res.output
    cli_load(out)
    return read_network(db)


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"bound": "mean"},
        {"log_scale": True, "alpha": 0.01},
        {"min_history": 3, "alpha": 0.1},
        {"usd_rates": {"USD": 1.0, "EUR": 1.1}},
    ],
    ids=["prediction", "mean", "log", "short-history", "own-rates"],
)
def test_numpy_and_cypher_bounds_agree_on_generated_data(db, generated, kw):
    net = generated
    np_b = account_bounds(net, **kw)
    cy_b = account_bounds_cypher(db, net.accounts.ids, **kw)
    assert cy_b.n.tolist() == np_b.n.tolist()
    assert cy_b.history.tolist() == np_b.history.tolist()
    assert cy_b.source.tolist() == np_b.source.tolist()
    assert set(np_b.source.tolist()) >= {"account", "class"}  # both roads are exercised
    for col in ("mu", "sigma", "bound"):
        a, b = getattr(np_b, col), getattr(cy_b, col)
        assert np.isnan(a).tolist() == np.isnan(b).tolist()
        ok = ~np.isnan(a)
        assert b[ok] == pytest.approx(a[ok], rel=1e-9, abs=1e-4)


def test_saved_queries_on_generated_data_return_what_python_finds(db, generated):
    counts, run = detect(db)
    assert counts["structuring"] > 0 and counts["large_amount"] > 0
    net = read_network(db)
    recs = _python_findings(db)
    assert {r: sum(1 for x in recs if x["rule"] == r) for r in RULE_IDS} == counts
    far = _utc(int(net.movements.ts.max()) + DAY)
    rows = db.run("saved/structuring_recent", days=10_000, as_of=far)
    assert sorted((r["account"], tuple(d["id"] for d in r["deposits"])) for r in rows) == sorted(
        (r["account"], tuple(r["movements"])) for r in recs if r["rule"] == "structuring")
    rows = db.run("saved/accounts_above_bound", run_id=run, limit=1_000_000)
    got = {r["account"]: (r["movements"], r["largestUsd"], r["boundUsd"], sorted(r["movementIds"]))
           for r in rows}
    want = {a: (k, v, t, sorted(m)) for a, (k, v, t, m) in _above_bound_expected(recs).items()}
    assert got == want
