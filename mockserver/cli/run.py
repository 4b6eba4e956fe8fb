"""`mockserver run`: serve the mock on a production WSGI server."""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from click.core import ParameterSource

from mockserver import __version__
from mockserver.cli.options import host_option, https_port_option, port_option, tls_dir_option
from mockserver.clock import parse_instant
from mockserver.config import DEFAULTS, SERVER_DEFAULTS, SettingError
from mockserver.errors import StoreUnavailable
from mockserver.fixtures.load import FixtureError
from mockserver.store.urls import without_password
from mockserver.web import requestlog

if TYPE_CHECKING:
    from mockserver.tls import ServerCertificate


def _instant(context: click.Context, parameter: click.Parameter, value: str | None) -> str | None:
    """Refuse a `--clock` that is not an ISO 8601 instant before anything starts."""
    if value is not None:
        try:
            parse_instant(value)
        except ValueError:
            raise click.BadParameter(f"not an ISO 8601 instant: {value!r}") from None
    return value


def beyond_loopback(host: str) -> bool:
    """Whether listening on `host` lets other machines in: a wildcard (`0.0.0.0`, `::`) or any address or
    name but loopback's."""
    if host == "localhost":
        return False
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return True
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_loopback


def _https(
    context: click.Context,
    tls: bool,
    https_only: bool,
    tls_dir: Path,
    hostnames: tuple[str, ...],
    cert: Path | None,
    key: Path | None,
) -> ServerCertificate | None:
    """The certificate HTTPS is served with, or None when it is not: `--tls`, or any option that only
    makes sense with it (`--https-port`, `--https-only`, `--tls-cert/--tls-key`, `--tls-hostname`), turns
    it on. The user's own, or one for loopback and `hostnames` from the local CA (made once, kept)."""
    given = context.get_parameter_source("https_port") not in (ParameterSource.DEFAULT, None)
    if not (tls or https_only or given or hostnames or cert or key):
        return None
    from mockserver.tls import TLSError, own_certificate, server_certificate  # cryptography: only for TLS

    if (cert is None) != (key is None):
        raise click.UsageError("--tls-cert and --tls-key go together: the certificate and its private key")
    try:
        if cert is not None and key is not None:
            if hostnames:
                raise click.UsageError(
                    "--tls-hostname names what the local CA certifies: not with --tls-cert"
                )
            return own_certificate(cert, key)
        return server_certificate(tls_dir, hostnames)
    except TLSError as error:
        raise click.ClickException(str(error)) from None


