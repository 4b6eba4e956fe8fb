"""`mockserver health`: the container's health check, on the standard library only (slim images lack curl)."""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

import click

from mockserver.cli.options import host_option, port_option

HEALTH_PATH = "/__admin/health"
# What to call when the server listens on every interface: its loopback address.
_WILDCARD_HOSTS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


def http_status(url: str, timeout: float, method: str = "GET", headers: dict[str, str] | None = None) -> int:
    """The status `url` answers with; `OSError` (`urllib.error.URLError` included) when nothing answers."""
    body = b"" if method == "POST" else None
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code


def unreachable_reason(error: Exception) -> str:
    """Why nothing answered, in a few words: `Connection refused` rather than `<urlopen error …>`."""
    reason = getattr(error, "reason", error)
    return getattr(reason, "strerror", None) or str(reason)


def local_url(host: str, port: int) -> str:
    """The server's URL from this machine (or container), given what `mockserver run` binds to."""
    address = _WILDCARD_HOSTS.get(host, host)
    return f"http://[{address}]:{port}" if ":" in address else f"http://{address}:{port}"


@click.command()
@click.option(
    "--url",
    help="Base URL of the server to ask (default: http://HOST:PORT, on loopback when HOST is a wildcard).",
)
@host_option
@port_option
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=2.0,
    show_default=True,
    help="Seconds to wait for the answer.",
)
def health(url: str | None, host: str, port: int, timeout: float) -> None:
    """Exit 0 when the server answers 200 on /__admin/health, else 1 (the Dockerfile's HEALTHCHECK)."""
    target = (url or local_url(host, port)).rstrip("/") + HEALTH_PATH
    try:
        status = http_status(target, timeout)
    except (OSError, ValueError) as error:  # ValueError: a --url urllib cannot read
        click.echo(f"unhealthy: {target}: {unreachable_reason(error)}", err=True)
        sys.exit(1)
    if status != 200:
        click.echo(f"unhealthy: {target} answered {status}", err=True)
        sys.exit(1)
    click.echo(f"healthy: {target} answered 200")
