"""The application factory, and the composition root: the one module (with cli/) that names the vendors."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from mockserver import digitalchalk, fullfabric
from mockserver.admin import views as admin
from mockserver.clock import parse_instant
from mockserver.config import DEFAULTS, check_settings
from mockserver.errors import StoreUnavailable
from mockserver.fixtures.load import load_failures, load_fixtures, paused_gc
from mockserver.resources import data_dir
from mockserver.store import MemoryStore, Settings, Store
from mockserver.store.urls import without_password
from mockserver.vendor import Vendors
from mockserver.web import requestlog, responses
from mockserver.web.bodies import BUSY, Bodies
from mockserver.web.context import Routing, current_api, refuse_malformed_session, vendors
from mockserver.web.injection import apply_request_rules
from mockserver.web.requestlog import printable
from mockserver.web.scheme import Forwarded, PlainHTTP, warn_of_plain_http

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

logger = logging.getLogger("mockserver")

# The vendors this mock serves.
VENDORS = Vendors((fullfabric.VENDOR, digitalchalk.VENDOR))


class Mock(Flask):
    """Flask, with the mock's response class, and no check for async functions (it has none) on every
    hook and view of every request."""

    response_class = responses.Response

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        return func


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build a mock: defaults, then `MOCKSERVER_*` from the environment, then `config`."""
    app = Mock(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("MOCKSERVER")
    # from_prefixed_env reads values as JSON: a token of 0, false, null or [] would leave the admin API
    # open, and true or 1.50 would change it. A token is text, exactly as written.
    if (token := os.environ.get("MOCKSERVER_ADMIN_TOKEN")) is not None:
        app.config["ADMIN_TOKEN"] = token
    if config:
        app.config.from_mapping(config)
    check_settings(app.config)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the vendors' field order

    fixtures_dir = Path(app.config["FIXTURES"]) if app.config["FIXTURES"] else data_dir("fixtures")
    failures_file = Path(app.config["FAILURES"]) if app.config["FAILURES"] else fixtures_dir / "failures.yaml"
    app.extensions["mockserver.vendors"] = VENDORS
    with paused_gc():
        settings = _settings(app, fixtures_dir, failures_file)
        app.extensions["mockserver"] = _store(app, settings)

    requestlog.init_app(app)  # first, so that durations include injected latency
    app.before_request(refuse_malformed_session)  # before any hook uses a world
    app.before_request(admin.authorize)  # before any world is looked up: a refused request makes none
    app.before_request(_refuse_unread_body)
    app.before_request(warn_of_plain_http)  # before the rules: a refused call is not a call a rule counts
    app.before_request(apply_request_rules)
    for vendor in VENDORS:
        app.register_blueprint(vendor.blueprint)
        for number, prefix in enumerate(vendor.also_at, 2):
            name = f"{vendor.blueprint.name}_{number}"
            app.register_blueprint(vendor.blueprint, url_prefix=prefix, name=name)
    app.register_blueprint(admin.bp)
    for unavailable in app.extensions["mockserver"].unavailable:
        app.register_error_handler(unavailable, _store_unreachable)
    app.register_error_handler(PlainHTTP, _plain_http)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    wsgi_app: WSGIApplication = app.wsgi_app
    flask_app = wsgi_app
    for vendor in VENDORS:
        if vendor.middleware is not None:
            wsgi_app = vendor.middleware(app, wsgi_app)
    wsgi_app = Bodies(
        wsgi_app,
        readers=app.config["BODY_READERS"],
        wait_seconds=app.config["BODY_WAIT_SECONDS"],
        max_length=app.config["MAX_CONTENT_LENGTH"],
    )
    wsgi_app = Routing(wsgi_app, VENDORS, refuse=flask_app)
    if app.config["FORWARDED"]:
        wsgi_app = Forwarded(wsgi_app)
    app.wsgi_app = wsgi_app  # type: ignore[method-assign]
    return app


def _refuse_unread_body() -> None:
    """Every body reader was taken (by clients that are slow to send theirs): `503`, try again soon."""
    if request.environ.get(BUSY):
        raise ServiceUnavailable(
            "mockserver is reading as many request bodies as it reads at once; try again", retry_after=1
        )


def _store(app: Flask, settings: Settings) -> Store:
    """The store the STORE setting names: this process's memory, or a Redis shared by processes."""
    where = app.config["STORE"]
    sessions = {"max_sessions": app.config["SESSIONS_MAX"], "session_ttl": app.config["SESSION_TTL"] or None}
    if where == "memory":
        return MemoryStore(settings, **sessions)
    if where.startswith(("redis://", "rediss://", "unix://")):
        from redis.exceptions import RedisError  # only with this store: redis takes 0.2 s to import

        from mockserver.store.redis import RedisStore

        try:
            every = app.config["LOG_SNAPSHOT_EVERY"]
            return RedisStore(settings, where, app.config["STORE_PREFIX"], **sessions, snapshot_every=every)
        except RedisError as error:
            raise StoreUnavailable(f"cannot use the store {without_password(where)}: {error}") from None
    raise ValueError(f"STORE must be memory or a redis:// URL, not {without_password(where)!r}")


def _settings(app: Flask, fixtures_dir: Path, failures_file: Path) -> Settings:
    """The fixtures loaded and checked, and the rest of what every world is made from."""
    return Settings(
        vendors=VENDORS,
        fixtures=load_fixtures(fixtures_dir, VENDORS),
        failures=tuple(load_failures(failures_file, VENDORS))
        if failures_file.is_file() or app.config["FAILURES"]
        else (),
        seed=app.config["SEED"],
        clock_start=parse_instant(app.config["CLOCK"]) if app.config["CLOCK"] else None,
        journal_size=app.config["JOURNAL_SIZE"],
        journal_bytes=app.config["JOURNAL_BYTES"] or None,
        journal_total_bytes=app.config["JOURNAL_TOTAL_BYTES"] or None,
        webhook_retries=tuple(float(delay) for delay in app.config["WEBHOOK_RETRIES"]),
        webhook_timeout=float(app.config["WEBHOOK_TIMEOUT"]),
    )


def _write_error(status: int, message: str) -> Response:
    """An error no view handled (unknown path, wrong method), in the format of the API whose path it falls
    under; anything else gets the admin API's problem+json."""
    vendor = vendors().get(current_api())
    return admin.problem(status, message) if vendor is None else vendor.error_response(status, message)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    response = _write_error(status, error.description or error.name)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _plain_http(error: PlainHTTP) -> Response:
    return _write_error(403, str(error))


def _store_unreachable(error: Exception) -> Response:
    """The Redis store is gone: `503`, and nothing changed; the next request tries again. What Redis said
    (its address, key names, script hashes) goes to the log, not to the client."""
    logger.warning("store unusable on %s %s: %s", request.method, printable(request.path), error)
    if isinstance(error, StoreUnavailable):  # the mock's own words, written for the client
        return _write_error(503, f"mockserver's store cannot be used: {error}")
    return _write_error(503, "mockserver's store is unreachable or failed (the server's log says why)")


def _unexpected_error(error: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, printable(request.path))
    return _write_error(500, f"mockserver internal error: {type(error).__name__}")