@click.command()
@host_option
@port_option
@click.option(
    "--tls/--no-tls",
    default=False,
    envvar="MOCKSERVER_TLS",
    help="Serve HTTPS too, on --https-port, with a certificate from the local CA (see `mockserver tls ca`).",
)
@https_port_option
@click.option(
    "--https-only/--no-https-only",
    default=False,
    envvar="MOCKSERVER_HTTPS_ONLY",
    help="Serve HTTPS alone, on --https-port (no plain HTTP on --port).",
)
@click.option(
    "--tls-hostname",
    "tls_hostnames",
    multiple=True,
    envvar="MOCKSERVER_TLS_HOSTNAMES",
    help="A further name (or address) the certificate is good for, besides localhost, 127.0.0.1 and ::1; "
    "repeatable, e.g. api.digitalchalk.com for a client that pins the vendor's host.",
)
@tls_dir_option
@click.option(
    "--tls-cert",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    envvar="MOCKSERVER_TLS_CERT",
    help="Serve HTTPS with this certificate (PEM, chain after it) instead of one from the local CA.",
)
@click.option(
    "--tls-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    envvar="MOCKSERVER_TLS_KEY",
    help="The private key (PEM) of --tls-cert.",
)
@click.option(
    "--forwarded/--no-forwarded",
    default=False,
    envvar="MOCKSERVER_FORWARDED",
    help="Behind a proxy: write links with the scheme and host that X-Forwarded-Proto, X-Forwarded-Host "
    "(and -Port) or Forwarded say the client used. Off, those headers are ignored.",
)
@click.option(
    "--fixtures",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    envvar="MOCKSERVER_FIXTURES",
    help="Folder of fixture files (default: the vendors' examples).",
)
@click.option(
    "--failures",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    envvar="MOCKSERVER_FAILURES",
    help="File of failure rules (default: failures.yaml in the fixtures folder, if there is one).",
)
@click.option("--seed", type=int, envvar="MOCKSERVER_SEED", help="Seed for made-up ids (default: random).")
@click.option(
    "--clock",
    envvar="MOCKSERVER_CLOCK",
    callback=_instant,
    help="Freeze the clock at this ISO 8601 instant, e.g. 2024-03-05T09:28:10Z (default: real time).",
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
    "--http",
    type=click.Choice(["1", "2", "auto"]),
    default=SERVER_DEFAULTS["HTTP"],
    envvar="MOCKSERVER_HTTP",
    show_default=True,
    help="HTTP versions served: 1 (HTTP/1.1), 2 (HTTP/2 only) or auto (both; HTTP/2 by prior knowledge).",
)
@click.option(
    "--store",
    default="memory",
    envvar="MOCKSERVER_STORE",
    show_default=True,
    help="Where state, rules, journal and clock live: memory, or redis://host:port/db (shared by processes).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    envvar="MOCKSERVER_WORKERS",
    show_default=True,
    help="Worker processes; more than 1 needs --store redis://…",
)
@click.option(
    "--session-ttl",
    type=click.FloatRange(min=0),
    default=DEFAULTS["SESSION_TTL"],
    envvar="MOCKSERVER_SESSION_TTL",
    show_default=True,
    help="Seconds a session may go unused before it ends; 0: never.",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default=SERVER_DEFAULTS["LOG_FORMAT"],
    envvar="MOCKSERVER_LOG_FORMAT",
    show_default=True,
)
@click.pass_context
def run(
    context: click.Context,
    host: str,
    port: int,
    tls: bool,
    https_port: int,
    https_only: bool,
    tls_hostnames: tuple[str, ...],
    tls_dir: Path,
    tls_cert: Path | None,
    tls_key: Path | None,
    forwarded: bool,
    fixtures: Path | None,
    failures: Path | None,
    seed: int | None,
    clock: str | None,
    strict: bool,
    threads: int,
    http: str,
    store: str,
    workers: int,
    session_ttl: float,
    log_format: str,
) -> None:
    """Serve the mock until SIGINT or SIGTERM."""
    if workers > 1 and store == "memory":
        raise click.UsageError(
            f"--workers {workers} needs --store redis://host:port/db: with the in-memory store each worker "
            "would keep a state, rules and journal of its own, and a client would see them change at random."
        )
    from mockserver.app import create_app
    from mockserver.server import Listener, PortUnavailable, serve

    certificate = _https(context, tls, https_only, tls_dir, tls_hostnames, tls_cert, tls_key)
    listeners = [] if https_only else [Listener(port)]
    if certificate is not None:
        if https_port == port and not https_only:
            raise click.UsageError(
                f"--https-port {https_port} is --port too: HTTPS needs a port of its own (or --https-only)"
            )
        listeners.append(Listener(https_port, certificate.cert, certificate.key))

    settings = {
        "FIXTURES": str(fixtures) if fixtures else None,
        "FAILURES": str(failures) if failures else None,
        "SEED": seed,
        "CLOCK": clock,
        "STRICT": strict,
        "STORE": store,
        "SESSION_TTL": session_ttl,
        "BODY_READERS": threads,
        "HTTPS_PORT": https_port if certificate is not None else None,
        "FORWARDED": forwarded,
    }
    try:
        app = create_app(settings)
    except FixtureError as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        sys.exit(2)
    except SettingError as error:
        raise click.UsageError(str(error)) from None
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--store") from None
    except StoreUnavailable as error:
        raise click.ClickException(str(error)) from None
    requestlog.configure(log_format)
    if beyond_loopback(host) and not app.config["ADMIN_TOKEN"]:
        click.echo(
            f"mockserver: warning: listening on {host}, beyond this machine, with no MOCKSERVER_ADMIN_TOKEN: "
            "anyone who reaches the port can change the state and failure rules through /__admin",
            err=True,
        )

    shared = without_password(store)

    bases = [f"{listener.scheme}://{_in_url(host)}:{listener.port}" for listener in listeners]
    vendor_base = bases[-1]  # HTTPS when served: the vendors serve nothing else

    def banner() -> None:
        store = app.extensions["mockserver"]
        world = store.default
        serving = " and ".join(bases)
        click.echo(f"mockserver {__version__} serving on {serving}{' (strict)' if strict else ''}")
        for vendor in store.vendors:
            source = store.fixtures.sources[vendor.name] or "no fixture file"
            described = vendor.describe(world.state(vendor.name))
            click.echo(f"  {vendor.title:<13} {vendor_base}{vendor.entry_path}  ({described} from {source})")
        click.echo(f"  Admin         {bases[0]}/__admin  ({len(world.rules)} failure rules)")
        if certificate is not None:
            names = ", ".join(certificate.names)
            signer = f"CA {certificate.ca}" if certificate.ca else f"your certificate {certificate.cert}"
            click.echo(f"  TLS           for {names}; {signer}")
        if shared != "memory":
            click.echo(f"  Store         {shared}  ({workers} worker{'s' if workers > 1 else ''})")
        sys.stdout.flush()

    # On Redis a new worker catches up from the store; in memory the state died with the worker.
    try:
        serve(
            app,
            host=host,
            listeners=listeners,
            threads=threads,
            on_ready=banner,
            workers=workers,
            http=http,
            respawn=shared != "memory",
        )
    except PortUnavailable as error:
        raise click.ClickException(str(error)) from None


def _in_url(host: str) -> str:
    """`host` as a URL writes it: an IPv6 address in brackets."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
