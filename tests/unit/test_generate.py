"""Tests of the synthetic data generator (toolkit.generate).

The typology checks re-derive each claimed shape from the *written files* with NetworkX, so they
test what a loader will actually read, not the generator's internal state. Sizes are small
(2,000-20,000 transfers) so the module runs in seconds.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import ks_2samp

from loaders import formats as F
from toolkit.currency import AMLWORLD_NAMES, USD_RATES
from toolkit.errors import ConfigError
from toolkit.generate import (
    DECOY_SHAPES,
    FAN_MIN,
    FEE_RANGE,
    FRONT_MULTIPLE,
    LAYER_WINDOW,
    REPORTING_THRESHOLD_USD,
    STRUCTURING_FLOOR,
    STRUCTURING_WINDOW,
    TYPOLOGIES,
    GenerateResult,
    generate,
)

N = 20_000
FRACTION = 0.12  # high enough that every typology appears at this small size


# -- helpers ------------------------------------------------------------------------------------


def _digest(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def _ts(col: pd.Series) -> pd.Series:
    t = pd.to_datetime(col, format="%Y-%m-%dT%H:%M:%SZ", utc=True)
    return (t - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)


class Data:
    """A native dataset read back from disk."""

    def __init__(self, d: Path) -> None:
        self.dir = d
        self.acc = pd.read_csv(d / "accounts.csv", dtype=str, keep_default_na=False)
        mv = pd.read_csv(d / "movements.csv", dtype=str, keep_default_na=False)
        mv["amt"] = mv["amount"].astype(float)
        mv["usd"] = mv["amt"] * mv["currency"].map(USD_RATES)
        mv["t"] = _ts(mv["ts"])
        self.mv = mv
        self.alerts = pd.read_csv(d / "truth/alerts.csv", dtype=str, keep_default_na=False)
        self.decoys = pd.read_csv(d / "truth/decoys.csv", dtype=str, keep_default_na=False)
        self.by_id = mv.set_index("id")
        self.acc_by_id = self.acc.set_index("id")

    def alert_rows(self, typology: str) -> list[tuple[list[str], pd.DataFrame]]:
        out = []
        for _, a in self.alerts[self.alerts.typology == typology].iterrows():
            out.append((a.accounts.split(";"), self.by_id.loc[a.movements.split(";")]))
        return out

    def cls(self, acc_id: str) -> str:
        return self.acc_by_id.loc[acc_id, "class"]


def _transfer_graph(m: pd.DataFrame) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for mid, r in m[m.kind == "transfer"].iterrows():
        g.add_edge(r["from"], r["to"], t=int(r.t), usd=float(r.usd), id=mid)
    return g


@pytest.fixture(scope="module")
def medium(tmp_path_factory) -> tuple[GenerateResult, Data]:
    d = tmp_path_factory.mktemp("medium")
    res = generate(d, N, seed=7, laundering_fraction=FRACTION)
    return res, Data(d)


@pytest.fixture(scope="module")
def by_hardness(tmp_path_factory) -> dict[str, Data]:
    out = {}
    for h in ("low", "medium", "high"):
        d = tmp_path_factory.mktemp(h)
        generate(d, N, seed=11, laundering_fraction=0.05, hardness=h)
        out[h] = Data(d)
    return out


# -- determinism, counts, headers -------------------------------------------------------------


def test_same_seed_same_bytes_different_seed_different(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, 3_000, seed=5, laundering_fraction=0.05)
    generate(b, 3_000, seed=5, laundering_fraction=0.05)
    generate(c, 3_000, seed=6, laundering_fraction=0.05)
    da, db, dc = _digest(a), _digest(b), _digest(c)
    assert da == db
    assert set(da) == set(dc)
    assert da["movements.csv"] != dc["movements.csv"]
    assert da["accounts.csv"] != dc["accounts.csv"]


@pytest.mark.parametrize("fmt", ["amlsim", "amlworld"])
def test_other_layouts_are_deterministic(tmp_path, fmt):
    generate(tmp_path / "a", 2_000, seed=3, fmt=fmt, laundering_fraction=0.05)
    generate(tmp_path / "b", 2_000, seed=3, fmt=fmt, laundering_fraction=0.05)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")


def test_exact_transfer_count_and_result(medium):
    res, data = medium
    kinds = data.mv.kind.value_counts()
    assert kinds["transfer"] == N == res.transfers
    assert kinds["deposit"] == res.deposits > 0
    assert kinds["withdrawal"] == res.withdrawals > 0
    assert len(data.acc) == res.accounts
    assert res.alerts == len(data.alerts) and res.decoys == len(data.decoys)
    assert res.laundering_accounts == int(
        ((data.acc.is_laundering == "true") & (data.acc["class"] != "external")).sum())
    assert {p.name for p in res.paths} == {"accounts.csv", "movements.csv", "alerts.csv",
                                            "decoys.csv"}
    assert res.seconds > 0


@pytest.mark.parametrize("n", [1_000, 2_000, 7_777])
def test_exact_count_at_small_sizes(tmp_path, n):
    res = generate(tmp_path, n, seed=1)
    mv = pacsv.read_csv(tmp_path / "movements.csv").to_pandas()
    assert (mv.kind == "transfer").sum() == n == res.transfers


def test_native_headers(medium):
    _, data = medium
    d = data.dir
    first = lambda p: (d / p).read_text().split("\n", 1)[0]  # noqa: E731
    assert first("accounts.csv") == ",".join(F.NATIVE_ACCOUNT_COLUMNS)
    assert first("movements.csv") == ",".join(F.NATIVE_MOVEMENT_COLUMNS)
    assert first("truth/alerts.csv") == ",".join(F.NATIVE_ALERT_COLUMNS)
    assert first("truth/decoys.csv") == ",".join(F.NATIVE_DECOY_COLUMNS)
    assert set(F.NATIVE_ACCOUNT_REQUIRED) | set(F.NATIVE_ACCOUNT_OPTIONAL) == set(
        F.NATIVE_ACCOUNT_COLUMNS)
    assert set(F.NATIVE_MOVEMENT_REQUIRED) | set(F.NATIVE_MOVEMENT_OPTIONAL) == set(
        F.NATIVE_MOVEMENT_COLUMNS)


def test_native_values_are_well_formed(medium):
    _, data = medium
    mv, acc = data.mv, data.acc
    assert mv.id.is_unique and acc.id.is_unique
    assert mv.amount.str.fullmatch(r"\d+\.\d{2}").all()
    assert mv.ts.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
    assert acc.opened.str.fullmatch(r"\d{4}-\d\d-\d\d").all()
    assert set(mv.kind) == set(F.NATIVE_KINDS)
    assert set(mv.channel) <= set(F.NATIVE_CHANNELS)
    assert {"cash", "card", "ach", "wire", "cross_border", "crypto", "purchase"} <= set(mv.channel)
    assert set(acc["class"]) == set(F.NATIVE_CLASSES)
    assert set(mv.is_laundering) == {"true", "false"}
    assert (mv.amt > 0).all()
    dep, wd, tr = mv.kind == "deposit", mv.kind == "withdrawal", mv.kind == "transfer"
    assert (mv["from"][dep] == "").all() and (mv["to"][dep] != "").all()
    assert (mv["to"][wd] == "").all() and (mv["from"][wd] != "").all()
    assert ((mv["from"][tr] != "") & (mv["to"][tr] != "") & (mv["from"][tr] != mv["to"][tr])).all()
    assert set(mv["from"][tr]) | set(mv["to"][tr]) <= set(acc.id)
    # within the period
    t0 = (pd.Timestamp("2025-01-01", tz="UTC") - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(
        seconds=1)
    assert mv.t.min() >= t0 and mv.t.max() < t0 + 180 * 86_400
    # a transfer is in the sender's account currency
    cur = acc.set_index("id").currency
    assert (mv.currency[tr] == mv["from"][tr].map(cur)).all()
    assert (mv.currency[dep] == mv["to"][dep].map(cur)).all()
    assert set(mv.currency) <= set(USD_RATES) and (mv.currency == "USD").mean() > 0.8
    # honest rows carry no truth, laundering rows all of it
    honest = mv.is_laundering == "false"
    assert (mv.typology[honest] == "").all() and (mv.alert_id[honest] == "").all()
    assert mv.alert_id[~honest].str.fullmatch(r"A\d{6}").all()


def test_population_realism(medium):
    _, data = medium
    acc, mv = data.acc, data.mv
    firms = acc["class"].isin(["business", "merchant", "shell", "msb"])
    assert (acc.registered_capital[firms] != "").all()
    assert (acc.registered_capital[~firms] == "").all()
    ext = acc["class"] == "external"
    assert (acc.country[ext] != "US").all() and (acc.country[~ext] == "US").all()
    # about one account per 20 transfers, mostly personal, a few honest shells
    assert 0.8 * N / 20 <= len(acc) <= 1.2 * N / 20
    assert (acc["class"] == "personal").mean() > 0.6
    honest_shells = (acc["class"] == "shell") & (acc.is_laundering == "false")
    assert 1 <= honest_shells.sum() <= 0.01 * len(acc)
    # customers with several accounts exist
    per_customer = acc[acc.customer != ""].groupby("customer").size()
    assert (per_customer >= 2).sum() > 10
    # heavy-tailed in-degree: hubs far above the median
    tr = mv[mv.kind == "transfer"]
    indeg = tr.groupby("to")["from"].nunique()
    assert indeg.max() > 20 * indeg.median()
    # card payments are small, invoices between firms larger
    cls = acc.set_index("id")["class"]
    card = tr[tr.channel == "card"].usd.median()
    b2b = tr[(tr["from"].map(cls) == "business") & (tr["to"].map(cls) == "business")].usd.median()
    assert card < 100 < 1_000 < b2b


# -- the typologies -----------------------------------------------------------------------------


def test_every_typology_injected_and_labelled(medium):
    _, data = medium
    assert set(data.alerts.typology) == set(TYPOLOGIES)
    assert data.alerts.alert_id.is_unique
    lab = data.mv[data.mv.is_laundering == "true"]
    ids = {m for ms in data.alerts.movements for m in ms.split(";")}
    assert ids == set(lab.id)
    for _, a in data.alerts.iterrows():
        rows = data.by_id.loc[a.movements.split(";")]
        assert (rows.alert_id == a.alert_id).all() and (rows.typology == a.typology).all()
        accs = a.accounts.split(";")
        flagged = data.acc_by_id.loc[accs]
        assert (flagged.is_laundering == "true").all()
        # money enters by placement and leaves by integration
        cls = rows[["from", "to"]].replace(data.acc_by_id["class"].to_dict())
        ins = rows[(rows.kind == "deposit") | (cls["from"] == "external")]
        outs = rows[(rows.kind == "withdrawal") | (rows.channel == "purchase")
                    | (cls["to"] == "external")]
        assert len(ins) and len(outs), a.alert_id


def _check_balances(data: Data) -> None:
    """Time-respecting flows: inside an alert, no bank account ever pays out more than it has
    received so far (small tolerance for cent rounding)."""
    for _, a in data.alerts.iterrows():
        rows = data.by_id.loc[a.movements.split(";")]
        for acc in a.accounts.split(";"):
            if data.cls(acc) == "external":
                continue
            inn = rows[rows["to"] == acc][["t", "usd"]].assign(sign=1.0)
            out = rows[rows["from"] == acc][["t", "usd"]].assign(sign=-1.0)
            assert len(inn) + len(out), (a.alert_id, acc)  # every member moves money
            ev = pd.concat([inn, out]).sort_values(["t", "sign"], ascending=[True, False])
            balance = (ev.usd * ev.sign).cumsum()
            assert balance.min() >= -0.05, (a.alert_id, acc)


def test_money_never_leaves_before_it_arrives(medium):
    _check_balances(medium[1])


def test_layering_instances_fit_30_days(medium):
    _, data = medium
    for _, a in data.alerts[data.alerts.typology != "front_business"].iterrows():
        t = data.by_id.loc[a.movements.split(";")].t
        assert t.max() - t.min() <= LAYER_WINDOW, a.alert_id


def test_fan_in_and_fan_out(medium):
    _, data = medium
    for typ, degree in (("fan_in", "in_degree"), ("fan_out", "out_degree")):
        insts = data.alert_rows(typ)
        assert insts
        for accs, rows in insts:
            g = nx.DiGraph(_transfer_graph(rows))
            g.remove_nodes_from([n for n in list(g) if data.cls(n) == "external"])
            assert max(d for _, d in getattr(g, degree)()) >= FAN_MIN


def _time_ordered_cycle(g: nx.MultiDiGraph, cycle: list[str]) -> bool:
    edges = [(cycle[i], cycle[(i + 1) % len(cycle)]) for i in range(len(cycle))]
    for r in range(len(edges)):
        rot = edges[r:] + edges[:r]
        last, ok = -np.inf, True
        for u, v in rot:
            later = [d["t"] for d in g.get_edge_data(u, v).values() if d["t"] >= last]
            if not later:
                ok = False
                break
            last = min(later)
        if ok:
            return True
    return False


def test_cycles_close_in_time_order(medium):
    _, data = medium
    insts = data.alert_rows("cycle")
    assert insts
    for accs, rows in insts:
        g = _transfer_graph(rows)
        cycles = [c for c in nx.simple_cycles(nx.DiGraph(g)) if len(c) >= 3]
        assert any(_time_ordered_cycle(g, c) for c in cycles)


def test_scatter_gather_source_intermediates_sink(medium):
    _, data = medium
    insts = data.alert_rows("scatter_gather")
    assert insts
    for accs, rows in insts:
        g = _transfer_graph(rows)
        src, sink = accs[0], [a for a in accs if data.cls(a) != "external"][-1]
        mids = [m for m in g.successors(src) if g.has_edge(m, sink)]
        assert len(mids) >= 3
        for m in mids:
            t_in = min(d["t"] for d in g.get_edge_data(src, m).values())
            t_out = max(d["t"] for d in g.get_edge_data(m, sink).values())
            assert t_in <= t_out


def test_gather_scatter_hub(medium):
    _, data = medium
    insts = data.alert_rows("gather_scatter")
    assert insts
    for accs, rows in insts:
        g = nx.DiGraph(_transfer_graph(rows))
        bank = [n for n in g if data.cls(n) != "external"]
        hub = max(bank, key=lambda n: min(g.in_degree(n), g.out_degree(n)))
        assert g.in_degree(hub) >= 3 and g.out_degree(hub) >= 3
        mg = _transfer_graph(rows)
        last_in = max(d["t"] for _, _, d in mg.in_edges(hub, data=True))
        first_out = min(d["t"] for _, _, d in mg.out_edges(hub, data=True))
        assert last_in <= first_out


def test_bipartite(medium):
    _, data = medium
    insts = data.alert_rows("bipartite")
    assert insts
    for accs, rows in insts:
        g = nx.DiGraph(_transfer_graph(rows))
        g.remove_nodes_from([n for n in list(g) if data.cls(n) == "external"])
        senders = {u for u, _ in g.edges}
        receivers = {v for _, v in g.edges}
        assert not senders & receivers
        assert len(senders) >= 3 and len(receivers) >= 3
        assert g.number_of_edges() > max(len(senders), len(receivers))


def test_chains_hop_through_shells_carrying_most(medium):
    _, data = medium
    insts = data.alert_rows("chain")
    assert insts
    lo = 1 - FEE_RANGE[1] - 0.011  # fee plus cent / round-figure flooring
    for accs, rows in insts:
        assert sum(data.cls(a) == "shell" for a in accs) >= 2
        g = _transfer_graph(rows)
        hops = 0
        for n in g:
            if g.in_degree(n) and g.out_degree(n):
                t_in = [d["t"] for _, _, d in g.in_edges(n, data=True)]
                t_out = [d["t"] for _, _, d in g.out_edges(n, data=True)]
                v_in = sum(d["usd"] for _, _, d in g.in_edges(n, data=True))
                v_out = sum(d["usd"] for _, _, d in g.out_edges(n, data=True))
                if data.cls(n) == "external":  # an offshore detour: one in, one out
                    continue
                assert max(t_in) <= min(t_out)
                assert lo <= v_out / v_in <= 1.0 + 1e-9, (n, v_out, v_in)
                hops += 1
        assert hops >= 2
        # a path from the entry through the shells, in time order
        path = nx.DiGraph(g)
        shells = [a for a in accs if data.cls(a) == "shell"]
        assert nx.has_path(path, accs[0], shells[-1])


def _check_structuring(data: Data) -> int:
    insts = data.alert_rows("structuring")
    for accs, rows in insts:
        dep = rows[rows.kind == "deposit"]
        assert len(dep) >= 3
        limit = REPORTING_THRESHOLD_USD / dep.currency.map(USD_RATES)
        assert (dep.amt >= STRUCTURING_FLOOR * limit - 1e-9).all()
        assert (dep.amt < limit).all()
        assert dep.t.max() - dep.t.min() < STRUCTURING_WINDOW
        assert dep.usd.sum() >= REPORTING_THRESHOLD_USD
        owners = {data.acc_by_id.loc[a, "customer"] for a in dep["to"]}
        assert len(owners) == 1  # one customer, possibly several accounts
    return len(insts)


def test_structuring_below_threshold_within_a_week(medium):
    assert _check_structuring(medium[1]) > 0


def test_front_business_turnover_far_above_capital(medium):
    _, data = medium
    insts = data.alert_rows("front_business")
    assert insts
    mv = data.mv
    for accs, rows in insts:
        front = accs[0]
        row = data.acc_by_id.loc[front]
        assert row["class"] == "business"
        capital_usd = float(row.registered_capital) * USD_RATES[row.currency]
        turnover = mv[mv["to"] == front].usd.sum()
        assert turnover > FRONT_MULTIPLE * capital_usd
        assert (rows["to"] == front).sum() >= 10  # fed by many inflows


def test_laundering_fraction_near_requested(tmp_path):
    res = generate(tmp_path, 100_000, seed=2)  # default fraction 1 %
    acc = pacsv.read_csv(tmp_path / "accounts.csv").to_pandas()
    bank = acc[acc["class"] != "external"]
    frac = bank.is_laundering.mean()
    assert 0.009 <= frac <= 0.013, frac
    assert res.laundering_accounts == bank.is_laundering.sum()


@pytest.mark.parametrize("hardness", ["low", "medium", "high"])
def test_short_period_keeps_everything_inside(tmp_path, hardness):
    generate(tmp_path, 3_000, seed=3, days=7, start="2024-02-27", hardness=hardness,
             laundering_fraction=0.1)
    data = Data(tmp_path)
    t0 = (pd.Timestamp("2024-02-27", tz="UTC") - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(
        seconds=1)
    assert data.mv.t.min() >= t0 and data.mv.t.max() < t0 + 7 * 86_400
    _check_balances(data)
    _check_structuring(data)


def test_typology_subset(tmp_path):
    generate(tmp_path, 5_000, seed=4, typologies=["cycle", "structuring"],
             laundering_fraction=0.05)
    alerts = pd.read_csv(tmp_path / "truth/alerts.csv")
    assert set(alerts.typology) == {"cycle", "structuring"}


def test_zero_fraction_means_no_laundering(tmp_path):
    res = generate(tmp_path, 2_000, seed=4, laundering_fraction=0.0)
    assert res.alerts == 0 and res.laundering_accounts == 0
    mv = pacsv.read_csv(tmp_path / "movements.csv").to_pandas()
    assert not mv.is_laundering.any() and (mv.kind == "transfer").sum() == 2_000


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 100_000), hardness=st.sampled_from(["low", "medium", "high"]),
       fraction=st.sampled_from([0.02, 0.1]))
def test_invariants_for_any_seed(tmp_path_factory, seed, hardness, fraction):
    d = tmp_path_factory.mktemp("prop")
    res = generate(d, 2_500, seed=seed, hardness=hardness, laundering_fraction=fraction)
    data = Data(d)
    assert (data.mv.kind == "transfer").sum() == 2_500 == res.transfers
    assert data.mv.id.is_unique and data.acc.id.is_unique
    assert res.alerts >= 1
    _check_balances(data)
    _check_structuring(data)
    for _, dcy in data.decoys.iterrows():
        assert (data.by_id.loc[dcy.movements.split(";")].is_laundering == "false").all()


# -- decoys and hardness ------------------------------------------------------------------------


def test_decoys_are_honest_and_shaped(medium):
    _, data = medium
    assert len(data.decoys) > 0
    assert set(data.decoys["shape"]) <= set(DECOY_SHAPES)
    for _, d in data.decoys.iterrows():
        rows = data.by_id.loc[d.movements.split(";")]
        assert (rows.is_laundering == "false").all() and (rows.alert_id == "").all()
        accs = data.acc_by_id.loc[d.accounts.split(";")]
        assert (accs.is_laundering == "false").all()
        g = _transfer_graph(rows)
        if d["shape"] == "fan_in":
            assert max(dict(nx.DiGraph(g).in_degree()).values()) >= FAN_MIN
            target = d.accounts.split(";")[0]
            assert not (rows["from"] == target).any()  # the money does not move on
        elif d["shape"] == "cycle":
            cycles = list(nx.simple_cycles(nx.DiGraph(g)))
            assert any(_time_ordered_cycle(g, c) for c in cycles if len(c) >= 3)
        elif d["shape"] == "cash_business":
            dep = rows[rows.kind == "deposit"]
            limit = REPORTING_THRESHOLD_USD / dep.currency.map(USD_RATES)
            near = dep[(dep.amt >= STRUCTURING_FLOOR * limit) & (dep.amt < limit)].t.sort_values()
            assert (near.diff().dropna() > STRUCTURING_WINDOW).all()


def _ks(data: Data) -> float:
    tr = data.mv[data.mv.kind == "transfer"]
    lab = tr.is_laundering == "true"
    return float(ks_2samp(tr.usd[lab], tr.usd[~lab]).statistic)


def test_hardness_blends_amounts(by_hardness):
    ks = {h: _ks(d) for h, d in by_hardness.items()}
    assert ks["low"] > ks["medium"] > ks["high"]
    assert ks["low"] > 0.7 and ks["high"] < 0.4


def _hop_gaps(data: Data) -> np.ndarray:
    gaps = []
    for accs, rows in data.alert_rows("chain") + data.alert_rows("cycle"):
        t = np.sort(rows[rows.kind == "transfer"].t.to_numpy())
        gaps.extend(np.diff(t))
    return np.array(gaps)


def test_hardness_spreads_timing(by_hardness):
    med = {h: np.median(_hop_gaps(d)) for h, d in by_hardness.items()}
    assert med["low"] < 6 * 3600 < 86_400 < med["high"]
    assert med["low"] < med["medium"] < med["high"]


def test_hardness_decoys_and_camouflage(by_hardness):
    n_decoys = {h: len(d.decoys) / max(len(d.alerts), 1) for h, d in by_hardness.items()}
    assert n_decoys["low"] < n_decoys["medium"] < n_decoys["high"]

    def other_activity(data: Data) -> float:
        """Share of laundering bank accounts that also have honest movements."""
        mv = data.mv
        bad = data.acc[(data.acc.is_laundering == "true") & (data.acc["class"] != "external")].id
        honest = mv[mv.is_laundering == "false"]
        touched = set(honest["from"]) | set(honest["to"])
        return float(np.mean([a in touched for a in bad]))

    assert other_activity(by_hardness["low"]) == 0.0  # dedicated accounts at low
    assert other_activity(by_hardness["high"]) == 1.0  # camouflage on every account at high

    def shell_age_days(data: Data) -> float:
        """Median days between a laundering shell's opening and its first movement."""
        acc = data.acc[(data.acc["class"] == "shell") & (data.acc.is_laundering == "true")]
        mv = data.mv
        ages = []
        for _, a in acc.iterrows():
            first = mv[(mv["from"] == a.id) | (mv["to"] == a.id)].t.min()
            opened = (pd.Timestamp(a.opened, tz="UTC") - pd.Timestamp(0, tz="UTC")).days
            ages.append(first / 86_400 - opened)
        return float(np.median(ages))

    assert 0 < shell_age_days(by_hardness["low"]) <= 61 < shell_age_days(by_hardness["high"])


