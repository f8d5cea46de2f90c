"""Abnormal-amount rules (toolkit.amounts): the tests read as the specification.

Layout: per-account bounds (by hand, fallback, log scale, USD, pandas oracle), limits (boundary,
file formats, every error message), structuring (window edges, threshold, currencies, customers,
merging, brute-force oracle), capital ratios, the one entry point, and an opt-in benchmark on a
2.1-million-movement synthetic network (``AML_BENCH=1``).
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from toolkit.amounts import (
    AccountBounds,
    AmountParams,
    AmountResult,
    CapitalParams,
    Limits,
    StructuringParams,
    account_bounds,
    acting_account,
    capital_findings,
    deposit_limit_findings,
    large_amount_findings,
    load_limits,
    movement_usd,
    run_amount_rules,
    structuring_findings,
    transfer_limit_findings,
    turnover,
    upper_bound,
)
from toolkit.currency import USD_RATES
from toolkit.errors import ConfigError
from toolkit.findings import RULE_IDS
from toolkit.frames import DEPOSIT, TRANSFER, WITHDRAWAL, AccountFrame, MovementFrame, Network

DAY = 86_400
T0 = 1_700_000_000  # 2023-11-14, an arbitrary epoch second

# One-sided quantiles as printed in statistical tables (4 decimals), checked against scipy below.
U_05, T_05_9 = 1.6449, 1.8331  # u_0.05, t_{0.05, 9}
U_01, T_01_9 = 2.3263, 2.8214  # u_0.01, t_{0.01, 9}


def dep(i: int, to: str, amount: float, ts: int, currency: str = "USD", channel: str = "cash") -> dict:
    return {"id": f"d{i}", "kind": "deposit", "to": to, "amount": amount, "ts": ts, "currency": currency,
            "channel": channel}


def tr(i: int, frm: str, to: str, amount: float, ts: int = T0, currency: str = "USD") -> dict:
    return {"id": f"t{i}", "kind": "transfer", "from": frm, "to": to, "amount": amount, "ts": ts,
            "currency": currency}


# =========================================================================== bounds


def test_quantiles_from_tables_match_scipy() -> None:
    assert stats.norm.ppf(0.95) == pytest.approx(U_05, abs=5e-5)
    assert stats.t.ppf(0.95, 9) == pytest.approx(T_05_9, abs=5e-5)
    assert stats.norm.ppf(0.99) == pytest.approx(U_01, abs=5e-5)
    assert stats.t.ppf(0.99, 9) == pytest.approx(T_01_9, abs=5e-5)


def _hundreds_network() -> Network:
    """Account A initiates 100, 200, ..., 1000 USD (n=10, mu=550, sd^2=825000/9); B only receives."""
    accounts = [{"id": "A"}, {"id": "B"}]
    moves = [tr(i, "A", "B", 100.0 * (i + 1), T0 + i) for i in range(10)]
    return Network.from_rows(accounts, moves)


@pytest.mark.parametrize("alpha,u,t,by_hand_mean,by_hand_prediction", [
    (0.05, U_05, T_05_9, 707.48, 1132.09),
    (0.01, U_01, T_01_9, 772.73, 1445.93),
])
def test_bounds_by_hand(alpha: float, u: float, t: float, by_hand_mean: float, by_hand_prediction: float) -> None:
    net = _hundreds_network()
    mu, sigma, n = 550.0, math.sqrt(825_000.0 / 9.0), 10  # sigma = 302.765
    # With the table quantiles: 550 + u * 302.765 / sqrt(10) and 550 + t * 302.765 * sqrt(1.1).
    assert mu + u * sigma / math.sqrt(n) == pytest.approx(by_hand_mean, abs=0.02)
    assert mu + t * sigma * math.sqrt(1 + 1 / n) == pytest.approx(by_hand_prediction, abs=0.02)
    mean_bound = mu + stats.norm.ppf(1 - alpha) * sigma / math.sqrt(n)  # formula (11)
    pred_bound = mu + stats.t.ppf(1 - alpha, n - 1) * sigma * math.sqrt(1.0 + 1.0 / n)

    b_mean = account_bounds(net, alpha=alpha, bound="mean")
    b_pred = account_bounds(net, alpha=alpha)  # prediction is the default
    assert b_pred.kind == "prediction"
    for b, expected, by_hand in ((b_mean, mean_bound, by_hand_mean), (b_pred, pred_bound, by_hand_prediction)):
        assert b.source[0] == "account" and b.n[0] == 10 and b.history[0] == 10
        assert b.mu[0] == pytest.approx(mu, rel=1e-12)
        assert b.sigma[0] == pytest.approx(sigma, rel=1e-12)
        assert b.bound[0] == pytest.approx(expected, rel=1e-12)
        assert b.bound[0] == pytest.approx(by_hand, abs=0.01)
    assert float(upper_bound(mu, sigma, n, alpha=alpha, kind="mean")) == pytest.approx(mean_bound, rel=1e-12)
    assert float(upper_bound(mu, sigma, n, alpha=alpha)) == pytest.approx(pred_bound, rel=1e-12)
    # B initiates nothing and its pool (personal, USD) is A's ten amounts.
    assert b_pred.source[1] == "class" and b_pred.n[1] == 10 and b_pred.history[1] == 0


def test_mean_bound_flags_ordinary_amounts_prediction_bound_does_not() -> None:
    net = _hundreds_network()
    mean = large_amount_findings(net, account_bounds(net, bound="mean"))
    # 550 + 1.645 * 302.77 / sqrt(10) = 707.5: three of ten ordinary amounts are "large".
    assert [f.movements for f in mean] == [(7,), (8,), (9,)]
    assert large_amount_findings(net, account_bounds(net)) == []  # bound 1132.1


def test_false_alarm_rate_prediction_near_alpha_mean_bound_far_above() -> None:
    # 200 accounts x 200 normal amounts: the reason "prediction" is the default.
    rng = np.random.default_rng(5)
    amounts = rng.normal(1000.0, 100.0, (200, 200))
    frm = np.repeat(np.arange(200), 200)
    accounts = AccountFrame(
        ids=np.array([f"a{i}" for i in range(201)], dtype=object),
        cls=np.full(201, "personal", dtype=object), currency=np.full(201, "USD", dtype=object),
        country=np.full(201, "US", dtype=object), opened=np.zeros(201, dtype=np.int64),
        registered_capital=np.full(201, np.nan),
    )
    n = frm.size
    movements = MovementFrame(
        ids=np.array([f"m{i}" for i in range(n)], dtype=object), kind=np.full(n, TRANSFER, dtype=np.int8),
        src=frm, dst=np.full(n, 200), amount=amounts.ravel(), currency=np.full(n, "USD", dtype=object),
        ts=np.full(n, T0), channel=np.full(n, "wire", dtype=object),
    )
    net = Network(accounts, movements)
    pred = len(large_amount_findings(net, account_bounds(net))) / n
    mean = len(large_amount_findings(net, account_bounds(net, bound="mean"))) / n
    assert 0.04 < pred < 0.06
    assert mean > 0.4


def test_large_amount_finding_fields() -> None:
    accounts = [{"id": "A"}, {"id": "B"}]
    moves = [tr(i, "A", "B", 100.0, T0 + i) for i in range(11)] + [tr(11, "A", "B", 101.0, T0 + 99)]
    net = Network.from_rows(accounts, moves)
    b = account_bounds(net)
    (f,) = large_amount_findings(net, b)
    assert f.rule == "large_amount" and f.account == 0 and f.movements == (11,) and f.accounts == (1,)
    assert f.value == 101.0 and f.threshold == pytest.approx(b.bound[0]) and f.window == (T0 + 99, T0 + 99)
    assert f.details["source"] == "account" and f.details["n"] == 12 and f.details["scale"] == "linear"
    assert f.details["mu"] == pytest.approx(1201.0 / 12)
    assert 0.0 < f.score < 1.0


def test_fallback_to_class_and_currency_pool_below_min_history() -> None:
    accounts = [
        {"id": "A", "class": "personal", "currency": "USD"},  # 3 own movements -> pool
        {"id": "B", "class": "personal", "currency": "USD"},  # 12 own movements -> own
        {"id": "C", "class": "business", "currency": "USD"},  # 4 movements, pool of 4 -> none
        {"id": "D", "class": "personal", "currency": "EUR"},  # nothing at all, empty pool -> none
        {"id": "X", "class": "personal", "currency": "USD"},  # receives only -> pool
    ]
    a_amounts = [50.0, 60.0, 5000.0]
    b_amounts = [100.0 + 10 * i for i in range(12)]
    moves = [tr(i, "A", "X", a, T0 + i) for i, a in enumerate(a_amounts)]
    moves += [tr(10 + i, "B", "X", a, T0 + i) for i, a in enumerate(b_amounts)]
    moves += [tr(30 + i, "C", "X", 1e6, T0 + i) for i in range(4)]
    net = Network.from_rows(accounts, moves)
    b = account_bounds(net, min_history=10)

    pool = np.array(a_amounts + b_amounts)
    assert list(b.source) == ["class", "account", "none", "none", "class"]
    assert list(b.n) == [15, 12, 4, 0, 15] and list(b.history) == [3, 12, 4, 0, 0]
    for row in (0, 4):
        assert b.mu[row] == pytest.approx(pool.mean()) and b.sigma[row] == pytest.approx(pool.std(ddof=1))
        assert b.bound[row] == pytest.approx(
            pool.mean() + stats.t.ppf(0.95, 14) * pool.std(ddof=1) * math.sqrt(1 + 1 / 15))
    assert b.mu[1] == pytest.approx(np.mean(b_amounts))
    assert np.isnan(b.bound[2]) and np.isnan(b.bound[3]) and np.isnan(b.mu[2])

    found = large_amount_findings(net, b)
    # A's 5000 is far above the personal-USD pool; C has no bound so its 1e6 transfers pass.
    assert [(f.account, f.movements, f.details["source"], f.details["n"]) for f in found] == [(0, (2,), "class", 15)]
    # With min_history=3, A has enough history of its own.
    assert account_bounds(net, min_history=3).source[0] == "account"


def test_log_scale_fits_on_logs_and_exponentiates() -> None:
    rng = np.random.default_rng(7)
    amounts = np.round(rng.lognormal(5.0, 1.0, 40), 2)
    net = Network.from_rows([{"id": "A"}, {"id": "B"}], [tr(i, "A", "B", float(a), T0 + i) for i, a in enumerate(amounts)])
    logs = np.log(amounts)
    n = len(logs)
    b = account_bounds(net, log_scale=True)
    assert b.log_scale and b.mu[0] == pytest.approx(logs.mean()) and b.sigma[0] == pytest.approx(logs.std(ddof=1))
    expected = math.exp(logs.mean() + stats.t.ppf(0.95, n - 1) * logs.std(ddof=1) * math.sqrt(1 + 1 / n))
    assert b.bound[0] == pytest.approx(expected, rel=1e-12)
    bm = account_bounds(net, log_scale=True, bound="mean", alpha=0.1)
    assert bm.bound[0] == pytest.approx(math.exp(logs.mean() + stats.norm.ppf(0.9) * logs.std(ddof=1) / math.sqrt(n)))
    found = large_amount_findings(net, b)
    assert [f.movements[0] for f in found] == [int(i) for i in np.flatnonzero(amounts > expected)]
    assert all(f.details["scale"] == "log" for f in found)


def test_acting_account_and_usd_conversion() -> None:
    accounts = [{"id": "A", "currency": "EUR"}, {"id": "B"}]
    moves = [
        dep(0, "A", 100.0, T0, currency="EUR"),
        tr(1, "A", "B", 100.0, currency="USD"),
        {"id": "w2", "kind": "withdrawal", "from": "A", "amount": 1.0, "currency": "GBP", "ts": T0},
        tr(3, "B", "A", 100.0, currency="JPY"),
    ]
    net = Network.from_rows(accounts, moves)
    assert acting_account(net.movements).tolist() == [0, 0, 0, 1]
    usd = movement_usd(net.movements)
    assert usd.tolist() == pytest.approx([108.0, 100.0, 1.27, 0.67])
    b = account_bounds(net, min_history=3)
    assert b.mu[0] == pytest.approx((108.0 + 100.0 + 1.27) / 3)  # mixed currencies, compared in USD
    b2 = account_bounds(net, min_history=3, usd_rates={"EUR": 2.0, "GBP": 1.0})
    assert b2.mu[0] == pytest.approx((200.0 + 100.0 + 1.0) / 3)  # USD missing from the table: 1.0


def _random_network(n_acc: int, n_mov: int, seed: int, *, deposits: float = 0.05) -> Network:
    """Random network with several classes, currencies, customers and all three kinds."""
    rng = np.random.default_rng(seed)
    classes = np.array(["personal", "business", "merchant", "shell", "msb"], dtype=object)
    curs = np.array(["USD", "EUR", "GBP", "JPY"], dtype=object)
    acc_cur = rng.choice(4, n_acc, p=[0.7, 0.15, 0.1, 0.05])
    acc_cls = rng.choice(5, n_acc, p=[0.6, 0.2, 0.1, 0.05, 0.05])
    capital = np.where(acc_cls == 1, rng.lognormal(11.0, 1.5, n_acc), np.nan)
    has_customer = rng.random(n_acc) < 0.5
    customer = np.where(has_customer, np.char.add("c", rng.integers(0, max(n_acc // 2, 1), n_acc).astype(str)), "")
    accounts = AccountFrame(
        ids=np.char.add("a", np.arange(n_acc).astype(str)).astype(object),
        cls=classes[acc_cls],
        currency=curs[acc_cur],
        country=np.full(n_acc, "US", dtype=object),
        opened=np.zeros(n_acc, dtype=np.int64),
        registered_capital=capital,
        customer=customer.astype(object),
    )
    kind = rng.choice(3, n_mov, p=[deposits, 0.97 - deposits, 0.03]).astype(np.int8)
    src = rng.integers(0, n_acc, n_mov)
    dst = rng.integers(0, n_acc, n_mov)
    src[kind == DEPOSIT] = -1
    dst[kind == WITHDRAWAL] = -1
    actor = np.where(kind == DEPOSIT, dst, src)
    cur = acc_cur[actor]
    amount = np.round(rng.lognormal(6.5, 1.5, n_mov) / np.array([1.0, 1.08, 1.27, 0.0067])[cur], 2)
    movements = MovementFrame(
        ids=np.char.add("m", np.arange(n_mov).astype(str)).astype(object),
        kind=kind,
        src=src.astype(np.int64),
        dst=dst.astype(np.int64),
        amount=np.maximum(amount, 0.01),
        currency=curs[cur],
        ts=(T0 + rng.integers(0, 2 * 365 * DAY, n_mov)).astype(np.int64),
        channel=np.where(kind == TRANSFER, "wire", "cash").astype(object),
    )
    return Network(accounts, movements)


def _oracle_bounds(net: Network, alpha: float, kind: str, log_scale: bool, min_history: int) -> pd.DataFrame:
    """pandas groupby + scipy per account: the NumPy bounds written the obvious way."""
    mov, acc = net.movements, net.accounts
    rate = pd.Series(mov.currency).map(lambda c: USD_RATES.get(c, 1.0)).to_numpy()
    df = pd.DataFrame({
        "actor": np.where(mov.kind == DEPOSIT, mov.dst, mov.src),
        "usd": mov.amount * rate,
    })
    df = df[df.actor >= 0]
    df["x"] = np.log(df.usd) if log_scale else df.usd
    df["cls"] = acc.cls[df.actor.to_numpy()]
    df["cur"] = acc.currency[df.actor.to_numpy()]
    own = df.groupby("actor")["x"].agg(["count", "mean", "std"])
    pool = df.groupby(["cls", "cur"])["x"].agg(["count", "mean", "std"])
    need = max(min_history, 2)
    rows = []
    for i in range(len(acc)):
        n_own = int(own["count"].get(i, 0))
        key = (acc.cls[i], acc.currency[i])
        if n_own >= need:
            n, mu, sd, src = n_own, own.loc[i, "mean"], own.loc[i, "std"], "account"
        elif key in pool.index and pool.loc[key, "count"] >= need:
            n, mu, sd, src = int(pool.loc[key, "count"]), pool.loc[key, "mean"], pool.loc[key, "std"], "class"
        else:
            rows.append({"n": n_own, "mu": np.nan, "sigma": np.nan, "bound": np.nan, "source": "none"})
            continue
        if kind == "mean":
            b = mu + stats.norm.ppf(1 - alpha) * sd / math.sqrt(n)
        else:
            b = mu + stats.t.ppf(1 - alpha, n - 1) * sd * math.sqrt(1 + 1 / n)
        rows.append({"n": n, "mu": mu, "sigma": sd, "bound": math.exp(b) if log_scale else b, "source": src})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("kind,log_scale,alpha,min_history", [
    ("prediction", False, 0.05, 10), ("mean", False, 0.05, 21), ("prediction", True, 0.01, 25), ("mean", True, 0.2, 15),
])
def test_bounds_match_pandas_oracle(kind: str, log_scale: bool, alpha: float, min_history: int) -> None:
    net = _random_network(300, 6000, seed=11)
    got = account_bounds(net, alpha=alpha, bound=kind, log_scale=log_scale, min_history=min_history)
    want = _oracle_bounds(net, alpha, kind, log_scale, min_history)
    assert {"account", "class"} <= set(got.source)  # both paths are exercised
    assert got.source.tolist() == want.source.tolist()
    assert got.n.tolist() == want.n.tolist()
    for col in ("mu", "sigma", "bound"):
        np.testing.assert_allclose(getattr(got, col), want[col].to_numpy(), rtol=1e-9, equal_nan=True)

    # Flagged movements: a plain Python loop over the movements.
    mov = net.movements
    bound = want.bound.to_numpy()
    expected = []
    for m in range(len(mov)):
        a = mov.dst[m] if mov.kind[m] == DEPOSIT else mov.src[m]
        usd = mov.amount[m] * USD_RATES[mov.currency[m]]
        if a >= 0 and not math.isnan(bound[a]) and usd > bound[a]:
            expected.append(m)
    assert [f.movements[0] for f in large_amount_findings(net, got)] == expected


def test_bounds_to_records_has_ids_and_no_nan() -> None:
    net = _hundreds_network()
    recs = account_bounds(net, min_history=20).to_records(net)
    assert [r["account"] for r in recs] == ["A", "B"]
    assert recs[0]["bound"] is None and recs[0]["source"] == "none" and recs[0]["history"] == 10


@pytest.mark.parametrize("kwargs,message", [
    ({"alpha": 0.0}, "alpha must be a number strictly between 0 and 1, got 0.0"),
    ({"alpha": 1.5}, "alpha must be a number strictly between 0 and 1, got 1.5"),
    ({"bound": "median"}, "bound must be one of prediction, mean, got 'median'"),
    ({"min_history": 0}, "min_history must be a positive integer, got 0"),
])
def test_bound_parameters_are_checked(kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        account_bounds(_hundreds_network(), **kwargs)
    assert str(err.value) == message


# =========================================================================== limits

LIMITS_CSV = "class,currency,max_deposit,max_transfer\npersonal,USD,10000,\nbusiness,EUR,,5000\n"
LIMITS_TOML = """\
[[limits]]
class = "personal"
currency = "USD"
max_deposit = 10000

