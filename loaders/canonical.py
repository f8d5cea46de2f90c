"""Map each input layout (native, AMLSim, AMLworld) onto the canonical columns.

Why one canonical shape: validation, rejects and the Neo4j writes are written once, for the
native layout; every other format only needs a vectorised renaming/conversion of its columns.
The exact layouts are in :mod:`loaders.formats`.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from loaders import formats as F
from loaders.read import ROW
from toolkit.currency import AMLWORLD_NAMES
from toolkit.errors import LoadError

__all__ = [
    "FileRole",
    "detect_role",
    "check_columns",
    "native_accounts",
    "native_movements",
    "amlsim_accounts",
    "amlsim_movements",
    "amlworld_movements",
    "amlworld_accounts",
    "amlsim_base_date",
]

FileRole = Literal["native_accounts", "native_movements", "amlsim_accounts", "amlsim_movements",
                   "amlworld", "native_alerts"]


def detect_role(header: list[str], path: Path) -> FileRole:
    """Which layout a file has, from its header alone."""
    cols = set(header)
    if {"From Bank", "To Bank"} <= cols:
        return "amlworld"
    if "TX_ID" in cols or "SENDER_ACCOUNT_ID" in cols:
        return "amlsim_movements"
    if "ACCOUNT_ID" in cols and "TX_ID" not in cols:
        return "amlsim_accounts"
    if "alert_id" in cols and "typology" in cols and "movements" in cols:
        return "native_alerts"
    if "kind" in cols or "amount" in cols:
        return "native_movements"
    if "class" in cols or "opened" in cols:
        return "native_accounts"
    raise LoadError(
        str(path), 1, None,
        f"cannot tell the format from the header ({', '.join(header[:8])}); pass --format",
    )


def check_columns(path: Path, header: list[str], required: tuple[str, ...], optional: tuple[str, ...]) -> None:
    """Missing required columns and unknown columns are one error naming them all."""
    known = set(required) | set(optional)
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in known]
    if not missing and not unknown:
        return
    parts = []
    if missing:
        parts.append("missing column(s) " + ", ".join(f"'{c}'" for c in missing))
    if unknown:
        hints = []
        for c in unknown:
            close = difflib.get_close_matches(c, sorted(known), n=1)
            hints.append(f"'{c}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        parts.append("unknown column(s) " + ", ".join(hints))
    raise LoadError(str(path), 1, None, "; ".join(parts))


def _blank(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame else pd.Series("", index=frame.index, dtype=object)


def native_accounts(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({c: _blank(frame, c) for c in F.NATIVE_ACCOUNT_COLUMNS if c in frame or c in F.NATIVE_ACCOUNT_REQUIRED})
    for c in ("registered_capital", "customer", "name"):
        out[c] = _blank(frame, c)
    out[ROW] = frame[ROW]
    return out


def native_movements(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({c: _blank(frame, c) for c in F.NATIVE_MOVEMENT_COLUMNS if c in frame})
    out[ROW] = frame[ROW]
    return out


# -- AMLSim -----------------------------------------------------------------------------------
_BEHAVIOR_CLASS = {v: k for k, v in F.AMLSIM_BEHAVIOR_IDS.items()}
_AMLSIM_CHANNEL = {"WIRE": "wire", "TRANSFER": "ach", "CREDIT": "card", "CHECK": "cheque",
                   "DEPOSIT": "ach", "CASH-IN": "cash", "CASH-OUT": "cash"}


def amlsim_base_date(directory: Path) -> pd.Timestamp:
    """Step 0 of an AMLSim run: ``general.base_date`` of its conf.json, else AMLSim's default."""
    conf = directory / F.AMLSIM_CONF_FILE
    base = F.AMLSIM_BASE_DATE
    if conf.is_file():
        try:
            base = json.loads(conf.read_text(encoding="utf-8")).get("general", {}).get("base_date", base)
        except (json.JSONDecodeError, AttributeError):
            raise LoadError(str(conf), None, None, "not valid JSON") from None
    return pd.Timestamp(base, tz="UTC")


def amlsim_accounts(frame: pd.DataFrame, base: pd.Timestamp) -> pd.DataFrame:
    behavior = pd.to_numeric(_blank(frame, "TX_BEHAVIOR_ID"), errors="coerce")
    acct_type = _blank(frame, "ACCOUNT_TYPE").str.strip().str.upper()
    cls = behavior.map(_BEHAVIOR_CLASS)
    cls = cls.where(cls.notna(), np.where(acct_type == "I", "personal", "business"))
    return pd.DataFrame(
        {
            "id": frame["ACCOUNT_ID"],
            "class": cls.astype(object),
            "currency": "USD",  # AMLSim has a single, unnamed currency
            "country": _blank(frame, "COUNTRY"),
            "opened": base.strftime("%Y-%m-%d"),
            "registered_capital": "",
            "customer": _blank(frame, "CUSTOMER_ID"),
            "name": "",
            "is_laundering": _blank(frame, "IS_SAR"),
            "typology": "",
            "alert_id": "",
            ROW: frame[ROW],
        }
    )


