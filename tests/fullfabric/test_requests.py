"""FullFabric whole-request handling: FF-Auth, API versions, body errors, X-Request-Id, strict mode."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from ..conftest import CLASS, FF_AUTH, UNIT_TWO_GRADES, ff_path, ff_post, listed_tokens_config

ITEM = {"unit_id": UNIT_TWO_GRADES, "context_id": CLASS}
BODY = {"registrations": [ITEM]}


@pytest.mark.parametrize(
    "headers", [{}, {"FF-Auth": ""}, {"FF-Auth": "   "}], ids=["absent", "empty", "blank"]
)
def test_missing_ff_auth_is_401(client: FlaskClient, headers: dict[str, str]) -> None:
    response = client.post(ff_path(), json=BODY, headers=headers)
    assert response.status_code == 401
    assert response.get_json() == {"error": "unauthorized", "message": "FF-Auth: missing credentials"}


def test_bearer_is_not_ff_auth(client: FlaskClient) -> None:
    assert client.post(ff_path(), json=BODY, headers={"Authorization": "Bearer t"}).status_code == 401


class TestListedTokens:
    @pytest.fixture
    def config(self, write_fixtures: Any) -> dict[str, Any]:
        return listed_tokens_config(write_fixtures)

    @pytest.mark.parametrize(
        ("token", "status"), [("sk-acme-live", 200), ("sk-acme-old", 401), ("sk-other-x", 401)]
    )
    def test_only_active_listed_tokens_pass(self, client: FlaskClient, token: str, status: int) -> None:
        assert client.post(ff_path(), json=BODY, headers={"FF-Auth": token}).status_code == status


@pytest.mark.parametrize(
    "headers",
    [
        {"X-API-Version": "2025-05-07"},
        {"X-API-Version": "2021-04-13"},
        {"Accept": "application/json;version=2025-05-07"},
        {"Accept": "application/json; version=2021-04-13"},
        {"Accept": "application/json;version=2025-05-07", "X-API-Version": "2025-05-07"},
    ],
)
def test_api_version_by_accept_or_header(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, headers: dict[str, str]
) -> None:
    caplog.set_level(logging.INFO, logger="mockserver.requests")
    assert client.post(ff_path(), json=BODY, headers={"FF-Auth": "t", **headers}).status_code == 200
    assert caplog.records[-1].__dict__["request"]["warnings"] == []


def test_missing_version_is_served_as_newest_with_a_warning(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mockserver.requests")
    assert client.post(ff_path(), json=BODY, headers={"FF-Auth": "t", "Accept": "*/*"}).status_code == 200
    [warning] = caplog.records[-1].__dict__["request"]["warnings"]
    assert warning["parameter"] == "version"
    assert warning["message"].endswith("served 2025-05-07")


@pytest.mark.parametrize(
    ("headers", "code", "message"),
    [
        (
            {"X-API-Version": "2024-01-01"},
            "unsupported_version",
            "API version '2024-01-01' is not one of 2025-05-07, 2021-04-13",
        ),
        ({"X-API-Version": ""}, "unsupported_version", "API version '' is not one of 2025-05-07, 2021-04-13"),
        (
            {"Accept": "application/json;version=v2"},
            "unsupported_version",
            "API version 'v2' is not one of 2025-05-07, 2021-04-13",
        ),
        (
            {"Accept": "application/json;version=2021-04-13", "X-API-Version": "2025-05-07"},
            "conflicting_versions",
            "more than one API version asked for: 2021-04-13, 2025-05-07",
        ),
    ],
)
def test_bad_version_is_400(client: FlaskClient, headers: dict[str, str], code: str, message: str) -> None:
    response = client.post(ff_path(), json=BODY, headers={"FF-Auth": "t", **headers})
    assert response.status_code == 400
    assert response.get_json() == {"error": code, "message": message}


def test_unknown_profile_is_404_for_the_whole_request(client: FlaskClient) -> None:
    response = ff_post(client, ITEM, profile_id="6385bdd4976a77191201ffff")
    assert response.status_code == 404
    assert response.get_json() == {
        "error": "profile_not_found",
        "message": "profile 6385bdd4976a77191201ffff not found",
    }


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code", "message"),
    [
        ("{", "application/json", 400, "invalid_json", "the body is not valid JSON: Expecting property name"),
        ("", "application/json", 400, "invalid_json", "the body is not valid JSON: Expecting value"),
        (
            '{"registrations": [NaN]}',
            "application/json",
            400,
            "invalid_json",
            "the body is not valid JSON: NaN is not a JSON value",
        ),
        (
            "[" * 100_000 + "]" * 100_000,
            "application/json",
            400,
            "invalid_json",
            "the body is not valid JSON",
        ),
        (b'{"registrations": "\xff"}', "application/json", 400, "invalid_json", "the body is not valid JSON"),
        (
            '{"registrations": []}',
            "text/plain",
            415,
            "unsupported_media_type",
            "Content-Type must be application/json",
        ),
        (
            "registrations=1",
            "application/x-www-form-urlencoded",
            415,
            "unsupported_media_type",
            "Content-Type",
        ),
        (
            "[]",
            "application/json",
            422,
            "invalid_body",
            "the body must be a JSON object with a registrations list",
        ),
        ('"registrations"', "application/json", 422, "invalid_body", "the body must be a JSON object"),
        ("{}", "application/json", 422, "invalid_body", "registrations is required"),
        ('{"registrations": null}', "application/json", 422, "invalid_body", "registrations must be a list"),
        ('{"registrations": {}}', "application/json", 422, "invalid_body", "registrations must be a list"),
        ('{"registrations": []}', "application/json", 422, "invalid_body", "registrations must not be empty"),
    ],
)
def test_unusable_body_fails_the_whole_request(
    client: FlaskClient, data: str | bytes, content_type: str, status: int, code: str, message: str
) -> None:
    response = client.post(ff_path(), data=data, content_type=content_type, headers=FF_AUTH)
    assert response.status_code == status
    assert response.get_json()["error"] == code
    assert response.get_json()["message"].startswith(message)


def test_json_with_a_suffix_media_type_is_json(client: FlaskClient) -> None:
    response = client.post(ff_path(), json=BODY, content_type="application/vnd.api+json", headers=FF_AUTH)
    assert response.status_code == 200


def test_body_over_10_mib_is_413(client: FlaskClient) -> None:
    big = '{"registrations": [' + ",".join(['{"unit_id": "x", "context_id": "y"}'] * 400_000) + "]}"
    response = client.post(ff_path(), data=big, content_type="application/json", headers=FF_AUTH)
    assert response.status_code == 413
    assert response.get_json()["error"] == "request_entity_too_large"


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.post(ff_path(), json=BODY, headers=FF_AUTH),  # 200
        lambda c: c.post(ff_path(), json={"registrations": [{}]}, headers=FF_AUTH),  # 207
        lambda c: c.post(ff_path(), json=BODY),  # 401
        lambda c: c.post(ff_path(), data="{", content_type="application/json", headers=FF_AUTH),  # 400
        lambda c: c.post(ff_path("0" * 24), json=BODY, headers=FF_AUTH),  # 404
        lambda c: c.get(ff_path(), headers=FF_AUTH),  # 200, the list
        lambda c: c.delete(ff_path(), headers=FF_AUTH),  # 405
        lambda c: c.get("/apis/nothing"),  # 404 route
    ],
)
def test_every_response_carries_a_request_id(client: FlaskClient, call: Any) -> None:
    assert re.fullmatch(r"[0-9a-f-]{36}", call(client).headers["X-Request-Id"])


@pytest.mark.parametrize(
    ("sent", "echoed"),
    [("req-42", "req-42"), ("abc DEF<script>", "abcDEFscript"), ("x" * 300, "x" * 255)],
)
def test_a_clients_request_id_is_echoed_sanitised(client: FlaskClient, sent: str, echoed: str) -> None:
    response = client.post(ff_path(), json=BODY, headers={**FF_AUTH, "X-Request-Id": sent})
    assert response.headers["X-Request-Id"] == echoed


def test_request_ids_differ(client: FlaskClient) -> None:
    ids = {client.post(ff_path(), json=BODY, headers=FF_AUTH).headers["X-Request-Id"] for _ in range(5)}
    assert len(ids) == 5


IGNORED = [
    ({"registrations": [ITEM], "dry_run": True}, {}, "dry_run", "unknown field, which FullFabric ignores"),
    (
        {"registrations": [ITEM | {"state": "x"}]},
        {},
        "registrations[0].state",
        "unknown field, which FullFabric ignores",
    ),
    (
        {"registrations": [ITEM | {"grades": [{"name": "final", "comment": "ok"}]}]},
        {},
        "registrations[0].grades[0].comment",
        "unknown field, which FullFabric ignores",
    ),
    (BODY, {"notify": "1"}, "notify", "unknown parameter, which FullFabric ignores"),
]


@pytest.mark.parametrize(("body", "query", "parameter", "message"), IGNORED)
def test_what_fullfabric_ignores_is_a_warning(
    client: FlaskClient,
    caplog: pytest.LogCaptureFixture,
    body: Any,
    query: dict[str, str],
    parameter: str,
    message: str,
) -> None:
    caplog.set_level(logging.INFO, logger="mockserver.requests")
    response = client.post(ff_path(), json=body, query_string=query, headers=FF_AUTH)
    assert response.status_code == 200
    assert caplog.records[-1].__dict__["request"]["warnings"] == [
        {"parameter": parameter, "message": message}
    ]


class TestStrict:
    @pytest.fixture
    def config(self) -> dict[str, Any]:
        return {"TESTING": True, "STRICT": True}

    @pytest.mark.parametrize(("body", "query", "parameter", "message"), IGNORED)
    def test_strict_mode_refuses_it_naming_it(
        self, client: FlaskClient, body: Any, query: dict[str, str], parameter: str, message: str
    ) -> None:
        response = client.post(ff_path(), json=body, query_string=query, headers=FF_AUTH)
        assert response.status_code == 400
        assert response.get_json() == {
            "error": "strict_mode",
            "message": f"strict mode: {parameter}: {message}",
        }

    def test_strict_mode_refuses_a_missing_version(self, client: FlaskClient) -> None:
        response = client.post(ff_path(), json=BODY, headers={"FF-Auth": "t"})
        assert response.status_code == 400
        assert response.get_json()["message"].startswith("strict mode: version: none asked for")

    def test_strict_mode_changes_nothing_when_it_refuses(self, client: FlaskClient, world: Any) -> None:
        before = len(world.state("fullfabric").transcripts.registrations())
        item = {"unit_id": "6385baa7976a7719120005dc", "context_id": "6385bcf1976a77191200ba5d", "x": 1}
        assert client.post(ff_path(), json={"registrations": [item]}, headers=FF_AUTH).status_code == 400
        assert len(world.state("fullfabric").transcripts.registrations()) == before
