"""Candidate endpoints of laundering paths (toolkit.paths.endpoints): placement and integration.

One hand-worked bank, defined once with the answer in its comment, then each selection mode.
"""

from __future__ import annotations

import numpy as np
import pytest

from toolkit.errors import ConfigError, NotFound
from toolkit.frames import Network
from toolkit.paths.endpoints import (
    EndpointSelection,
    integration_accounts,
    placement_accounts,
    select_endpoints,
)

# BANK: home accounts in US unless said otherwise; X is an offshore bank (external, KY); F is a
# bank account held in GB.
#   d1  cash deposit into A                      -> A places
#   t1  X pays B (from outside the bank)         -> B places
#   t2  F (GB) pays C (US): from another country -> C places; F pays abroad -> F integrates
#   t3  D pays X (outside the bank)              -> D integrates
#   w1  E withdraws cash                         -> E integrates
#   t4  S (shell) pays G on channel purchase     -> S integrates
#   t5  A pays S, domestic wire                  -> nothing
#   t6  B pays B (self-transfer)                 -> nothing
#   t7  X pays Y (both external)                 -> nothing: external accounts are never
#                                                   candidates by behaviour
# Placement: A, B, C. Integration: D, E, F, S.
BANK = Network.from_rows(
    [
        {"id": "A"}, {"id": "B"}, {"id": "C"}, {"id": "D"}, {"id": "E"},
        {"id": "F", "country": "GB", "currency": "GBP"},
        {"id": "G", "class": "merchant"},
        {"id": "S", "class": "shell"},
        {"id": "X", "class": "external", "country": "KY"},
        {"id": "Y", "class": "external", "country": "KY"},
    ],
    [
        {"id": "d1", "kind": "deposit", "from": None, "to": "A", "amount": 9000.0, "channel": "cash"},
        {"id": "t1", "kind": "transfer", "from": "X", "to": "B", "amount": 50000.0, "channel": "cross_border"},
        {"id": "t2", "kind": "transfer", "from": "F", "to": "C", "amount": 7000.0, "channel": "wire"},
        {"id": "t3", "kind": "transfer", "from": "D", "to": "X", "amount": 4000.0, "channel": "cross_border"},
        {"id": "w1", "kind": "withdrawal", "from": "E", "to": None, "amount": 3000.0, "channel": "cash"},
        {"id": "t4", "kind": "transfer", "from": "S", "to": "G", "amount": 80000.0, "channel": "purchase"},
        {"id": "t5", "kind": "transfer", "from": "A", "to": "S", "amount": 8000.0, "channel": "wire"},
        {"id": "t6", "kind": "transfer", "from": "B", "to": "B", "amount": 100.0, "channel": "wire"},
        {"id": "t7", "kind": "transfer", "from": "X", "to": "Y", "amount": 100.0, "channel": "wire"},
    ],
)


def ids(rows: np.ndarray) -> list[str]:
    return [str(BANK.accounts.ids[r]) for r in rows]


def test_placement_and_integration_follow_the_money():
    assert ids(placement_accounts(BANK)) == ["A", "B", "C"]
    assert ids(integration_accounts(BANK)) == ["D", "E", "F", "S"]


def test_default_selection_is_behaviour():
    assert ids(select_endpoints(BANK, "source")) == ["A", "B", "C"]
    assert ids(select_endpoints(BANK, "target")) == ["D", "E", "F", "S"]


def test_explicit_ids_win_over_filters_and_may_be_external():
    sel = EndpointSelection(ids=("X", "C", "C"), classes=("shell",), flagged=True)
    assert ids(select_endpoints(BANK, "source", sel)) == ["C", "X"]


def test_unknown_ids_are_named():
    with pytest.raises(NotFound) as err:
        select_endpoints(BANK, "target", EndpointSelection(ids=("Q",)))
    assert str(err.value) == "no account with id 'Q' in the graph"
    with pytest.raises(NotFound) as err:
        select_endpoints(BANK, "target", EndpointSelection(ids=("Q", "R")))
    assert str(err.value) == "no accounts with ids 'Q', 'R' in the graph"


def test_classes_alone_and_with_behaviour():
    assert ids(select_endpoints(BANK, "source", EndpointSelection(behaviour=False, classes=("shell", "merchant")))) == ["G", "S"]
    assert ids(select_endpoints(BANK, "target", EndpointSelection(classes=("shell",)))) == ["S"]
    assert ids(select_endpoints(BANK, "source", EndpointSelection(classes=("shell",)))) == []


def test_flagged_filter():
    sel = EndpointSelection(flagged=True)
    assert ids(select_endpoints(BANK, "source", sel, flagged_ids={"B", "D", "nobody"})) == ["B"]
    assert ids(select_endpoints(BANK, "target", sel, flagged_ids={"B", "D"})) == ["D"]
    only_flagged = EndpointSelection(behaviour=False, flagged=True)
    assert ids(select_endpoints(BANK, "source", only_flagged, flagged_ids=["G"])) == ["G"]
    with pytest.raises(ValueError):
        select_endpoints(BANK, "source", sel)


def test_from_config_reads_its_role_only():
    conf = {"source_classes": ["shell"], "source_behaviour": False, "target_ids": "E", "target_flagged": True}
    assert EndpointSelection.from_config(conf, "source") == EndpointSelection(behaviour=False, classes=("shell",))
    assert EndpointSelection.from_config(conf, "target") == EndpointSelection(ids=("E",), flagged=True)
    assert EndpointSelection.from_config({}, "target") == EndpointSelection()


@pytest.mark.parametrize(
    "conf, message",
    [
        ({"source_classes": ["shel"]}, "unknown account class(es) shel; known: personal, business, merchant, shell, msb, external"),
        ({"source_ids": [1, 2]}, "[paths] source_ids = [1, 2]: expected a list of strings"),
        ({"source_flagged": "yes"}, "[paths] source_flagged = 'yes': expected true or false"),
    ],
)
def test_bad_config_is_one_line(conf, message):
    with pytest.raises(ConfigError) as err:
        EndpointSelection.from_config(conf, "source")
    assert str(err.value) == message


def test_empty_network():
    empty = Network.from_rows([], [])
    assert placement_accounts(empty).size == 0
    assert integration_accounts(empty).size == 0
    assert select_endpoints(empty, "source").size == 0


def test_hops_to_targets_is_a_lower_bound_over_all_transfers():
    # A -> B -> C -> D plus a shortcut A -> C on day 9 (after C paid D: no time-respecting path
    # uses it, but the bound ignores time, so A is 2 hops from D, not 3). E pays nobody.
    from toolkit.jobs.paths import hops_to_targets

    net = Network.from_rows(
        [{"id": x} for x in "ABCDE"],
        [{"id": "t1", "from": "A", "to": "B", "amount": 1.0, "ts": 0},
         {"id": "t2", "from": "B", "to": "C", "amount": 1.0, "ts": 1},
         {"id": "t3", "from": "C", "to": "D", "amount": 1.0, "ts": 2},
         {"id": "t4", "from": "A", "to": "C", "amount": 1.0, "ts": 9},
         {"id": "t5", "from": "D", "to": "D", "amount": 1.0, "ts": 3}],
    )
    d = net.accounts.index()["D"]
    assert hops_to_targets(net, [d], 5) == {"A": 2, "B": 2, "C": 1, "D": 0}
    assert hops_to_targets(net, [d], 1) == {"C": 1, "D": 0}
    assert hops_to_targets(net, [], 5) == {}
