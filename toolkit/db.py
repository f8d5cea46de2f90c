"""The connection to Neo4j, and running the named queries of ``cypher/``.

Why a wrapper around the driver: every command needs the same three things done the same way:
driver errors turned into one-line messages (a wrong password or a server that is down must never
print a traceback), managed transactions so transient errors are retried by the driver, and
batched ``UNWIND $rows`` writes. Query text only ever comes from ``.cypher`` files; values travel
as parameters.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Sequence

import neo4j
from neo4j import GraphDatabase, Query, RoutingControl
from neo4j import exceptions as nex

from toolkit.config import Settings
from toolkit.errors import ConnectionFailed, QueryError
from toolkit.queries import CypherFile, load_query

__all__ = ["Database", "connect", "WriteResult"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WriteResult:
    """What a batched write did."""

    query: str
    rows: int
    written: int
    batches: int


def _describe(exc: Exception, uri: str, user: str) -> ConnectionFailed:
    if isinstance(exc, nex.AuthError):
        return ConnectionFailed(
            f"Neo4j at {uri} refused the credentials of user '{user}': check AML_NEO4J_PASSWORD "
            "(or the password file of the local server)"
        )
    if isinstance(exc, (nex.ServiceUnavailable, nex.SessionExpired, OSError)):
        hint = "start it with `aml server start`" if "127.0.0.1" in uri or "localhost" in uri else "check AML_NEO4J_URI"
        return ConnectionFailed(f"cannot reach Neo4j at {uri}: {hint}")
    if isinstance(exc, nex.ConfigurationError):
        return ConnectionFailed(f"bad Neo4j URI {uri!r}: {exc}")
    if isinstance(exc, nex.ClientError) and "DatabaseNotFound" in (exc.code or ""):
        return ConnectionFailed(f"Neo4j at {uri} has no such database: {exc.message}")
    return ConnectionFailed(f"Neo4j at {uri}: {exc}")


class Database:
    """An open connection: the driver plus the database name.

    Use :func:`connect` to make one. ``run`` executes a named query from ``cypher/``.
    """

    def __init__(self, driver: neo4j.Driver, settings: Settings) -> None:
        self.driver = driver
        self.settings = settings
        self.database = settings.neo4j.database
        self.uri = settings.neo4j.uri

    # -- named queries -------------------------------------------------------------------------
    def _query(self, name: str, params: dict[str, Any]) -> tuple[CypherFile, Query]:
        cf = load_query(name)
        cf.check_params(params)
        return cf, Query(cf.text, metadata={"query": name})  # type: ignore[arg-type]

    def run(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """Run a named query in a managed transaction (retried on transient errors); rows as dicts."""
        cf, query = self._query(name, params)
        routing = RoutingControl.READ if cf.mode == "read" else RoutingControl.WRITE
        log.debug("query %s params=%s", name, sorted(params))
        try:
            records, _summary, keys = self.driver.execute_query(
                query, parameters_=params, database_=self.database, routing_=routing
            )
        except (nex.ServiceUnavailable, nex.SessionExpired, nex.AuthError) as exc:
            raise _describe(exc, self.uri, self.settings.neo4j.user) from None
        except nex.Neo4jError as exc:
            raise QueryError(
                f"query {name} failed ({exc.code}): {exc.message} [parameters: {', '.join(sorted(params))}]"
            ) from None
        return [dict(zip(keys, r.values())) for r in records]

    def run_autocommit(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """Run a named query in an auto-commit transaction (needed for ``CALL {...} IN
        TRANSACTIONS``, which commits its own batches and so cannot run inside a managed one)."""
        _cf, query = self._query(name, params)
        try:
            with self.driver.session(database=self.database) as session:
                result = session.run(query, params)
                return [r.data() for r in result]
        except (nex.ServiceUnavailable, nex.SessionExpired, nex.AuthError) as exc:
            raise _describe(exc, self.uri, self.settings.neo4j.user) from None
        except nex.Neo4jError as exc:
            raise QueryError(f"query {name} failed ({exc.code}): {exc.message}") from None

    def run_one(self, name: str, /, **params: Any) -> dict[str, Any] | None:
        rows = self.run(name, **params)
        return rows[0] if rows else None

    def run_script(self, name: str) -> int:
        """Run every statement of a multi-statement file (schema), each in its own transaction."""
        cf = load_query(name)
        n = 0
        for stmt in cf.statements():
            try:
                self.driver.execute_query(
                    Query(stmt, metadata={"query": name}),  # type: ignore[arg-type]
                    database_=self.database,
                    routing_=RoutingControl.WRITE,
                )
            except (nex.ServiceUnavailable, nex.SessionExpired, nex.AuthError) as exc:
                raise _describe(exc, self.uri, self.settings.neo4j.user) from None
            except nex.Neo4jError as exc:
                raise QueryError(f"{name}: statement {n + 1} failed ({exc.code}): {exc.message}") from None
            n += 1
        return n

    def write_batches(
        self,
        name: str,
        /,
        rows: Sequence[dict[str, Any]] | Iterable[Sequence[dict[str, Any]]],
        batch_size: int = 10000,
        progress: Callable[[int], None] | None = None,
        **params: Any,
    ) -> WriteResult:
        """Run a write query once per batch of ``rows`` (bound to ``$rows``), each batch in its
        own managed transaction, so a retried batch is re-sent whole and applied once.

        The query must end with ``RETURN count(*) AS written`` (or another single number
        ``written``).
        """
        written = batches = total = 0
        for batch in _batches(rows, batch_size):
            res = self.run(name, rows=batch, **params)
            written += int(res[0]["written"]) if res else 0
            batches += 1
            total += len(batch)
            if progress:
                progress(len(batch))
        return WriteResult(name, total, written, batches)

    def stream(self, name: str, /, **params: Any) -> Iterator[neo4j.Record]:
        """Stream a large read without holding all records (a read transaction, not retried)."""
        cf, query = self._query(name, params)
        with self.driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS) as session:
            try:
                result = session.run(query, params)
                yield from result
            except (nex.ServiceUnavailable, nex.SessionExpired) as exc:
                raise _describe(exc, self.uri, self.settings.neo4j.user) from None
            except nex.Neo4jError as exc:
                raise QueryError(f"query {name} failed ({exc.code}): {exc.message}") from None

    def cypher(self, text: str, /, **params: Any) -> list[dict[str, Any]]:
        """Run literal Cypher written in the toolkit's code (never user text). For GDS calls and
        administration whose text is fixed; values still go as parameters."""
        try:
            records, _s, keys = self.driver.execute_query(
                text, parameters_=params, database_=self.database  # type: ignore[arg-type]
            )
        except (nex.ServiceUnavailable, nex.SessionExpired, nex.AuthError) as exc:
            raise _describe(exc, self.uri, self.settings.neo4j.user) from None
        except nex.Neo4jError as exc:
            raise QueryError(f"query failed ({exc.code}): {exc.message}") from None
        return [dict(zip(keys, r.values())) for r in records]

    def reconnect(self) -> None:
        """Replace the driver by a new one. Needed after the database was replaced underneath
        (``neo4j-admin database import``): the old driver's bookmarks name transactions the new
        store never had, and every query would wait for them until it timed out."""
        fresh = connect(self.settings)
        old, self.driver = self.driver, fresh.driver
        old.close()

    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _batches(rows: Any, size: int) -> Iterator[list[dict[str, Any]]]:
    if isinstance(rows, (list, tuple)) and (not rows or isinstance(rows[0], dict)):
        for i in range(0, len(rows), size):
            yield list(rows[i : i + size])
        return
    for chunk in rows:  # already batched
        chunk = list(chunk)
        for i in range(0, len(chunk), size):
            yield chunk[i : i + size]


def connect(settings: Settings, verify: bool = True) -> Database:
    """Open the driver and check that the server answers and accepts the credentials.

    Raises
    ------
    ConnectionFailed
        One line: unreachable, wrong password, bad URI or missing database.
    """
    n = settings.neo4j
    try:
        driver = GraphDatabase.driver(
            n.uri,
            auth=(n.user, n.password),
            connection_timeout=n.connection_timeout,
            max_transaction_retry_time=n.max_retry_time,
            notifications_min_severity="OFF",
            warn_notification_severity="OFF",
        )
    except (nex.ConfigurationError, ValueError) as exc:
        raise ConnectionFailed(f"bad Neo4j URI {n.uri!r}: {exc}") from None
    if verify:
        try:
            # an auto-commit query: no retries, so a dead server is reported at once
            with driver.session(database=n.database) as session:
                session.run("RETURN 1").consume()
        except Exception as exc:  # noqa: BLE001 - every failure here is reported as one line
            driver.close()
            raise _describe(exc, n.uri, n.user) from None
    return Database(driver, settings)
