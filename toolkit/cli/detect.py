"""`aml detect ...` and `aml explain`: detection runs and the reasons they give."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from toolkit.cli._common import console, errors_as_exit, print_json, settings
from toolkit.db import connect

app = typer.Typer(help="Detection runs: amounts, typologies, paths, embeddings, all.", no_args_is_help=False,
                  invoke_without_command=True)


@app.command("amounts")
def amounts(
    limits: Optional[Path] = typer.Option(None, "--limits", help="Q01/Q02 limits file (CSV class,currency,max_deposit,max_transfer or TOML)."),
    alpha: Optional[float] = typer.Option(None, "--alpha", help="One-sided level of the per-account bound (default 0.05)."),
    bound: Optional[str] = typer.Option(None, "--bound", help="prediction (default) or mean."),
    log_scale: Optional[bool] = typer.Option(None, "--log-scale/--linear-scale", help="Fit bounds on log amounts."),
    json_: bool = typer.Option(False, "--json", help="Print one object: rule id -> count."),
) -> None:
    """Abnormal amounts: per-account bounds, class/currency limits, structuring, capital mismatch."""
    from toolkit.jobs.amounts import amount_params, run_amounts

    s = settings()
    with errors_as_exit():
        params = amount_params(s, limits=limits, alpha=alpha, bound=bound, log_scale=log_scale)
        with connect(s) as db:
            res = run_amounts(db, params)
    if json_:
        print_json(res.counts)
        return
    table = Table(title=f"amount rules (run {res.run_id})")
    table.add_column("rule")
    table.add_column("flags", justify="right")
    for rule, n in res.counts.items():
        table.add_row(rule, f"{n:,}")
    console.print(table)


@app.command("typologies")
def typologies(
    only: Optional[str] = typer.Option(None, "--only", help="Comma-separated typology ids, e.g. fan_in,cycle (default: all)."),
    json_: bool = typer.Option(False, "--json", help="Print one object: typology id -> count."),
) -> None:
    """Typologies by their shape in time: fan_in, fan_out, scatter_gather, gather_scatter, cycle, layering."""
    from toolkit.jobs.typologies import run_typology_job, typology_params

    s = settings()
    with errors_as_exit():
        params = typology_params(s)
        wanted = [t.strip() for t in only.split(",") if t.strip()] if only else None
        if wanted:
            from toolkit.errors import ConfigError
            from toolkit.findings import TYPOLOGY_IDS

            bad = [t for t in wanted if t not in TYPOLOGY_IDS]
            if bad:
                raise ConfigError(f"unknown typology {', '.join(bad)} (expected one of {', '.join(TYPOLOGY_IDS)})")
        with connect(s) as db:
            res = run_typology_job(db, params, only=wanted)
    if json_:
        print_json(res.counts)
        return
    table = Table(title=f"typologies (run {res.run_id})")
    table.add_column("typology")
    table.add_column("hits", justify="right")
    table.add_column("seconds", justify="right")
    for t, n in res.counts.items():
        table.add_row(t, f"{n:,}", f"{res.seconds.get(t, 0.0):.2f}")
    console.print(table)
    console.print(f"{res.scored_accounts:,} accounts with a typology score", markup=False)


def explain(
    account_id: str = typer.Argument(..., help="The account's id."),
    limit: int = typer.Option(20, "--limit", help="Rows shown in the table (--json lists all)."),
    json_: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Every reason an account is flagged (rules, typologies, paths, clusters)."""
    from toolkit.explain import explain as explain_account

    with errors_as_exit(), connect(settings()) as db:
        out = explain_account(db, account_id)
    if json_:
        print_json(out)
        return
    if not out["reasons"]:
        console.print(f"account {account_id}: no flags in the current detection runs", markup=False)
        return
    table = Table(title=f"why {account_id} is flagged")
    for col in ("rule", "value", "threshold", "movements", "run"):
        table.add_column(col)
    for r in out["reasons"][:limit]:
        mv = ", ".join(r["movements"][:5]) + (f" (+{len(r['movements']) - 5})" if len(r["movements"]) > 5 else "")
        table.add_row(r["rule"], _num(r["value"]), _num(r["threshold"]), mv, r["run"] or "")
    console.print(table)
    if len(out["reasons"]) > limit:
        rules: dict[str, int] = {}
        for r in out["reasons"]:
            rules[r["rule"]] = rules.get(r["rule"], 0) + 1
        console.print(f"{len(out['reasons']) - limit} more; by rule: "
                      + ", ".join(f"{k} {v}" for k, v in rules.items()), markup=False)


def _num(v: object) -> str:
    return f"{v:,.2f}" if isinstance(v, (int, float)) else str(v)


@app.callback()
def detect_all(
    ctx: typer.Context,
    json_: bool = typer.Option(False, "--json", help="Print counts per detector and the run id."),
) -> None:
    """Run every detector with the configured defaults as one detection run (or a sub-command)."""
    if ctx.invoked_subcommand is not None:
        return
    from toolkit.jobs.detect_all import run_all

    s = settings()
    with errors_as_exit(), connect(s) as db:
        res = run_all(db, s, progress=None if json_ else lambda n: console.print(f"running {n}...", markup=False))
    if json_:
        print_json({"run_id": res.run_id, "counts": res.counts, "runs": res.runs})
        return
    table = Table(title=f"detection run {res.run_id}")
    table.add_column("detector")
    table.add_column("results")
    table.add_column("seconds", justify="right")
    for name, counts in res.counts.items():
        shown = ", ".join(f"{k} {v:,}" for k, v in counts.items() if v) if isinstance(counts, dict) else str(counts)
        table.add_row(name, shown or "none", f"{res.seconds.get(name, 0):.1f}")
    console.print(table)
