"""`aml load`, `aml generate`, `aml stats`: getting data into the graph and seeing what is there."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from toolkit.cli._common import (
    console,
    err_console,
    errors_as_exit,
    print_json,
    progress_bar,
    rate_updater,
    settings,
)
from toolkit.db import connect
from toolkit.errors import RejectsExceeded


def load(
    path: Path = typer.Argument(..., help="A file, or a directory with accounts.* and movements.* (or AMLSim / AMLworld files)."),
    fmt: Optional[str] = typer.Option(None, "--format", help="native, amlsim or amlworld (default: from the header)."),
    rejects: Optional[Path] = typer.Option(None, "--rejects", help="Rejects CSV (default <input>.rejects.csv)."),
    max_rejects: int = typer.Option(0, "--max-rejects", help="Rejected rows allowed before the exit status is non-zero."),
    create_missing: bool = typer.Option(False, "--create-missing", help="Create placeholder accounts for unknown account ids."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="Rows per UNWIND transaction (default from \\[load] batch_size)."),
    route: Optional[str] = typer.Option(
        None, "--route",
        help="bolt, import or auto (default \\[load] route = auto): 'import' loads into an empty local "
             "database with neo4j-admin, stopping and restarting the server; 'auto' does so from "
             "\\[load] import_min_rows rows on."),
    json_: bool = typer.Option(False, "--json", help="Print the summary as one JSON object."),
) -> None:
    """Load accounts and movements, exactly once; every bad row goes to the rejects file."""
    from loaders.load import load_path

    s = settings()
    with errors_as_exit(), connect(s) as db:
        with progress_bar("load", None) as bar:
            task = {"id": None}

            def on_file(file: Path, role: str, estimate: int | None) -> None:
                task["id"] = bar.add_task(f"{file.name}", total=estimate, rate="")
                task["advance"] = rate_updater(bar, task["id"])

            def advance(n: int) -> None:
                if task.get("advance"):
                    task["advance"](n)

            try:
                summary = load_path(
                    db, path, fmt=fmt, rejects=rejects, max_rejects=max_rejects,
                    create_missing=create_missing, batch_size=batch_size or s.load.batch_size, writers=s.load.writers,
                    route=route or s.load.route, import_min_rows=s.load.import_min_rows,
                    on_step=lambda m: err_console.print(m, markup=False),
                    max_amount=s.load.max_amount, progress=advance, on_file=on_file,
                )
            except RejectsExceeded as exc:
                summary = exc.summary  # type: ignore[attr-defined]
                if json_:
                    print_json(summary.as_dict())
                raise
    if json_:
        print_json(summary.as_dict())
    else:
        console.print(summary.line(), markup=False)


def stats(json_: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Counts of accounts and movements, and the amount total (rounded to cents)."""
    from toolkit.stats import graph_stats

    with errors_as_exit(), connect(settings()) as db:
        st = graph_stats(db)
    if json_:
        print_json(st)
        return
    for k, v in st.items():
        console.print(f"{k:<14} {v:,.2f}" if isinstance(v, float) else f"{k:<14} {v:,}")


def generate(
    transfers: int = typer.Option(..., "--transfers", help="Number of account-to-account transfers."),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed gives the same bytes."),
    out: Path = typer.Option(..., "--out", help="Output directory."),
    fmt: str = typer.Option("native", "--format", help="native, amlsim or amlworld."),
    typologies: Optional[str] = typer.Option(None, "--typologies", help="Comma-separated typologies to inject (default: all)."),
    laundering_fraction: float = typer.Option(0.01, "--laundering-fraction", help="Share of bank accounts involved in laundering."),
    hardness: str = typer.Option("medium", "--hardness", help="low, medium or high."),
    file_format: str = typer.Option("csv", "--file-format", help="csv or parquet (native only)."),
    json_: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
) -> None:
    """Generate a synthetic bank with injected laundering typologies and their ground truth."""
    from toolkit.generate import generate as gen

    with errors_as_exit():
        with progress_bar("generate", transfers) as bar:
            task = bar.add_task("transfers", total=transfers, rate="")
            res = gen(
                out, transfers=transfers, seed=seed, fmt=fmt,
                typologies=[t.strip() for t in typologies.split(",")] if typologies else None,
                laundering_fraction=laundering_fraction, hardness=hardness, file_format=file_format,
                progress=_absolute(bar, task),
            )
    info = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(res).items()} if hasattr(res, "__dict__") else {}
    if not info:
        from dataclasses import asdict

        info = asdict(res)
    if json_:
        print_json(info)
    else:
        console.print(f"wrote {out} ({fmt}) in {getattr(res, 'seconds', 0):.1f} s", markup=False)


def _absolute(bar, task):
    """The generator reports transfers written so far (absolute); the bar wants increments."""
    last = [0]
    step = rate_updater(bar, task, "transfers")

    def cb(done: int) -> None:
        step(done - last[0])
        last[0] = done

    return cb
