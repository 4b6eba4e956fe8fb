"""The world the current request sees (the default one, or its session's), and which API it calls."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import current_app, g, request
from werkzeug.exceptions import BadRequest

from mockserver.store import Store, World
from mockserver.vendor import Vendors

SESSION_HEADER = "X-Mockserver-Session"
SESSION_PREFIX = re.compile(r"/__session/(?P<session>[A-Za-z0-9._~-]{1,128})(?P<rest>/.*)?\Z", re.S)
# A session the header names: 1 to 128 characters, no control character but tab (one could drive the
# terminal of a log's reader, or break a line of it).
SESSION_ID = re.compile(r"[^\x00-\x08\x0a-\x1f\x7f]{1,128}\Z")
API = "mockserver.api"  # the environ key of the API a request calls (set once, by `Routing`)
REFUSED = "mockserver.refused_session"  # the environ key of why a request's session was refused


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
    (DigitalChalk's `next` and `prev`) keep it.

    A session id the mock cannot take (see `SESSION_PREFIX`, `SESSION_ID`) is not served by the default
    world: the request goes to `refuse` (the Flask app without the vendors' middleware), whose first
    hook, `refuse_malformed_session`, answers 400 in the API's error shape before any world is used."""

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        vendors: Vendors,
        refuse: Callable[..., Iterable[bytes]] | None = None,
    ) -> None:
        self.app = app
        self.refuse = refuse or app
        self.api_of = vendors.api_of

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/__session/"):
            found = SESSION_PREFIX.match(path)
            if found is None:
                why = "/__session/<id> takes 1 to 128 letters, digits and . _ ~ -"
                return self._refused(environ, start_response, path, why)
            prefix = f"/__session/{found['session']}"
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + prefix
            path = environ["PATH_INFO"] = found["rest"] or "/"
            environ["HTTP_X_MOCKSERVER_SESSION"] = found["session"]
        else:
            header = environ.get("HTTP_X_MOCKSERVER_SESSION")
            if header and SESSION_ID.match(header) is None:
                why = f"{SESSION_HEADER} takes 1 to 128 characters, no control character"
                return self._refused(environ, start_response, path, why)
        environ[API] = self.api_of(path)
        return self.app(environ, start_response)

    def _refused(
        self, environ: dict[str, Any], start_response: Callable[..., Any], path: str, why: str
    ) -> Iterable[bytes]:
        environ.pop("HTTP_X_MOCKSERVER_SESSION", None)  # named by no hook, log line or journal
        environ[REFUSED] = f"Malformed session id: {why}."
        environ[API] = self.api_of(path)
        return self.refuse(environ, start_response)


def refuse_malformed_session() -> None:
    """Answer 400 to a request whose session id `Routing` refused (a `before_request` hook, before any
    hook that uses a world)."""
    why = request.environ.get(REFUSED)
    if why is not None:
        raise BadRequest(why)
