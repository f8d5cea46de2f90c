"""Per class-and-currency limits Q01(k, m) / Q02(k, m), and the ``deposit_limit`` /
``transfer_limit`` rules (paper §4.5).

Why fixed limits beside the statistical bounds: a bank's policy says, for instance, that a
personal account may not take a single cash deposit above 10,000 EUR, whatever its history. Such
limits are set per account class ``k`` and currency ``m`` and are checked in the movement's own
currency, so no exchange rate is involved.

A limits file is a CSV with the columns ``class,currency,max_deposit,max_transfer`` (in any
order; an empty maximum means "no limit") or a TOML file of ``[[limits]]`` tables with the same
keys (a missing or empty maximum means "no limit")::

    class,currency,max_deposit,max_transfer
    personal,USD,10000,50000
    business,EUR,,250000

Every problem is a one-line :class:`toolkit.errors.ConfigError` that names the file and line, so
the CLI can print it as is.
"""

from __future__ import annotations

import csv
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Literal, Mapping

import numpy as np

from toolkit.arrays import factorize
from toolkit.currency import is_known
from toolkit.errors import ConfigError
from toolkit.findings import Finding
from toolkit.frames import DEPOSIT, TRANSFER, Network

__all__ = [
    "COLUMNS",
    "Limit",
    "Limits",
    "load_limits",
    "deposit_limit_findings",
    "transfer_limit_findings",
]

#: The columns (CSV) / keys (TOML, records) of a limits table, all required in a CSV header.
COLUMNS: tuple[str, ...] = ("class", "currency", "max_deposit", "max_transfer")
_MAXIMA = ("max_deposit", "max_transfer")
_EXPECTED = ", ".join(COLUMNS)


@dataclass(frozen=True)
class Limit:
    """The limits of one account class and currency.

    Attributes
    ----------
    cls : str
        Account class ``k``.
    currency : str
        ISO 4217 code ``m``; limits are in this currency.
    max_deposit, max_transfer : float or None
        Q01(k, m) and Q02(k, m): the most one deposit / one transfer may be; ``None`` = no limit.
    where : str
        Where it was defined (``file:line``), for messages.
    """

    cls: str
    currency: str
    max_deposit: float | None
    max_transfer: float | None
    where: str = ""


@dataclass(frozen=True)
class Limits:
    """A validated set of limits, at most one :class:`Limit` per ``(class, currency)``.

    Build with :func:`load_limits` or :meth:`from_records`; the constructor validates too.
    """

    entries: tuple[Limit, ...]
    source: str = "<records>"
    _index: dict[tuple[str, str], Limit] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[tuple[str, str], Limit] = {}
        for lim in self.entries:
            _add_unique(index, lim, self.source)
        object.__setattr__(self, "_index", index)

    def __len__(self) -> int:
        return len(self.entries)

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]], source: str = "<records>") -> "Limits":
        """Limits from dicts with the keys :data:`COLUMNS` (e.g. ``[[amounts.limits]]`` in config).

        Missing or empty (``""``/``None``) maxima mean no limit. Errors name ``source`` and the
        record's index: ``"aml.toml: limits[2]: max_deposit '-1' is negative"``.
        """
        recs = list(records)
        if not recs:
            raise ConfigError(f"{source}: no limits given")
        parsed = (_parse_record(rec, f"{source}: limits[{i}]", _no_line) for i, rec in enumerate(recs))
        return _collect(parsed, source)

    def get(self, cls: str, currency: str) -> Limit | None:
        """The limits for ``(cls, currency)``, or ``None`` when that pair has none."""
        return self._index.get((cls, currency))

    def table(
        self, kind: Literal["deposit", "transfer"], classes: Iterable[str], currencies: Iterable[str]
    ) -> np.ndarray:
        """Limit matrix ``[class, currency]`` for the given labels, ``+inf`` where no limit.

        Why a matrix: a vectorised check looks every movement's limit up with one fancy index.
        """
        attr = "max_deposit" if kind == "deposit" else "max_transfer"
        cls_list, cur_list = list(classes), list(currencies)
        out = np.full((len(cls_list), len(cur_list)), np.inf)
        ci = {c: i for i, c in enumerate(cls_list)}
        mi = {m: j for j, m in enumerate(cur_list)}
        for (k, m), lim in self._index.items():
            value = getattr(lim, attr)
            if value is not None and k in ci and m in mi:
                out[ci[k], mi[m]] = value
        return out


# --------------------------------------------------------------------------- parsing


def _add_unique(index: dict[tuple[str, str], Limit], lim: Limit, source: str) -> None:
    """Add ``lim`` to ``index``, refusing a second entry for the same class and currency."""
    key = (lim.cls, lim.currency)
    if key in index:
        first = index[key].where or "an earlier entry"
        raise ConfigError(
            f"{lim.where or source}: duplicate limits for class '{lim.cls}' and "
            f"currency '{lim.currency}' (first at {first})"
        )
    index[key] = lim


