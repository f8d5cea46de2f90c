"""`aml detect embeddings`, `aml scores`, `aml evaluate`, `aml bench`: the AI part (paper §5).

Each command is one library call; registration lives in :mod:`toolkit.cli`::

    app.command("scores")(ai_cli.scores)
    app.command("evaluate")(ai_cli.evaluate)
    app.command("bench")(ai_cli.bench)
    detect_cli.app.command("embeddings")(ai_cli.detect_embeddings)
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from toolkit.cli._common import console, err_console, errors_as_exit, print_json, settings
from toolkit.db import connect
from toolkit.errors import ConfigError

__all__ = ["detect_embeddings", "embeddings_app", "scores", "evaluate", "bench"]


def detect_embeddings(
    method: Optional[str] = typer.Option(None, "--method", help="fastrp (default) or node2vec."),
    k: Optional[int] = typer.Option(None, "--k", help="Number of clusters (default: chosen by silhouette)."),
    dimension: Optional[int] = typer.Option(None, "--dimension", help="Embedding dimension (default 32)."),
    no_features: bool = typer.Option(False, "--no-features", help="Cluster the embedding alone (no amount/path features)."),
    backend: Optional[str] = typer.Option(None, "--backend", help="K-means in numpy (default; sklearn is an old name for it) or gds (needs --k)."),
    json_: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Embeddings + K-means: mark abnormal actors (small/outlying/flag-enriched clusters, far from centroid)."""
    from toolkit.jobs.embeddings import embedding_job_params, run_embeddings_job

    s = settings()
    with errors_as_exit():
        params = embedding_job_params(s, method=method, k=k, dimension=dimension,
                                      features=() if no_features else None, backend=backend)
        with connect(s) as db:
            res = run_embeddings_job(db, s, params)
    if json_:
        print_json({"run": res.run_id, "k": res.k, "silhouette": {str(k): v for k, v in res.silhouette.items()},
                    "cluster_sizes": res.cluster_sizes, "counts": res.counts,
                    "seconds": {k: round(v, 3) for k, v in res.seconds.items()}, "notes": res.notes})
        return
    table = Table(title=f"embeddings + K-means (run {res.run_id}, k={res.k})")
    table.add_column("cluster", justify="right")
    table.add_column("accounts", justify="right")
    table.add_column("abnormal", justify="right")
    table.add_column("mark")
    ab = res.abnormal
    for c, size in enumerate(res.cluster_sizes):
        marks = [n for n, flag in (("small", ab.cluster_small[c]), ("outlying", ab.cluster_outlying[c]),
                                   ("flag-enriched", ab.cluster_enriched[c])) if flag]
        n_ab = int(ab.abnormal[res.clustering.labels == c].sum())
        table.add_row(str(c), f"{size:,}", f"{n_ab:,}", ", ".join(marks))
    console.print(table)
    console.print(f"abnormal accounts: {res.counts['abnormal']:,} (far from centroid {res.counts['far_from_centroid']:,})",
                  markup=False)
    for note in res.notes:
        err_console.print(f"note: {note}", markup=False)


#: The same command as a sub-app, for ``detect_cli.app.add_typer(embeddings_app, name="embeddings")``.
embeddings_app = typer.Typer(help="Embeddings + K-means abnormal actors.", invoke_without_command=True,
                             no_args_is_help=False)
embeddings_app.callback()(detect_embeddings)


