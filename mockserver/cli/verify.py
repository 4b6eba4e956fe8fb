"""`mockserver verify BASE_URL`: schemathesis runs the packaged contracts against a live server."""

from __future__ import annotations

import importlib.util
import os
import ssl
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn, TypeVar
from urllib.parse import urlsplit

import click
from click.core import ParameterSource

from mockserver.cli.health import http_status, unreachable_reason
from mockserver.resources import data_dir

# In this order: the admin API's run adds failure rules and replaces state, so it goes last (and the
# server is reset after it), where it cannot break the vendors' runs.
APIS = ("fullfabric", "digitalchalk", "admin")
AUTH_HEADERS = {
    "fullfabric": "FF-Auth: {}",
    "digitalchalk": "Authorization: Bearer {}",
    "admin": "Authorization: Bearer {}",
}
# Any non-empty token passes a `mockserver run` whose fixtures list none (and an admin API without
# MOCKSERVER_ADMIN_TOKEN). Such a server cannot tell a wrong token from a right one, so the checks that
# send a wrong one, or none, run only for the APIs whose token was given.
DEFAULT_TOKEN = "mockserver-verify"
AUTH_CHECKS = "ignored_auth,missing_required_header"
REACHABLE_TIMEOUT = 5.0
MISSING_SCHEMATHESIS = "needs schemathesis: pip install 'mockserver[verify]'"

F = TypeVar("F", bound=Callable[..., object])


@dataclass(frozen=True, slots=True)
class Target:
    """One API to verify: its name (which names its contract), the auth header, whether to check auth."""

    api: str
    header: str
    check_auth: bool


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one API's schemathesis run ended."""

    target: Target
    exit_code: int

    def line(self) -> str:
        """One line of the summary."""
        verdict = "passed" if self.exit_code == 0 else f"FAILED (schemathesis exit code {self.exit_code})"
        note = "" if self.target.check_auth else f" (auth checks skipped: no --{self.target.api}-token)"
        return f"  {self.target.api:<13} {verdict}{note}"


def _cannot_run(message: str) -> NoReturn:
    click.echo(f"mockserver verify {message}", err=True)
    sys.exit(2)