# -- other layouts --------------------------------------------------------------------------------


def test_amlsim_layout(tmp_path):
    res = generate(tmp_path, 5_000, seed=9, fmt="amlsim", laundering_fraction=0.05)
    first = lambda p: (tmp_path / p).read_text().split("\n", 1)[0].split(",")  # noqa: E731
    assert first(F.AMLSIM_ACCOUNTS_FILE) == list(F.AMLSIM_ACCOUNT_COLUMNS)
    assert first(F.AMLSIM_TRANSACTIONS_FILE) == list(F.AMLSIM_TRANSACTION_COLUMNS)
    assert first(F.AMLSIM_CASH_TRANSACTIONS_FILE) == list(F.AMLSIM_TRANSACTION_COLUMNS)
    assert first(F.AMLSIM_ALERT_TRANSACTIONS_FILE) == list(F.AMLSIM_ALERT_TRANSACTION_COLUMNS)
    assert first(F.AMLSIM_SAR_ACCOUNTS_FILE) == list(F.AMLSIM_SAR_ACCOUNT_COLUMNS)
    acc = pacsv.read_csv(tmp_path / F.AMLSIM_ACCOUNTS_FILE).to_pandas()
    tx = pacsv.read_csv(tmp_path / F.AMLSIM_TRANSACTIONS_FILE).to_pandas()
    cash = pacsv.read_csv(tmp_path / F.AMLSIM_CASH_TRANSACTIONS_FILE).to_pandas()
    alert_tx = pacsv.read_csv(tmp_path / F.AMLSIM_ALERT_TRANSACTIONS_FILE).to_pandas()
    assert len(acc) == res.accounts and len(tx) == res.transfers
    assert len(cash) == res.deposits + res.withdrawals
    assert set(cash.TX_TYPE) == {F.AMLSIM_CASH_IN, F.AMLSIM_CASH_OUT}
    assert pd.concat([tx.TX_ID, cash.TX_ID]).is_unique
    assert tx.TIMESTAMP.between(0, 179).all()
    assert set(tx.SENDER_ACCOUNT_ID) | set(tx.RECEIVER_ACCOUNT_ID) <= set(acc.ACCOUNT_ID)
    sar = tx[tx.IS_SAR]
    assert len(sar) and (sar.ALERT_ID >= 1).all() and (tx.ALERT_ID[~tx.IS_SAR] != 0).all()
    assert set(alert_tx.IS_SAR) == {True, False}  # SAR alerts and false alerts (decoys)
    assert acc.IS_SAR.sum() > 0 and set(acc.ACCOUNT_TYPE) == {"I", "O"}
    conf = (tmp_path / F.AMLSIM_CONF_FILE).read_text()
    assert '"base_date": "2025-01-01"' in conf


