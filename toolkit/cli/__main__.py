"""`python -m toolkit.cli` runs the `aml` command (used where the console script is not on PATH)."""

from toolkit.cli import app

app()
