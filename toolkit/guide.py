"""A Neo4j Browser guide that walks an investigator through the saved queries.

Why generated: the guide shows the saved queries of ``cypher/saved/`` exactly as they are in the
repository (one source of truth), with example parameters taken from the graph at hand (the most
flagged account, an optimal path), so every slide runs on the demo graph as it is.

Serve it with ``aml guide --serve`` and open it in Browser with
``:play http://localhost:8001/aml.html`` (Browser allows guides from localhost by default).
"""

from __future__ import annotations

import html
import http.server
import json
import re
import socketserver
import threading
from pathlib import Path
from typing import Any

from toolkit.db import Database
from toolkit.errors import ToolkitError
from toolkit.queries import CypherFile, load_query

__all__ = ["GUIDE_ORDER", "example_params", "render_guide", "write_guide", "serve_guide"]

#: The slides, in the order an investigation goes: (saved query, what to say about it).
GUIDE_ORDER: tuple[tuple[str, str], ...] = (
    ("saved/latest_run", "Start from the latest detection run: which detector ran, when, and how many accounts it flagged."),
    ("saved/top_risky_accounts", "The accounts to look at first: the combined risk score and its reasons."),
    ("saved/why_flagged", "Why one account is flagged: each rule, the value, the bound or limit it crossed, the movements."),
    ("saved/account_flags", "Everything flagged for one account, with the movements behind each flag."),
    ("saved/money_flow", "Money flowing around the account, two hops in and out: switch to the graph view."),
    ("saved/paths_through_account", "Laundering paths from placement to integration that pass through the account."),
    ("saved/optimal_paths_ranked", "The launderer's optimal paths, ranked by utility, with R1 and R2."),
    ("saved/path_hops", "The hops of one path: accounts, amounts and times, in order."),
    ("saved/structuring_recent", "Cash split into deposits just under the reporting threshold in the last N days."),
    ("saved/accounts_above_bound", "Accounts with movements above their own statistical bound."),
    ("saved/abnormal_clusters", "Accounts the embedding clusters mark as abnormal actors."),
)


def _first(db: Database, text: str, **params: Any) -> Any:
    try:
        rows = db.cypher(text, **params)
    except ToolkitError:
        return None
    return next(iter(rows[0].values())) if rows else None


def example_params(db: Database | None) -> dict[str, Any]:
    """Example values from the graph: the most flagged account, an optimal path."""
    values: dict[str, Any] = {}
    if db is None:
        return values
    acc = _first(db, "MATCH (a:Account) WHERE a.amlScore IS NOT NULL RETURN a.id ORDER BY a.amlScore DESC, a.id LIMIT 1") or \
        _first(db, "MATCH (f:Flag)-[:FLAGS]->(a:Account) RETURN a.id AS id, count(f) AS n ORDER BY n DESC, id LIMIT 1")
    if acc:
        values["account_id"] = acc
    path = _first(db, "MATCH (p:LaunderingPath) RETURN p.id ORDER BY p.optimal DESC, p.utility DESC LIMIT 1")
    if path:
        values["path_id"] = path
    through = _first(db, "MATCH (p:LaunderingPath)-[:STEP]->(a:Account) RETURN a.id ORDER BY p.utility DESC LIMIT 1")
    if through:
        values["through_account_id"] = through
    newest = _first(db, "MATCH ()-[d:DEPOSIT]->() RETURN toString(max(d.ts))")
    if newest:
        values["as_of"] = newest
    return values


def _params_block(cf: CypherFile, examples: dict[str, Any]) -> str:
    m = re.search(r"/\*\s*:params\s*(\{.*?\})\s*\*/", cf.text, re.S)
    block = m.group(1) if m else "{}"
    for name in cf.params:
        key = {"account_id": "account_id"}.get(name, name)
        if name == "account_id" and "paths_through" in cf.name and "through_account_id" in examples:
            value: Any = examples["through_account_id"]
        else:
            value = examples.get(key)
        if value is None:
            continue
        literal = f"datetime('{value}')" if name == "as_of" else json.dumps(value)
        block = re.sub(rf"(\b{name}\s*:\s*)([^,}}]+(\([^)]*\))?)", lambda mm: mm.group(1) + literal, block, count=1)
    return f":params {block}"


def _body(cf: CypherFile) -> str:
    lines = [ln for ln in cf.text.splitlines() if not ln.startswith("//")]
    text = "\n".join(lines)
    return re.sub(r"/\*\s*:params.*?\*/\s*", "", text, flags=re.S).strip()


def render_guide(db: Database | None = None) -> str:
    """The guide as one HTML document in Neo4j Browser's guide format."""
    examples = example_params(db)
    slides = [
        "<slide class=\"row-fluid\"><div class=\"col-sm-12\"><h3>AML investigation walk-through</h3>"
        "<p>Each slide runs one saved query of the toolkit (<code>cypher/saved/</code>). Click the "
        "<code>:params</code> block first to set the example parameters, then the query.</p>"
        "<p>Every result here was computed by <code>aml detect</code> and written back, tied to its "
        "<code>(:DetectionRun)</code>.</p></div></slide>"
    ]
    for name, note in GUIDE_ORDER:
        try:
            cf = load_query(name)
        except ToolkitError:
            continue
        params = _params_block(cf, examples)
        slides.append(
            "<slide class=\"row-fluid\"><div class=\"col-sm-12\">"
            f"<h3>{html.escape(cf.purpose)}</h3><p>{html.escape(note)}</p>"
            f"<pre class=\"pre-scrollable code runnable\">{html.escape(params)}</pre>"
            f"<pre class=\"pre-scrollable code runnable\">{html.escape(_body(cf))}</pre>"
            f"<p><small>{html.escape(name)}.cypher</small></p></div></slide>"
        )
    return (
        "<article class=\"guide\"><carousel class=\"deck container-fluid\">"
        + "\n".join(slides)
        + "</carousel></article>\n"
    )


def write_guide(out_dir: str | Path, db: Database | None = None) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "aml.html"
    path.write_text(render_guide(db), encoding="utf-8")
    return path


def serve_guide(directory: str | Path, port: int = 8001) -> tuple[socketserver.TCPServer, threading.Thread]:
    """Serve the guide on localhost (Browser fetches it cross-origin, so CORS is allowed)."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(directory), **kwargs)

        def end_headers(self) -> None:
            self.send_header("Access-Control-Allow-Origin", "*")
            super().end_headers()

        def log_message(self, *args: Any) -> None:  # quiet
            pass

    httpd = socketserver.TCPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    return httpd, thread
