"""Every command has help text, and `aml --help` starts for a new user."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from toolkit.cli import app

runner = CliRunner()


def _commands(t: typer.Typer, prefix: tuple[str, ...] = ()):
    for cmd in t.registered_commands:
        yield prefix + ((cmd.name or cmd.callback.__name__.replace("_", "-")),), cmd.callback
    for group in t.registered_groups:
        yield from _commands(group.typer_instance, prefix + (group.name,))


def test_every_command_has_a_docstring_and_help():
    seen = 0
    for path, callback in _commands(app):
        assert callback.__doc__ and callback.__doc__.strip(), path
        res = runner.invoke(app, [*path, "--help"])
        assert res.exit_code == 0, (path, res.output)
        seen += 1
    assert seen >= 10


def test_top_level_help_lists_the_areas():
    res = runner.invoke(app, ["--help"])
    assert res.exit_code == 0
    for word in ("server", "doctor", "load", "generate", "stats", "detect", "explain", "refresh"):
        assert word in res.output


def test_settings_sections_named_in_help_survive_rich_markup():
    """Help names settings as ``[section] key``; rich would read ``[load]`` as a style tag and drop
    it ("default from )"), so the CLI escapes it. Every option's help still shows it."""
    import re

    checked = 0
    for path, callback in _commands(app):
        res = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
        assert "(default from )" not in res.output and "(default  " not in res.output, path
        checked += len(re.findall(r"\[(load|general|refresh)\] [a-z_]+", res.output))
    assert checked >= 5
