"""Test fixtures: one real Neo4j server per session, a cleared database per module.

Tests never mock the database, the driver or GDS. The session fixture starts the local server the
toolkit installs (or uses AML_NEO4J_URI when a user points the suite elsewhere), and stops it at
the end only if it started it. Each test module that asks for ``db`` starts from an empty database
with the schema in place; cleanup runs in ``finally``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from toolkit import admin
from toolkit import server as srv
from toolkit.config import load_settings
from toolkit.db import connect


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", help="also run tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def settings():
    return load_settings()


@pytest.fixture(scope="session")
def server(settings):
    """The running server for the whole session (started here if it was not running)."""
    started = False
    local_port = settings.neo4j.uri.rstrip("/").endswith(f":{settings.server.bolt_port}")
    if settings.neo4j.is_local and local_port:
        _status, started = srv.start(settings)
        settings = load_settings()  # the password file exists now
    yield settings
    if started and not os.environ.get("AML_KEEP_SERVER"):
        srv.stop(settings)


@pytest.fixture(scope="module")
def db(server):
    """A connection to a cleared database with the schema in place, for one test module."""
    database = connect(load_settings())
    try:
        admin.clear_database(database)
        admin.init_schema(database)
        yield database
    finally:
        try:
            admin.clear_database(database)
        finally:
            database.close()


@pytest.fixture
def tmp_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty directory, so no ./aml.toml of the checkout is read."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
