"""Administration of the configured database: schema, clearing, and the health check.

Why here and not in the CLI: tests and demos clear the database between runs and the refresh job
initialises the schema, so these are library calls; the CLI only adds the ``--yes`` guard.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from typing import Any

from toolkit.config import Settings
from toolkit.db import Database, connect
from toolkit.errors import ConfigError, ToolkitError

__all__ = ["init_schema", "clear_database", "Doctor", "doctor", "browser_url"]


def init_schema(db: Database) -> int:
    """Create the constraints and indexes of ``cypher/schema.cypher`` (idempotent) and wait for
    the indexes to come online, so that the first load already uses them."""
    n = db.run_script("schema")
    db.cypher("CALL db.awaitIndexes(300)")
    return n


def clear_database(db: Database, batch_size: int = 50000, force_remote: bool = False) -> dict[str, int]:
    """Delete every node and relationship of the configured database, in batches.

    Refuses a non-local URI unless ``force_remote`` (a shared or production database must not be
    wiped by a mistyped command). GDS projections of the database are dropped too, since they
    would describe data that no longer exists. Constraints and indexes stay.
    """
    if not db.settings.neo4j.is_local and not force_remote:
        raise ConfigError(
            f"refusing to clear {db.uri}: it is not a local server (pass --force to clear it anyway)"
        )
    before = db.run_one("admin/count_all") or {"nodes": 0, "relationships": 0}
    try:
        db.cypher(
            "CALL gds.graph.list() YIELD graphName, database WHERE database = $db "
            "CALL gds.graph.drop(graphName, false) YIELD graphName AS dropped RETURN count(*) AS n",
            db=db.database,
        )
    except ToolkitError:
        pass  # no GDS on this server: nothing to drop
    db.run_autocommit("admin/clear_relationships", batch_size=batch_size)
    db.run_autocommit("admin/clear_nodes", batch_size=batch_size)
    return {"nodes": int(before["nodes"]), "relationships": int(before["relationships"])}


def browser_url(settings: Settings) -> str:
    """Where Neo4j Browser answers: the local server's HTTP port, or ``[neo4j] browser_url``."""
    if settings.neo4j.browser_url:
        return settings.neo4j.browser_url
    if settings.neo4j.is_local:
        return f"http://127.0.0.1:{settings.server.http_port}/browser/"
    host = settings.neo4j.uri.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
    return f"https://{host}/browser/"


@dataclass
class Doctor:
    """What ``aml doctor`` found. ``failures`` holds one line per failed check, with the fix."""

    bolt_uri: str
    database: str
    neo4j_version: str | None = None
    edition: str | None = None
    gds_version: str | None = None
    gds_procedures: int | None = None
    apoc_version: str | None = None
    browser_url: str = ""
    browser_ok: bool = False
    memory: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    connected: bool = False
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_json(self) -> str:
        d = asdict(self)
        d["ok"] = self.ok
        return json.dumps(d, sort_keys=True)


def _http_ok(url: str, timeout: float = 5.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - URL from config
            return 200 <= resp.status < 400
    except (urllib.error.URLError, OSError, ValueError):
        return False


def doctor(settings: Settings) -> Doctor:
    """Connect with the configured settings and check server, GDS, APOC and Browser.

    A connection failure is reported as the only failure (the other checks need a connection).
    """
    t0 = time.perf_counter()
    report = Doctor(bolt_uri=settings.neo4j.uri, database=settings.neo4j.database)
    report.browser_url = browser_url(settings)
    try:
        db = connect(settings)
    except ToolkitError as exc:
        report.failures.append(str(exc))
        report.seconds = time.perf_counter() - t0
        return report
    report.connected = True
    with db:
        for row in db.run("admin/components"):
            if row["name"] == "Neo4j Kernel":
                report.neo4j_version, report.edition = row["version"], row["edition"]
        if not (report.neo4j_version or "").startswith("5.26"):
            report.failures.append(
                f"Neo4j {report.neo4j_version} is not the 5.26 LTS line the toolkit is tested on"
            )
        try:
            gds = db.run_one("admin/gds_version") or {}
            report.gds_version, report.gds_procedures = gds.get("version"), gds.get("procedures")
        except ToolkitError:
            report.failures.append(
                "Graph Data Science is not installed: run `aml server install` (local) or add the GDS plugin"
            )
        try:
            report.apoc_version = (db.run_one("admin/apoc_version") or {}).get("version")
        except ToolkitError:
            report.failures.append("APOC core is not installed: run `aml server install` or add the APOC plugin")
        try:
            report.memory = {r["name"]: str(r["value"]) for r in db.run("admin/memory_settings")}
        except ToolkitError:
            report.memory = {}
    report.browser_ok = _http_ok(report.browser_url)
    if not report.browser_ok:
        report.failures.append(
            f"Neo4j Browser does not answer at {report.browser_url}: check the HTTP connector"
        )
    report.seconds = time.perf_counter() - t0
    return report


def as_dict(report: Doctor) -> dict[str, Any]:
    return json.loads(report.to_json())
