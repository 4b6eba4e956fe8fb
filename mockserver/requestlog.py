"""Per-request bookkeeping: the warnings a request earned; its journal entry and its log line."""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from mockserver.context import api_of, session_id, world
from mockserver.journal import body_for_journal, mask_headers

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
    api = api_of(request.path)
    journaled = api != "admin"
    if not journaled and not logger.isEnabledFor(logging.INFO):
        return response
    entry = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "session": session_id(),
        "api": api,
        "method": request.method,
        "path": request.path,
        "query": {name: values[0] if len(values) == 1 else values for name, values in request.args.lists()},
        "query_string": request.query_string.decode("latin-1"),
        "headers": mask_headers(dict(request.headers)),
        "body": _request_body(),
        "status": response.status_code,
        "response": None if response.is_streamed else _response_body(response),
        "matched_rules": g.get("matched_rules", []),
        "fault": g.get("fault"),
        "warnings": warnings(),
        "duration_ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 3),
    }
    if journaled:
        world().journal.record(entry)
    if logger.isEnabledFor(logging.INFO):
        logger.info("%s %s %s", request.method, request.path, response.status_code, extra={"request": entry})
    return response


def _request_body() -> Any:
    try:
        data = request.get_data(cache=True)
    except HTTPException:  # too large to read: the answer was a 413
        return "(not read: larger than the mock accepts)"
    if not data:
        return None
    try:
        parsed = json.loads(data) if request.is_json else None
    except (ValueError, RecursionError):
        return body_for_journal(data)
    return body_for_journal(data, parsed, is_json=request.is_json)


def _response_body(response: Response) -> Any:
    data = response.get_data()
    if response.is_json:
        try:
            return body_for_journal(data, json.loads(data), is_json=True)
        except ValueError:
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