def test_amlworld_layout(tmp_path):
    res = generate(tmp_path, 5_000, seed=9, fmt="amlworld", laundering_fraction=0.05)
    path = tmp_path / F.AMLWORLD_TRANSACTIONS_FILE
    assert path.read_text().split("\n", 1)[0] == ",".join(F.AMLWORLD_COLUMNS)
    t = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
        column_types={"From Bank": "string", "To Bank": "string"}))
    assert t.schema.names == list(F.AMLWORLD_COLUMNS)
    assert t.num_rows == res.transfers + res.deposits + res.withdrawals
    df = pd.DataFrame({f"c{i}": t.column(i).to_pandas() for i in range(t.num_columns)})
    assert df.c0.str.fullmatch(r"\d{4}/\d\d/\d\d \d\d:\d\d").all()
    assert df.c1.str.fullmatch(r"\d{3}").all()
    assert df.c2.str.fullmatch(r"[0-9A-F]{9}").all()
    assert set(df.c6) | set(df.c8) <= set(AMLWORLD_NAMES)
    assert set(df.c9) <= set(F.AMLWORLD_PAYMENT_FORMATS)
    assert set(df.c10) == {0, 1}
    cash = df.c9 == "Cash"
    assert (df.c2[cash] == df.c4[cash]).sum() == res.deposits + res.withdrawals
    same = df.c6 == df.c8
    assert (df.c5[same] == df.c7[same]).all()


