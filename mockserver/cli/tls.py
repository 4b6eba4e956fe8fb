"""`mockserver tls`: the local certificate authority that signs the certificates of `mockserver run --tls`."""

from __future__ import annotations

from pathlib import Path

import click

from mockserver.cli.options import tls_dir_option


@click.group()
def tls() -> None:
    """The local CA behind `mockserver run --tls`: trust it once, and every server it signs for is trusted."""


@tls.command()
@tls_dir_option
@click.option("--pem", is_flag=True, help="Print the CA certificate itself instead of its path.")
def ca(tls_dir: Path, pem: bool) -> None:
    """Print the CA certificate's path, making the CA if missing.

    One line and nothing else, for `curl --cacert "$(mockserver tls ca)"` or to add the CA to a trust store.
    """
    from mockserver.tls import TLSError, certificate_authority  # cryptography: only for this command

    try:
        path = certificate_authority(tls_dir)
    except TLSError as error:
        raise click.ClickException(str(error)) from None
    # The CA was just read and checked whole; the file is replaced whole, never rewritten in place.
    click.echo(path.read_text() if pem else path, nl=not pem)
