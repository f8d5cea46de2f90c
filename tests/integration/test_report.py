"""The HTML report renders in headless Chromium with its key elements."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from toolkit import admin
from toolkit.cli import app

runner = CliRunner()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def detected(db, tmp_path_factory):
    out = tmp_path_factory.mktemp("rep") / "bank"
    assert runner.invoke(app, ["generate", "--transfers", "8000", "--seed", "9", "--out", str(out)]).exit_code == 0
    admin.clear_database(db)
    admin.init_schema(db)
    assert runner.invoke(app, ["load", str(out)]).exit_code == 0
    assert runner.invoke(app, ["detect", "--json"]).exit_code == 0
    return db


@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="Debian's chromium is not installed")
def test_report_renders_in_headless_chromium(detected, tmp_path):
    res = runner.invoke(app, ["report", "--out", str(tmp_path / "report")])
    assert res.exit_code == 0, res.output
    page = tmp_path / "report" / "index.html"
    assert (tmp_path / "report" / "counts.png").stat().st_size > 1000
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'chr'}"]
    dom = subprocess.run([*cmd, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120).stdout
    for element in ('id="title"', 'id="counts-plot"', 'id="counts"', 'id="top-accounts"', 'id="paths"',
                    'id="cluster-map"', 'id="evaluation"'):
        assert element in dom, element
    assert "Detection run detect-" in dom
    assert dom.count("<tr>") > 5  # rules and accounts listed
    shot = tmp_path / "report.png"
    subprocess.run([*cmd, f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri()],
                   capture_output=True, timeout=120)
    assert shot.stat().st_size > 20_000


def test_report_of_an_unknown_run_is_one_line(detected, tmp_path):
    res = runner.invoke(app, ["report", "--out", str(tmp_path), "--run", "nope"])
    assert res.exit_code != 0
    assert res.output.strip() == "error: no detection run with id 'nope'"