[[limits]]
class = "business"
currency = "EUR"
max_transfer = 5000.0
"""


def _limits_network() -> Network:
    accounts = [
        {"id": "P", "class": "personal", "currency": "USD"},
        {"id": "B", "class": "business", "currency": "EUR"},
    ]
    moves = [
        dep(0, "P", 10_000.00, T0),  # equal: not above
        dep(1, "P", 10_000.01, T0 + 1),  # one cent above
        dep(2, "B", 1e9, T0 + 2),  # business has no deposit limit
        dep(3, "P", 20_000.0, T0 + 3, currency="EUR"),  # personal EUR has no limit
        tr(4, "B", "P", 5_000.00, T0 + 4, currency="EUR"),  # equal
        tr(5, "B", "P", 5_000.01, T0 + 5, currency="EUR"),  # above: sender's class
        tr(6, "P", "B", 9_999_999.0, T0 + 6, currency="EUR"),  # personal sender: no transfer limit
        tr(7, "B", "P", 9_999.0, T0 + 7, currency="USD"),  # business USD: no limit
    ]
    return Network.from_rows(accounts, moves)


def test_limits_strictly_above_is_a_finding(tmp_path: Path) -> None:
    p = tmp_path / "limits.csv"
    p.write_text(LIMITS_CSV)
    limits = load_limits(p)
    net = _limits_network()
    deps = deposit_limit_findings(net, limits)
    trs = transfer_limit_findings(net, limits)
    assert [(f.rule, f.account, f.movements, f.value, f.threshold) for f in deps] == [
        ("deposit_limit", 0, (1,), 10_000.01, 10_000.0)]
    assert [(f.rule, f.account, f.movements, f.accounts, f.value, f.threshold) for f in trs] == [
        ("transfer_limit", 1, (5,), (0,), 5_000.01, 5_000.0)]
    assert deps[0].details == {"class": "personal", "currency": "USD", "excess": pytest.approx(0.01)}


def test_limits_csv_toml_and_records_agree(tmp_path: Path) -> None:
    (tmp_path / "l.csv").write_text(LIMITS_CSV)
    (tmp_path / "l.toml").write_text(LIMITS_TOML)
    a, b = load_limits(tmp_path / "l.csv"), load_limits(str(tmp_path / "l.toml"))
    c = Limits.from_records([
        {"class": "personal", "currency": "USD", "max_deposit": 10000, "max_transfer": ""},
        {"class": "business", "currency": "eur", "max_transfer": "5000"},
    ])
    for lim in (a, b, c):
        assert len(lim) == 2
        assert (lim.get("personal", "USD").max_deposit, lim.get("personal", "USD").max_transfer) == (10000.0, None)
        assert (lim.get("business", "EUR").max_deposit, lim.get("business", "EUR").max_transfer) == (None, 5000.0)
        assert lim.get("shell", "USD") is None
    # Column order is free, blank lines and # comments are skipped.
    (tmp_path / "r.csv").write_text("# policy 2024\nmax_transfer,max_deposit,currency,class\n\n5000,,EUR,business\n")
    assert load_limits(tmp_path / "r.csv").get("business", "EUR").max_transfer == 5000.0


H = "class,currency,max_deposit,max_transfer\n"


@pytest.mark.parametrize("name,text,message", [
    ("unknown column", "class,currency,max_deposit,max_transfer,note\n",
     "{p}:1: unknown column 'note' (expected class, currency, max_deposit, max_transfer)"),
    ("missing column", "class,currency,max_deposit\npersonal,USD,1\n", "{p}:1: missing column 'max_transfer'"),
    ("duplicate column", "class,currency,max_deposit,max_transfer,class\n", "{p}:1: duplicate column 'class'"),
    ("non-numeric", H + "personal,USD,100,200\nbusiness,EUR,ten,\n", "{p}:3: max_deposit 'ten' is not a number"),
    ("nan", H + "personal,USD,nan,\n", "{p}:2: max_deposit 'nan' is not a number"),
    ("negative", H + "personal,USD,,-5\n", "{p}:2: max_transfer '-5' is negative"),
    ("duplicate pair", H + "personal,USD,1,2\nbusiness,USD,1,2\npersonal,USD,3,4\n",
     "{p}:4: duplicate limits for class 'personal' and currency 'USD' (first at {p}:2)"),
    ("empty file", "", "{p}:1: empty limits file (expected the header class,currency,max_deposit,max_transfer)"),
    ("blank file", "\n\n", "{p}:1: empty limits file (expected the header class,currency,max_deposit,max_transfer)"),
    ("header only", H, "{p}:2: no limits after the header"),
    ("field count", H + "personal,USD,1\n", "{p}:2: expected 4 fields, got 3"),
    ("empty class", H + ",USD,1,2\n", "{p}:2: class must be a non-empty string"),
    ("unknown currency", H + "personal,UDS,1,2\n", "{p}:2: unknown currency 'UDS'"),
])
def test_limits_csv_errors(tmp_path: Path, name: str, text: str, message: str) -> None:
    p = tmp_path / "limits.csv"
    p.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_limits(p)
    assert str(err.value) == message.format(p=p)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("name,text,message", [
    ("non-numeric", '[[limits]]\nclass = "personal"\ncurrency = "USD"\nmax_deposit = "lots"\n',
     "{p}:4: max_deposit 'lots' is not a number"),
    ("negative", '[[limits]]\nclass = "a"\ncurrency = "USD"\n\n[[limits]]\nclass = "b"\ncurrency = "USD"\nmax_transfer = -1\n',
     "{p}:8: max_transfer '-1' is negative"),
    ("boolean", '[[limits]]\nclass = "a"\ncurrency = "USD"\nmax_transfer = true\n',
     "{p}:4: max_transfer 'True' is not a number"),
    ("unknown key", '[[limits]]\nclass = "a"\ncurrency = "USD"\ncap = 1\n',
     "{p}:4: unknown key 'cap' (expected class, currency, max_deposit, max_transfer)"),
    ("missing key", '[[limits]]\nclass = "a"\nmax_deposit = 1\n', "{p}:1: missing key 'currency'"),
    ("duplicate pair", '[[limits]]\nclass = "a"\ncurrency = "USD"\n[[limits]]\nclass = "a"\ncurrency = "USD"\n',
     "{p}:4: duplicate limits for class 'a' and currency 'USD' (first at {p}:1)"),
    ("unknown table", '[[limit]]\nclass = "a"\n', "{p}:1: unknown key 'limit' (expected [[limits]] tables)"),
    ("empty file", "", "{p}:1: empty limits file (expected [[limits]] tables)"),
    ("invalid toml", '[[limits]]\nclass = "a\n', "{p}:2: invalid TOML: Illegal character '\\n'"),
])
def test_limits_toml_errors(tmp_path: Path, name: str, text: str, message: str) -> None:
    p = tmp_path / "limits.toml"
    p.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_limits(p)
    assert str(err.value) == message.format(p=p)


def test_limits_records_and_missing_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        Limits.from_records([{"class": "a", "currency": "USD"}, {"class": "b", "currency": "USD", "max_deposit": -2}],
                            source="aml.toml")
    assert str(err.value) == "aml.toml: limits[1]: max_deposit '-2' is negative"
    with pytest.raises(ConfigError) as err:
        Limits.from_records([], source="aml.toml")
    assert str(err.value) == "aml.toml: no limits given"
    missing = tmp_path / "nope.csv"
    with pytest.raises(ConfigError) as err:
        load_limits(missing)
    assert str(err.value) == f"{missing}: cannot read limits file (No such file or directory)"


# =========================================================================== structuring


def _struct(deposits: list[dict], accounts: list[dict] | None = None, **params: object) -> list:
    accounts = accounts or [{"id": "A"}]
    return structuring_findings(Network.from_rows(accounts, deposits), StructuringParams(**params))


def test_structuring_window_just_inside() -> None:
    last = T0 + 7 * DAY - 60  # 6 days 23:59 after the first
    (f,) = _struct([dep(0, "A", 9000.0, T0), dep(1, "A", 9100.0, T0 + 3 * DAY), dep(2, "A", 9200.0, last)])
    assert f.rule == "structuring" and f.account == 0 and f.movements == (0, 1, 2) and f.accounts == ()
    assert f.value == pytest.approx(27_300.0) and f.threshold == 10_000.0 and f.window == (T0, last)
    assert f.details == {"count": 3, "customer": None, "band_usd": [8000.0, 10_000.0],
                         "band_deposits": 3, "reported_deposits": 0}
    assert f.score == 1.0


def test_structuring_window_just_outside() -> None:
    assert _struct([dep(0, "A", 9000.0, T0), dep(1, "A", 9100.0, T0 + 3 * DAY),
                    dep(2, "A", 9200.0, T0 + 7 * DAY + 1)]) == []
    # Exactly seven days is still inside the window.
    assert len(_struct([dep(0, "A", 9000.0, T0), dep(1, "A", 9100.0, T0 + DAY), dep(2, "A", 9200.0, T0 + 7 * DAY)])) == 1


def test_structuring_deposit_at_threshold_is_not_counted() -> None:
    assert _struct([dep(0, "A", 9000.0, T0), dep(1, "A", 9500.0, T0 + DAY), dep(2, "A", 10_000.0, T0 + 2 * DAY)]) == []
    # ... nor is one below x*T; with a third in-band deposit the run is found without them.
    (f,) = _struct([dep(0, "A", 9000.0, T0), dep(1, "A", 10_000.0, T0 + DAY), dep(2, "A", 7_999.99, T0 + DAY),
                    dep(3, "A", 9500.0, T0 + 2 * DAY), dep(4, "A", 8000.0, T0 + 3 * DAY)])
    assert f.movements == (0, 3, 4) and f.details["count"] == 3


def test_structuring_threshold_converted_to_each_currency() -> None:
    # T in EUR = 10000 / 1.08 = 9259.26 and x*T = 7407.41.
    accounts = [{"id": "A", "currency": "EUR"}]
    (f,) = _struct([dep(0, "A", 9000.0, T0, "USD"), dep(1, "A", 9000.0, T0 + DAY, "EUR"),
                    dep(2, "A", 7500.0, T0 + 2 * DAY, "EUR")], accounts)
    assert f.movements == (0, 1, 2) and f.value == pytest.approx(9000.0 + 9000 * 1.08 + 7500 * 1.08)
    # 9300 EUR is at or above T in EUR (reportable), although 9300 < 10000.
    assert _struct([dep(0, "A", 9000.0, T0, "USD"), dep(1, "A", 9300.0, T0 + DAY, "EUR"),
                    dep(2, "A", 7500.0, T0 + 2 * DAY, "EUR")], accounts) == []
    # 7500 USD is below x*T in USD, so this run lacks a third deposit.
    assert _struct([dep(0, "A", 9000.0, T0, "USD"), dep(1, "A", 9000.0, T0 + DAY, "EUR"),
                    dep(2, "A", 7500.0, T0 + 2 * DAY, "USD")], accounts) == []


def test_structuring_sum_must_reach_threshold() -> None:
    # With x = 0.3 three in-band deposits can sum below T.
    under = [dep(i, "A", 3333.33, T0 + i * DAY) for i in range(3)]
    assert _struct(under, fraction=0.3) == []
    (f,) = _struct([dep(i, "A", 3333.34, T0 + i * DAY) for i in range(3)], fraction=0.3)
    assert f.value == pytest.approx(10_000.02)
    # A fourth deposit inside the window lifts the sum over T.
    assert len(_struct(under + [dep(3, "A", 3333.33, T0 + 3 * DAY)], fraction=0.3)) == 1


def test_structuring_over_one_customers_accounts() -> None:
    deposits = [dep(0, "A1", 9000.0, T0), dep(1, "A2", 9100.0, T0 + DAY), dep(2, "A1", 9200.0, T0 + 2 * DAY)]
    same = [{"id": "A1", "customer": "C1"}, {"id": "A2", "customer": "C1"}, {"id": "Z", "customer": "C2"}]
    (f,) = _struct(deposits, same)
    assert f.account == 0 and f.accounts == (1,) and f.movements == (0, 1, 2)
    assert f.details["customer"] == "C1" and f.details["count"] == 3
    # Without a shared customer each account has too few deposits.
    assert _struct(deposits, [{"id": "A1"}, {"id": "A2"}]) == []
    assert _struct(deposits, [{"id": "A1", "customer": "C1"}, {"id": "A2", "customer": "C2"}]) == []


def test_structuring_overlapping_windows_merge_into_one_finding() -> None:
    run = [dep(i, "A", 9000.0 + i, T0 + i * DAY) for i in range(6)]  # days 0..5: four overlapping windows
    later = [dep(10 + i, "A", 9000.0, T0 + (30 + i) * DAY) for i in range(3)]
    found = _struct(run + later)
    assert [f.movements for f in found] == [(0, 1, 2, 3, 4, 5), (6, 7, 8)]
    assert found[0].details["count"] == 6 and found[0].window == (T0, T0 + 5 * DAY)
    # Days 0,1,2 and 8,9,10 qualify separately; a stray deposit on day 5 joins neither run on its own.
    found = _struct([dep(i, "A", 9000.0, T0 + d * DAY) for i, d in enumerate([0, 1, 2, 5, 8, 9, 10])], window_seconds=2 * DAY)
    assert [f.movements for f in found] == [(0, 1, 2), (4, 5, 6)]


def test_structuring_channels_filter() -> None:
    deposits = [dep(0, "A", 9000.0, T0), dep(1, "A", 9000.0, T0 + 1, channel="cheque"), dep(2, "A", 9000.0, T0 + 2)]
    assert len(_struct(deposits)) == 1
    assert _struct(deposits, channels=("cash",)) == []


def _structuring_oracle(net: Network, p: StructuringParams) -> list[tuple[int, ...]]:
    """Every window tried by brute force, overlapping qualifying windows merged."""
    mov, acc = net.movements, net.accounts
    groups: dict[object, list[tuple[int, int, float]]] = {}
    for m in range(len(mov)):
        if mov.kind[m] != DEPOSIT:
            continue
        rate = USD_RATES.get(mov.currency[m], 1.0)
        t_cur = p.threshold_usd / rate
        if not p.fraction * t_cur <= mov.amount[m] < t_cur:
            continue
        a = int(mov.dst[m])
        key = ("c", acc.customer[a]) if acc.customer[a] else ("a", a)
        groups.setdefault(key, []).append((int(mov.ts[m]), m, mov.amount[m] * rate))
    out = []
    for key in groups:
        dl = sorted(groups[key])
        windows = []
        for i in range(len(dl)):
            for j in range(i, len(dl)):
                if dl[j][0] - dl[i][0] > p.window_seconds:
                    break
                if j - i + 1 >= p.min_deposits and math.fsum(d[2] for d in dl[i:j + 1]) >= p.threshold_usd:
                    windows.append((i, j))
        merged: list[list[int]] = []
        for i, j in windows:
            if merged and i <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], j)
            else:
                merged.append([i, j])
        out += [tuple(dl[k][1] for k in range(i, j + 1)) for i, j in merged]
    return sorted(out)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 20 * DAY), st.integers(200_000, 1_050_000), st.sampled_from(["USD", "EUR"])),
        min_size=0, max_size=25,
    ),
    st.sampled_from([("", "", "", ""), ("c", "c", "", ""), ("c", "d", "d", "")]),
    st.integers(2, 4),
    st.sampled_from([0.3, 0.5, 0.8]),
    st.sampled_from([DAY, 3 * DAY, 7 * DAY]),
)
def test_structuring_matches_brute_force(rows, customers, k, x, window) -> None:
    accounts = [{"id": f"A{i}", "customer": c} for i, c in enumerate(customers)]
    deposits = [dep(n, f"A{a}", cents / 100.0, T0 + t, cur) for n, (a, t, cents, cur) in enumerate(rows)]
    net = Network.from_rows(accounts, deposits)
    p = StructuringParams(fraction=x, min_deposits=k, window_seconds=window)
    got = sorted(f.movements for f in structuring_findings(net, p))
    assert got == _structuring_oracle(net, p)


# =========================================================================== capital


def _capital_net(incoming: float, capital: float | None, currency: str = "USD") -> Network:
    accounts = [{"id": "F", "class": "business", "currency": currency, "registered_capital": capital}, {"id": "P"}]
    moves = [
        dep(0, "F", incoming / 2, T0, currency="USD"),
        tr(1, "P", "F", incoming / 2, T0 + DAY),
        tr(2, "F", "P", 1e9, T0 + 2 * DAY),  # outgoing: not turnover
        tr(3, "F", "F", 1e9, T0 + 2 * DAY),  # to itself: not turnover
    ]
    return Network.from_rows(accounts, moves)


def test_capital_ratio_just_above_equal_and_without_capital() -> None:
    (f,) = capital_findings(_capital_net(10_000.02, 1000.0))
    assert f.rule == "capital_mismatch" and f.account == 0 and f.threshold == 10.0
    assert f.value == pytest.approx(10.00002) and f.details["turnover"] == pytest.approx(10_000.02)
    assert f.details["capital"] == 1000.0 and f.movements == (0, 1) and f.window == (T0, T0 + DAY)
    assert capital_findings(_capital_net(10_000.0, 1000.0)) == []  # equal: not above
    assert capital_findings(_capital_net(1e9, None)) == []  # no capital declared
    assert capital_findings(_capital_net(1e9, 0.0)) == []  # zero capital


def test_capital_converted_to_usd_and_period() -> None:
    # 1000 EUR = 1080 USD: 10,800 USD turnover is exactly 10x, 10,801 is above.
    assert capital_findings(_capital_net(10_800.0, 1000.0, "EUR")) == []
    assert len(capital_findings(_capital_net(10_801.0, 1000.0, "EUR"))) == 1
    net = _capital_net(20_000.0, 1000.0)
    # The period ends at the latest movement (T0 + 2 days); 365 days back still includes T0.
    assert len(capital_findings(net)) == 1
    only_second = CapitalParams(as_of=T0 + DAY, period_days=0.5)  # (T0 + 12h, T0 + 1d]: only the transfer
    assert turnover(net, only_second)[0] == pytest.approx(10_000.0)
    assert capital_findings(net, only_second) == []
    assert capital_findings(net, CapitalParams(multiple=25.0)) == []
    assert len(capital_findings(net, CapitalParams(period_days=None))) == 1


# =========================================================================== entry point


def _planted_network(n_acc: int, n_mov: int, seed: int) -> Network:
    """A random network plus a few planted structuring runs."""
    net = _random_network(n_acc, n_mov, seed)
    mov = net.movements
    rng = np.random.default_rng(seed + 1)
    k = 60
    first = rng.integers(0, n_acc, k // 3).repeat(3)
    ts = (T0 + rng.integers(0, 300 * DAY, k // 3).repeat(3) + np.tile([0, DAY, 2 * DAY], k // 3)).astype(np.int64)
    planted = MovementFrame(
        ids=np.array([f"s{i}" for i in range(k)], dtype=object),
        kind=np.full(k, DEPOSIT, dtype=np.int8),
        src=np.full(k, -1, dtype=np.int64),
        dst=first.astype(np.int64),
        amount=rng.uniform(8100.0, 9900.0, k).round(2),
        currency=np.full(k, "USD", dtype=object),
        ts=ts,
        channel=np.full(k, "cash", dtype=object),
    )
    both = MovementFrame(**{f: np.concatenate([getattr(mov, f), getattr(planted, f)])
                            for f in ("ids", "kind", "src", "dst", "amount", "currency", "ts", "channel")})
    return Network(net.accounts, both)


def test_run_amount_rules_counts_every_rule_and_is_deterministic() -> None:
    net = _planted_network(2000, 40_000, seed=3)
    limits = Limits.from_records([{"class": c, "currency": "USD", "max_deposit": 9000, "max_transfer": 20000}
                                  for c in ("personal", "business")])
    params = AmountParams(limits=limits, log_scale=True)
    a, b = run_amount_rules(net, params), run_amount_rules(net, params)
    assert isinstance(a, AmountResult) and isinstance(a.bounds, AccountBounds)
    assert set(a.counts) == set(RULE_IDS) and set(a.seconds) == set(RULE_IDS) | {"prepare"}
    assert all(a.counts[r] > 0 for r in RULE_IDS), a.counts
    assert a.counts["structuring"] >= 15  # planted runs (a few may merge or fall under other customers)
    assert a.findings == b.findings and a.counts == b.counts
    np.testing.assert_array_equal(a.bounds.bound, b.bounds.bound)
    assert [f.rule for f in a.findings] == sorted((f.rule for f in a.findings), key=RULE_IDS.index)
    assert len(a.by_rule("capital_mismatch")) == a.counts["capital_mismatch"]

    none = run_amount_rules(Network.from_rows([{"id": "A"}], []))
    assert none.counts == {r: 0 for r in RULE_IDS} and none.findings == []
    only = run_amount_rules(net, AmountParams(rules=("structuring",)))
    assert only.bounds is None and only.counts["large_amount"] == 0
    assert only.by_rule("structuring") == a.by_rule("structuring")


def test_amount_params_from_mapping(tmp_path: Path) -> None:
    (tmp_path / "limits.csv").write_text(LIMITS_CSV)
    p = AmountParams.from_mapping(
        {"alpha": 0.01, "bound": "mean", "limits": "limits.csv",
         "structuring": {"window_days": 2, "channels": ["cash"]}, "capital": {"multiple": 5}},
        base_dir=tmp_path,
    )
    assert p.alpha == 0.01 and p.bound == "mean" and p.limits is not None and len(p.limits) == 2
    assert p.structuring.window_seconds == 2 * DAY and p.structuring.channels == ("cash",)
    assert p.capital.multiple == 5
    with pytest.raises(ConfigError) as err:
        AmountParams.from_mapping({"structuring": {"window": 2}})
    assert str(err.value) == ("aml.toml [amounts].structuring: unknown key 'window' (expected one of channels, "
                              "fraction, min_deposits, threshold_usd, window_days)")
    for bad, msg in [
        ({"rules": ("fan_in",)}, "unknown amount rule 'fan_in'"),
        ({"usd_rates": {"EUR": 0}}, "usd_rates: rate for 'EUR' must be a positive number, got 0"),
        ({"min_history": -1}, "min_history must be a positive integer, got -1"),
        ({"bound": "max"}, "bound must be one of prediction, mean, got 'max'"),
    ]:
        with pytest.raises(ConfigError, match=msg):
            AmountParams(**bad)
    with pytest.raises(ConfigError, match=r"structuring.fraction must be in \[0, 1\), got 1.0"):
        StructuringParams(fraction=1.0)
    with pytest.raises(ConfigError, match="capital.multiple must be a positive number"):
        CapitalParams(multiple=0)


# =========================================================================== benchmark


@pytest.mark.skipif(not os.environ.get("AML_BENCH"), reason="set AML_BENCH=1 to run the 2.1M-movement benchmark")
def test_benchmark_2m_movements() -> None:
    import resource
    import threading

    import psutil

    n_acc, n_mov = 100_000, 2_100_000
    t = time.perf_counter()
    net = _planted_network(n_acc, n_mov, seed=2024)
    build = time.perf_counter() - t
    limits = Limits.from_records([{"class": c, "currency": m, "max_deposit": 20_000, "max_transfer": 50_000}
                                  for c in ("personal", "business", "merchant") for m in ("USD", "EUR", "GBP")])
    proc = psutil.Process()
    base = proc.memory_info().rss
    peak, done = [base], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], proc.memory_info().rss)
            done.wait(0.002)

    th = threading.Thread(target=sample)
    th.start()
    t = time.perf_counter()
    res = run_amount_rules(net, AmountParams(limits=limits))
    elapsed = time.perf_counter() - t
    done.set()
    th.join()
    mb = 2**20
    print(
        f"\nbenchmark: {n_mov:,} movements, {n_acc:,} accounts (built in {build:.1f} s)"
        f"\nrun_amount_rules: {elapsed:.2f} s; per rule {({k: round(v, 3) for k, v in res.seconds.items()})}"
        f"\nfindings {res.counts}"
        f"\nRSS before {base / mb:.0f} MB, peak during run {peak[0] / mb:.0f} MB "
        f"(+{(peak[0] - base) / mb:.0f} MB); process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    assert elapsed < 20.0


def test_structuring_score_falls_with_reported_deposits() -> None:
    # A: three deposits just below T in a week (a hit) and none at or above T: score 1.
    # B: the same three, plus four in-band deposits months apart (7 in the band) and two of
    #    12,000 reported: score 1 - 2/7. C: the same hit and three deposits above T: 1 - 3/3 -> 0.
    # Deposits of another account (A's 15,000 to D) do not count for A.
    week = [9000.0, 9100.0, 9200.0]
    rows: list[dict] = []
    i = 0
    for acc in ("A", "B", "C"):
        for k, amt in enumerate(week):
            rows.append(dep(i, acc, amt, T0 + k * DAY)); i += 1
    for k in range(4):
        rows.append(dep(i, "B", 8500.0, T0 + (30 + 20 * k) * DAY)); i += 1
    for k in range(2):
        rows.append(dep(i, "B", 12_000.0, T0 + (40 + 20 * k) * DAY)); i += 1
    for k in range(3):
        rows.append(dep(i, "C", 10_000.0 + k, T0 + (50 + 20 * k) * DAY)); i += 1
    rows.append(dep(i, "D", 15_000.0, T0))
    res = structuring_findings(Network.from_rows([{"id": a} for a in "ABCD"], rows), StructuringParams())
    by = {f.account: f for f in res}
    assert set(by) == {0, 1, 2}
    assert by[0].score == 1.0 and by[0].details["reported_deposits"] == 0
    assert by[1].details["band_deposits"] == 7 and by[1].details["reported_deposits"] == 2
    assert by[1].score == pytest.approx(1 - 2 / 7)
    assert by[2].score == 0.0
