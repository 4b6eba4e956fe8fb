"""The `mockserver` command: run, verify, health, fixtures, tls."""

from __future__ import annotations

import click

from mockserver import __version__
from mockserver.cli.fixtures import fixtures
from mockserver.cli.health import health
from mockserver.cli.run import run
from mockserver.cli.tls import tls
from mockserver.cli.verify import verify


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mockserver")
def main() -> None:
    """A stateful mock of the FullFabric and DigitalChalk registration APIs."""


main.add_command(run)
main.add_command(verify)
main.add_command(health)
main.add_command(fixtures)
main.add_command(tls)

__all__ = ["main"]
