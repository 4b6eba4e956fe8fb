"""Repeated DigitalChalk list requests, answered before Flask.

A client polling the list, or a load test, asks the same thing again and again. Its first answer was
made by the view (mockserver/digitalchalk/views.py) and kept by the table. When nothing else could change
the answer (no failure rule of its world could fire for the list, the view would accept the token, no
body), this WSGI layer sends those bytes itself, journals and logs the request as the view's would be,
and spares the request Flask's dispatch. Anything else goes on to Flask."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from mockserver.auth import bearer_token, check_token
from mockserver.errors import Unauthorized
from mockserver.web.context import session_of
from mockserver.web.requestlog import has_body, record

from .views import BASE_PATHS, answer_key

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask

    from mockserver.store import Store

LIST_PATHS = frozenset(f"{base}/registrations" for base in BASE_PATHS)
API = "digitalchalk"
CONTENT_TYPE = "application/json"


class RepeatedLists:
    """WSGI middleware in front of the Flask app `app` (whose `wsgi_app` is `next_app`)."""

    def __init__(self, app: Flask, next_app: WSGIApplication) -> None:
        self.store: Store = app.extensions["mockserver"]
        self.config = app.config
        self.next_app = next_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path not in LIST_PATHS or environ["REQUEST_METHOD"] != "GET" or has_body(environ):
            return self.next_app(environ, start_response)
        started = time.perf_counter()
        try:
            world = self.store.world(session_of(environ))
            ruled = world.rules.may_fire(API, "GET", path)
        except self.store.unavailable:  # the store is gone: Flask answers it (503)
            return self.next_app(environ, start_response)
        table = world.state(API)
        if ruled or not _accepted(environ, table.tokens):
            return self.next_app(environ, start_response)
        cached = table.answers.get(answer_key(environ, self.config["STRICT"]))
        if cached is None:
            return self.next_app(environ, start_response)
        body, warnings = cached
        record(
            environ,
            path,
            API,
            200,
            body,
            CONTENT_TYPE,
            journal=world.journal,
            started=started,
            warnings=[dict(warning) for warning in warnings],
            unavailable=self.store.unavailable,  # the store gone: logged, not journaled
        )
        start_response("200 OK", [("Content-Type", CONTENT_TYPE), ("Content-Length", str(len(body)))])
        return [body]


def _accepted(environ: WSGIEnvironment, tokens: dict[str, str]) -> bool:
    try:
        check_token(bearer_token(environ.get("HTTP_AUTHORIZATION", "")), tokens)
    except Unauthorized:
        return False
    return True
