"""The combined score in process (no database): how rules and typologies add up."""

from __future__ import annotations

import numpy as np
import pytest

from toolkit.errors import ConfigError
from toolkit.findings import TYPOLOGY_IDS
from toolkit.scoring.combined import HUB_SHAPES, CombinedParams, FlagTable, combined_score


def _typ(rows: dict[int, dict[str, float]], n: int) -> np.ndarray:
    out = np.zeros((n, len(TYPOLOGY_IDS)))
    for a, cols in rows.items():
        for t, v in cols.items():
            out[a, TYPOLOGY_IDS.index(t)] = v
    return out


def test_hub_shapes_count_once_by_their_strongest():
    # Account 0: fan-in 0.5 and gather-scatter 0.4 (one busy hub): 0.5, not 1 - 0.5 * 0.6 = 0.7.
    # Account 1: fan-in 0.5 and a cycle 0.4 (independent shapes): 1 - 0.5 * 0.6 = 0.7.
    # Account 2: all four hub shapes at 0.3 and layering 0.5: 1 - 0.7 * 0.5 = 0.65.
    n = 3
    rules = ["fan_in", "gather_scatter", "fan_in", "cycle", *HUB_SHAPES, "layering"]
    acc = [0, 0, 1, 1, 2, 2, 2, 2, 2]
    flags = FlagTable.from_lists([f"A{i}" for i in range(n)], account=acc, rule=rules, score=[1.0] * len(acc))
    typ = _typ({0: {"fan_in": 0.5, "gather_scatter": 0.4}, 1: {"fan_in": 0.5, "cycle": 0.4},
                2: {**{t: 0.3 for t in HUB_SHAPES}, "layering": 0.5}}, n)
    res = combined_score(flags, CombinedParams(threshold=0.66), typology=typ)
    np.testing.assert_allclose(res.score, [0.5, 0.7, 0.65])
    assert res.flagged.tolist() == [False, True, False]
    # Reasons still name every shape that contributed.
    assert res.reasons[0] == ("fan_in", "gather_scatter")



def test_default_threshold():
    assert CombinedParams().threshold == pytest.approx(0.7)


def test_layering_burst_with_a_flagged_partner_is_raised():
    # A (mule) bursts with layering 0.6 and its burst paid H, flagged on its own (cycle 0.95):
    # g = (0.95 - 0.7) / (1 - 0.7), so A gets 1 - 0.4 * (1 - 0.6 * g) = 0.8. B bursts the same
    # but its partner C (0.5) is not flagged: B stays 0.6. H has no burst of its own: unchanged.
    from toolkit.scoring.combined import PARTNER_RULE

    n = 4
    flags = FlagTable.from_lists([f"A{i}" for i in range(n)], account=[0, 2, 1, 3],
                                 rule=["layering", "layering", "cycle", "fan_in"], score=[1.0] * 4,
                                 involved=[[1], [3], [0], []])
    typ = _typ({0: {"layering": 0.6}, 1: {"cycle": 0.95}, 2: {"layering": 0.6}, 3: {"fan_in": 0.5}}, n)
    res = combined_score(flags, CombinedParams(), typology=typ)
    np.testing.assert_allclose(res.score, [0.8, 0.95, 0.6, 0.5])
    assert res.flagged.tolist() == [True, True, False, False]
    assert res.reasons[0] == ("layering", PARTNER_RULE)
    off = combined_score(flags, CombinedParams(partner_weight=0.0), typology=typ)
    np.testing.assert_allclose(off.score, [0.6, 0.95, 0.6, 0.5])
    with pytest.raises(ConfigError):
        CombinedParams(partner_floor=0.9, partner_full=0.8)


def test_passers_of_a_flagged_hub_are_raised():
    # Hub H (layering 0.95, flagged) has a fan-out flag involving R1, R2, R3; only R1 passed the
    # money on (details passers [0]): R1 gets g(0.95) = (0.95 - 0.7) / 0.3. R2 is on the flag but
    # did not pass anything on: 0. The same flag on hub K (0.5, not flagged) raises nobody (R4).
    # Hub J (0.95) lists R1 as a passer too: R1 passes money for two hubs, within passer_hubs 3.
    from dataclasses import replace

    from toolkit.scoring.combined import PASSER_RULE

    ids = ["H", "R1", "R2", "R3", "K", "R4", "J"]
    flags = FlagTable.from_lists(ids, account=[0, 4, 6], rule=["fan_out", "fan_out", "fan_in"],
                                 score=[1.0, 1.0, 1.0], involved=[[1, 2, 3], [5], [1]])
    det = np.empty(3, dtype=object)
    det[:] = [{"passers": [0]}, {"passers": [0]}, {"passers": [0]}]
    flags = replace(flags, details=det)
    typ = _typ({0: {"layering": 0.95}, 4: {"layering": 0.5}, 6: {"layering": 0.95}}, len(ids))
    g = 0.25 / 0.3
    res = combined_score(flags, CombinedParams(), typology=typ)
    np.testing.assert_allclose(res.score, [0.95, g, 0.0, 0.0, 0.5, 0.0, 0.95])
    assert res.reasons[1] == (PASSER_RULE,)
    off = combined_score(flags, CombinedParams(passer_weight=0.0), typology=typ)
    assert off.score[1] == 0.0
    # With passer_hubs 1, passing money on for two hubs halves R1's share.
    trade = combined_score(flags, CombinedParams(passer_hubs=1.0), typology=typ)
    assert trade.score[1] == pytest.approx(g / 2)