def scores(
    top: Optional[int] = typer.Option(None, "--top", help="Only the K riskiest accounts."),
    csv_path: Optional[Path] = typer.Option(None, "--csv", help="Write account_id,score,flagged,reasons to this file."),
    json_: bool = typer.Option(False, "--json", help="Print a JSON list of {account_id, score, flagged, reasons} (reasons joined by \";\")."),
) -> None:
    """Export the latest run's combined risk score per account, riskiest first (for case management)."""
    from toolkit.errors import NotFound
    from toolkit.jobs.scores import latest_scores, write_scores_csv

    if top is not None and top < 1:
        with errors_as_exit():
            raise ConfigError(f"--top {top}: expected a positive number")
    with errors_as_exit(), connect(settings()) as db:
        rows = latest_scores(db, top)
        if not rows:
            raise NotFound("no complete score run: run `aml detect` (or `aml detect embeddings` then the scores job) first")
    if csv_path is not None:
        with errors_as_exit():
            try:
                n = write_scores_csv(rows, csv_path)
            except OSError as exc:
                raise ConfigError(f"{csv_path}: cannot write: {exc.strerror}") from None
        if not json_:
            console.print(f"wrote {n:,} accounts to {csv_path}", markup=False)
    if json_:
        # the same columns as the CSV, reasons as rule ids joined by ";" (the case-management contract)
        print_json([{**r, "reasons": ";".join(r["reasons"])} for r in rows])
        return
    if csv_path is not None:
        return
    table = Table(title="risk scores (latest run)")
    for col in ("account_id", "score", "flagged", "reasons"):
        table.add_column(col)
    for r in rows[: top or 50]:
        table.add_row(r["account_id"], f"{r['score']:.3f}", "yes" if r["flagged"] else "", "; ".join(r["reasons"]))
    console.print(table)


def evaluate(
    json_: bool = typer.Option(False, "--json", help="Print {datasets: [{name, methods: {ours|ml|ml_rw: {...}}}]}."),
    out: Optional[Path] = typer.Option(None, "--out", help="Directory for PNG plots (PR curves, embedding map)."),
    transfers: int = typer.Option(200_000, "--transfers", help="Transfers per generated data set."),
    hardness: str = typer.Option("medium", "--hardness", help="low, medium or high (generated sets)."),
    generated: bool = typer.Option(True, "--generated/--no-generated", help="Evaluate the three generated data sets."),
    loaded: bool = typer.Option(True, "--loaded/--no-loaded", help="Evaluate the labelled data loaded now."),
    methods: str = typer.Option("ours,ml,ml_rw", "--methods", help="Comma-separated: ours, ml, ml_rw."),
    yes: bool = typer.Option(False, "--yes", help="Allow clearing a non-empty database for the generated sets."),
    full: bool = typer.Option(False, "--full", help="With --json: confusion matrices, movement level, notes, timings."),
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="Where generated data sets are cached (default <server cache>/datasets)."),
) -> None:
    """Accuracy, precision, recall, F1, PR-AUC of ours vs the paper's baselines; the paper's Table 2 beside."""
    import dataclasses

    from toolkit import evaluate as ev

    wanted = tuple(m.strip() for m in methods.split(",") if m.strip())
    s = settings()
    with errors_as_exit():
        bad = sorted(set(wanted) - set(ev.METHODS))
        if bad or not wanted:
            raise ConfigError(f"--methods: unknown {', '.join(bad) or '(none)'}; known: {', '.join(ev.METHODS)}")
        if hardness not in ("low", "medium", "high"):
            raise ConfigError(f"--hardness {hardness!r}: expected low, medium or high")
        sets = tuple(dataclasses.replace(d, transfers=transfers, hardness=hardness) for d in ev.DEFAULT_SETS)
        with connect(s) as db:
            if generated and not yes and ev._data_present(db)[0]:
                raise ConfigError("evaluate loads its generated data sets into a cleared database, and this one "
                                  "holds data: pass --yes to clear it (labelled data loaded now is evaluated "
                                  "first), or --no-generated")
            report = ev.evaluate(db, s, sets=sets, include_loaded=loaded, generated=generated, out=out,
                                 cache_dir=cache_dir, methods=wanted,
                                 progress=None if json_ else (lambda n: err_console.print(f"... {n}", markup=False)))
    if json_:
        print_json(ev.as_json(report, full=full))
        return
    for d in report.datasets:
        table = Table(title=f"{d.name} ({d.source}): {d.accounts:,} accounts, {d.positives:,} laundering")
        for col in ("method", "level", "accuracy", "precision", "recall", "F1", "PR-AUC", "tn / fp / fn / tp"):
            table.add_column(col, justify="right" if col not in ("method", "level") else "left")
        for m, r in d.methods.items():
            for level, x in (("account", r.account), ("movement", r.movement)):
                if x is None:
                    continue
                table.add_row(m, level, f"{x.accuracy:.4f}", f"{x.precision:.4f}", f"{x.recall:.4f}", f"{x.f1:.4f}",
                              "-" if x.pr_auc != x.pr_auc else f"{x.pr_auc:.4f}", f"{x.tn} / {x.fp} / {x.fn} / {x.tp}")
        console.print(table)
        for note in d.notes:
            err_console.print(f"note ({d.name}): {note}", markup=False)
        for p in d.plots:
            console.print(f"plot: {p}", markup=False)
    rows = report.paper_table()
    t2 = Table(title="accuracy, %: the paper's Table 2 beside ours (generated data sets 1-3)")
    t2.add_column("method")
    for i in (1, 2, 3):
        t2.add_column(f"paper {i}", justify="right")
        t2.add_column(f"measured {i}", justify="right")
    for r in rows:
        cells = [r["method"]]
        for i in (1, 2, 3):
            cells.append(f"{r[f'paper_{i}']:.2f}")
            cells.append("-" if r[f"ours_{i}"] is None else f"{r[f'ours_{i}']:.2f}")
        t2.add_row(*cells)
    console.print(t2)
    console.print("accuracy is dominated by the ~99% honest accounts; compare F1 and PR-AUC above.", markup=False)


