"""The real `mockserver run` process: production WSGI server, banner, HTTP, env config, SIGTERM."""

from __future__ import annotations

import json
import signal
import threading
import time
from typing import Any

import httpx
from granian.constants import Interfaces

from mockserver.resources import data_dir
from mockserver.server import _Server

from ..conftest import AUTH, DC_LIST, contract_example


def test_serves_the_vendor_example_over_http_and_stops_on_sigterm(live_server: Any) -> None:
    server = live_server()

    response = httpx.get(f"{server.url}{DC_LIST}", headers={"Accept": "application/json", **AUTH})
    assert response.status_code == 200
    assert response.json() == contract_example()
    assert response.headers["server"] == "granian"  # not Flask's development server

    ejected = httpx.get(f"{server.url}{DC_LIST}?createdDate=2012-01", headers={"Authorization": "Bearer t"})
    assert [item["status"] for item in ejected.json()["results"]] == ["ejected"]
    refused = httpx.get(f"{server.url}{DC_LIST}?status=done", headers={"Authorization": "Bearer t"})
    assert refused.status_code == 400
    assert "status" in refused.json()["fieldErrors"]

    stopping = time.monotonic()
    assert server.stop() == 0
    assert time.monotonic() - stopping < 5
    fixtures = data_dir("fixtures")
    assert server.stdout.splitlines()[:4] == [
        f"mockserver 0.1.0 serving on {server.url}",
        f"  FullFabric    {server.url}/apis/registrations/profiles/{{profile_id}}/registrations"
        f"  (2 profiles from {fixtures / 'fullfabric.yaml'})",
        f"  DigitalChalk  {server.url}{DC_LIST}  (5 registrations from {fixtures / 'digitalchalk.yaml'})",
        f"  Admin         {server.url}/__admin  (0 failure rules)",
    ]
    assert f"GET {DC_LIST}?createdDate=2012-01 200 " in server.stdout
    assert "Traceback" not in server.stderr


def test_configured_by_environment_with_json_logs(live_server: Any) -> None:
    server = live_server(env={"MOCKSERVER_STRICT": "1", "MOCKSERVER_LOG_FORMAT": "json"})

    response = httpx.get(f"{server.url}{DC_LIST}?user_id=1", headers=AUTH)
    assert response.status_code == 400
    assert response.json() == {
        "fieldErrors": {
            "user_id": "strict mode: unknown parameter, which DigitalChalk ignores (did you mean userId?)"
        }
    }

    session = {"X-Mockserver-Session": "s-1"}
    rule = {"name": "dc-down", "api": "digitalchalk", "respond": {"status": 503}}
    assert httpx.post(f"{server.url}/__admin/failures", json=rule, headers=session).status_code == 201
    assert httpx.get(f"{server.url}{DC_LIST}", headers=AUTH | session).status_code == 503

    server.stop()
    entries = [json.loads(line) for line in server.stdout.splitlines() if line.startswith("{")]
    refused, failed = [entry for entry in entries if entry["path"] == DC_LIST]
    assert refused["method"] == "GET"
    assert refused["query"] == "user_id=1"
    assert refused["status"] == 400
    assert refused["duration_ms"] > 0
    assert refused["session"] is None
    assert refused["warning_count"] == 1
    assert refused["warnings"] == [
        {
            "parameter": "user_id",
            "message": "unknown parameter, which DigitalChalk ignores (did you mean userId?)",
        }
    ]
    assert (failed["session"], failed["matched_rules"], failed["warning_count"]) == ("s-1", ["dc-down"], 0)


def test_flags_choose_fixtures_and_strictness(live_server: Any, write_fixtures: Any) -> None:
    folder = write_fixtures(digitalchalk={"registrations": []})
    server = live_server("--fixtures", str(folder), "--strict", "--threads", "2")
    assert httpx.get(f"{server.url}{DC_LIST}", headers=AUTH).json() == {"results": []}
    assert httpx.get(f"{server.url}{DC_LIST}?x=1", headers=AUTH).status_code == 400
    server.stop()
    assert "(strict)" in server.stdout.splitlines()[0]


def test_concurrent_clients_are_all_served(live_server: Any) -> None:
    server = live_server()
    with httpx.Client(base_url=server.url, headers=AUTH) as client:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(8) as pool:
            statuses = list(
                pool.map(lambda _: client.get(f"{DC_LIST}?status=passed").status_code, range(200))
            )
    assert statuses == [200] * 200


def test_a_second_stop_signal_during_the_first_does_not_deadlock() -> None:
    """Granian's stop handler holds the Event's lock while it sets it; a second signal landing then runs the
    handler again in the same thread. Ours must return instead of waiting for that lock, held by itself."""
    server = _Server(target="mockserver", interface=Interfaces.WSGI)

    def second_signal() -> None:
        with server.main_loop_interrupt._cond:  # type: ignore[attr-defined]  # as the first handler, inside Event.set
            server.interrupt_signal = True  # which it had set before
            server.signal_handler_interrupt()

    thread = threading.Thread(target=second_signal, daemon=True)
    thread.start()
    thread.join(timeout=5)
    assert not thread.is_alive(), "the second handler waits for a lock its own thread holds"


def test_a_burst_of_sigterms_stops_the_server(live_server: Any) -> None:
    for _ in range(3):
        server = live_server()
        for _ in range(20):
            server.process.send_signal(signal.SIGTERM)
            time.sleep(0.0002)
        # It stops (0), or a late signal finds granian's handlers already put back (-SIGTERM): never hangs.
        assert server.process.wait(timeout=10) in (0, -signal.SIGTERM)
