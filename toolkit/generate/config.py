"""Validation of :func:`toolkit.generate.generate`'s arguments.

Why up front: a generation run can take minutes and write gigabytes; a typo in a typology name
or a fraction of 10 (meant as 10 %) should fail at once with one line that lists what is
accepted, as a :class:`toolkit.errors.ConfigError` the CLI prints without a traceback.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, Sequence

from loaders.formats import LAYOUTS
from toolkit.errors import ConfigError
from toolkit.generate.hardness import HARDNESS_NAMES
from toolkit.generate.typologies import TYPOLOGIES

__all__ = ["Config", "validate", "FILE_FORMATS", "MIN_TRANSFERS", "MAX_FRACTION"]

FILE_FORMATS: tuple[str, ...] = ("csv", "parquet")
MIN_TRANSFERS = 1_000
MAX_FRACTION = 0.25
MIN_DAYS, MAX_DAYS = 7, 3_660


@dataclass(frozen=True)
class Config:
    """Checked, normalised arguments."""

    transfers: int
    seed: int
    fmt: str
    typologies: tuple[str, ...]
    laundering_fraction: float
    hardness: str
    start: str
    start_ts: int
    days: int
    file_format: str


def _choice(what: str, value: object, valid: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in valid:
        raise ConfigError(f"unknown {what} {value!r}; choose from: {', '.join(valid)}")
    return value


def _int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name} must be an integer, got {value!r}")
    return int(value)


def validate(transfers: int, seed: int, fmt: str, typologies: Sequence[str] | None,
             laundering_fraction: float, hardness: str, start: str, days: int,
             file_format: str, progress: Callable[[int], None] | None) -> Config:
    """Check every argument; raise :class:`ConfigError` with a one-line message on the first
    problem."""
    fmt = _choice("format", fmt, LAYOUTS)
    hardness = _choice("hardness", hardness, HARDNESS_NAMES)
    file_format = _choice("file format", file_format, FILE_FORMATS)
    if file_format == "parquet" and fmt != "native":
        raise ConfigError(f"file format 'parquet' is only for fmt 'native'; {fmt} is CSV only")
    if typologies is None:
        typs = TYPOLOGIES
    else:
        if isinstance(typologies, str):
            typologies = [t for t in typologies.split(",") if t]
        seen: list[str] = []
        for t in typologies:
            _choice("typology", t, TYPOLOGIES)
            if t not in seen:
                seen.append(t)
        if not seen:
            raise ConfigError(f"no typology given; choose from: {', '.join(TYPOLOGIES)}")
        typs = tuple(seen)
    transfers = _int("transfers", transfers)
    if transfers < MIN_TRANSFERS:
        raise ConfigError(f"transfers must be at least {MIN_TRANSFERS}, got {transfers}")
    seed = _int("seed", seed)
    if seed < 0:
        raise ConfigError(f"seed must be >= 0, got {seed}")
    try:
        frac = float(laundering_fraction)
    except (TypeError, ValueError):
        raise ConfigError(
            f"laundering_fraction must be a number, got {laundering_fraction!r}") from None
    if not 0.0 <= frac <= MAX_FRACTION:
        raise ConfigError(f"laundering_fraction must be in [0, {MAX_FRACTION}], got {frac}")
    days = _int("days", days)
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ConfigError(f"days must be in [{MIN_DAYS}, {MAX_DAYS}], got {days}")
    try:
        d = dt.date.fromisoformat(str(start))
    except ValueError:
        raise ConfigError(f"start must be a date YYYY-MM-DD, got {start!r}") from None
    if progress is not None and not callable(progress):
        raise ConfigError("progress must be a callable taking the number of transfers written")
    start_ts = int(dt.datetime(d.year, d.month, d.day, tzinfo=dt.timezone.utc).timestamp())
    return Config(transfers, seed, fmt, typs, frac, hardness, d.isoformat(), start_ts, days,
                  file_format)