def bench(
    transfers: str = typer.Option("600000,1100000,1600000,2100000", "--transfers", help="Comma-separated sizes."),
    methods: str = typer.Option("ours,ml,ml_rw", "--methods", help="Comma-separated: ours, ml, ml_rw."),
    json_: bool = typer.Option(False, "--json", help="Print a JSON list of {method, transfers, phase, seconds, py_peak_mb, server_heap_peak_mb}."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Generator seed (default \\[general] random_seed)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Also write the records (with the per-step detail) to this JSON file."),
    yes: bool = typer.Option(False, "--yes", help="Allow clearing a non-empty database."),
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="Where generated data sets are cached (default <server cache>/datasets)."),
) -> None:
    """Time and memory per phase of ours, ML and ML + random walk at the paper's sizes; Table 1 beside."""
    from toolkit import bench as bm

    s = settings()
    with errors_as_exit():
        try:
            sizes = [int(x.replace("_", "")) for x in transfers.split(",") if x.strip()]
        except ValueError:
            raise ConfigError(f"--transfers {transfers!r}: expected comma-separated numbers") from None
        wanted = [m.strip() for m in methods.split(",") if m.strip()]
        bad = sorted(set(wanted) - set(bm.METHODS))
        if bad or not wanted or not sizes or min(sizes) < 1:
            raise ConfigError(f"--methods/--transfers: unknown or empty ({', '.join(bad)}); methods: {', '.join(bm.METHODS)}")
        with connect(s) as db:
            if not yes and bm.has_data(db):
                raise ConfigError("bench loads each size into a cleared database, and this one holds data: pass --yes")
        records = bm.run_bench(s, sizes, wanted, seed=seed, detail_path=out, cache_dir=cache_dir,
                               progress=None if json_ else (lambda n: err_console.print(f"... {n}", markup=False)))
    if json_:
        print_json([r.as_dict() for r in records])
        return
    table = Table(title="measured: seconds (Python peak MB / server heap peak MB) per phase")
    for col in ("method", "transfers", *bm.PHASES, "total", "paper", "paper / total"):
        table.add_column(col, justify="left" if col == "method" else "right")
    for row in bm.summary(records):
        table.add_row(row["method"], f"{row['transfers']:,}",
                      *[f"{row[p]['seconds']:.1f} ({row[p]['py_peak_mb']:.0f} / {row[p]['server_heap_peak_mb']:.0f})"
                        for p in bm.PHASES],
                      f"{row['total']:.1f}", row["paper"], row["ratio"])
    console.print(table)
