"""The world the current request sees (the default one, or its session's), and which API it calls."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import current_app, g, request

from mockserver.store import Store, World
from mockserver.vendor import Vendors

SESSION_HEADER = "X-Mockserver-Session"
SESSION_PREFIX = re.compile(r"/__session/(?P<session>[A-Za-z0-9._~-]{1,128})(?P<rest>/.*)?\Z", re.S)
API = "mockserver.api"  # the environ key of the API a request calls (set once, by `Routing`)


def store() -> Store:
    found: Store = current_app.extensions["mockserver"]  # Flask keeps extensions as `Any`
    return found


def vendors() -> Vendors:
    found: Vendors = current_app.extensions["mockserver.vendors"]
    return found


def session_of(environ: Mapping[str, Any]) -> str | None:
    """The session a request names (`X-Mockserver-Session`, or the `/__session/<id>` prefix), if any."""
    return environ.get("HTTP_X_MOCKSERVER_SESSION") or None


def session_id() -> str | None:
    return session_of(request.environ)


def world() -> World:
    """The current request's world, looked up once per request."""
    context = g._get_current_object()  # once, not through the proxy each time
    try:
        current: World = context.world
    except AttributeError:
        current = context.world = store().world(session_id())
    return current


def current_api() -> str:
    """Which API the current request calls: a vendor's name, `admin`, or `unknown`."""
    environ = request.environ
    api: str | None = environ.get(API)
    if api is None:
        api = environ[API] = vendors().api_of(request.path)
    return api


class Routing:
    """WSGI middleware, first of all: notes which API a request calls, and takes a session prefix.

    `/__session/<id>/<path>` is `<path>` with `X-Mockserver-Session: <id>`. A client under test then needs
    only a base URL, no header: the prefix becomes the script root, so the links the mock writes
    (DigitalChalk's `next` and `prev`) keep it."""

    def __init__(self, app: Callable[..., Iterable[bytes]], vendors: Vendors) -> None:
        self.app = app
        self.api_of = vendors.api_of

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        found = SESSION_PREFIX.match(path)
        if found is not None:
            prefix = f"/__session/{found['session']}"
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + prefix
            path = environ["PATH_INFO"] = found["rest"] or "/"
            environ["HTTP_X_MOCKSERVER_SESSION"] = found["session"]
        environ[API] = self.api_of(path)
        return self.app(environ, start_response)
