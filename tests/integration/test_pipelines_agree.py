"""The two ways to run detection give the same scores.

`aml detect` runs the stand-alone jobs (each writes its run, the score job reads the flags and
cluster marks back from the graph); `aml evaluate` and `aml bench` run the in-process pipeline
(:func:`toolkit.evaluate.detect_all`, findings handed over in memory). Investigators sort by the
first, the published figures come from the second: they must not drift apart.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from toolkit import admin
from toolkit.cli import app
from toolkit.config import load_settings

runner = CliRunner()


@pytest.fixture(scope="module")
def bank(db, tmp_path_factory):
    out = tmp_path_factory.mktemp("agree") / "bank"
    assert runner.invoke(app, ["generate", "--transfers", "8000", "--seed", "5", "--out", str(out)]).exit_code == 0
    admin.clear_database(db)
    admin.init_schema(db)
    assert runner.invoke(app, ["load", str(out)]).exit_code == 0
    return db


def test_stand_alone_jobs_and_in_process_pipeline_score_alike(bank):
    from toolkit.evaluate import detect_all
    from toolkit.jobs.amounts import amount_params, run_amounts
    from toolkit.jobs.embeddings import run_embeddings_job
    from toolkit.jobs.scores import latest_scores, run_scores_job
    from toolkit.jobs.typologies import run_typology_job, typology_params
    from toolkit.network import read_network

    settings = load_settings()
    db = bank
    mem = detect_all(db, settings).scores  # in process (writes its own runs too)
    in_process = dict(zip(mem.ids.tolist(), mem.score.tolist()))
    flagged_mem = {a for a, f in zip(mem.ids.tolist(), mem.flagged.tolist()) if f}

    net = read_network(db)  # the job chain of `aml detect`, without paths (detect_all skips them)
    run_amounts(db, amount_params(settings), net=net)
    run_typology_job(db, typology_params(settings), net=net)
    run_embeddings_job(db, settings, net=net)
    run_scores_job(db, settings)
    rows = latest_scores(db)
    graph = {r["account_id"]: r["score"] for r in rows}
    flagged_graph = {r["account_id"] for r in rows if r["flagged"]}

    assert graph.keys() == in_process.keys()
    assert graph == pytest.approx(in_process, abs=1e-6)
    assert flagged_graph == flagged_mem and flagged_mem  # and something is flagged at all
