"""`aml bench ...`: benchmarks (kept apart from the tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from toolkit.cli._common import console, errors_as_exit, print_json, settings

app = typer.Typer(help="Benchmarks: the paper's per-phase pipeline benchmark, and loading.",
                  invoke_without_command=True)


@app.callback()
def bench_main(
    ctx: typer.Context,
    transfers: str = typer.Option("600000,1100000,1600000,2100000", "--transfers", help="Comma-separated sizes."),
    methods: str = typer.Option("ours,ml,ml_rw", "--methods", help="Comma-separated: ours, ml, ml_rw."),
    json_: bool = typer.Option(False, "--json", help="Print a JSON list of {method, transfers, phase, seconds, py_peak_mb, server_heap_peak_mb}."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Generator seed (default \\[general] random_seed)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Also write the records to this JSON file."),
    yes: bool = typer.Option(False, "--yes", help="Allow clearing a non-empty database."),
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="Where generated data sets are cached (default <server cache>/datasets)."),
) -> None:
    """Time and memory per phase of ours, ML and ML + random walk at the paper's sizes (or `bench load`)."""
    if ctx.invoked_subcommand is not None:
        return
    from toolkit.cli.ai import bench

    bench(transfers=transfers, methods=methods, json_=json_, seed=seed, out=out, yes=yes, cache_dir=cache_dir)


@app.command("load")
def load(
    transfers: int = typer.Option(2_100_000, "--transfers", help="Size of the generated data set."),
    seed: int = typer.Option(42, "--seed", help="Generator seed (data is cached per size and seed)."),
    json_: bool = typer.Option(False, "--json", help="Print a JSON list."),
) -> None:
    """Load time, rows/s and peak RSS of the loader and the server JVM (clears the database)."""
    from dataclasses import asdict

    from toolkit.bench_load import bench_load

    with errors_as_exit():
        rows = bench_load(settings(), transfers, seed)
    if json_:
        print_json([asdict(r) for r in rows])
        return
    table = Table(title=f"load benchmark, {transfers:,} transfers")
    for col in ("route", "rows", "seconds", "rows/s", "Python peak MB", "server peak MB"):
        table.add_column(col)
    for r in rows:
        table.add_row(r.route, f"{r.rows:,}", f"{r.seconds:.1f}", f"{r.rows_per_s:,.0f}", f"{r.py_peak_mb:.0f}",
                      "-" if r.server_peak_mb is None else f"{r.server_peak_mb:.0f}")
    console.print(table)
