"""What every command shares: settings, the one-line error handling, consoles and progress bars.

Why: a command must never show a traceback for a problem the user can fix. Library code raises
:class:`toolkit.errors.ToolkitError`; :func:`errors_as_exit` prints its one line to stderr (plus the
server log tail for server errors) and exits with the error's code. Anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from typing import Any, Callable, Iterator

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from toolkit.config import Settings, load_settings
from toolkit.errors import ServerError, ToolkitError

console = Console()
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

_state: dict[str, Any] = {"config": None, "verbose": False}


def set_global(config: str | None, verbose: bool) -> None:
    _state["config"], _state["verbose"] = config, verbose
    level = logging.DEBUG if verbose else logging.WARNING
    logging.basicConfig(level=level, handlers=[RichHandler(console=err_console, show_path=False)], force=True)
    # the driver logs a dropped connection itself before raising; the toolkit turns that exception
    # into its one-line error, so the driver's own lines would only repeat it (shown with -v)
    logging.getLogger("neo4j").setLevel(logging.CRITICAL if not verbose else logging.INFO)


def settings(**overrides: dict[str, Any]) -> Settings:
    return load_settings(overrides=overrides or None, path=_state["config"])


@contextlib.contextmanager
def errors_as_exit() -> Iterator[None]:
    """Turn a ToolkitError into one line on stderr and a non-zero exit."""
    try:
        yield
    except ToolkitError as exc:
        err_console.print(f"error: {exc}", markup=False)
        if isinstance(exc, ServerError) and exc.log_tail and not _state.get("quiet_tail"):
            err_console.print("--- last lines of the server log ---", markup=False)
            err_console.print(exc.log_tail, markup=False)
        raise typer.Exit(code=exc.exit_code) from None


def print_json(obj: Any) -> None:
    """JSON on stdout, one object, nothing else (other tools read it)."""
    sys.stdout.write(json.dumps(obj, sort_keys=False, default=str) + "\n")
    sys.stdout.flush()


def progress_bar(description: str, total: int | None, unit: str = "rows") -> Progress:
    """A rich progress bar with a rate column; hidden when stderr is not a terminal."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
        disable=not err_console.is_terminal,
    )


def rate_updater(progress: Progress, task: Any, unit: str = "rows") -> Callable[[int], None]:
    """A ``progress(n)`` callback for library loops that also shows rows/s."""
    import time

    t0 = time.perf_counter()
    done = [0]

    def advance(n: int) -> None:
        done[0] += n
        dt = max(time.perf_counter() - t0, 1e-9)
        progress.update(task, advance=n, rate=f"{done[0] / dt:,.0f} {unit}/s")

    return advance
