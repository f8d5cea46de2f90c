"""A FindingTable is the list of findings it packs: same findings (types, floats bit for bit, the
same details objects), by index, slice and iteration, equal to the list, and its columns agree."""

from __future__ import annotations

import pickle

import numpy as np

from tests.unit.test_amount_features import _random_network
from toolkit.amounts import run_amount_rules
from toolkit.detect import run_typologies
from toolkit.finding_table import FindingTable
from toolkit.findings import Finding

_FIELDS = ("rule", "account", "movements", "value", "threshold", "accounts", "window", "score", "details")


def _findings() -> list[Finding]:
    net = _random_network(3)
    return [*run_amount_rules(net).findings, *run_typologies(net).findings]


def test_a_table_gives_back_the_findings_it_packed():
    fs = _findings()
    odd = [Finding("x", 2**40, (1, 2), 3, True, (), None, 0.5, {"a": 1}),  # ints where floats usually are
           Finding("y", 0, (), float("nan"), -0.0, (7,), (1, 2**70), 1.0)]
    for findings in (fs, odd, []):
        t = FindingTable.pack(findings)
        assert len(t) == len(findings) and t == findings and list(t) == findings
        for f, g in zip(t, findings):
            for name in _FIELDS:
                a, b = getattr(f, name), getattr(g, name)
                assert type(a) is type(b), name
                if isinstance(a, float):
                    assert np.float64(a).tobytes() == np.float64(b).tobytes(), name
            assert f.details is g.details
    t = FindingTable.pack(fs)
    assert t[-1] == fs[-1] and t[3:7] == fs[3:7] and pickle.loads(pickle.dumps(t)) == t
    assert len(fs) > 100


def test_concat_take_and_columns():
    fs = _findings()
    a, b = FindingTable.pack(fs[:50]), FindingTable.pack(fs[50:])
    both = FindingTable.concat([a, b, FindingTable.pack([])])
    assert both == fs and FindingTable.concat([]) == []
    rows = np.array([60, 3, 0, len(fs) - 1])
    assert list(both.take(rows)) == [fs[i] for i in rows]
    assert both.rules().tolist() == [f.rule for f in fs]
    assert both.account.tolist() == [f.account for f in fs] and both.score.tolist() == [f.score for f in fs]
    counts, flat = both.accounts_rows()
    assert counts.tolist() == [len(f.accounts) for f in fs] and flat.tolist() == [x for f in fs for x in f.accounts]
    counts, flat = both.movements_rows(rows)
    assert flat.tolist() == [x for i in rows for x in fs[i].movements]
    assert all(d is f.details for d, f in zip(both.details, fs))


def test_from_columns_makes_the_findings_flags_stand_for():
    details = np.empty(2, dtype=object)
    details[:] = [{"length": 3}, {"counterparties": 5}]
    t = FindingTable.from_columns(np.array(["cycle", "fan_in"], dtype=object), np.array([4, 1], dtype=np.int32),
                                  np.array([0.5, 1.0]), details, (np.array([2, 0]), np.array([7, 9])))
    assert list(t) == [Finding("cycle", 4, (), 0.0, 0.0, (7, 9), None, 0.5, {"length": 3}),
                       Finding("fan_in", 1, (), 0.0, 0.0, (), None, 1.0, {"counterparties": 5})]
    assert type(t[0].account) is int and t[1].details is details[1]


def test_write_findings_sends_the_same_rows_from_a_table_as_from_a_list():
    import json

    from tests.unit.test_amount_features import _random_network
    from toolkit.runs import Run
    from toolkit.writeback import write_findings

    net = _random_network(3)
    fs = [*run_amount_rules(net).findings, *run_typologies(net).findings]
    sent: dict[str, list] = {"list": [], "table": []}

    class Capture:
        def __init__(self, key: str) -> None:
            self.key = key

        def run_one(self, name: str, /, **params):
            sent[self.key].extend(json.dumps(r, sort_keys=True) for r in params["rows"])
            return {"written": len(params["rows"])}

    run = Run("r", "x", {}, "x")
    assert write_findings(Capture("list"), run, net, fs, batch_size=7, writers=1) == len(fs)
    assert write_findings(Capture("table"), run, net, FindingTable.pack(fs), batch_size=7, writers=1) == len(fs)
    assert sent["list"] == sent["table"] and len(sent["list"]) == len(fs)
