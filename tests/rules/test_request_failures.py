"""Request rules replace a whole answer or delay it; rules come from failures.yaml or the admin API."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask.testing import FlaskClient

from mockserver.app import create_app
from mockserver.fixtures.load import FixtureError

from ..conftest import AUTH, COURSE, DC_LIST, FF_AUTH, UNIT_ONE_GRADE, ff_post


def add_rule(client: FlaskClient, **spec: Any) -> dict[str, Any]:
    response = client.post("/__admin/failures", json=spec)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_request_rule_replaces_the_answer_in_the_vendors_shape(client: FlaskClient) -> None:
    add_rule(client, name="dc-down", api="digitalchalk", respond={"status": 503})
    response = client.get(DC_LIST, headers=AUTH)
    assert response.status_code == 503
    assert response.get_json() == {"errors": ["injected by failure rule dc-down"]}
    add_rule(client, name="ff-down", api="fullfabric", respond={"status": 500})
    response = ff_post(client, {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE})
    assert response.status_code == 500
    assert response.get_json() == {"error": "injected_failure", "message": "injected by failure rule ff-down"}
    assert response.headers["X-Request-Id"]


def test_request_rule_with_body_and_headers(client: FlaskClient) -> None:
    add_rule(
        client, respond={"status": 429, "json": {"errors": ["slow down"]}, "headers": {"Retry-After": "3"}}
    )
    response = client.get(DC_LIST, headers=AUTH)
    assert (response.status_code, response.get_json(), response.headers["Retry-After"]) == (
        429,
        {"errors": ["slow down"]},
        "3",
    )


def test_request_rule_fires_before_auth(client: FlaskClient) -> None:
    add_rule(client, api="digitalchalk", respond={"status": 502})
    assert client.get(DC_LIST).status_code == 502


@pytest.mark.parametrize(
    ("match", "hits"),
    [
        ({}, [True, True, True]),
        ({"method": "get"}, [True, True, False]),
        ({"path": DC_LIST}, [True, True, False]),
        ({"path": "/dc/*"}, [True, True, False]),
        ({"path": "*/registrations"}, [True, True, True]),
        ({"query": {"status": "passed"}}, [False, True, False]),
        ({"headers": {"authorization": AUTH["Authorization"]}}, [True, True, False]),
        ({"profile_id": "507f1f77bcf86cd799439011"}, [False, False, True]),
    ],
)
def test_request_matchers(client: FlaskClient, match: dict[str, Any], hits: list[bool]) -> None:
    add_rule(client, match=match, respond={"status": 418})
    answers = [
        client.get(DC_LIST, headers=AUTH).status_code,
        client.get(f"{DC_LIST}?status=passed", headers=AUTH).status_code,
        ff_post(client, {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE}).status_code,
    ]
    assert [status == 418 for status in answers] == hits


def test_api_any_never_fails_the_admin_api(client: FlaskClient) -> None:
    add_rule(client, respond={"status": 500})
    assert client.get("/__admin/failures").status_code == 200
    assert client.get("/__admin/requests").status_code == 200


def test_an_admin_rule_fails_the_admin_api_but_never_its_own_controls(client: FlaskClient) -> None:
    add_rule(client, api="admin", respond={"status": 500})
    assert client.get("/__admin/requests").status_code == 500
    assert client.get("/__admin/failures").status_code == 200
    assert client.post("/__admin/reset").status_code == 204
    assert client.get("/__admin/requests").status_code == 200


def test_first_rule_that_fires_wins(client: FlaskClient) -> None:
    add_rule(client, api="digitalchalk", respond={"status": 503}, times=1)
    add_rule(client, api="digitalchalk", respond={"status": 504})
    assert [client.get(DC_LIST, headers=AUTH).status_code for _ in range(3)] == [503, 504, 504]


def test_latency_only_rule_delays_the_real_answer(client: FlaskClient) -> None:
    add_rule(client, api="digitalchalk", latency_ms=200)
    started = time.perf_counter()
    response = client.get(DC_LIST, headers=AUTH)
    assert time.perf_counter() - started >= 0.2
    assert response.status_code == 200
    assert len(response.get_json()["results"]) == 5


def test_rules_are_listed_deleted_and_cleared(client: FlaskClient) -> None:
    first = add_rule(client, respond={"status": 500})
    second = add_rule(client, id="mine", respond={"status": 500})
    assert second["id"] == "mine"
    assert [rule["id"] for rule in client.get("/__admin/failures").get_json()] == [first["id"], "mine"]
    assert (
        client.post("/__admin/failures", json={"id": "mine", "respond": {"status": 500}}).status_code == 409
    )
    assert client.delete(f"/__admin/failures/{first['id']}").status_code == 204
    assert client.get(f"/__admin/failures/{first['id']}").status_code == 404
    assert client.delete("/__admin/failures").status_code == 204
    assert client.get("/__admin/failures").get_json() == []
    assert client.get(DC_LIST, headers=AUTH).status_code == 200


@pytest.mark.parametrize(
    ("spec", "errors"),
    [
        ({}, {"respond": "A rule needs respond, fault or latency_ms."}),
        (
            {"respond": {"status": 99}},
            {"respond.status": "Must be greater than or equal to 100 and less than or equal to 599."},
        ),
        ({"respond": {}}, {"respond.status": "Missing data for required field."}),
        (
            {"api": "github", "latency_ms": 1},
            {"api": "Must be one of: fullfabric, digitalchalk, admin, any."},
        ),
        ({"fault": "timeout"}, {"fault": "Must be one of: connection_reset, malformed_json, empty_body."}),
        (
            {"latency_ms": -1},
            {"latency_ms": "Must be greater than or equal to 0 and less than or equal to 600000."},
        ),
        (
            {"latency_ms": 1, "probability": 1.5},
            {"probability": "Must be greater than or equal to 0 and less than or equal to 1."},
        ),
        ({"latency_ms": 1, "times": 0}, {"times": "Must be greater than or equal to 1."}),
        ({"latency_ms": 1, "match": {"colour": "red"}}, {"match.colour": "Unknown field."}),
        ({"latency_ms": 1, "match": {"unit_id": "x"}}, {"match": "Only item rules match unit_id."}),
        (
            {"scope": "item", "api": "digitalchalk", "respond": {"status": 500}},
            {"scope": "Item rules are for FullFabric's registration items."},
        ),
        (
            {"scope": "item", "fault": "empty_body"},
            {"respond": "An item rule needs respond (or latency_ms)."},
        ),
    ],
)
def test_invalid_rules_are_422_problems_naming_each_field(
    client: FlaskClient, spec: dict[str, Any], errors: dict[str, str]
) -> None:
    response = client.post("/__admin/failures", json=spec)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"] == errors
    assert client.get("/__admin/failures").get_json() == []


def test_a_rule_body_that_is_not_json_is_400(client: FlaskClient) -> None:
    response = client.post("/__admin/failures", data="{", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["title"] == "Bad Request"


FAILURES_YAML = """
rules:
  - id: dc-flaky
    name: DigitalChalk is flaky
    api: digitalchalk
    respond: {status: 503}
    times: 2
