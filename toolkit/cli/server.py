"""`aml server ...`: install, start, stop and inspect the local Neo4j server."""

from __future__ import annotations

import typer

from toolkit import server as srv
from toolkit.cli._common import console, err_console, errors_as_exit, print_json, settings

app = typer.Typer(help="The local Neo4j 5.26 server (resolved from Maven Central, run by the toolkit).",
                  no_args_is_help=True)


@app.command()
def install() -> None:
    """Resolve Neo4j, GDS, APOC and Browser with Maven (cached), lay out the home, set the password."""
    with errors_as_exit():
        res = srv.install(settings(), log=lambda m: err_console.print(m, markup=False))
    console.print(
        f"installed Neo4j {res.pins.neo4j}, GDS {res.pins.gds}, APOC {res.pins.apoc}, "
        f"Browser {res.pins.browser} in {res.seconds:.1f} s"
        + (" (jars downloaded)" if res.downloaded else " (jars from cache)")
    )
    console.print(f"home: {res.home}; password file: {res.home / 'password'} (mode 0600)")


@app.command()
def start() -> None:
    """Start the server and wait until Bolt answers (installs first if needed). Exit 0 if running."""
    with errors_as_exit():
        st, started = srv.start(settings(), log=lambda m: err_console.print(m, markup=False))
    if started:
        console.print(f"started: pid {st.pid}, {st.bolt_uri}, Browser {st.browser_url}")
    else:
        console.print(f"already running: pid {st.pid}, {st.bolt_uri}")


@app.command()
def stop() -> None:
    """Stop the server (exit 0 when it was not running)."""
    with errors_as_exit():
        was = srv.stop(settings())
    console.print("stopped" if was else "not running")


@app.command()
def status(json_: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Whether the local server runs; exit 0 when running, 3 when not."""
    with errors_as_exit():
        st = srv.status(settings())
    if json_:
        print_json({"running": st.running, "pid": st.pid, "bolt_uri": st.bolt_uri,
                    "browser_url": st.browser_url, "home": str(st.home), "installed": st.installed,
                    "rss_mb": None if st.rss_mb is None else round(st.rss_mb, 1)})
    elif st.running:
        console.print(f"running: pid {st.pid}, {st.bolt_uri}, RSS {st.rss_mb:.0f} MB, home {st.home}")
    else:
        console.print(f"not running ({'installed' if st.installed else 'not installed'}; home {st.home})")
    if not st.running:
        raise typer.Exit(code=3)
