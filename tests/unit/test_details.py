"""Packed finding details behave like the dicts they replace: same keys in the same order, the
same values of the same Python types (floats bit for bit), equal to the dict, JSON the same."""

from __future__ import annotations

import json
import math
import pickle
from collections.abc import Mapping

from toolkit.details import Details, pack_details
from toolkit.findings import Finding, to_records
from toolkit.frames import Network
from toolkit.writeback import _plain


def _findings() -> list[Finding]:
    dicts = [
        {"count": 3, "total": 0.1 + 0.2, "ok": True, "customer": None, "band": [9000.0, 10000.0], "big": 2**70},
        {"count": -1, "total": -0.0, "ok": False, "customer": "C1", "band": [1.0, 2.0], "big": 5},
        {"count": 0, "total": math.nan, "ok": True, "customer": "C2", "band": [], "big": 7},
        {"n": 1.5, "x": 2},  # other keys: a table of its own
        {"n": 2, "x": 3},  # an int where the other has a float: kept as objects
        {},
    ]
    return [Finding("large_amount", i, (i,), 1.0, 2.0, details=d) for i, d in enumerate(dicts)]


def test_packed_details_equal_the_dicts_with_the_same_types_and_order():
    findings = _findings()
    before = [dict(f.details) for f in findings]
    pack_details(findings)
    assert all(isinstance(f.details, Details) for f in findings[:5]) and findings[5].details == {}
    for f, d in zip(findings, before):
        got = dict(f.details)
        assert list(got) == list(d) and len(f.details) == len(d)
        for k, v in d.items():
            assert type(got[k]) is type(v), k
            assert got[k] == v or (isinstance(v, float) and math.isnan(v) and math.isnan(got[k]))
        assert isinstance(f.details, Mapping)
    assert math.copysign(1.0, findings[1].details["total"]) == -1.0  # -0.0 stays -0.0
    assert findings[0].details == before[0] and before[0] == findings[0].details
    assert findings[0].details["big"] == 2**70 and findings[3].details["n"] == 1.5 and findings[4].details["n"] == 2
    assert findings[0].details.get("nope", 7) == 7 and "count" in findings[0].details and "nope" not in findings[0].details
    assert findings[0] == Finding("large_amount", 0, (0,), 1.0, 2.0, details=before[0])


def test_setting_a_key_changes_that_finding_only_and_keeps_dict_order():
    findings = _findings()[:2]
    pack_details(findings)
    d0, d1 = findings[0].details, findings[1].details
    d0["passers"] = [0, 2]
    d0["count"] = 9
    assert list(d0) == ["count", "total", "ok", "customer", "band", "big", "passers"]
    assert d0["count"] == 9 and d0["passers"] == [0, 2] and "passers" not in d1 and d1["count"] == -1
    del d0["ok"]
    assert "ok" not in d0 and len(d0) == 6 and d1["ok"] is False
    assert dict(d0) == {"count": 9, "total": 0.1 + 0.2, "customer": None, "band": [9000.0, 10000.0], "big": 2**70,
                        "passers": [0, 2]}


def test_packed_details_write_back_and_pickle_as_the_dicts_did():
    net = Network.from_rows([{"id": f"a{i}"} for i in range(6)],
                            [{"id": f"m{i}", "from": f"a{i}", "to": f"a{(i + 1) % 6}", "amount": 1.0, "ts": i}
                             for i in range(6)])
    plain, packed = _findings(), _findings()
    pack_details(packed)
    for f in (plain, packed):
        f[0].details["passers"] = [1]
    as_json = [[json.dumps(r["details"], sort_keys=True, default=_plain) for r in to_records(net, fs)]
               for fs in (plain, packed)]
    assert as_json[0] == as_json[1]
    copy = pickle.loads(pickle.dumps(packed))
    assert [json.dumps(dict(f.details)) for f in copy] == [json.dumps(dict(f.details)) for f in packed]
    assert copy[0].details["passers"] == [1] and isinstance(copy[1].details, Details)


def test_detail_rows_read_like_the_dicts_a_loop_over_tolist_made():
    import numpy as np

    from toolkit.details import detail_rows

    c = np.array([3, 5], dtype=np.int64)
    share = np.array([0.25, -0.0])
    ok = np.array([True, False])
    names = np.array(["a", None], dtype=object)
    rows = detail_rows(2, {"count": c, "share": share, "ok": ok, "name": names, "window_s": 86_400, "tag": "x"})
    loop = [{"count": int(c[j]), "share": float(share[j]), "ok": bool(ok[j]), "name": names[j], "window_s": 86_400,
             "tag": "x"} for j in range(2)]
    for d, want in zip(rows, loop):
        assert list(d) == list(want) and d == want
        assert [type(v) for v in d.values()] == [type(v) for v in want.values()]
    assert math.copysign(1.0, rows[1]["share"]) == -1.0
    assert detail_rows(0, {"length": 3}) == []
    import pytest

    with pytest.raises(ValueError):
        detail_rows(3, {"count": c})


def test_set_many_adds_a_key_to_some_rows_as_a_dict_would():
    findings = _findings()
    pack_details(findings)
    d = [f.details for f in findings[:3]]
    d[1]["own"] = 1  # a row with a key of its own gets the new key after it, one by one
    plain = [dict(x) for x in d]
    from toolkit.details import set_many

    set_many([d[0], d[1], findings[3].details, {"a": 1}], "passers", [[0, 2], [5], [7], [9]])
    plain[0]["passers"], plain[1]["passers"] = [0, 2], [5]
    assert [list(x) for x in d] == [list(x) for x in plain] and d[0] == plain[0] and d[1] == plain[1]
    assert "passers" not in d[2] and d[2].get("passers") is None and len(d[2]) == 6
    assert d[0]["passers"] == [0, 2] and findings[3].details["passers"] == [7]
    d[2]["passers"] = [1]  # a row the column skipped: set later, it comes last
    assert list(d[2])[-1] == "passers" and d[2]["passers"] == [1]
    d[0]["passers"] = [3]  # set again: keeps its place
    assert list(d[0])[-1] == "passers" and d[0]["passers"] == [3]
    copy = pickle.loads(pickle.dumps(findings))
    assert copy[2].details["passers"] == [1] and list(copy[2].details) == list(d[2])
    assert copy[0].details["passers"] == [3] and "passers" in copy[1].details
