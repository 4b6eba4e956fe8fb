"""The admin API: token, reset, state dump/replace/add, clock, contracts; errors are problem+json."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient

from ..conftest import AUTH, COURSE, DC_LIST, OTHER_PROFILE, UNIT_ONE_GRADE, ff_post

ITEM = {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE}
NEW_REGISTRATION = {
    "id": "r-new",
    "userId": "6629aeada89133acedfad6d7d110123d",
    "offeringId": "89cd2eada89133acedfad6d766a2d931",
    "status": "active",
    "createdDate": "2013-05-01T10:00:00Z",
}


class TestAdminToken:
    @pytest.fixture
    def config(self) -> dict[str, Any]:
        return {"TESTING": True, "ADMIN_TOKEN": "let-me-in"}

    @pytest.mark.parametrize(
        "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "let-me-in"}]
    )
    def test_admin_needs_the_token(self, client: FlaskClient, headers: dict[str, str]) -> None:
        response = client.get("/__admin/failures", headers=headers)
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")

    def test_with_the_token_it_answers(self, client: FlaskClient) -> None:
        assert (
            client.get("/__admin/failures", headers={"Authorization": "Bearer let-me-in"}).status_code == 200
        )

    def test_health_stays_open_for_probes(self, client: FlaskClient) -> None:
        assert client.get("/__admin/health").status_code == 200

    def test_vendor_apis_do_not_need_it(self, client: FlaskClient) -> None:
        assert client.get(DC_LIST, headers=AUTH).status_code == 200


def test_reset_restores_state_rules_clock_and_journal(client: FlaskClient) -> None:
    pristine = client.get("/__admin/state").get_json()
    ff_post(client, ITEM, profile_id=OTHER_PROFILE)
    client.post("/__admin/failures", json={"api": "digitalchalk", "latency_ms": 1})
    client.put("/__admin/clock", json={"now": "2030-01-01T00:00:00Z"})
    assert client.get("/__admin/state").get_json() != pristine

    assert client.post("/__admin/reset").status_code == 204

    assert client.get("/__admin/state").get_json() == pristine
    assert client.get("/__admin/failures").get_json() == []
    assert client.get("/__admin/requests").get_json() == []
    assert client.get("/__admin/clock").get_json()["frozen"] is False


def test_state_dump_is_the_fixture_format_and_round_trips(client: FlaskClient) -> None:
    ff_post(
        client,
        ITEM | {"grades": [{"name": "final", "value": "70", "published": True}]},
        profile_id=OTHER_PROFILE,
    )
    dump = client.get("/__admin/state").get_json()
    assert set(dump) == {"fullfabric", "digitalchalk"}
    assert [registration["id"] for registration in dump["digitalchalk"]["registrations"]][0] == (
        "65ade781cc98d136543678191005431a"
    )
    entry = dump["fullfabric"]["transcripts"][-1]
    assert (entry["profile_id"], entry["registration"]["grades"]) == (
        OTHER_PROFILE,
        [
            {
                "name": "final",
                "value": "70",
                "published": True,
                "comment": None,
                "resit_value": None,
                "resit_justification": None,
            }
        ],
    )
    assert client.put("/__admin/state", json=dump).status_code == 204
    assert client.get("/__admin/state").get_json() == dump


def test_put_state_replaces_what_is_served(client: FlaskClient) -> None:
    dump = client.get("/__admin/state").get_json()
    dump["digitalchalk"]["registrations"] = [NEW_REGISTRATION]
    assert client.put("/__admin/state", json=dump).status_code == 204
    assert [r["id"] for r in client.get(DC_LIST, headers=AUTH).get_json()["results"]] == ["r-new"]


def test_invalid_state_is_422_listing_each_problem_and_changes_nothing(client: FlaskClient) -> None:
    before = client.get("/__admin/state").get_json()
    broken = copy.deepcopy(before)
    broken["digitalchalk"]["registrations"][0]["status"] = "done"
    broken["fullfabric"]["transcripts"][0]["unit_id"] = "0" * 24
    response = client.put("/__admin/state", json=broken)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    # Each record is judged on its own first: how records refer to each other comes after.
    assert response.get_json()["errors"] == [
        "state: digitalchalk.registrations.0.status: must be one of active, passed, failed, ejected",
    ]
    assert client.get("/__admin/state").get_json() == before


def test_state_whose_references_lead_nowhere_is_409_and_changes_nothing(client: FlaskClient) -> None:
    before = client.get("/__admin/state").get_json()
    broken = copy.deepcopy(before)
    broken["fullfabric"]["transcripts"][0]["unit_id"] = "0" * 24
    broken["digitalchalk"]["registrations"][3]["userId"] = "nobody"
    broken["digitalchalk"]["offerings"] = broken["digitalchalk"]["offerings"][1:]
    response = client.put("/__admin/state", json=broken)
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    offering = before["digitalchalk"]["offerings"][0]["id"]
    assert response.get_json()["errors"] == [
        "state: fullfabric.transcripts.0.unit_id: Unknown unit 000000000000000000000000.",
        *(
            f"state: digitalchalk.registrations.{index}.{problem}"
            for index in range(5)
            for problem in (["userId: No user has the id nobody."] if index == 3 else [])
            + [f"offeringId: No offering has the id {offering}."]
        ),
    ]
    assert client.get("/__admin/state").get_json() == before


@pytest.mark.parametrize("body", [NEW_REGISTRATION, [NEW_REGISTRATION, NEW_REGISTRATION | {"id": "r-new-2"}]])
def test_records_added_through_the_admin_api_are_served(client: FlaskClient, body: Any) -> None:
    response = client.post("/__admin/state/digitalchalk/registrations", json=body)
    assert response.status_code == 201
    results = client.get(f"{DC_LIST}?createdDate=2013", headers=AUTH).get_json()["results"]
    assert [r["id"] for r in results] == [r["id"] for r in (body if isinstance(body, list) else [body])]


def test_a_profile_added_through_the_admin_api_can_register(client: FlaskClient) -> None:
    profile = "6385bdd4976a77191201aaaa"
    assert client.post("/__admin/state/fullfabric/profiles", json={"id": profile}).status_code == 201
    assert ff_post(client, ITEM, profile_id=profile).status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "status", "errors"),
    [
        (
            "digitalchalk/registrations",
            NEW_REGISTRATION | {"status": "done"},
            422,
            ["0.status: must be one of active, passed, failed, ejected"],
        ),
        (
            "digitalchalk/registrations",
            [NEW_REGISTRATION, NEW_REGISTRATION],
            409,
            ["1.id: Duplicate id, already used by registrations.5."],
        ),
        (
            "digitalchalk/registrations",
            [NEW_REGISTRATION, NEW_REGISTRATION | {"id": "r-2", "userId": "nobody", "offeringId": "nothing"}],
            409,
            ["1.userId: No user has the id nobody.", "1.offeringId: No offering has the id nothing."],
        ),
        (
            "fullfabric/transcripts",
            {"profile_id": "0" * 24, "unit_id": UNIT_ONE_GRADE, "course_id": COURSE},
            409,
            ["0.profile_id: Unknown profile 000000000000000000000000."],
        ),
        ("digitalchalk/courses", {}, 404, None),
        ("github/registrations", {}, 404, None),
    ],
)
def test_invalid_records_are_refused(
    client: FlaskClient, path: str, body: Any, status: int, errors: list[str] | None
) -> None:
    before = client.get("/__admin/state").get_json()
    response = client.post(f"/__admin/state/{path}", json=body)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    if errors:
        assert response.get_json()["errors"] == errors
    assert client.get("/__admin/state").get_json() == before


def test_clock_is_frozen_set_and_advanced(client: FlaskClient) -> None:
    clock = client.get("/__admin/clock").get_json()
    assert clock["frozen"] is False
    frozen = client.put("/__admin/clock", json={"now": "2024-04-01T19:33:20Z"}).get_json()
    assert frozen == {"now": "2024-04-01T19:33:20Z", "unix": 1712000000, "frozen": True}
    assert ff_post(client, ITEM, profile_id=OTHER_PROFILE).get_json()[0]["json"]["created_at"] == 1712000000
    moved = client.put("/__admin/clock", json={"advance_seconds": 3600}).get_json()
    assert moved["now"] == "2024-04-01T20:33:20Z"
    assert ff_post(client, ITEM, profile_id=OTHER_PROFILE).get_json()[0]["json"]["updated_at"] == 1712003600


@pytest.mark.parametrize(
    "body",
    [{}, {"now": "soon"}, {"advance_seconds": -5}, {"now": "2024-04-01T00:00:00Z", "advance_seconds": 1}],
)
def test_invalid_clock_changes_are_422(client: FlaskClient, body: dict[str, Any]) -> None:
    assert client.put("/__admin/clock", json=body).status_code == 422


class TestFrozenByFlag:
    @pytest.fixture
    def config(self) -> dict[str, Any]:
        return {"TESTING": True, "CLOCK": "2024-03-05T09:28:10Z"}

    def test_clock_flag_freezes_and_reset_returns_to_it(self, client: FlaskClient) -> None:
        assert client.get("/__admin/clock").get_json()["unix"] == 1709630890
        client.put("/__admin/clock", json={"advance_seconds": 60})
        client.post("/__admin/reset")
        assert client.get("/__admin/clock").get_json() == {
            "now": "2024-03-05T09:28:10Z",
            "unix": 1709630890,
            "frozen": True,
        }


@pytest.mark.parametrize("name", ["fullfabric", "digitalchalk"])
def test_contracts_are_served(client: FlaskClient, name: str) -> None:
    response = client.get(f"/__admin/contracts/{name}")
    assert response.status_code == 200
    assert response.mimetype == "application/yaml"
    assert yaml.safe_load(response.data)["openapi"].startswith("3.")


def test_unknown_contract_is_404_problem(client: FlaskClient) -> None:
    response = client.get("/__admin/contracts/github")
    assert response.status_code == 404
    assert (
        response.get_json()["detail"] == "No contract 'github'. Contracts: fullfabric, digitalchalk, admin."
    )


@pytest.mark.parametrize(
    "changes",
    [
        [{"now": "9999-12-31T23:59:59Z"}],
        [{"now": "1969-12-31T23:59:59Z"}],
        [{"now": "2105-12-31T23:59:59Z"}, {"advance_seconds": 1}],
    ],
)
def test_the_clock_stays_where_object_ids_can_hold_it(
    client: FlaskClient, changes: list[dict[str, Any]]
) -> None:
    *fine, refused = changes
    for change in fine:
        assert client.put("/__admin/clock", json=change).status_code == 200
    # A bad instant is invalid input; advancing too far conflicts with where the clock is.
    assert client.put("/__admin/clock", json=refused).status_code == (409 if fine else 422)
    assert client.get("/__admin/clock").status_code == 200


def test_a_numeric_admin_token_works(monkeypatch: pytest.MonkeyPatch) -> None:
    from mockserver.app import create_app

    monkeypatch.setenv("MOCKSERVER_ADMIN_TOKEN", "12345")
    client = create_app({"TESTING": True}).test_client()
    assert client.get("/__admin/failures", headers={"Authorization": "Bearer 12345"}).status_code == 200