def _collect(limits: Iterable[Limit], source: str) -> Limits:
    """Build :class:`Limits`, checking duplicates as entries arrive so errors come in file order."""
    seen: dict[tuple[str, str], Limit] = {}
    entries = []
    for lim in limits:
        _add_unique(seen, lim, source)
        entries.append(lim)
    return Limits(tuple(entries), source)


def _parse_number(raw: Any, key: str, where: str) -> float | None:
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    if isinstance(raw, bool):
        raise ConfigError(f"{where}: {key} '{raw}' is not a number")
    if isinstance(raw, (int, float)):
        value = float(raw)
    else:
        text = str(raw).strip()
        try:
            value = float(text)
        except ValueError:
            raise ConfigError(f"{where}: {key} '{text}' is not a number") from None
    if not math.isfinite(value):
        raise ConfigError(f"{where}: {key} '{raw}' is not a number")
    if value < 0:
        raise ConfigError(f"{where}: {key} '{raw}' is negative")
    return value


def _no_line(_key: str) -> str | None:
    return None


def _parse_record(rec: Mapping[str, Any], where: str, line_of: Any) -> Limit:
    """Validate one record. ``line_of(key)`` may refine ``where`` to the line of a key (TOML)."""

    def at(key: str | None) -> str:
        refined = line_of(key) if key is not None else None
        return refined or where

    if not isinstance(rec, Mapping):
        raise ConfigError(f"{where}: a limit must be a table of {_EXPECTED}")
    for key in rec:
        if key not in COLUMNS:
            raise ConfigError(f"{at(key)}: unknown key '{key}' (expected {_EXPECTED})")
    for key in ("class", "currency"):
        if key not in rec:
            raise ConfigError(f"{where}: missing key '{key}'")
    k, m = rec["class"], rec["currency"]
    if not isinstance(k, str) or not k.strip():
        raise ConfigError(f"{at('class')}: class must be a non-empty string")
    if not isinstance(m, str) or not m.strip():
        raise ConfigError(f"{at('currency')}: currency must be a non-empty string")
    k, m = k.strip(), m.strip().upper()
    if not is_known(m):
        raise ConfigError(f"{at('currency')}: unknown currency '{m}'")
    dep = _parse_number(rec.get("max_deposit"), "max_deposit", at("max_deposit"))
    tra = _parse_number(rec.get("max_transfer"), "max_transfer", at("max_transfer"))
    return Limit(k, m, dep, tra, where)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read limits file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: limits file is not UTF-8 text") from None


def _load_csv(path: Path, text: str) -> Limits:
    reader = csv.reader(text.splitlines())
    header: list[str] | None = None
    header_line = 0
    entries: list[Limit] = []
    seen: dict[tuple[str, str], Limit] = {}
    for row in reader:
        line = reader.line_num
        if not row or all(not c.strip() for c in row) or row[0].lstrip().startswith("#"):
            continue  # blank lines and comments
        where = f"{path}:{line}"
        if header is None:
            header, header_line = [c.strip() for c in row], line
            for name in header:
                if name not in COLUMNS:
                    raise ConfigError(f"{where}: unknown column '{name}' (expected {_EXPECTED})")
            for name in COLUMNS:
                if name not in header:
                    raise ConfigError(f"{where}: missing column '{name}'")
            if len(set(header)) != len(header):
                dup = next(n for n in header if header.count(n) > 1)
                raise ConfigError(f"{where}: duplicate column '{dup}'")
            continue
        if len(row) != len(header):
            raise ConfigError(f"{where}: expected {len(header)} fields, got {len(row)}")
        rec = dict(zip(header, (c.strip() for c in row)))
        lim = _parse_record(rec, where, _no_line)
        _add_unique(seen, lim, str(path))
        entries.append(lim)
    if header is None:
        raise ConfigError(f"{path}:1: empty limits file (expected the header {','.join(COLUMNS)})")
    if not entries:
        raise ConfigError(f"{path}:{header_line + 1}: no limits after the header")
    return Limits(tuple(entries), str(path))


_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")