def amlsim_movements(frame: pd.DataFrame, base: pd.Timestamp) -> pd.DataFrame:
    """Transfers (transactions.csv) and cash (cash_tx.csv: CASH-IN = deposit, CASH-OUT = withdrawal)."""
    tx_type = frame["TX_TYPE"].str.strip().str.upper()
    sender = frame["SENDER_ACCOUNT_ID"].str.strip()
    receiver = frame["RECEIVER_ACCOUNT_ID"].str.strip()
    is_in = tx_type == F.AMLSIM_CASH_IN
    is_out = tx_type == F.AMLSIM_CASH_OUT
    kind = np.where(is_in, "deposit", np.where(is_out, "withdrawal", "transfer"))
    # CASH-IN: account is the SENDER, branch the RECEIVER; CASH-OUT: branch SENDER, account RECEIVER
    src = np.where(is_in, "", np.where(is_out, receiver, sender))
    dst = np.where(is_in, sender, np.where(is_out, "", receiver))
    steps = pd.to_numeric(frame["TIMESTAMP"].str.strip(), errors="coerce")
    ts = (base + pd.to_timedelta(steps * F.AMLSIM_STEP_SECONDS, unit="s")).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    ts = ts.where(steps.notna(), frame["TIMESTAMP"])  # keep the bad text for the reject reason
    alert = _blank(frame, "ALERT_ID").str.strip()
    alert = alert.where(~alert.isin(["", str(F.AMLSIM_NO_ALERT)]), "")
    return pd.DataFrame(
        {
            "id": frame["TX_ID"],
            "kind": kind,
            "from": src,
            "to": dst,
            "amount": frame["TX_AMOUNT"],
            "currency": "USD",
            "ts": ts,
            "channel": tx_type.map(_AMLSIM_CHANNEL).fillna("wire"),
            "is_laundering": _blank(frame, "IS_SAR"),
            "typology": "",
            "alert_id": alert,
            ROW: frame[ROW],
        }
    )


# -- AMLworld ---------------------------------------------------------------------------------
_FORMAT_CHANNEL = {"Reinvestment": "reinvestment", "Cheque": "cheque", "Credit Card": "card",
                   "ACH": "ach", "Cash": "cash", "Wire": "wire", "Bitcoin": "crypto"}


def _aw_account(bank: pd.Series, account: pd.Series) -> pd.Series:
    return bank.str.strip().str.lstrip("0").replace("", "0") + "/" + account.str.strip()


def amlworld_movements(frame: pd.DataFrame) -> pd.DataFrame:
    """AMLworld rows as transfers. Ids: AMLworld has none, so each row's id is a hash of its
    content plus its occurrence number among identical rows, which is stable across re-runs and
    file splits (the same payment always gets the same id)."""
    content = pd.util.hash_pandas_object(frame.drop(columns=[ROW]), index=False)
    occurrence = content.groupby(content.to_numpy()).cumcount().astype(str)
    digest = np.char.mod("%016x", content.to_numpy())
    ids = pd.Series(digest, index=frame.index).astype(object) + "-" + occurrence
    currency = frame["Payment Currency"].str.strip()
    cur = currency.map(AMLWORLD_NAMES).fillna(currency)  # unknown names stay, and are rejected
    ts = pd.to_datetime(frame["Timestamp"].str.strip(), format=F.AMLWORLD_TS_FORMAT, errors="coerce", utc=True)
    ts_txt = ts.dt.strftime("%Y-%m-%dT%H:%M:%SZ").where(ts.notna(), frame["Timestamp"])
    fmt = frame["Payment Format"].str.strip()
    return pd.DataFrame(
        {
            "id": ids,
            "kind": "transfer",
            "from": _aw_account(frame["From Bank"], frame["Account"]),
            "to": _aw_account(frame["To Bank"], frame["Account.1"]),
            "amount": frame["Amount Paid"],
            "currency": cur,
            "ts": ts_txt,
            "channel": fmt.map(_FORMAT_CHANNEL).fillna(fmt.str.lower()),
            "is_laundering": _blank(frame, "Is Laundering"),
            "typology": "",
            "alert_id": "",
            ROW: frame[ROW],
        }
    )


def amlworld_accounts(movements: pd.DataFrame, opened: str) -> pd.DataFrame:
    """Accounts made from the bank + account pairs of AMLworld movements (canonical columns).

    The class is 'unknown' and the country 'ZZ' (AMLworld's transaction file says neither); the
    currency is the one the account first pays in. Laundering truth is per movement only.
    """
    send = pd.DataFrame({"id": movements["from"], "currency": movements["currency"]})
    recv = pd.DataFrame({"id": movements["to"], "currency": movements["currency"]})
    both = pd.concat([send, recv], ignore_index=True).drop_duplicates("id")
    return pd.DataFrame(
        {
            "id": both["id"].to_numpy(),
            "class": "unknown",
            "currency": both["currency"].to_numpy(),
            "country": "ZZ",
            "opened": opened,
            "registered_capital": "",
            "customer": "",
            "name": "",
            ROW: 0,
        }
    )