def test_parquet_matches_csv(tmp_path):
    generate(tmp_path / "c", 3_000, seed=8, laundering_fraction=0.05)
    generate(tmp_path / "p", 3_000, seed=8, laundering_fraction=0.05, file_format="parquet")
    csv_mv = pd.read_csv(tmp_path / "c/movements.csv", dtype=str, keep_default_na=False)
    pq_mv = pq.read_table(tmp_path / "p/movements.parquet").to_pandas()
    assert list(pq_mv.columns) == list(F.NATIVE_MOVEMENT_COLUMNS)
    assert (pq_mv.id.to_numpy() == csv_mv.id.to_numpy()).all()
    assert np.allclose(pq_mv.amount.to_numpy(), csv_mv.amount.astype(float).to_numpy())
    assert (pq_mv.ts.dt.strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy() == csv_mv.ts.to_numpy()).all()
    pq_acc = pq.read_table(tmp_path / "p/accounts.parquet")
    assert pq_acc.schema.names == list(F.NATIVE_ACCOUNT_COLUMNS)
    assert (tmp_path / "p/truth/alerts.csv").read_bytes() == \
        (tmp_path / "c/truth/alerts.csv").read_bytes()


def test_progress_reports_transfers_written(tmp_path):
    seen: list[int] = []
    generate(tmp_path, 3_000, seed=1, progress=seen.append)
    assert seen and seen[-1] == 3_000 and seen == sorted(seen)


