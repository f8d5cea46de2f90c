"""An HTML report of a detection run, with PNG plots (``aml report``).

Why a static page: a supervisor or auditor without Neo4j Browser still needs to see what a run
found; a directory with ``index.html`` and PNG files opens anywhere and can be archived with the
case. Everything in it is read back from the graph (the run node, flags, paths, scores, clusters,
ground truth where the data has it), so the report shows what investigators see in Browser.
"""

from __future__ import annotations

import html
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from toolkit.db import Database
from toolkit.errors import NotFound

__all__ = ["ReportData", "collect", "render", "write_report"]


@dataclass
class ReportData:
    run: dict[str, Any]
    runs: list[str]
    counts: dict[str, int]
    top_accounts: list[dict[str, Any]]
    paths: list[dict[str, Any]]
    clusters: list[dict[str, Any]]
    truth: list[dict[str, Any]] = field(default_factory=list)


def _q(db: Database, text: str, **params: Any) -> list[dict[str, Any]]:
    return db.cypher(text, **params)


def collect(db: Database, run_id: str | None = None, top: int = 20) -> ReportData:
    """Read what the report shows. ``run_id`` None = the latest complete ``detect`` run (or any)."""
    if run_id:
        rows = _q(db, "MATCH (r:DetectionRun {id: $id}) RETURN r {.*} AS r", id=run_id)
        if not rows:
            raise NotFound(f"no detection run with id {run_id!r}")
    else:
        rows = _q(db, "MATCH (r:DetectionRun) WHERE r.status = 'complete' "
                      "RETURN r {.*} AS r ORDER BY r.detector = 'detect' DESC, r.started DESC LIMIT 1")
        if not rows:
            raise NotFound("no complete detection run in the graph: run `aml detect` first")
    run = rows[0]["r"]
    counts_json = json.loads(run.get("counts") or "{}")
    runs = [run["id"]]
    if isinstance(counts_json.get("runs"), dict):
        runs += list(counts_json["runs"].values())
    counts: dict[str, int] = {}
    for r in _q(db, "MATCH (f:Flag) WHERE f.runId IN $runs RETURN f.rule AS rule, count(*) AS n ORDER BY rule", runs=runs):
        counts[r["rule"]] = r["n"]
    top_accounts = _q(
        db,
        "MATCH (f:Flag)-[:FLAGS]->(a:Account) WHERE f.runId IN $runs "
        "WITH a, collect(DISTINCT f.rule) AS rules, count(f) AS flags, max(f.score) AS best "
        "RETURN a.id AS account, a.class AS class, coalesce(a.amlScore, best) AS score, flags, rules "
        "ORDER BY score DESC, flags DESC, account LIMIT $top",
        runs=runs, top=top,
    )
    paths = _q(
        db,
        "MATCH (p:LaunderingPath) WHERE p.optimal = true "
        "RETURN p.id AS id, p.accounts AS accounts, p.amounts AS amounts, p.r1 AS r1, p.r2 AS r2, "
        "p.utility AS utility ORDER BY p.utility DESC LIMIT 6",
    )
    clusters = _q(
        db,
        "MATCH (a:Account) WHERE a.amlCluster IS NOT NULL "
        "RETURN a.amlCluster AS cluster, count(*) AS size, sum(CASE WHEN a.amlAbnormal THEN 1 ELSE 0 END) AS abnormal, "
        "avg(a.amlCentroidDistance) AS distance ORDER BY cluster",
    )
    truth = _q(
        db,
        "MATCH (t:AccountTruth) MATCH (a:Account {id: t.id}) "
        "OPTIONAL MATCH (f:Flag)-[:FLAGS]->(a) WHERE f.runId IN $runs "
        "WITH t, a, max(f.score) AS best "
        "RETURN t.isLaundering AS label, coalesce(a.amlScore, best, 0.0) AS score",
        runs=runs,
    )
    return ReportData(run, runs, counts, top_accounts, paths, clusters, truth)


