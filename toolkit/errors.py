"""Errors the toolkit raises on purpose.

Every failure a user can cause or fix (bad input, bad configuration, a server that is down or
refuses the password) is a :class:`ToolkitError` whose ``str()`` is one line saying where and what.
The CLI prints that line and exits non-zero; anything else is a bug and keeps its traceback.

Hierarchy::

    ToolkitError
    ├── ConfigError          aml.toml / environment / limits file problems
    ├── ServerError          the local server: install, start, stop (carries a log tail)
    ├── ConnectionFailed     Bolt unreachable, wrong password, missing database
    ├── QueryError           a .cypher file failed, or was called with wrong parameters
    ├── LoadError            one bad input row / file, rendered ``file:row: field 'x': problem``
    │   └── RejectsExceeded  a load rejected more rows than --max-rejects allows
    ├── NotFound             an id the user named is not in the graph
    └── LockHeld             another refresh holds the lock
"""

from __future__ import annotations

__all__ = [
    "ToolkitError",
    "ConfigError",
    "ServerError",
    "ConnectionFailed",
    "QueryError",
    "LoadError",
    "RejectsExceeded",
    "NotFound",
    "LockHeld",
]


class ToolkitError(Exception):
    """Base class: a one-line, user-facing error. ``exit_code`` is what the CLI exits with."""

    exit_code: int = 1


class ConfigError(ToolkitError):
    """Configuration (aml.toml, environment, a limits file) is missing or wrong."""

    exit_code = 2


class ServerError(ToolkitError):
    """The local Neo4j server could not be installed, started or stopped.

    ``log_tail`` holds the last lines of the server log, printed under the one-line message.
    """

    exit_code = 3

    def __init__(self, message: str, log_tail: str = "") -> None:
        super().__init__(message)
        self.log_tail = log_tail


class ConnectionFailed(ToolkitError):
    """The database could not be reached, or refused the credentials."""

    exit_code = 4


class QueryError(ToolkitError):
    """A named query failed or was called with missing/unknown parameters."""


class LoadError(ToolkitError):
    """A problem with one input file or row: ``file:row: field 'f': problem``."""

    def __init__(self, path: str, row: int | None, field: str | None, problem: str) -> None:
        self.path, self.row, self.field, self.problem = path, row, field, problem
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path if self.row is None else f"{self.path}:{self.row}"
        what = f"field '{self.field}': {self.problem}" if self.field else self.problem
        return f"{where}: {what}"


class RejectsExceeded(ToolkitError):
    """A load finished but rejected more rows than allowed (the summary says how many)."""

    exit_code = 5


class NotFound(ToolkitError):
    """An account, path or run named by the user does not exist."""


class LockHeld(ToolkitError):
    """Another refresh is running (the lock file names its pid)."""

    exit_code = 75  # EX_TEMPFAIL: cron may simply try again later
