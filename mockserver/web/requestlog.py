"""Per-request bookkeeping: the warnings a request earned; its journal entry and its log line.

This runs on every request, so it does little there: the entry keeps what it needs raw (headers, bodies
and time are formatted when the journal is read), and the log line is written by a thread of its own,
in batches, so that a request never waits on stdout."""

from __future__ import annotations

import atexit
import json
import logging
import os
import queue
import re
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing import util as multiprocessing_util
from typing import IO, Any

from flask import Flask, Request, Response, current_app, g, request
from werkzeug.datastructures import EnvironHeaders, Headers
from werkzeug.exceptions import HTTPException
from werkzeug.sansio.request import Request as SansioRequest

from mockserver.rules.journal import Deferred, Journal, body_for_journal, kept_body, mask_headers
from mockserver.web.context import REFUSED, current_api, session_of, store, world

logger = logging.getLogger("mockserver.requests")


def warn(parameter: str, message: str) -> None:
    """Record something the real vendor would silently tolerate (see strict mode)."""
    g.setdefault("warnings", []).append({"parameter": parameter, "message": message})


def warnings() -> list[dict[str, str]]:
    """The warnings recorded so far for the current request."""
    earned: list[dict[str, str]] = g.get("warnings", [])
    return earned


def refuse_if_strict(refusal: Callable[[list[dict[str, str]]], Exception]) -> None:
    """In strict mode, raise `refusal(warnings)` when the request earned a warning (its vendor's error)."""
    earned = warnings()
    if earned and current_app.config["STRICT"]:
        raise refusal(earned)


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    g.started = time.perf_counter()


def _finish(response: Response) -> Response:
    """Journal vendor requests (the admin API's own are not), and log every request."""
    current = request._get_current_object()  # type: ignore[attr-defined]  # once, not through the proxy
    path = current.path
    api = current_api()
    if api == "admin" and _sink is None and not logger.isEnabledFor(logging.INFO):
        return response
    context = g._get_current_object()
    unavailable = store().unavailable
    try:
        journal = None if api == "admin" or REFUSED in current.environ else world().journal
    except unavailable:  # the store is gone (the answer says so): logged, not journaled
        journal = None
    record(
        current.environ,
        path,
        api,
        response.status_code,
        None if response.is_streamed else response.get_data(),
        response.headers.get("Content-Type", ""),
        journal=journal,
        started=context.get("started"),
        warnings=context.get("warnings", []),
        matched_rules=context.get("matched_rules", []),
        fault=context.get("fault"),
        request_body=_request_body(current),
        unavailable=unavailable,
    )
    return response


def record(
    environ: dict[str, Any],
    path: str,
    api: str,
    status: int,
    response_body: bytes | None,
    response_type: str,
    *,
    journal: Journal | None,
    started: float | None,
    warnings: list[dict[str, str]],
    matched_rules: list[dict[str, Any]] | None = None,
    fault: str | None = None,
    request_body: Any = None,
    unavailable: tuple[type[Exception], ...] = (),
) -> None:
    """Journal (in `journal`, if any) and log one answered request; `response_body` None: streamed."""
    query_string = environ.get("QUERY_STRING", "")
    entry = {
        "time": Deferred(_iso_time, time.time()),
        "session": session_of(environ),
        "api": api,
        "method": environ["REQUEST_METHOD"],
        "path": path,
        "query": Deferred(_query, query_string) if query_string else {},
        "query_string": query_string,
        "headers": Deferred(_headers, {k: v for k, v in environ.items() if k.startswith(_HEADER_KEYS)}),
        "body": request_body,
        "status": status,
        "response": None
        if response_body is None
        else Deferred(_body, kept_body(response_body), response_type),
        "matched_rules": matched_rules or [],
        "fault": fault,
        "warnings": warnings,
        "duration_ms": round((time.perf_counter() - (started or time.perf_counter())) * 1000, 3),
    }
    if journal is not None:
        try:
            journal.record(entry)
        except unavailable:  # the store is gone: the request is logged all the same
            pass
    if _sink is not None:
        _sink.put(entry)
    elif logger.isEnabledFor(logging.INFO):
        logger.info("%s %s %s", entry["method"], path, status, extra={"request": entry})


_HEADER_KEYS = ("HTTP_", "CONTENT_TYPE", "CONTENT_LENGTH")


