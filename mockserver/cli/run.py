"""`mockserver run`: serve the mock on a production WSGI server."""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path

import click

from mockserver import __version__
from mockserver.cli.options import host_option, port_option
from mockserver.clock import parse_instant
from mockserver.config import DEFAULTS, SERVER_DEFAULTS, SettingError
from mockserver.errors import StoreUnavailable
from mockserver.fixtures.load import FixtureError
from mockserver.store.urls import without_password
from mockserver.web import requestlog


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


@click.command()
@host_option
@port_option
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
def run(
    host: str,
    port: int,
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
    from mockserver.server import serve

    settings = {
        "FIXTURES": str(fixtures) if fixtures else None,
        "FAILURES": str(failures) if failures else None,
        "SEED": seed,
        "CLOCK": clock,
        "STRICT": strict,
        "STORE": store,
        "SESSION_TTL": session_ttl,
        "BODY_READERS": threads,
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

    def banner() -> None:
        base = f"http://{host}:{port}"
        store = app.extensions["mockserver"]
        world = store.default
        click.echo(f"mockserver {__version__} serving on {base}{' (strict)' if strict else ''}")
        for vendor in store.vendors:
            source = store.fixtures.sources[vendor.name] or "no fixture file"
            described = vendor.describe(world.state(vendor.name))
            click.echo(f"  {vendor.title:<13} {base}{vendor.entry_path}  ({described} from {source})")
        click.echo(f"  Admin         {base}/__admin  ({len(world.rules)} failure rules)")
        if shared != "memory":
            click.echo(f"  Store         {shared}  ({workers} worker{'s' if workers > 1 else ''})")
        sys.stdout.flush()

    # On Redis a new worker catches up from the store; in memory the state died with the worker.
    serve(
        app,
        host=host,
        port=port,
        threads=threads,
        on_ready=banner,
        workers=workers,
        http=http,
        respawn=shared != "memory",
    )