def _plots(data: ReportData, out: Path) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made: dict[str, str] = {}
    if data.counts:
        fig, ax = plt.subplots(figsize=(7, 3.2))
        rules = list(data.counts)
        ax.barh(rules, [data.counts[r] for r in rules], color="#3b6ea8")
        ax.set_xscale("log")
        ax.set_xlabel("flags (log scale)")
        ax.set_title("flags per rule")
        fig.tight_layout()
        fig.savefig(out / "counts.png", dpi=110)
        plt.close(fig)
        made["counts"] = "counts.png"
    for i, p in enumerate(data.paths):
        accounts = p.get("accounts") or []
        amounts = p.get("amounts") or []
        fig, ax = plt.subplots(figsize=(max(3.0, 1.6 * len(accounts)), 1.4))
        xs = np.arange(len(accounts))
        ax.scatter(xs, np.zeros_like(xs), s=420, color="#e8eef7", edgecolors="#3b6ea8", zorder=3)
        for x, name in zip(xs, accounts):
            ax.annotate(str(name)[-6:], (x, 0), ha="center", va="center", fontsize=7, zorder=4)
        for x in xs[:-1]:
            ax.annotate("", xy=(x + 0.8, 0), xytext=(x + 0.2, 0), arrowprops={"arrowstyle": "->", "color": "#555"})
            if x < len(amounts):
                ax.annotate(f"{amounts[x]:,.0f}", (x + 0.5, 0.12), ha="center", fontsize=7)
        ax.set_xlim(-0.5, len(accounts) - 0.5)
        ax.set_ylim(-0.4, 0.4)
        ax.axis("off")
        fig.tight_layout()
        name = f"path-{i + 1}.png"
        fig.savefig(out / name, dpi=110)
        plt.close(fig)
        made[f"path-{i + 1}"] = name
    if data.clusters:
        fig, ax = plt.subplots(figsize=(6, 3.4))
        sizes = np.array([c["size"] for c in data.clusters], dtype=float)
        dist = np.array([c["distance"] or 0.0 for c in data.clusters], dtype=float)
        abn = np.array([c["abnormal"] for c in data.clusters], dtype=float)
        sc = ax.scatter(sizes, dist, s=40 + 400 * abn / max(abn.max(), 1), c=abn, cmap="Reds", edgecolors="#333")
        for c, x, y in zip(data.clusters, sizes, dist):
            ax.annotate(str(c["cluster"]), (x, y), fontsize=7, xytext=(4, 4), textcoords="offset points")
        ax.set_xscale("log")
        ax.set_xlabel("cluster size (accounts, log)")
        ax.set_ylabel("mean centroid distance")
        ax.set_title("cluster map: size, spread and abnormal actors")
        fig.colorbar(sc, ax=ax, label="abnormal accounts")
        fig.tight_layout()
        fig.savefig(out / "clusters.png", dpi=110)
        plt.close(fig)
        made["clusters"] = "clusters.png"
    if data.truth and any(t["label"] for t in data.truth):
        from sklearn.metrics import average_precision_score, precision_recall_curve

        y = np.array([bool(t["label"]) for t in data.truth])
        s = np.array([float(t["score"] or 0.0) for t in data.truth])
        prec, rec, _ = precision_recall_curve(y, s)
        ap = average_precision_score(y, s)
        fig, ax = plt.subplots(figsize=(4.5, 3.4))
        ax.plot(rec, prec, color="#a83b3b")
        ax.set_xlabel("recall")
        ax.set_ylabel("precision")
        ax.set_title(f"accounts: PR curve (PR-AUC {ap:.3f})")
        fig.tight_layout()
        fig.savefig(out / "pr.png", dpi=110)
        plt.close(fig)
        made["pr"] = "pr.png"
        made["pr_auc"] = f"{ap:.3f}"
    return made


def render(data: ReportData, plots: dict[str, str]) -> str:
    esc = html.escape
    run = data.run
    rows = "".join(
        f"<tr><td>{esc(str(a['account']))}</td><td>{esc(str(a.get('class') or ''))}</td>"
        f"<td>{(a['score'] or 0):.3f}</td><td>{a['flags']}</td><td>{esc('; '.join(a['rules']))}</td></tr>"
        for a in data.top_accounts
    )
    counts = "".join(f"<tr><td>{esc(k)}</td><td>{v:,}</td></tr>" for k, v in data.counts.items())
    paths = "".join(
        f"<figure class='path'><img src='{plots[f'path-{i + 1}']}' alt='path {i + 1}'>"
        f"<figcaption>R1 {p['r1']}, R2 {p['r2']:.3g}, utility {p['utility']:.2f}</figcaption></figure>"
        for i, p in enumerate(data.paths) if f"path-{i + 1}" in plots
    ) or "<p>No laundering paths in this graph (run <code>aml paths</code> or <code>aml detect</code>).</p>"
    cluster_html = (f"<img id='cluster-map' src='{plots['clusters']}' alt='cluster map'>" if "clusters" in plots
                    else "<p id='cluster-map'>No clusters yet (run <code>aml detect</code>).</p>")
    eval_html = (f"<img id='pr-curve' src='{plots['pr']}' alt='PR curve'><p>Account-level PR-AUC "
                 f"{plots['pr_auc']} against the ground truth loaded with the data.</p>" if "pr" in plots
                 else "<p>The data has no labels: no evaluation.</p>")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>AML detection run {esc(run['id'])}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1100px}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:3px 8px;font-size:13px}} th{{background:#eef}}
figure.path{{display:inline-block;margin:6px}} figcaption{{font-size:12px;color:#444}}</style></head>
<body>
<h1 id="title">Detection run {esc(run['id'])}</h1>
<p id="run-meta">detector <b>{esc(str(run.get('detector')))}</b>, status <b>{esc(str(run.get('status')))}</b>,
started {esc(str(run.get('started')))}, finished {esc(str(run.get('finished')))}; report made
{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.</p>
<h2>Flags per rule</h2>
<img id="counts-plot" src="{plots.get('counts', '')}" alt="flags per rule">
<table id="counts"><tr><th>rule</th><th>flags</th></tr>{counts}</table>
<h2>Top accounts</h2>
<table id="top-accounts"><tr><th>account</th><th>class</th><th>score</th><th>flags</th><th>reasons</th></tr>{rows}</table>
<h2>Top laundering paths</h2>
<div id="paths">{paths}</div>
<h2>Clusters</h2>
{cluster_html}
<h2>Evaluation</h2>
<div id="evaluation">{eval_html}</div>
</body></html>
"""


def write_report(db: Database, out_dir: str | Path, run_id: str | None = None) -> Path:
    """Write ``index.html`` and its PNG plots to ``out_dir``; returns the page's path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = collect(db, run_id)
    plots = _plots(data, out)
    page = out / "index.html"
    page.write_text(render(data, plots), encoding="utf-8")
    return page
