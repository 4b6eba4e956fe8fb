"""Failure rules applied to requests: latency, a replaced answer, or a fault on the wire."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from flask import g, request

from mockserver.rules.rules import Call, Rule
from mockserver.web.context import current_api, vendors, world
from mockserver.web.responses import Response

# What `malformed_json` and `connection_reset` send on the admin API (each vendor has its own).
GENERIC_PARTIAL_BODY = b'{"status": "ok", "version": '


def call_for(item: Any = None, index: int | None = None) -> Call:
    """The current request (and for item rules one of its items) as rules see it."""
    return Call(
        api=current_api(),
        method=request.method,
        path=request.path,
        query=request.args.to_dict(flat=True),
        headers={name.lower(): value for name, value in request.headers.items()},
        params=request.view_args or {},
        item=item,
        index=index,
    )


def matched(rule: Rule, reason: str, index: int | None = None) -> None:
    """Note on the request that `rule` fired, for the journal."""
    entry: dict[str, Any] = {"id": rule.id, "name": rule.name, "scope": rule.scope, "reason": reason}
    if index is not None:
        entry["index"] = index
    g.setdefault("matched_rules", []).append(entry)


def apply_request_rules() -> Response | None:
    """`before_request`: the first request rule that fires delays the answer, replaces it, or breaks it.
    The admin API's own controls are never failed, so a rule can always be removed."""
    path = request.path
    if path.startswith(("/__admin/failures", "/__admin/reset", "/__admin/health")):
        return None
    rules = world().rules
    if not rules.may_fire(current_api(), request.method, path):  # the usual case: no call to describe
        return None
    fired = rules.fire(call_for(), "request")
    if fired is None:
        return None
    rule, reason = fired
    matched(rule, reason)
    if rule.latency_ms:
        time.sleep(rule.latency_ms / 1000)
    if rule.fault:
        return fault_response(rule)
    if rule.respond:
        return respond(rule, default_body(rule))
    return None  # latency only: the real answer follows


def default_body(rule: Rule) -> dict[str, Any]:
    """The body of an injected error when the rule gives none, in the shape of the API it fails."""
    message = f"injected by failure rule {rule.name}"
    vendor = vendors().get(current_api())
    if vendor is not None:
        return vendor.injected_body(message)
    status = (rule.respond or {}).get("status", 500)
    return {"type": "about:blank", "title": "Injected failure", "status": status, "detail": message}


def respond(rule: Rule, default: Any) -> Response:
    """The answer a rule's `respond` asks for."""
    spec = rule.respond or {}
    body = spec["json"] if "json" in spec else default
    response = Response(json.dumps(body), status=spec["status"], mimetype="application/json")
    for name, value in (spec.get("headers") or {}).items():
        response.headers[name] = value
    return response


def fault_response(rule: Rule) -> Response:
    """What each fault looks like on the wire (granian serves it):

    - `empty_body`: the status, `Content-Type: application/json`, `Content-Length: 0`, nothing else;
    - `malformed_json`: a complete HTTP response whose JSON body stops mid-way;
    - `connection_reset`: headers announcing a longer body, part of it, then the connection closes. The
      client sees the connection drop mid-response (httpx: RemoteProtocolError; curl: exit 18). Granian
      does not hand the app its socket, so this is a close after a short body, not a TCP RST.
    """
    status = (rule.respond or {}).get("status", 200)
    vendor = vendors().get(current_api())
    partial = GENERIC_PARTIAL_BODY if vendor is None else vendor.partial_body
    g.fault = rule.fault
    if rule.fault == "empty_body":
        return Response(b"", status=status, mimetype="application/json")
    if rule.fault == "malformed_json":
        return Response(partial, status=status, mimetype="application/json")

    def cut_off() -> Iterator[bytes]:
        yield partial
        # Granian sends a chunk asynchronously: without a pause the close can overtake it, and the
        # client would see no response at all instead of a partial one.
        time.sleep(0.05)
        raise ConnectionResetError(f"connection_reset injected by failure rule {rule.name}")

    response = Response(cut_off(), status=status, mimetype="application/json")
    response.headers["Content-Length"] = str(len(partial) * 4)
    return response
