"""Command-line options that more than one command takes: where `mockserver run` listens."""

from __future__ import annotations

import click

from mockserver.config import SERVER_DEFAULTS

# Each is also its `MOCKSERVER_*` variable, so `mockserver health` in a container finds what `run` uses.
host_option = click.option(
    "--host",
    default=SERVER_DEFAULTS["HOST"],
    envvar="MOCKSERVER_HOST",
    show_default=True,
    help="The address `mockserver run` listens on.",
)
port_option = click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=SERVER_DEFAULTS["PORT"],
    envvar="MOCKSERVER_PORT",
    show_default=True,
    help="The port `mockserver run` listens on.",
)
