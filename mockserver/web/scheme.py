"""The scheme a request came by: plain HTTP to a vendor earns a warning when HTTPS is served, and behind a
proxy (`--forwarded`) the scheme, host and port the client called are what the proxy says.

A TLS terminator in front of the mock passes requests on over plain HTTP: without this, the links the mock
writes (`next`, `prev`, `Location`) would say `http://` and the mock's own address. Only when asked for,
since any client can send these headers: by default the mock writes what the request itself arrived on."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from flask import current_app, request
from werkzeug.http import parse_dict_header, parse_list_header

from mockserver.web.context import current_api, vendors
from mockserver.web.requestlog import warn

# What a proxy may say the client used: a scheme of the web, and a host (a name, or an address, IPv6 in
# brackets) with an optional port. Anything else is not used: a link is never written with it.
SCHEMES = {"http", "https"}
LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOST = re.compile(rf"(?:{LABEL}(?:\.{LABEL})*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{{1,5}})?\Z")
PORT = re.compile(r"[0-9]{1,5}\Z")
DEFAULT_PORTS = {"http": "80", "https": "443"}
PLAIN_HTTP = "the vendor accepts HTTPS only: plain HTTP calls to it fail"


def _split(host: str) -> tuple[str, str | None]:
    """`name:port` → (`name`, `port`); `[::1]:8443` → (`[::1]`, `8443`); no port → None."""
    name, colon, port = host.rpartition(":")
    if not colon or name.count("[") != name.count("]") or (not name.endswith("]") and ":" in name):
        return host, None  # no port, or the colons of a bare IPv6 address
    return name, port


class PlainHTTP(Exception):
    """A vendor call over plain HTTP, refused (strict mode, HTTPS served): 403 in the vendor's shape."""


def warn_of_plain_http() -> None:
    """A `before_request` hook: a vendor call over plain HTTP while HTTPS is served is journaled with a
    warning naming the HTTPS URL to call instead, and refused in strict mode (`PlainHTTP`). The admin API
    and health answer on either."""
    https_port = current_app.config["HTTPS_PORT"]
    if https_port is None or request.scheme != "http" or current_api() not in vendors():
        return
    message = f"{PLAIN_HTTP}; call https://{_split(request.host)[0]}:{https_port}{request.script_root}{request.path}"
    warn("scheme", message)
    if current_app.config["STRICT"]:
        raise PlainHTTP(message)


def _last(value: str | None) -> str | None:
    """The nearest proxy's value of a comma-separated `X-Forwarded-*` header (the last one): the proxy in
    front of the mock appends to what the client (or a farther proxy) sent."""
    if not value:
        return None
    items = [item.strip() for item in value.split(",")]
    return items[-1] or None


def _forwarded(value: str) -> dict[str, str]:
    """The nearest proxy's element of an RFC 7239 `Forwarded` header (the last), as lower-case names."""
    elements = parse_list_header(value)
    if not elements:
        return {}
    pairs = parse_dict_header(elements[-1].replace(";", ","))
    return {name.lower(): item for name, item in pairs.items() if item}


class Forwarded:
    """WSGI middleware: the request's scheme, host and port from `Forwarded` (RFC 7239) or, without it,
    `X-Forwarded-Proto`, `X-Forwarded-Host` and `X-Forwarded-Port`. Each trusts the nearest proxy's value
    (the last); a value that is not a scheme, host or port is ignored."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if "HTTP_FORWARDED" in environ:
            said = _forwarded(environ["HTTP_FORWARDED"])
            scheme, host, port = said.get("proto"), said.get("host"), None
        else:
            scheme = _last(environ.get("HTTP_X_FORWARDED_PROTO"))
            host = _last(environ.get("HTTP_X_FORWARDED_HOST"))
            port = _last(environ.get("HTTP_X_FORWARDED_PORT"))
        if scheme is not None and scheme.lower() in SCHEMES:
            environ["wsgi.url_scheme"] = scheme.lower()
        if host is not None and HOST.match(host):
            name, host_port = _split(host)
            environ["HTTP_HOST"] = host
            environ["SERVER_NAME"] = name
            environ["SERVER_PORT"] = host_port or DEFAULT_PORTS[environ["wsgi.url_scheme"]]
        if port is not None and PORT.match(port) and 0 < int(port) < 65536:
            name, _ = _split(environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""))
            environ["HTTP_HOST"] = f"{name}:{port}"
            environ["SERVER_PORT"] = port
        return self.app(environ, start_response)