def _load_toml(path: Path, text: str) -> Limits:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _TOML_LINE.search(msg)
        line = m.group(1) if m else "1"
        raise ConfigError(f"{path}:{line}: invalid TOML: {_TOML_LINE.sub('', msg).strip()}") from None
    lines = text.splitlines()

    def find_line(pattern: str, start: int = 0, stop: int | None = None) -> int | None:
        rx = re.compile(pattern)
        for i in range(start, len(lines) if stop is None else stop):
            if rx.match(lines[i]):
                return i + 1
        return None

    for key in doc:
        if key != "limits":
            line = find_line(rf"\s*(\[+\s*)?[\"']?{re.escape(key)}[\"']?\s*(=|\]|\.)") or 1
            raise ConfigError(f"{path}:{line}: unknown key '{key}' (expected [[limits]] tables)")
    tables = doc.get("limits")
    if tables is None:
        raise ConfigError(f"{path}:1: empty limits file (expected [[limits]] tables)")
    limits_line = find_line(r"\s*\[\[\s*limits\s*\]\]") or find_line(r"\s*limits\s*=") or 1
    if not isinstance(tables, list) or not tables:
        raise ConfigError(f"{path}:{limits_line}: limits must be a non-empty array of [[limits]] tables")

    headers = [i for i, text_line in enumerate(lines) if re.match(r"\s*\[\[\s*limits\s*\]\]", text_line)]
    entries: list[Limit] = []
    seen: dict[tuple[str, str], Limit] = {}
    for n, rec in enumerate(tables):
        if len(headers) == len(tables):
            start, stop = headers[n], headers[n + 1] if n + 1 < len(headers) else len(lines)
            where = f"{path}:{start + 1}"

            def line_of(key: str, start: int = start, stop: int = stop) -> str | None:
                found = find_line(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=", start, stop)
                return f"{path}:{found}" if found else None
        else:  # inline array form: all we know is where the array starts
            where, line_of = f"{path}:{limits_line}", _no_line
        lim = _parse_record(rec, where, line_of)
        _add_unique(seen, lim, str(path))
        entries.append(lim)
    return Limits(tuple(entries), str(path))


def load_limits(path: str | Path) -> Limits:
    """Read a limits file: TOML when the name ends in ``.toml``, CSV otherwise.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    Limits

    Raises
    ------
    ConfigError
        One line, ``file:line: problem``: unreadable or empty file, unknown/missing/duplicate
        column, wrong number of fields, empty class or currency, unknown currency, non-numeric
        or negative maximum, duplicate ``(class, currency)`` pair, invalid TOML.
    """
    p = Path(path)
    text = _read_text(p)
    if p.suffix.lower() == ".toml":
        return _load_toml(p, text)
    return _load_csv(p, text)


# --------------------------------------------------------------------------- rules


def _limit_findings(net: Network, limits: Limits, kind: Literal["deposit", "transfer"]) -> list[Finding]:
    mov, acc = net.movements, net.accounts
    if kind == "deposit":
        code, side, rule = DEPOSIT, mov.dst, "deposit_limit"  # judged against the receiver
    else:
        code, side, rule = TRANSFER, mov.src, "transfer_limit"  # judged against the sender
    rows = np.flatnonzero((np.asarray(mov.kind) == code) & (side >= 0))
    if rows.size == 0 or len(limits) == 0:
        return []
    actor = side[rows]
    acc_cls_idx, cls_uni = factorize(np.asarray(acc.cls, dtype=object))  # per account, not per row
    cls_idx = acc_cls_idx[actor]
    cur_idx, cur_uni = factorize(np.asarray(mov.currency, dtype=object)[rows])
    # Append an all-inf row/column for missing labels (factorize gives -1 for them).
    table = np.pad(limits.table(kind, [str(c) for c in cls_uni], [str(c) for c in cur_uni]),
                   ((0, 1), (0, 1)), constant_values=np.inf)
    lim = table[cls_idx, cur_idx]
    hit = mov.amount[rows] > lim  # strictly above: an amount equal to the limit is allowed
    rows, actor, lim = rows[hit], actor[hit], lim[hit]
    other = mov.dst[rows] if kind == "transfer" else np.full(rows.size, -1)
    cols = zip(rows.tolist(), actor.tolist(), mov.amount[rows].tolist(), lim.tolist(), other.tolist(),
               mov.ts[rows].tolist(), acc.cls[actor].tolist(), mov.currency[rows].tolist())
    return [
        Finding(
            rule=rule,
            account=a,
            movements=(m,),
            value=v,
            threshold=t,
            accounts=(o,) if o >= 0 and o != a else (),
            window=(ts, ts),
            details={"class": str(k), "currency": str(c), "excess": v - t},
        )
        for m, a, v, t, o, ts, k, c in cols
    ]


def deposit_limit_findings(net: Network, limits: Limits) -> list[Finding]:
    """``deposit_limit`` findings: deposits strictly above Q01(class of receiver, currency).

    Returns one :class:`Finding` per offending deposit, in movement order; ``value`` is the amount
    and ``threshold`` the limit, both in the movement's currency; ``details`` has ``class``,
    ``currency`` and ``excess``. Pairs without a deposit limit are not checked.
    """
    return _limit_findings(net, limits, "deposit")


def transfer_limit_findings(net: Network, limits: Limits) -> list[Finding]:
    """``transfer_limit`` findings: transfers strictly above Q02(class of sender, currency).

    As :func:`deposit_limit_findings`, judged against the sending account; ``accounts`` holds the
    receiver.
    """
    return _limit_findings(net, limits, "transfer")
