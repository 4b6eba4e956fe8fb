"""The admin API under `/__admin`: health, reset, failure rules, journal, state, clock, contracts,
sessions. Acts on the caller's world (`X-Mockserver-Session`); errors are problem+json."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask.sansio.blueprints import BlueprintSetupState
from marshmallow import ValidationError
from werkzeug.routing import BaseConverter

from mockserver import __version__
from mockserver.auth import bearer_token
from mockserver.clock import within_range
from mockserver.events import Subscription
from mockserver.fixtures.load import FixtureConflict, FixtureError, validate_state
from mockserver.resources import data_dir
from mockserver.schemas import MAX_JSON_DEPTH, flatten_errors, nested_deeper, parse_json, sent_as_json
from mockserver.web import responses
from mockserver.web.context import current_api, store, vendors, world

from .schemas import ClockSchema, FlushQuerySchema, JournalQuerySchema, WebhookSchema

bp = Blueprint("admin", __name__, url_prefix="/__admin")


class Problem(Exception):
    """An admin error, written as an RFC 9457 problem document."""

    def __init__(self, status: int, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.detail, self.extra = status, detail, extra


def problem(status: int, detail: str | None = None, **extra: Any) -> Response:
    """An RFC 9457 problem document; its title is the status' standard phrase."""
    body: dict[str, Any] = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    if detail:
        body["detail"] = detail
    response = jsonify(body | extra)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


@bp.errorhandler(Problem)
def _problem(error: Problem) -> Response:
    response = problem(error.status, error.detail, **error.extra)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="mockserver admin"'
    return response


@bp.errorhandler(ValidationError)
def _invalid(error: ValidationError) -> Response:
    errors = {path: message for path, message in flatten_errors(error.messages)}
    return problem(422, "The request is not valid.", errors=errors)


@bp.errorhandler(FixtureError)
def _invalid_state(error: FixtureError) -> Response:
    if isinstance(error, FixtureConflict):
        return problem(409, "The records conflict with each other or with the state.", errors=error.problems)
    return problem(422, "The state is not valid.", errors=error.problems)


def authorize() -> Response | None:
    """`before_request` of the whole app, ahead of failure rules: an admin request (any path under
    `/__admin`) without the token is refused before anything looks up its world, so it makes no session
    and fires no rule."""
    token = current_app.config["ADMIN_TOKEN"]
    if token and current_api() == "admin" and request.endpoint != "admin.health":
        # str(): a token given to create_app as a number (the environment's is always text, see app.py)
        if bearer_token(request.headers.get("Authorization", "")) != str(token):
            # answered here, not raised: an unknown admin path has no blueprint to handle a Problem
            refused = Problem(401, "The admin API needs Authorization: Bearer <MOCKSERVER_ADMIN_TOKEN>.")
            return _problem(refused)
    return None


def _json_body() -> Any:
    """The body's JSON; `400` when it is not sent as JSON, is not JSON, or is nested too deep to be kept
    and shown again (the vendor APIs' own parser, which refuses `NaN` too)."""
    body = None
    if sent_as_json(request.mimetype):
        try:
            body = parse_json(request.get_data())
        except (ValueError, RecursionError):
            pass
    if body is None or nested_deeper(body, MAX_JSON_DEPTH):
        raise Problem(
            400,
            f"The body must be JSON, sent as application/json, nested at most {MAX_JSON_DEPTH} levels deep.",
        )
    return body


def _no_content() -> Response:
    return responses.Response(status=204)


def _created(body: Any, location: str | None = None) -> Response:
    response = jsonify(body)
    response.status_code = 201
    if location is not None:
        response.headers["Location"] = location
    return response


@bp.get("/health")
def health() -> Response:
    default = store().world()  # caught up with other processes (Redis store)
    return jsonify(
        {
            "status": "ok",
            "version": __version__,
            "registrations": {name: state.registrations() for name, state in default.states.items()},
            "sessions": len(store().sessions()),
        }
    )


@bp.post("/reset")
def reset() -> Response:
    """State, rules, clock and journal back to the fixtures."""
    world().reset()
    return _no_content()


# --- failure rules -------------------------------------------------------------------------------------


@bp.get("/failures")
def list_failures() -> Response:
    return jsonify([rule.to_json() for rule in world().rules])


@bp.post("/failures")
def add_failure() -> Response:
    spec = vendors().rule_schemas.rule().load(_json_body())
    rules = world().rules
    if "id" in spec and rules.get(spec["id"]) is not None:
        raise Problem(409, f"A rule with id {spec['id']!r} exists already.")
    rule = rules.add(spec)
    return _created(rule.to_json(), url_for("admin.get_failure", rule_id=rule.id))


@bp.delete("/failures")
def clear_failures() -> Response:
    world().rules.clear()
    return _no_content()


@bp.get("/failures/<rule_id>")
def get_failure(rule_id: str) -> Response:
    rule = world().rules.get(rule_id)
    if rule is None:
        raise Problem(404, f"No rule {rule_id!r}.")
    return jsonify(rule.to_json())


@bp.delete("/failures/<rule_id>")
def delete_failure(rule_id: str) -> Response:
    if not world().rules.delete(rule_id):
        raise Problem(404, f"No rule {rule_id!r}.")
    return _no_content()


# --- journal -------------------------------------------------------------------------------------------


@bp.get("/requests")
def list_requests() -> Response:
    """The journal, oldest first, filtered."""
    filters = JournalQuerySchema(vendors().names).load(request.args.to_dict(flat=True))
    if "warnings" in filters:
        filters["warnings"] = filters["warnings"] == "true"
    return jsonify(world().journal.entries(**filters))


@bp.delete("/requests")
def clear_requests() -> Response:
    world().clear_journal()
    return _no_content()


