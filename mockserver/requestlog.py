"""Per-request bookkeeping: the warnings a request earned; its journal entry and its log line."""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Request, Response, g, request
from werkzeug.exceptions import HTTPException

from mockserver.context import SESSION_HEADER, api_of, world
from mockserver.journal import Deferred, body_for_journal, mask_headers

logger = logging.getLogger("mockserver.requests")


def warn(parameter: str, message: str) -> None:
    """Record something the real vendor would silently tolerate (see strict mode)."""
    g.setdefault("warnings", []).append({"parameter": parameter, "message": message})


def warnings() -> list[dict[str, str]]:
    """The warnings recorded so far for the current request."""
    return g.get("warnings", [])


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    g.started = time.perf_counter()


def _finish(response: Response) -> Response:
    """Journal vendor requests (the admin API's own are not), and log every request."""
    current = request._get_current_object()  # type: ignore[attr-defined]  # once, not through the proxy
    path = current.path
    api = api_of(path)
    journaled = api != "admin"
    logged = logger.isEnabledFor(logging.INFO)
    if not journaled and not logged:
        return response
    context = g._get_current_object()  # type: ignore[attr-defined]
    entry = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "session": current.headers.get(SESSION_HEADER) or None,
        "api": api,
        "method": current.method,
        "path": path,
        "query": {name: values[0] if len(values) == 1 else values for name, values in current.args.lists()},
        "query_string": current.query_string.decode("latin-1"),
        "headers": Deferred(mask_headers, dict(current.headers)),
        "body": _request_body(current),
        "status": response.status_code,
        "response": None if response.is_streamed else Deferred(_body, response.get_data(), response.is_json),
        "matched_rules": context.get("matched_rules", []),
        "fault": context.get("fault"),
        "warnings": context.get("warnings", []),
        "duration_ms": round((time.perf_counter() - context.get("started", time.perf_counter())) * 1000, 3),
    }
    if journaled:
        world().journal.record(entry)
    if logged:
        logger.info("%s %s %s", current.method, path, response.status_code, extra={"request": entry})
    return response


def _request_body(current: Request) -> Any:
    try:
        data = current.get_data(cache=True)
    except HTTPException:  # too large to read: the answer was a 413
        return "(not read: larger than the mock accepts)"
    return Deferred(_body, data, current.is_json) if data else None


def _body(data: bytes, is_json: bool) -> Any:
    """A request's or response's body as the journal shows it: parsed if JSON, else text."""
    if is_json:
        try:
            return body_for_journal(data, json.loads(data), is_json=True)
        except (ValueError, RecursionError):
            pass
    return body_for_journal(data)


class TextFormatter(logging.Formatter):
    """`GET /dc/api/v5/registrations?status=x 400 0.8ms` and the warnings, if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] | None = getattr(record, "request", None)
        if entry is None:
            return super().format(record)
        target = entry["path"] + (f"?{entry['query_string']}" if entry["query_string"] else "")
        line = f"{entry['method']} {target} {entry['status']} {entry['duration_ms']:.1f}ms"
        if entry["session"]:
            line += f" session={entry['session']}"
        for rule in entry["matched_rules"]:
            line += f" rule[{rule['name']}]"
        for warning in entry["warnings"]:
            line += f" warning[{warning['parameter']}]: {warning['message']}"
        # One request, one line, whatever a client put in a parameter's name.
        return line.replace("\r", "\\r").replace("\n", "\\n")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: method, path, query, status, duration, session, rules, warnings (and their
    count, for a log query that needs no JSON array functions)."""

    FIELDS = ("time", "method", "path", "query_string", "status", "duration_ms", "session", "api", "fault")

    def format(self, record: logging.LogRecord) -> str:
        entry = getattr(record, "request", None)
        if entry is None:
            return json.dumps({"message": record.getMessage()})
        line = {name: entry[name] for name in self.FIELDS}
        line["query"] = line.pop("query_string")
        line["matched_rules"] = [rule["name"] for rule in entry["matched_rules"]]
        line["warning_count"] = len(entry["warnings"])
        line["warnings"] = entry["warnings"]
        return json.dumps(line)


def configure(log_format: str) -> None:
    """Send request lines to stdout in `text` or `json`."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