"""


class TestFailuresFile:
    @pytest.fixture
    def config(self, write_fixtures: Any) -> dict[str, Any]:
        from ..conftest import default_fixture

        folder = write_fixtures(
            **{"failures.yaml": FAILURES_YAML, "digitalchalk": default_fixture("digitalchalk")}
        )
        return {"TESTING": True, "FIXTURES": str(folder)}

    def test_rules_from_failures_yaml_are_active_from_the_start_and_after_reset(
        self, client: FlaskClient
    ) -> None:
        assert [client.get(DC_LIST, headers=AUTH).status_code for _ in range(3)] == [503, 503, 200]
        assert client.get("/__admin/failures/dc-flaky").get_json()["expired"] is True
        assert client.post("/__admin/reset").status_code == 204
        rule = client.get("/__admin/failures/dc-flaky").get_json()
        assert (rule["hits"], rule["expired"], rule["name"]) == (0, False, "DigitalChalk is flaky")


def test_a_broken_failures_file_stops_start_up(write_fixtures: Any) -> None:
    folder = write_fixtures(**{"failures.yaml": "rules:\n  - api: nowhere\n    latency_ms: 5\n"})
    with pytest.raises(FixtureError) as raised:
        create_app({"FIXTURES": str(folder)})
    assert raised.value.problems == [
        f"{folder / 'failures.yaml'}: rules.0.api: Must be one of: fullfabric, digitalchalk, admin, any."
    ]


def test_failures_setting_names_a_file_of_its_own(write_fixtures: Any, tmp_path: Any) -> None:
    rules = tmp_path / "chaos.yaml"
    rules.write_text(FAILURES_YAML)
    client = create_app({"TESTING": True, "FAILURES": str(rules)}).test_client()
    assert client.get(DC_LIST, headers=FF_AUTH | AUTH).status_code == 503


@pytest.mark.parametrize("rule_id", ["a/b", ".", "..", "-x", "x" * 101, ""])
def test_rule_ids_must_work_in_urls(client: FlaskClient, rule_id: str) -> None:
    response = client.post("/__admin/failures", json={"id": rule_id, "latency_ms": 1})
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["id"]


def test_a_made_up_id_never_replaces_a_chosen_one(client: FlaskClient) -> None:
    add_rule(client, id="rule-1", respond={"status": 500})
    made_up = add_rule(client, respond={"status": 501})
    assert made_up["id"] != "rule-1"
    assert [rule["respond"]["status"] for rule in client.get("/__admin/failures").get_json()] == [500, 501]


@pytest.mark.parametrize(
    ("spec", "accepted"),
    [
        ({"respond": {"status": 500.0}}, True),  # an integer to JSON
        ({"latency_ms": 10.0}, True),
        ({"respond": {"status": 500.5}}, False),
        ({"respond": {"status": "500"}}, False),
        ({"latency_ms": 1, "probability": "0.5"}, False),
        ({"latency_ms": 1, "probability": True}, False),
    ],
)
def test_numbers_are_json_numbers(client: FlaskClient, spec: dict[str, Any], accepted: bool) -> None:
    assert client.post("/__admin/failures", json=spec).status_code == (201 if accepted else 422)


def test_run_takes_a_failures_file(live_server: Any, tmp_path: Any) -> None:
    import httpx

    rules = tmp_path / "chaos.yaml"
    rules.write_text(FAILURES_YAML)
    server = live_server("--failures", str(rules))
    assert httpx.get(f"{server.url}{DC_LIST}", headers=AUTH).status_code == 503
    server.stop()
    assert "(1 failure rules)" in server.stdout
