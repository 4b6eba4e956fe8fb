"""The world the current request sees: the default one, or its session's (`X-Mockserver-Session`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import current_app, g, request

from mockserver.store.memory import MemoryStore, World

SESSION_HEADER = "X-Mockserver-Session"
SESSION_PREFIX = re.compile(r"/__session/(?P<session>[A-Za-z0-9._~-]{1,128})(?P<rest>/.*)?\Z", re.S)
API_PREFIXES = (("/apis/", "fullfabric"), ("/dc/", "digitalchalk"), ("/__admin", "admin"))


def store() -> MemoryStore:
    return current_app.extensions["mockserver"]


def session_of(environ: Mapping[str, Any]) -> str | None:
    """The session a request names (`X-Mockserver-Session`, or the `/__session/<id>` prefix), if any."""
    return environ.get("HTTP_X_MOCKSERVER_SESSION") or None


def session_id() -> str | None:
    return session_of(request.environ)


def world() -> World:
    """The current request's world, looked up once per request."""
    context = g._get_current_object()  # type: ignore[attr-defined]  # once, not through the proxy each time
    try:
        return context.world  # type: ignore[no-any-return]
    except AttributeError:
        context.world = store().world(session_id())
        return context.world  # type: ignore[no-any-return]


def api_of(path: str) -> str:
    """Which API a path belongs to: fullfabric, digitalchalk, admin, or unknown."""
    for prefix, api in API_PREFIXES:
        if path.startswith(prefix):
            return api
    return "unknown"


class SessionPrefix:
    """WSGI middleware: `/__session/<id>/<path>` is `<path>` with `X-Mockserver-Session: <id>`.

    A client under test then needs only a base URL, no header: the prefix becomes the script root, so the
    links the mock writes (DigitalChalk's `next` and `prev`) keep it."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        found = SESSION_PREFIX.match(environ.get("PATH_INFO", ""))
        if found is not None:
            prefix = f"/__session/{found['session']}"
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + prefix
            environ["PATH_INFO"] = found["rest"] or "/"
            environ["HTTP_X_MOCKSERVER_SESSION"] = found["session"]
        return self.app(environ, start_response)
