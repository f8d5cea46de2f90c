"""`aml refresh`: the scheduled job."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from toolkit.cli._common import console, err_console, settings


def refresh(
    inbox: Optional[Path] = typer.Option(None, "--inbox", help="Directory of new files (default \\[refresh] inbox)."),
    all_: bool = typer.Option(False, "--all", help="Re-run detection even when nothing new was loaded."),
    json_: bool = typer.Option(False, "--json", help="Print the run's JSON line."),
) -> None:
    """Load movements newer than the watermark, re-run detection, update scores (for cron).

    Exit codes: 0 done or nothing new; 1 failed; 2 configuration; 4 database unreachable;
    5 rows rejected beyond \\[refresh] max_rejects; 75 another refresh is running.
    """
    from dataclasses import asdict

    from toolkit.errors import ToolkitError
    from toolkit.refresh import refresh as run_refresh

    try:
        res = run_refresh(settings(), inbox=inbox, all_accounts=all_)
    except ToolkitError as exc:
        err_console.print(f"error: {exc}", markup=False)
        raise typer.Exit(code=exc.exit_code) from None
    if json_:
        console.print_json(json.dumps(asdict(res), default=str))
    else:
        console.print(
            f"{res.status}: loaded {res.loaded:,}, rejected {res.rejected:,}, already present "
            f"{res.already_present:,}" + (f"; detection run {res.detection_run}" if res.detection_run else ""),
            markup=False,
        )
    if res.exit_code:
        raise typer.Exit(code=res.exit_code)


def guide(
    out: Path = typer.Option(Path("out/guide"), "--out", help="Where to write aml.html."),
    serve: bool = typer.Option(False, "--serve", help="Serve it on localhost until Ctrl-C."),
    port: int = typer.Option(8001, "--port", help="Port for --serve."),
) -> None:
    """Write the Neo4j Browser guide (saved queries with examples from the graph); optionally serve it."""
    import time

    from toolkit.cli._common import errors_as_exit
    from toolkit.db import connect
    from toolkit.guide import serve_guide, write_guide

    with errors_as_exit(), connect(settings()) as db:
        path = write_guide(out, db)
    console.print(f"wrote {path}", markup=False)
    if serve:
        httpd, _t = serve_guide(out, port)
        console.print(f"in Neo4j Browser run:  :play http://localhost:{port}/{path.name}   (Ctrl-C stops)", markup=False)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            httpd.shutdown()


def report(
    out: Path = typer.Option(..., "--out", help="Directory for index.html and the PNG plots."),
    run: Optional[str] = typer.Option(None, "--run", help="Detection run id (default: the latest)."),
) -> None:
    """An HTML report of a detection run: counts per rule, top accounts, paths, clusters, evaluation."""
    from toolkit.cli._common import errors_as_exit
    from toolkit.db import connect
    from toolkit.report import write_report

    with errors_as_exit(), connect(settings()) as db:
        page = write_report(db, out, run)
    console.print(f"wrote {page}", markup=False)
