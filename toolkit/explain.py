"""Why is this account flagged? Every reason from the current detection runs.

The shape is the contract of ``aml explain --json``:
``{"account": id, "reasons": [{"rule", "value", "threshold", "movements": [ids], ...}]}``.
"""

from __future__ import annotations

import json
from typing import Any

from toolkit.db import Database
from toolkit.errors import NotFound

__all__ = ["explain"]


def explain(db: Database, account_id: str) -> dict[str, Any]:
    """The account's reasons, strongest first.

    Raises
    ------
    NotFound
        No account has that id.
    """
    row = db.run_one("read/explain_account", account_id=account_id)
    if not row or not row["found"]:
        raise NotFound(f"no account with id {account_id!r} in the graph")
    reasons = []
    for r in row["reasons"]:
        if r is None:
            continue
        details = r.get("details")
        reasons.append(
            {
                "rule": r["rule"],
                "value": r["value"],
                "threshold": r["threshold"],
                "movements": list(r.get("movements") or []),
                "score": r.get("score"),
                "run": r.get("run"),
                "window": r.get("window"),
                "details": json.loads(details) if isinstance(details, str) and details else {},
            }
        )
    return {"account": account_id, "reasons": reasons}
