"""Command-line options that more than one command takes: where `run` listens, where TLS files live."""

from __future__ import annotations

from pathlib import Path

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


def _default_tls_dir() -> Path:
    """`mockserver.tls.default_dir()`, read when a command runs, as the platform has it then. Click asks
    for it whenever `--tls-dir` is not given, TLS or not: `mockserver.tls` is not imported for it
    (cryptography takes a tenth of a command's start-up, and 3 MiB of each server process)."""
    import platformdirs

    return platformdirs.user_data_path("mockserver") / "tls"


# Where the local CA and the server certificates it signs are kept (`mockserver tls ca`, `run --tls`).
tls_dir_option = click.option(
    "--tls-dir",
    type=click.Path(file_okay=False, resolve_path=True, path_type=Path),
    default=_default_tls_dir,
    envvar="MOCKSERVER_TLS_DIR",
    help="The directory that keeps the local CA and the certificates it signs "
    "[default: mockserver/tls in the user's data directory, e.g. ~/.local/share/mockserver/tls].",
)
https_port_option = click.option(
    "--https-port",
    type=click.IntRange(1, 65535),
    default=SERVER_DEFAULTS["HTTPS_PORT"],
    envvar="MOCKSERVER_HTTPS_PORT",
    show_default=True,
    help="The port `mockserver run` serves HTTPS on (given, it turns HTTPS on).",
)