def _base_url(context: click.Context, parameter: click.Parameter, value: str) -> str:
    """Refuse anything but an http(s) URL before anything runs."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise click.BadParameter(f"not an http(s) URL: {value!r}")
    return value.rstrip("/")


def _token_option(api: str) -> Callable[[F], F]:
    """`--<api>-token`, also read from the environment (the admin one from the server's own setting)."""
    envvars = [f"MOCKSERVER_VERIFY_{api.upper()}_TOKEN"]
    if api == "admin":
        envvars.append("MOCKSERVER_ADMIN_TOKEN")
    return click.option(
        f"--{api}-token",
        default=DEFAULT_TOKEN,
        envvar=envvars,
        show_envvar=True,
        help=f"Sent as `{AUTH_HEADERS[api].format('TOKEN')}`; when given, the auth checks run too.",
    )


def _targets(context: click.Context, apis: Sequence[str], tokens: Mapping[str, str]) -> list[Target]:
    """The chosen APIs in run order, each with its header and whether its token was given."""
    chosen = set(APIS) if "all" in apis else set(apis)
    return [
        Target(
            api,
            AUTH_HEADERS[api].format(tokens[api]),
            check_auth=context.get_parameter_source(f"{api}_token") is not ParameterSource.DEFAULT,
        )
        for api in APIS
        if api in chosen
    ]


def schemathesis_command(base_url: str, target: Target, options: Sequence[str]) -> list[str]:
    """The schemathesis run of one contract, with every check, on this interpreter's installation."""
    contract = data_dir("contracts") / f"{target.api}.yaml"
    command = [sys.executable, "-m", "schemathesis.cli", "run", str(contract), "--url", base_url]
    command += ["--checks", "all", "--header", target.header]
    if not target.check_auth:
        command += ["--exclude-checks", AUTH_CHECKS]
    return command + list(options)


def _reset(base_url: str, admin_header: str, context: ssl.SSLContext | None) -> None:
    """Put the server back on its fixtures: the admin API's run leaves failure rules and state behind."""
    name, _, value = admin_header.partition(": ")
    try:
        status = http_status(f"{base_url}/__admin/reset", REACHABLE_TIMEOUT, "POST", {name: value}, context)
    except OSError as error:
        status, reason = 0, unreachable_reason(error)
    else:
        reason = f"it answered {status}"
    if status != 204:
        click.echo(f"mockserver verify could not reset {base_url} after the admin run: {reason}", err=True)


def _run(
    base_url: str,
    targets: Sequence[Target],
    options: Sequence[str],
    ca: Path | None,
    context: ssl.SSLContext | None,
) -> list[Outcome]:
    """Each target's schemathesis run in turn, its output going straight to ours. The hooks' own requests
    verify an HTTPS server against `ca` too (they read it from MOCKSERVER_CA); the reset, with `context`."""
    environment = {**os.environ, "SCHEMATHESIS_HOOKS": "mockserver.contract_hooks"}
    if ca is not None:
        environment["MOCKSERVER_CA"] = str(ca)
    outcomes = []
    for target in targets:
        click.echo(f"mockserver verify: the {target.api} contract against {base_url}")
        run = subprocess.run(schemathesis_command(base_url, target, options), env=environment, check=False)
        outcomes.append(Outcome(target, run.returncode))
        if target.api == "admin":
            _reset(base_url, target.header, context)
    return outcomes


def _trusting(ca: Path | None) -> ssl.SSLContext:
    """TLS settings that trust `ca` (the system's store without one); cannot run if it holds no CA."""
    try:
        return ssl.create_default_context(cafile=ca)
    except OSError as error:  # ssl.SSLError: a file that holds no certificate
        _cannot_run(f"cannot use the CA certificate {ca}: {error.strerror or error}")


def _reachable(base_url: str, context: ssl.SSLContext | None) -> None:
    """Cannot run, saying why, unless something answers HTTP at `base_url` (its certificate verified with
    `context`, if HTTPS)."""
    try:
        http_status(base_url, REACHABLE_TIMEOUT, context=context)
    except OSError as error:
        reason = unreachable_reason(error)
        if isinstance(getattr(error, "reason", None), ssl.SSLCertVerificationError):
            reason += "; give the CA that signed its certificate with --ca (or MOCKSERVER_CA)"
        _cannot_run(f"cannot reach {base_url}: {reason}")


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("base_url", callback=_base_url)
@click.option(
    "--api",
    "apis",
    type=click.Choice([*APIS, "all"]),
    multiple=True,
    default=["all"],
    show_default=True,
    help="The contract to run; repeat for several.",
)
@_token_option("fullfabric")
@_token_option("digitalchalk")
@_token_option("admin")
@click.option("--max-examples", type=click.IntRange(min=1), help="Test cases per operation.")
@click.option("--seed", type=int, help="Seed of the generated cases, to repeat a run exactly.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
@click.option(
    "--ca",
    type=click.Path(exists=True, dir_okay=False, resolve_path=True, path_type=Path),
    envvar="MOCKSERVER_CA",
    show_envvar=True,
    help="The CA certificate (PEM) to verify an https:// BASE_URL with, e.g. `mockserver tls ca`'s "
    "[default: the system's trust store].",
)
@click.argument("schemathesis_args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def verify(
    context: click.Context,
    base_url: str,
    apis: tuple[str, ...],
    fullfabric_token: str,
    digitalchalk_token: str,
    admin_token: str,
    max_examples: int | None,
    seed: int | None,
    workers: int,
    ca: Path | None,
    schemathesis_args: tuple[str, ...],
) -> None:
    """Run schemathesis, with every check, on the contracts against the server at BASE_URL.

    Exits 1 when a contract finds a failure, 2 when it cannot run. Arguments after `--` go to
    `schemathesis run` as they are. The runs change the server's state; the admin API's ends in a reset.
    """
    if importlib.util.find_spec("schemathesis") is None:
        _cannot_run(MISSING_SCHEMATHESIS)
    tls = _trusting(ca) if urlsplit(base_url).scheme == "https" else None
    _reachable(base_url, tls)
    tokens = {"fullfabric": fullfabric_token, "digitalchalk": digitalchalk_token, "admin": admin_token}
    # The CA before the arguments given after `--`, which may override it (`--tls-verify false`).
    options = ["--workers", str(workers), *(["--tls-verify", str(ca)] if ca else []), *schemathesis_args]
    if max_examples:
        options += ["--max-examples", str(max_examples)]
    if seed is not None:
        options += ["--seed", str(seed)]
    outcomes = _run(base_url, _targets(context, apis, tokens), options, ca, tls)
    click.echo(f"mockserver verify {base_url}:")
    for outcome in outcomes:
        click.echo(outcome.line())
    sys.exit(0 if all(outcome.exit_code == 0 for outcome in outcomes) else 1)