# --- state ---------------------------------------------------------------------------------------------


@bp.get("/state")
def get_state() -> Response:
    """All data, in the fixtures' format: what `PUT /state` takes back."""
    return jsonify(world().dump_state())


@bp.put("/state")
def put_state() -> Response:
    world().replace_state(validate_state(_json_body(), vendors()))
    return _no_content()


@bp.post("/state/<api>/<collection>")
def add_records(api: str, collection: str) -> Response:
    """Add one record or a list to a collection, validated like the fixtures (references included)."""
    vendor = vendors().get(api)
    if vendor is None or collection not in vendor.collections:
        known = "; ".join(f"{vendor.name}: {', '.join(vendor.collections)}" for vendor in vendors())
        raise Problem(404, f"No collection {api}/{collection}. Collections: {known}.")
    body = _json_body()
    records = body if isinstance(body, list) else [body]
    try:
        total = world().add_records(api, collection, records)
    except FixtureError as error:
        status = 409 if isinstance(error, FixtureConflict) else 422
        # Name the posted records by their place in the request, not in the whole collection.
        first = error.first_added if isinstance(error.first_added, int) else 0
        prefix = f"state: {api}.{collection}."
        problems = []
        for text in error.problems:
            if text.startswith(prefix) and text[len(prefix) :].split(".")[0].isdigit():
                index, _, rest = text[len(prefix) :].partition(".")
                text = f"{int(index) - first}.{rest}" if int(index) >= first else text
            problems.append(text)
        detail = "The records conflict with the state." if status == 409 else "The records are not valid."
        raise Problem(status, detail, errors=problems) from None
    return _created({"added": len(records), "total": total})


# --- webhooks ------------------------------------------------------------------------------------------


class SubscriptionId(BaseConverter):
    """A subscription's id (32 hex digits): `/webhooks/deliveries` and `/webhooks/flush` are not ids."""

    regex = "[0-9a-f]{32}"


@bp.record_once
def _add_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters.setdefault("subscription", SubscriptionId)


@bp.get("/webhooks")
def list_webhooks() -> Response:
    """The world's subscriptions, in the order they were added."""
    return jsonify([subscription.to_json() for subscription in world().webhooks.values()])


@bp.post("/webhooks")
def add_webhook() -> Response:
    """Subscribe a URL to events of one API (as the vendor's admin screens would)."""
    apis = {vendor.name: vendor.event_names for vendor in vendors() if vendor.event_names}
    spec = WebhookSchema(apis).load(_json_body())
    subscription = Subscription(
        uuid.uuid4().hex, spec["api"], tuple(dict.fromkeys(spec["events"])), spec["url"], spec["method"]
    )
    world().add_webhook(subscription)
    return _created(subscription.to_json(), url_for("admin.delete_webhook", subscription_id=subscription.id))


@bp.get("/webhooks/deliveries")
def list_deliveries() -> Response:
    """Every delivery attempt of the world's events, oldest first."""
    return jsonify(world().deliveries.entries())


@bp.post("/webhooks/flush")
def flush_webhooks() -> Response:
    """Wait until no delivery is pending (retries included), at most `wait` seconds; every attempt."""
    query = FlushQuerySchema().load(request.args.to_dict(flat=True))
    wait = query.get("wait", current_app.config["WEBHOOK_FLUSH_SECONDS"])
    current = world()
    left = current.dispatcher.flush(current.deliveries, wait) if current.dispatcher is not None else 0
    return jsonify({"pending": left, "deliveries": current.deliveries.entries()})


@bp.delete("/webhooks/<subscription:subscription_id>")
def delete_webhook(subscription_id: str) -> Response:
    if not world().remove_webhook(subscription_id):
        raise Problem(404, f"No subscription {subscription_id!r}.")
    return _no_content()


# --- clock ---------------------------------------------------------------------------------------------


def _clock_json() -> dict[str, Any]:
    clock = world().clock
    now = clock.now()
    iso = datetime.fromtimestamp(now, UTC).isoformat().replace("+00:00", "Z")
    return {"now": iso, "unix": now, "frozen": clock.frozen_at is not None}


@bp.get("/clock")
def get_clock() -> Response:
    return jsonify(_clock_json())


@bp.put("/clock")
def put_clock() -> Response:
    """Freeze the clock at `now`, or move it on by `advance_seconds` (from real time if not frozen)."""
    change = ClockSchema().load(_json_body())
    clock = world().clock
    if "now" in change:
        clock.frozen_at = change["now"]
    else:
        moved = (clock.frozen_at if clock.frozen_at is not None else time.time()) + change["advance_seconds"]
        try:
            clock.frozen_at = within_range(moved)
        except ValueError as error:
            # Whether it fits depends on where the clock is: a conflict with the state, not bad input.
            raise Problem(
                409, "Cannot advance the clock that far.", errors=[f"advance_seconds: {error}."]
            ) from None
    return jsonify(_clock_json())


# --- contracts and sessions ----------------------------------------------------------------------------


@bp.get("/contracts/<name>")
def get_contract(name: str) -> Response:
    contracts = (*vendors().names, "admin")
    if name not in contracts:
        raise Problem(404, f"No contract {name!r}. Contracts: {', '.join(contracts)}.")
    return responses.Response(
        (data_dir("contracts") / f"{name}.yaml").read_bytes(), mimetype="application/yaml"
    )


@bp.get("/sessions")
def list_sessions() -> Response:
    return jsonify(store().sessions())


@bp.delete("/sessions/<path:session>")  # an id may hold a `/` (sent as %2F)
def end_session(session: str) -> Response:
    if not store().end_session(session):
        raise Problem(404, f"No session {session!r}.")
    return _no_content()
