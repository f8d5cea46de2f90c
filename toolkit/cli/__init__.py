"""The `aml` command line: a thin typer layer over the :mod:`toolkit` library.

Each command parses its options, makes one library call and prints the result. One sub-app per
area, joined here with ``add_typer``.
"""

from __future__ import annotations

from typing import Optional

import typer

from toolkit import admin
from toolkit.cli import bench as bench_cli
from toolkit.cli import data as data_cli
from toolkit.cli import db as db_cli
from toolkit.cli import detect as detect_cli
from toolkit.cli import ops as ops_cli
from toolkit.cli import paths as paths_cli
from toolkit.cli import ai as ai_cli
from toolkit.cli import server as server_cli
from toolkit.cli._common import console, errors_as_exit, print_json, set_global, settings, err_console

app = typer.Typer(
    help="AML graph toolkit: load a bank's movements into Neo4j, find laundering paths, flag "
    "abnormal amounts and actors.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals would hold the Neo4j password
    add_completion=False,
)


@app.callback()
def _main(
    config: Optional[str] = typer.Option(None, "--config", "-c", help="TOML settings file (default ./aml.toml)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log queries and timings."),
) -> None:
    set_global(config, verbose)


app.add_typer(server_cli.app, name="server")
app.add_typer(db_cli.app, name="db")
app.command("load")(data_cli.load)
app.command("generate")(data_cli.generate)
app.command("stats")(data_cli.stats)
app.add_typer(detect_cli.app, name="detect")
app.command("explain")(detect_cli.explain)
app.command("refresh")(ops_cli.refresh)
app.command("guide")(ops_cli.guide)
app.command("report")(ops_cli.report)
app.add_typer(bench_cli.app, name="bench")
app.add_typer(paths_cli.app, name="paths")
detect_cli.app.add_typer(ai_cli.embeddings_app, name="embeddings")
app.command("scores")(ai_cli.scores)
app.command("evaluate")(ai_cli.evaluate)


@app.command()
def doctor(json_: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Check the configured server: versions of Neo4j, GDS, APOC; Browser; memory settings."""
    with errors_as_exit():
        report = admin.doctor(settings())
    if json_:
        print_json(admin.as_dict(report))
    elif report.connected:
        console.print(f"Bolt URI       {report.bolt_uri} (database {report.database})")
        console.print(f"Neo4j          {report.neo4j_version or '-'} {report.edition or ''}")
        console.print(f"GDS            {report.gds_version or '-'}"
                      + (f" ({report.gds_procedures} procedures)" if report.gds_procedures else ""))
        console.print(f"APOC           {report.apoc_version or '-'}")
        console.print(f"Browser        {report.browser_url} {'ok' if report.browser_ok else 'NOT answering'}")
        for k, v in report.memory.items():
            console.print(f"{k:<38} {v}")
    for line in report.failures:
        err_console.print(f"error: {line}", markup=False)
    if not report.ok:
        raise typer.Exit(code=1)