def _iso_time(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _query(query_string: str) -> dict[str, Any]:
    """The query as Flask's `request.args` reads it: each name's value, or its values if repeated."""
    args = SansioRequest("GET", "http", None, "", "/", query_string.encode("latin-1"), Headers(), None).args
    return {name: values[0] if len(values) == 1 else values for name, values in args.lists()}


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    return mask_headers(dict(EnvironHeaders(environ)))


def has_body(environ: dict[str, Any]) -> bool:
    return environ.get("CONTENT_LENGTH", "0") not in ("0", "") or "HTTP_TRANSFER_ENCODING" in environ


def _request_body(current: Request) -> Any:
    if not has_body(current.environ):
        return None  # nothing to read (reading would cost a call into the server)
    try:
        data = current.get_data(cache=True)
    except HTTPException:  # too large to read: the answer was a 413
        return "(not read: larger than the mock accepts)"
    # Cut now: an entry that kept a body of 10 MiB until read would hold it for as long as it is kept.
    return Deferred(_body, kept_body(data), current.headers.get("Content-Type", "")) if data else None


def _body(data: bytes, content_type: str) -> Any:
    """A request's or response's body as the journal shows it: parsed if JSON, else text."""
    mimetype = content_type.partition(";")[0].strip().lower()
    if mimetype == "application/json" or mimetype.endswith("+json"):
        try:
            return body_for_journal(data, json.loads(data), is_json=True)
        except (ValueError, RecursionError):
            pass
    return body_for_journal(data)


def _value(entry: dict[str, Any], name: str) -> Any:
    value = entry[name]
    return value.value() if isinstance(value, Deferred) else value


def text_line(entry: dict[str, Any]) -> str:
    """`GET /dc/api/v5/registrations?status=x 400 0.8ms` and the warnings, if any."""
    target = entry["path"] + (f"?{entry['query_string']}" if entry["query_string"] else "")
    line = f"{entry['method']} {target} {entry['status']} {entry['duration_ms']:.1f}ms"
    if entry["session"]:
        line += f" session={entry['session']}"
    for rule in entry["matched_rules"]:
        line += f" rule[{rule['name']}]"
    for warning in entry["warnings"]:
        line += f" warning[{warning['parameter']}]: {warning['message']}"
    return printable(line)


# C0 and C1 control characters and DEL: a client's path, query, session or parameter name could otherwise
# break a line in two or drive the terminal of whoever reads the log (ESC sequences).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_ESCAPES = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}


def printable(text: str) -> str:
    """`text` with its control characters escaped: `\\n`, `\\r`, `\\t`, or `\\x1b` and the like."""
    return _CONTROL.sub(lambda found: _ESCAPES.get(found[0]) or f"\\x{ord(found[0]):02x}", text)


JSON_FIELDS = ("time", "method", "path", "query_string", "status", "duration_ms", "session", "api", "fault")


def json_line(entry: dict[str, Any]) -> str:
    """One JSON object: method, path, query, status, duration, session, rules, warnings (and their count,
    for a log query that needs no JSON array functions)."""
    line = {name: _value(entry, name) for name in JSON_FIELDS}
    line["query"] = line.pop("query_string")
    line["matched_rules"] = [rule["name"] for rule in entry["matched_rules"]]
    line["warning_count"] = len(entry["warnings"])
    line["warnings"] = entry["warnings"]
    return json.dumps(line)


class _Flushed(threading.Event):
    """Queued after the entries a `flush` waits for; set once they are written."""


class LineSink:
    """Writes one line per entry to `stream` from a thread of its own, every line waiting when it wakes
    in one write: requests only queue their entry. Each process (the server's worker is forked) starts
    its own thread on first use; lines still queued are written when the process exits. Only that
    thread writes, so lines keep the order of their requests."""

    MAX_BACKLOG = 50_000  # entries queued at most: beyond, a request waits for them to be written
    FLUSH_TIMEOUT_SECONDS = 5.0

    def __init__(self, stream: IO[str], format_line: Callable[[dict[str, Any]], str]) -> None:
        self.stream = stream
        self.format_line = format_line
        self._queue: queue.SimpleQueue[dict[str, Any] | _Flushed] = queue.SimpleQueue()
        self._pid: int | None = None
        self._lock = threading.Lock()

    def put(self, entry: dict[str, Any]) -> None:
        if self._pid != os.getpid():
            self._start()
        self._queue.put(entry)
        if self._queue.qsize() > self.MAX_BACKLOG:
            self.flush()

    def flush(self) -> None:
        """Wait until what is queued now is written (at most FLUSH_TIMEOUT_SECONDS)."""
        if self._pid != os.getpid():
            return  # nothing was queued in this process
        flushed = _Flushed()
        self._queue.put(flushed)
        flushed.wait(self.FLUSH_TIMEOUT_SECONDS)

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            self._queue = queue.SimpleQueue()  # a forked child's own, whatever the parent left in it
            self._pid = os.getpid()
            threading.Thread(target=self._run, name="mockserver-log", daemon=True).start()
            atexit.register(self.flush)
            multiprocessing_util.Finalize(None, self.flush, exitpriority=100)  # a worker skips atexit

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            lines = [self.format_line(item) for item in batch if not isinstance(item, _Flushed)]
            if lines:
                try:
                    self.stream.write("\n".join(lines) + "\n")
                    self.stream.flush()
                except (OSError, ValueError):  # stdout closed or gone: the lines have nowhere to go
                    pass
            for item in batch:
                if isinstance(item, _Flushed):
                    item.set()


_sink: LineSink | None = None


def configure(log_format: str, stream: IO[str] | None = None) -> None:
    """Send request lines to stdout (or `stream`) in `text` or `json`."""
    global _sink
    _sink = LineSink(stream or sys.stdout, json_line if log_format == "json" else text_line)
