"""`mockserver health`: the container's health check, on the standard library only (slim images lack curl)."""

from __future__ import annotations

import http.client
import ssl
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import NoReturn

import click

from mockserver.cli.options import host_option, https_port_option, port_option, tls_dir_option

HEALTH_PATH = "/__admin/health"
# `mockserver.tls.CA_FILE`, named again here: importing that module (cryptography) would slow every check.
CA_FILE = "ca.pem"
# What to call when the server listens on every interface: its loopback address.
_WILDCARD_HOSTS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


def http_status(
    url: str,
    timeout: float,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    context: ssl.SSLContext | None = None,
) -> int:
    """The status `url` answers with; `OSError` (`urllib.error.URLError` included) when nothing answers,
    or nothing that speaks HTTP. An `https://` one is verified with `context` (default: the system's trust
    store)."""
    body = b"" if method == "POST" else None
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code
    except http.client.HTTPException:  # e.g. plain HTTP to a port that speaks TLS
        raise OSError("the answer is not HTTP (a port that serves HTTPS?)") from None


def unreachable_reason(error: Exception) -> str:
    """Why nothing answered, in a few words: `Connection refused` rather than `<urlopen error …>`, and
    `certificate verify failed: …` without OpenSSL's codes."""
    reason = getattr(error, "reason", error)
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"certificate verify failed: {reason.verify_message}"
    return getattr(reason, "strerror", None) or str(reason)


def local_url(host: str, port: int, scheme: str = "http") -> str:
    """The server's URL from this machine (or container), given what `mockserver run` binds to."""
    address = _WILDCARD_HOSTS.get(host, host)
    return f"{scheme}://[{address}]:{port}" if ":" in address else f"{scheme}://{address}:{port}"


def _unhealthy(message: str) -> NoReturn:
    click.echo(f"unhealthy: {message}", err=True)
    sys.exit(1)


@click.command()
@click.option(
    "--url",
    help="Base URL of the server to ask (default: http://HOST:PORT, on loopback when HOST is a wildcard; "
    "https://HOST:HTTPS_PORT with --https-only).",
)
@host_option
@port_option
@click.option(
    "--https-only/--no-https-only",
    default=False,
    envvar="MOCKSERVER_HTTPS_ONLY",
    help="The server serves HTTPS alone (`mockserver run --https-only`): ask on --https-port, verifying "
    "its certificate against --ca, else the local CA kept in --tls-dir.",
)
@https_port_option
@tls_dir_option
@click.option(
    "--ca",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="MOCKSERVER_CA",
    help="The CA certificate (PEM) to verify an HTTPS server with [default: ca.pem in --tls-dir with "
    "--https-only; the system's trust store for an https:// --url].",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=2.0,
    show_default=True,
    help="Seconds to wait for the answer.",
)
def health(
    url: str | None,
    host: str,
    port: int,
    https_only: bool,
    https_port: int,
    tls_dir: Path,
    ca: Path | None,
    timeout: float,
) -> None:
    """Exit 0 when the server answers 200 on /__admin/health, else 1 (the Dockerfile's HEALTHCHECK)."""
    if url:
        base = url
    elif https_only:
        base = local_url(host, https_port, "https")
        ca = ca or tls_dir / CA_FILE
    else:
        base = local_url(host, port)
    target = base.rstrip("/") + HEALTH_PATH
    context = None
    if target.lower().startswith("https:"):
        try:
            context = ssl.create_default_context(cafile=ca)  # the system's store when `ca` is None
        except FileNotFoundError:
            _unhealthy(
                f"{target}: no CA certificate at {ca} to verify it with: give the server's CA with --ca "
                "(MOCKSERVER_CA), or the --tls-dir (MOCKSERVER_TLS_DIR) that `mockserver run` uses"
            )
        except OSError as error:  # ssl.SSLError included: a file that holds no certificate
            _unhealthy(f"{target}: cannot use the CA certificate {ca}: {error.strerror or error}")
    try:
        status = http_status(target, timeout, context=context)
    except (OSError, ValueError) as error:  # ValueError: a --url urllib cannot read
        _unhealthy(f"{target}: {unreachable_reason(error)}")
    if status != 200:
        _unhealthy(f"{target} answered {status}")
    click.echo(f"healthy: {target} answered 200")
