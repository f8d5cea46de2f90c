"""The embeddings' amount features are account_features' columns of the same names, bit for bit."""

from __future__ import annotations

import numpy as np

from toolkit.frames import Network
from toolkit.scoring.features import AMOUNT_COLUMNS, account_features, amount_features


def _random_network(seed: int) -> Network:
    # 30 accounts (the last two never move money) and 2,000 movements: transfers (self-transfers
    # among them), deposits and withdrawals, in three currencies, amounts spanning 1 to 10^6 with
    # some zero, so that the per-account sums see long runs in both orders
    rng = np.random.default_rng(seed)
    accounts = [{"id": f"a{i}"} for i in range(30)]
    rows = []
    for i in range(2000):
        kind = rng.choice(["transfer", "transfer", "deposit", "withdrawal"])
        s, d = (int(x) for x in rng.integers(0, 28, 2))
        amount = 0.0 if rng.random() < 0.02 else float(np.round(10 ** rng.uniform(0, 6), 2))
        rows.append({"id": f"m{i}", "kind": kind, "from": None if kind == "deposit" else f"a{s}",
                     "to": None if kind == "withdrawal" else f"a{d}", "amount": amount,
                     "currency": str(rng.choice(["USD", "EUR", "JPY"])), "ts": int(rng.integers(0, 90 * 86_400))})
    return Network.from_rows(accounts, rows)


def test_amount_features_equal_the_same_columns_of_account_features():
    for seed in (0, 1):
        net = _random_network(seed)
        full = account_features(net).select(list(AMOUNT_COLUMNS))
        lean = amount_features(net)
        assert lean.names == AMOUNT_COLUMNS == full.names
        assert lean.X.dtype == full.X.dtype and lean.X.shape == full.X.shape == (30, len(AMOUNT_COLUMNS))
        assert np.array_equal(lean.X.view(np.uint64), full.X.view(np.uint64))  # bit for bit


def test_amount_features_of_an_empty_network():
    assert amount_features(Network.from_rows([], [])).X.shape == (0, len(AMOUNT_COLUMNS))
    one = amount_features(Network.from_rows([{"id": "A"}], []))
    assert one.X.tolist() == [[0.0] * len(AMOUNT_COLUMNS)]
