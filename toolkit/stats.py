"""How big the financial network is (``aml stats``)."""

from __future__ import annotations

from toolkit.db import Database

__all__ = ["graph_stats"]


def graph_stats(db: Database) -> dict[str, int | float]:
    """Counts and the amount total, in a fixed key order so two runs compare byte for byte.

    ``amount_total`` is the sum of all movement amounts (each in its own currency, at face value),
    summed in integer cents on the server and so exact.
    """
    row = db.run_one("read/stats") or {}
    cents = int(row.get("amount_cents") or 0)
    return {
        "accounts": int(row.get("accounts") or 0),
        "transfers": int(row.get("transfers") or 0),
        "deposits": int(row.get("deposits") or 0),
        "withdrawals": int(row.get("withdrawals") or 0),
        "amount_total": round(cents / 100.0, 2),
    }
