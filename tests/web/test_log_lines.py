"""Request log lines: written by a thread of their own, in batches, and none lost when a process exits."""

from __future__ import annotations

import io
import json
import multiprocessing
import time
from pathlib import Path
from typing import Any

from mockserver.web.requestlog import LineSink, json_line, text_line


def _entry(number: int) -> dict[str, Any]:
    return {
        "time": "2024-03-05T09:28:10.000Z",
        "session": None,
        "api": "digitalchalk",
        "method": "GET",
        "path": "/dc/api/v5/registrations",
        "query_string": f"offset={number}",
        "status": 200,
        "duration_ms": 0.25,
        "fault": None,
        "matched_rules": [],
        "warnings": [],
    }


def _wait_for(condition: Any, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_lines_are_written_in_order_by_the_sinks_thread() -> None:
    stream = io.StringIO()
    sink = LineSink(stream, text_line)
    for number in range(500):
        sink.put(_entry(number))
    _wait_for(lambda: stream.getvalue().count("\n") == 500)
    lines = stream.getvalue().splitlines()
    assert lines == [f"GET /dc/api/v5/registrations?offset={n} 200 0.2ms" for n in range(500)]


def _child(path: str) -> None:
    stream = open(path, "w")  # noqa: SIM115  # like stdout, open until the process ends
    sink = LineSink(stream, json_line)
    for number in range(100):
        sink.put(_entry(number))
    # the child returns at once: what is still queued is written as the process exits


def test_a_forked_worker_writes_its_queued_lines_when_it_exits(tmp_path: Path) -> None:
    path = tmp_path / "log"
    process = multiprocessing.get_context("fork").Process(target=_child, args=(str(path),))
    process.start()
    process.join(10)
    assert process.exitcode == 0
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["query"] for line in lines] == [f"offset={n}" for n in range(100)]


def test_a_closed_stream_loses_the_line_not_the_request() -> None:
    stream = io.StringIO()
    stream.close()
    sink = LineSink(stream, text_line)
    sink.put(_entry(1))
    sink.flush()  # nothing raised: the request that logged it was answered all the same


class _SlowStream(io.StringIO):
    def write(self, text: str) -> int:
        time.sleep(0.05)
        return super().write(text)


def test_a_slow_stream_holds_requests_back_instead_of_queueing_without_end() -> None:
    stream = _SlowStream()
    sink = LineSink(stream, text_line)
    sink.MAX_BACKLOG = 10
    for number in range(200):
        sink.put(_entry(number))
        assert sink._queue.qsize() <= 12
    _wait_for(lambda: stream.getvalue().count("\n") == 200)
    assert stream.getvalue().splitlines()[-1].startswith("GET /dc/api/v5/registrations?offset=199 ")
