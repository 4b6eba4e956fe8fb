"""The world the current request sees: the default one, or its session's (`X-Mockserver-Session`)."""

from __future__ import annotations

from flask import current_app, g, request

from mockserver.store.memory import MemoryStore, World

SESSION_HEADER = "X-Mockserver-Session"
API_PREFIXES = (("/apis/", "fullfabric"), ("/dc/", "digitalchalk"), ("/__admin", "admin"))


def store() -> MemoryStore:
    return current_app.extensions["mockserver"]


def session_id() -> str | None:
    return request.headers.get(SESSION_HEADER) or None


def world() -> World:
    """The current request's world, looked up once per request."""
    if "world" not in g:
        g.world = store().world(session_id())
    return g.world


def api_of(path: str) -> str:
    """Which API a path belongs to: fullfabric, digitalchalk, admin, or unknown."""
    for prefix, api in API_PREFIXES:
        if path.startswith(prefix):
            return api
    return "unknown"
