"""The `mockserver` command: `mockserver run` serves the mock."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mockserver import __version__, requestlog
from mockserver.config import SERVER_DEFAULTS
from mockserver.fixtures import FixtureError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mockserver")
def main() -> None:
    """A stateful mock of the FullFabric and DigitalChalk registration APIs."""


@main.command()
@click.option("--host", default=SERVER_DEFAULTS["HOST"], envvar="MOCKSERVER_HOST", show_default=True)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=SERVER_DEFAULTS["PORT"],
    envvar="MOCKSERVER_PORT",
    show_default=True,
)
@click.option(
    "--fixtures",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    envvar="MOCKSERVER_FIXTURES",
    help="Folder of fixture files (default: the vendors' examples).",
)
@click.option(
    "--seed", type=int, default=0, envvar="MOCKSERVER_SEED", show_default=True, help="Seed for made-up data."
)
@click.option(
    "--strict/--no-strict",
    default=False,
    envvar="MOCKSERVER_STRICT",
    help="Answer 400 to what the real vendor would silently ignore.",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 1024),
    default=SERVER_DEFAULTS["THREADS"],
    envvar="MOCKSERVER_THREADS",
    show_default=True,
    help="Requests handled at once.",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default=SERVER_DEFAULTS["LOG_FORMAT"],
    envvar="MOCKSERVER_LOG_FORMAT",
    show_default=True,
)
def run(
    host: str, port: int, fixtures: Path | None, seed: int, strict: bool, threads: int, log_format: str
) -> None:
    """Serve the mock until SIGINT or SIGTERM."""
    from mockserver.app import create_app
    from mockserver.server import serve

    try:
        app = create_app({"FIXTURES": str(fixtures) if fixtures else None, "SEED": seed, "STRICT": strict})
    except FixtureError as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        sys.exit(2)
    requestlog.configure(log_format)

    def banner() -> None:
        base = f"http://{host}:{port}"
        store = app.extensions["mockserver"]
        source = store.fixtures.sources["digitalchalk"] or "no fixture file"
        click.echo(f"mockserver {__version__} serving on {base}{' (strict)' if strict else ''}")
        click.echo(
            f"  DigitalChalk  {base}/dc/api/v5/registrations  ({len(store.digitalchalk)} from {source})"
        )
        click.echo(f"  Admin         {base}/__admin/health")
        sys.stdout.flush()

    serve(app, host=host, port=port, threads=threads, on_ready=banner)