# -- bad arguments ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, needle",
    [
        ({"typologies": ["fan_in", "smurfing"]}, "fan_in, fan_out"),
        ({"typologies": []}, "choose from"),
        ({"hardness": "extreme"}, "low, medium, high"),
        ({"fmt": "paysim"}, "native, amlsim, amlworld"),
        ({"file_format": "xlsx"}, "csv, parquet"),
        ({"fmt": "amlworld", "file_format": "parquet"}, "parquet"),
        ({"transfers": 10}, "at least"),
        ({"transfers": 2.5e3}, "integer"),
        ({"laundering_fraction": 0.9}, "laundering_fraction"),
        ({"laundering_fraction": -0.1}, "laundering_fraction"),
        ({"start": "01/02/2025"}, "YYYY-MM-DD"),
        ({"days": 3}, "days"),
        ({"seed": -1}, "seed"),
        ({"progress": 5}, "progress"),
    ],
)
def test_bad_arguments_raise_config_error(tmp_path, kwargs, needle):
    args = {"out_dir": tmp_path, "transfers": 2_000} | kwargs
    with pytest.raises(ConfigError) as e:
        generate(**args)
    msg = str(e.value)
    assert needle in msg and "\n" not in msg
    assert not any(tmp_path.iterdir())  # nothing written before the arguments are checked


def test_too_few_transfers_for_the_fraction(tmp_path, monkeypatch):
    import toolkit.generate.pipeline as pipeline

    monkeypatch.setattr(pipeline, "MAX_SPECIAL_SHARE", 0.001)
    with pytest.raises(ConfigError, match="too small"):
        generate(tmp_path, 1_000, laundering_fraction=0.25, hardness="high")


def test_formats_module_names_are_consistent():
    assert F.LAYOUTS == ("native", "amlsim", "amlworld")
    assert F.AMLWORLD_COLUMNS.count("Account") == 2
    assert set(F.AMLWORLD_CHANNEL_FORMATS) == set(F.NATIVE_CHANNELS)
    assert set(F.AMLWORLD_CHANNEL_FORMATS.values()) <= set(F.AMLWORLD_PAYMENT_FORMATS)
    assert set(F.AMLSIM_TX_TYPES) == set(F.NATIVE_CHANNELS)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", F.AMLSIM_BASE_DATE)
