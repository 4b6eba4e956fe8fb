"""Per-request bookkeeping: the warnings a request earned, and one log line when it is answered."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from flask import Flask, Response, g, request

logger = logging.getLogger("mockserver.requests")


def warn(parameter: str, message: str) -> None:
    """Record something the real vendor would silently tolerate (see strict mode)."""
    g.setdefault("warnings", []).append({"parameter": parameter, "message": message})


def warnings() -> list[dict[str, str]]:
    """The warnings recorded so far for the current request."""
    return g.get("warnings", [])


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_log)


def _start() -> None:
    g.started = time.perf_counter()


def _log(response: Response) -> Response:
    if logger.isEnabledFor(logging.INFO):
        started = g.get("started", time.perf_counter())
        entry = {
            "method": request.method,
            "path": request.path,
            "query": request.query_string.decode("latin-1"),
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 3),
            "warnings": warnings(),
        }
        logger.info("%s %s %s", request.method, request.path, response.status_code, extra={"request": entry})
    return response


class TextFormatter(logging.Formatter):
    """`GET /dc/api/v5/registrations?status=x 400 0.8ms` and the warnings, if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] | None = getattr(record, "request", None)
        if entry is None:
            return super().format(record)
        target = entry["path"] + (f"?{entry['query']}" if entry["query"] else "")
        line = f"{entry['method']} {target} {entry['status']} {entry['duration_ms']:.1f}ms"
        for warning in entry["warnings"]:
            line += f" warning[{warning['parameter']}]: {warning['message']}"
        # One request, one line, whatever a client put in a parameter's name.
        return line.replace("\r", "\\r").replace("\n", "\\n")


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = getattr(record, "request", None)
        return json.dumps(entry if entry is not None else {"message": record.getMessage()})


def configure(log_format: str) -> None:
    """Send request lines to stdout in `text` or `json`."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
