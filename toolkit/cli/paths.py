"""`aml paths` and `aml paths reach`: laundering paths, their distances and utility.

``aml paths`` alone enumerates, measures, ranks and writes back (the sub-app's callback, so that
``reach`` can be a sub-command of the same name space).
"""

from __future__ import annotations

import math
from typing import List, Optional

import typer
from rich.table import Table

from toolkit.cli._common import console, errors_as_exit, print_json, settings

app = typer.Typer(
    help="Laundering paths from placement to integration: R1, R2, utility, the optimal path.",
    invoke_without_command=True,
    no_args_is_help=False,
)


@app.callback()
def paths(
    ctx: typer.Context,
    source: Optional[List[str]] = typer.Option(None, "--source", help="Start account id (repeatable; default: placement accounts, narrowed by source_* in aml.toml)."),
    target: Optional[List[str]] = typer.Option(None, "--target", help="End account id (repeatable; default: integration accounts, narrowed by target_* in aml.toml)."),
    max_hops: Optional[int] = typer.Option(None, "--max-hops", help="Most transfers on a path, L (default 6)."),
    window: Optional[float] = typer.Option(None, "--window", help="Most days between consecutive transfers (default 30)."),
    min_carry: Optional[float] = typer.Option(None, "--min-carry", help="Share of the previous amount each transfer must carry (default 0.5)."),
    fanout_cap: Optional[int] = typer.Option(None, "--fanout-cap", help="Follow only each account's K largest out-transfers (default 20; 0: all)."),
    weighting: Optional[str] = typer.Option(None, "--weighting", help="Walk behind R2: uniform (default) or amount."),
    top: Optional[int] = typer.Option(None, "--top", help="Paths to show, best utility first (default 20)."),
    json_: bool = typer.Option(False, "--json", help="Print a JSON list of the shown paths."),
) -> None:
    """Enumerate candidate paths, measure R1, R2 and utility, rank them per (source, target)
    pair, write them back as one detection run and show the best."""
    if ctx.invoked_subcommand is not None:
        return
    from toolkit.db import connect
    from toolkit.jobs.paths import path_params, run_paths

    s = settings()
    with errors_as_exit():
        params = path_params(
            s, sources=source, targets=target, max_hops=max_hops, window_days=window,
            min_carry=min_carry, fanout_cap=fanout_cap, weighting=weighting, top=top,
        )
        with connect(s) as db:
            res = run_paths(db, params)
    shown = res.top(params.top)
    if json_:
        print_json([p.as_dict() for p in shown])
        return
    table = Table(
        title=f"laundering paths (run {res.run_id}): {len(res.paths):,} paths, "
        f"{res.sources:,} sources, {res.targets:,} targets"
    )
    table.add_column("#", justify="right")
    table.add_column("path (S0 > ... > S_N+1)", overflow="fold")
    for col in ("R1", "R2", "-log R2", "utility", "rank"):
        table.add_column(col, justify="right", no_wrap=True)
    for i, p in enumerate(shown, start=1):
        table.add_row(
            str(i), " > ".join(p.accounts), str(p.r1), f"{p.r2:.4g}",
            "inf" if math.isinf(p.r2_distance) else f"{p.r2_distance:.3f}", f"{p.utility:,.2f}",
            f"{p.rank}{' *' if p.optimal else ''}",
        )
    console.print(table)
    if res.stats.accounts_capped:
        console.print(
            f"hub bound: {res.stats.accounts_capped:,} accounts capped at {params.fanout_cap} "
            f"out-transfers, {res.stats.transfers_cut:,} transfers not followed", markup=False,
        )
    console.print("* optimal: the best utility of its (source, target) pair", markup=False)


@app.command("reach")
def reach_cmd(
    source: str = typer.Option(..., "--source", help="Start account id."),
    target: str = typer.Option(..., "--target", help="End account id."),
    max_hops: Optional[int] = typer.Option(None, "--max-hops", help="Most transfers, L (default 6)."),
    weighting: Optional[str] = typer.Option(None, "--weighting", help="uniform (default) or amount."),
    walks: Optional[int] = typer.Option(None, "--walks", help="Random walks of the Monte-Carlo check (default 100,000)."),
    json_: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Probability that money from SOURCE first reaches TARGET in k transfers (k = 1..L): exact
    first-passage values and a Monte-Carlo estimate with its standard error."""
    from toolkit.db import connect
    from toolkit.jobs.paths import path_params, reach

    s = settings()
    with errors_as_exit():
        params = path_params(s, weighting=weighting, walks=walks)
        hops = max_hops if max_hops is not None else params.max_hops
        with connect(s) as db:
            rep = reach(db, source, target, max_hops=hops, weighting=params.weighting,
                        walks=params.walks, seed=s.general.random_seed)
    out = rep.as_dict()
    if json_:
        print_json(out)
        return
    table = Table(title=f"first passage {source} -> {target} ({params.weighting} walk)")
    table.add_column("k", justify="right")
    table.add_column("f_k exact", justify="right")
    table.add_column("f_k Monte-Carlo", justify="right")
    for k, (f, fh) in enumerate(zip(out["f"], rep.mc.f_hat), start=1):
        table.add_row(str(k), f"{f:.6g}", f"{fh:.6g}")
    console.print(table)
    mlh = out["most_likely_hops"]
    eh = out["expected_hops"]
    console.print(
        f"reach {out['reach']:.6g} (distance -log {rep.summary.distance:.4g}); most likely hops "
        f"{mlh if mlh is not None else '-'}; expected hops given arrival "
        f"{f'{eh:.3f}' if eh is not None else '-'}", markup=False,
    )
    mc = out["mc"]
    console.print(f"Monte-Carlo: {mc['estimate']:.6g} ± {mc['stderr']:.2g} ({mc['walks']:,} walks)",
                  markup=False)
