"""`aml db ...`: schema and clearing of the configured database."""

from __future__ import annotations

import typer

from toolkit import admin
from toolkit.cli._common import console, err_console, errors_as_exit, settings
from toolkit.db import connect

app = typer.Typer(help="The configured database: schema, clearing.", no_args_is_help=True)


@app.command()
def init() -> None:
    """Create the constraints and indexes of cypher/schema.cypher (idempotent)."""
    with errors_as_exit(), connect(settings()) as db:
        n = admin.init_schema(db)
    console.print(f"schema ready ({n} statements)")


@app.command()
def clear(
    yes: bool = typer.Option(False, "--yes", help="Really delete all data."),
    force: bool = typer.Option(False, "--force", help="Allow clearing a non-local database."),
) -> None:
    """Delete all data of the configured database, in batches (constraints and indexes stay)."""
    if not yes:
        err_console.print("error: refusing to delete all data without --yes", markup=False)
        raise typer.Exit(code=2)
    with errors_as_exit(), connect(settings()) as db:
        before = admin.clear_database(db, force_remote=force)
    console.print(f"cleared {before['nodes']} nodes and {before['relationships']} relationships")
