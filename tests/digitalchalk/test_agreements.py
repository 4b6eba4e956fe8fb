"""DigitalChalk agreements and user agreements: read the organisation's agreements, read and answer a user's,
per session and on both stores, with the vendor's error bodies; fixtures and the admin API hold them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from mockserver.app import VENDORS
from mockserver.fixtures.load import FixtureError, load_fixtures
from mockserver.store import World

from ..conftest import AUTH, default_fixture

BASE = "/dc/api/v5"
AGREEMENTS = f"{BASE}/agreements"
CLOCK = "2024-03-05T09:28:10Z"
MARIA = "6629aeada89133acedfad6d7d110123d"  # agreed to the standard agreement in the default fixtures
JAMES = "4893212a29887dcaedf0084472869c3d"  # answered nothing
NOT_FOUND = {"errors": ["No resource exists with the given id."]}
NEW_USER = {"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.net"}


@pytest.fixture
def config() -> dict[str, Any]:
    return {"TESTING": True, "SEED": 7, "CLOCK": CLOCK}


def mine(user_id: str, agreement_type: str = "") -> str:
    return f"{BASE}/users/{user_id}/agreements" + (f"/{agreement_type}" if agreement_type else "")


def answer(client: FlaskClient, user_id: str, agreement_type: str, body: Any, **headers: str) -> Any:
    return client.put(mine(user_id, agreement_type), json=body, headers={**AUTH, **headers})


def answers(client: FlaskClient, user_id: str) -> dict[str, tuple[bool, str | None]]:
    """Each agreement of the user's list, by type: (agreed, agreedDate)."""
    response = client.get(mine(user_id), headers=AUTH)
    assert response.status_code == 200, response.get_json()
    return {item["type"]: (item["agreed"], item.get("agreedDate")) for item in response.get_json()["results"]}


def fixture_with(**changes: Any) -> dict[str, Any]:
    """The default DigitalChalk fixture with some collections replaced."""
    return {**default_fixture("digitalchalk"), **changes}


# --- the organisation's agreements -----------------------------------------------------------------------


def test_the_agreements_are_listed_and_read_by_type(client: FlaskClient) -> None:
    response = client.get(AGREEMENTS, headers=AUTH)
    assert response.status_code == 200
    body = response.get_json()
    assert body.keys() == {"results"}
    assert [agreement["type"] for agreement in body["results"]] == ["standard", "custom"]
    standard = body["results"][0]
    assert list(standard) == ["type", "title", "text", "createdDate", "updatedDate", "required"]
    assert (standard["title"], standard["required"]) == ("Terms of Use", True)
    headers = {**AUTH, "Content-Type": "application/json", "Accept": "application/json"}
    for agreement in body["results"]:
        one = client.get(f"{AGREEMENTS}/{agreement['type']}", headers=headers)
        assert (one.status_code, one.get_json()) == (200, agreement)
        newer = client.get(f"/api/v5/agreements/{agreement['type']}", headers=AUTH)
        assert newer.get_json() == agreement


@pytest.mark.parametrize("path", ["agreements/other", "agreements/Standard", "users/x/agreements/standard"])
def test_an_unknown_type_or_user_is_the_vendors_404(client: FlaskClient, path: str) -> None:
    response = client.get(f"{BASE}/{path}", headers=AUTH)
    assert (response.status_code, response.get_json()) == (404, NOT_FOUND)


def test_agreements_page_like_every_list(client: FlaskClient) -> None:
    first = client.get(f"{AGREEMENTS}?limit=1", headers=AUTH).get_json()
    assert [agreement["type"] for agreement in first["results"]] == ["standard"]
    assert first["next"] == f"http://localhost{AGREEMENTS}?limit=1&offset=1"
    second = client.get(first["next"], headers=AUTH).get_json()
    assert [agreement["type"] for agreement in second["results"]] == ["custom"]
    assert second["prev"] == f"http://localhost{AGREEMENTS}?limit=1&offset=0"
    assert "next" not in second
    user = client.get(f"{mine(MARIA)}?offset=1", headers=AUTH).get_json()
    assert [item["type"] for item in user["results"]] == ["custom"]
    assert user["prev"] == f"http://localhost{mine(MARIA)}?offset=0"


@pytest.mark.parametrize("path", [AGREEMENTS, mine(MARIA)])
@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("limit=0", {"limit": "must be between 1 and 100"}),
        ("limit=101", {"limit": "must be between 1 and 100"}),
        ("offset=-1&limit=x", {"offset": "must be 0 or more", "limit": "must be an integer"}),
        (
            "limit=100?offset=1",
            {"limit": "holds a second '?': parameters after the first are joined with '&'"},
        ),
    ],
)
def test_invalid_paging_is_named(client: FlaskClient, path: str, query: str, errors: dict[str, str]) -> None:
    response = client.get(f"{path}?{query}", headers=AUTH)
    assert (response.status_code, response.get_json()) == (400, {"fieldErrors": errors})


def test_a_disabled_agreement_is_not_found_and_keeps_its_answers(
    config: dict[str, Any], write_fixtures: Any
) -> None:
    from mockserver.app import create_app

    fixture = default_fixture("digitalchalk")
    fixture["agreements"][0]["enabled"] = False
    app = create_app({**config, "FIXTURES": str(write_fixtures(digitalchalk=fixture))})
    client = app.test_client()
    assert [a["type"] for a in client.get(AGREEMENTS, headers=AUTH).get_json()["results"]] == ["custom"]
    for path in (f"{AGREEMENTS}/standard", mine(MARIA, "standard")):
        response = client.get(path, headers=AUTH)
        assert (response.status_code, response.get_json()) == (404, NOT_FOUND)
    refused = answer(client, MARIA, "standard", {"agreed": False})
    assert (refused.status_code, refused.get_json()) == (404, NOT_FOUND)
    assert answers(client, MARIA) == {"custom": (False, None)}
    state = client.get("/__admin/state").get_json()["digitalchalk"]
    assert state["agreements"][0]["enabled"] is False and "enabled" not in state["agreements"][1]
    assert state["userAgreements"] == default_fixture("digitalchalk")["userAgreements"]


def test_no_agreements_at_all_is_an_empty_list(config: dict[str, Any], write_fixtures: Any) -> None:
    from mockserver.app import create_app

    folder = write_fixtures(digitalchalk=fixture_with(agreements=[], userAgreements=[]))
    client = create_app({**config, "FIXTURES": str(folder)}).test_client()
    assert client.get(AGREEMENTS, headers=AUTH).get_json() == {"results": []}
    assert client.get(mine(MARIA), headers=AUTH).get_json() == {"results": []}


# --- a user's agreements ------------------------------------------------------------------------------------


def test_a_users_agreements_start_not_agreed(client: FlaskClient) -> None:
    assert answers(client, MARIA) == {"standard": (True, "2012-02-27T15:43:30Z"), "custom": (False, None)}
    assert answers(client, JAMES) == {"standard": (False, None), "custom": (False, None)}
    one = client.get(mine(JAMES, "custom"), headers={**AUTH, "Content-Type": "application/json"})
    assert one.status_code == 200
    agreement = client.get(f"{AGREEMENTS}/custom", headers=AUTH).get_json()
    assert one.get_json() == {
        "type": "custom",
        "title": agreement["title"],
        "text": agreement["text"],
        "createdDate": agreement["createdDate"],
        "agreed": False,
    }


def test_a_new_user_has_not_agreed_and_may_agree(client: FlaskClient) -> None:
    created = client.post(f"{BASE}/users", json=NEW_USER, headers=AUTH)
    location = created.headers["Location"]
    assert answers(client, location.rsplit("/", 1)[1]) == {"standard": (False, None), "custom": (False, None)}
    response = client.put(f"{location}/agreements/standard", json={"agreed": True}, headers=AUTH)
    assert (response.status_code, response.data) == (204, b"")
    assert client.get(f"{location}/agreements/standard", headers=AUTH).get_json()["agreedDate"] == CLOCK


def test_an_answer_sets_agreed_and_the_time_of_the_answer(client: FlaskClient) -> None:
    response = answer(client, JAMES, "custom", {"agreed": True}, Accept="application/json")
    assert (response.status_code, response.data) == (204, b"")
    assert answers(client, JAMES) == {"standard": (False, None), "custom": (True, CLOCK)}
    assert client.put("/__admin/clock", json={"advance_seconds": 60}).status_code == 200
    assert answer(client, JAMES, "custom", {"agreed": False}).status_code == 204
    # Withdrawn: `agreedDate` records when, as every answer does.
    assert answers(client, JAMES)["custom"] == (False, "2024-03-05T09:29:10Z")
    assert answer(client, MARIA, "standard", {"agreed": True}).status_code == 204
    assert answers(client, MARIA)["standard"] == (True, "2024-03-05T09:29:10Z")
    via_newer = client.put(f"/api/v5/users/{JAMES}/agreements/standard", json={"agreed": True}, headers=AUTH)
    assert via_newer.status_code == 204
    assert answers(client, JAMES) == {
        "standard": (True, "2024-03-05T09:29:10Z"),
        "custom": (False, "2024-03-05T09:29:10Z"),
    }


def test_a_session_keeps_its_answers_and_a_reset_brings_the_fixtures_back(client: FlaskClient) -> None:
    session = {"X-Mockserver-Session": "s1"}
    assert answer(client, JAMES, "standard", {"agreed": True}, **session).status_code == 204
    assert client.get(mine(JAMES, "standard"), headers={**AUTH, **session}).get_json()["agreed"] is True
    assert answers(client, JAMES)["standard"] == (False, None)
    assert answer(client, MARIA, "standard", {"agreed": False}).status_code == 204
    assert client.post("/__admin/reset").status_code == 204
    assert answers(client, MARIA)["standard"] == (True, "2012-02-27T15:43:30Z")


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"agreed": "is required"}),
        ({"agreed": "true"}, {"agreed": "must be true or false"}),
        ({"agreed": 1}, {"agreed": "must be true or false"}),
        ({"agreed": None}, {"agreed": "must be true or false"}),
        ({"agree": True}, {"agreed": "is required"}),
    ],
)
def test_a_body_without_a_boolean_agreed_is_refused_and_changes_nothing(
    client: FlaskClient, world: World, body: dict[str, Any], errors: dict[str, str]
) -> None:
    before = world.dump_state()
    response = answer(client, JAMES, "standard", body)
    assert (response.status_code, response.get_json()) == (400, {"fieldErrors": errors})
    assert world.dump_state() == before


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        (b"{", "application/json", 400),
        (b"[true]", "application/json", 400),
        (b"true", "application/json", 400),
        (b'{"agreed": true}', "text/plain", 415),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(
    client: FlaskClient, world: World, data: bytes, content_type: str, status: int
) -> None:
    before = world.dump_state()
    response = client.put(mine(JAMES, "custom"), data=data, headers={**AUTH, "Content-Type": content_type})
    assert response.status_code == status
    assert list(response.get_json()) == ["errors"]
    assert world.dump_state() == before


@pytest.mark.parametrize(
    ("user_id", "agreement_type"), [("0" * 32, "standard"), (JAMES, "other"), ("x", "y")]
)
def test_an_answer_of_no_user_or_to_no_agreement_is_404(
    client: FlaskClient, world: World, user_id: str, agreement_type: str
) -> None:
    before = world.dump_state()
    response = answer(client, user_id, agreement_type, {"agreed": "not even checked"})
    assert (response.status_code, response.get_json()) == (404, NOT_FOUND)
    assert world.dump_state() == before


def test_a_deleted_users_agreements_are_gone_from_the_api_but_kept(client: FlaskClient) -> None:
    assert client.delete(f"{BASE}/users/{MARIA}", headers=AUTH).status_code == 204
    for path in (mine(MARIA), mine(MARIA, "standard")):
        response = client.get(path, headers=AUTH)
        assert (response.status_code, response.get_json()) == (404, NOT_FOUND)
    assert answer(client, MARIA, "custom", {"agreed": True}).status_code == 404
    state = client.get("/__admin/state").get_json()["digitalchalk"]
    assert [answer["userId"] for answer in state["userAgreements"]] == [MARIA]  # history, as the user is
    # The dump stays valid: the admin API, which checks the whole state again, still adds records.
    record = {"userId": JAMES, "type": "custom", "agreed": True, "agreedDate": "2012-03-01T00:00:00Z"}
    added = client.post("/__admin/state/digitalchalk/userAgreements", json=record)
    assert (added.status_code, added.get_json()) == (201, {"added": 1, "total": 2})


def test_unknown_fields_and_parameters_warn_and_strict_mode_refuses_them(
    client: FlaskClient, app: Any, world: World
) -> None:
    assert answer(client, JAMES, "custom", {"agreed": True, "agreedDate": CLOCK}).status_code == 204
    entry = client.get("/__admin/requests?limit=1&method=PUT").get_json()[0]
    assert entry["warnings"] == [
        {
            "parameter": "agreedDate",
            "message": "unknown field, which DigitalChalk ignores (did you mean agreed?)",
        }
    ]
    assert client.get(f"{AGREEMENTS}?type=custom", headers=AUTH).status_code == 200
    entry = client.get("/__admin/requests?limit=1&method=GET").get_json()[0]
    assert entry["warnings"] == [
        {"parameter": "type", "message": "unknown parameter, which DigitalChalk ignores"}
    ]
    app.config["STRICT"] = True
    before = world.dump_state()
    response = answer(client, JAMES, "standard", {"agreed": True, "when": "now"})
    message = "strict mode: unknown field, which DigitalChalk ignores"
    assert (response.status_code, response.get_json()) == (400, {"fieldErrors": {"when": message}})
    assert world.dump_state() == before
    for path in (AGREEMENTS, mine(JAMES), mine(JAMES, "standard"), f"{AGREEMENTS}/custom"):
        response = client.get(f"{path}?type=custom", headers=AUTH)
        assert response.status_code == 400, path
        assert list(response.get_json()["fieldErrors"]) == ["type"]


# --- fixtures and the admin API ---------------------------------------------------------------------------


def test_the_admin_api_dumps_and_adds_agreements_and_answers(client: FlaskClient) -> None:
    state = client.get("/__admin/state").get_json()["digitalchalk"]
    assert state["agreements"] == default_fixture("digitalchalk")["agreements"]
    assert answer(client, JAMES, "custom", {"agreed": False}).status_code == 204
    assert client.get("/__admin/state").get_json()["digitalchalk"]["userAgreements"] == [
        {"userId": MARIA, "type": "standard", "agreed": True, "agreedDate": "2012-02-27T15:43:30Z"},
        {"userId": JAMES, "type": "custom", "agreed": False, "agreedDate": CLOCK},
    ]
    add = "/__admin/state/digitalchalk/userAgreements"
    added = client.post(add, json=[{"userId": JAMES, "type": "standard", "agreed": True}])
    assert (added.status_code, added.get_json()) == (201, {"added": 1, "total": 3})
    assert answers(client, JAMES) == {"standard": (True, None), "custom": (False, CLOCK)}
    again = client.post(add, json={"userId": JAMES, "type": "standard", "agreed": False})
    assert again.status_code == 409
    assert again.get_json()["errors"] == [
        "0.type: Duplicate answer of this user to this type, as userAgreements.2."
    ]
    nobody = client.post(add, json={"userId": "nobody", "type": "standard", "agreed": True})
    assert nobody.status_code == 409
    assert nobody.get_json()["errors"] == ["0.userId: No user has the id nobody."]
    invalid = client.post(add, json={"userId": JAMES, "type": "standard", "agreed": "yes"})
    assert invalid.status_code == 422
    duplicate = client.post("/__admin/state/digitalchalk/agreements", json=state["agreements"][1])
    assert duplicate.status_code == 409
    # A state whose agreements are replaced: the answers must fit them.
    whole = client.get("/__admin/state").get_json()
    whole["digitalchalk"]["agreements"] = whole["digitalchalk"]["agreements"][:1]
    assert client.put("/__admin/state", json=whole).status_code == 409


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        (
            {"agreements": [{"type": "special", "title": "", "text": 3, "required": "yes"}]},
            [
                "agreements.0.type: must be one of standard, custom",
                "agreements.0.title: Shorter than minimum length 1.",
                "agreements.0.text: Not a valid string.",
                "agreements.0.required: Not a valid boolean.",
            ],
        ),
        (
            {"userAgreements": [{"userId": MARIA, "type": "standard", "agreed": 1, "agreedDate": "2012"}]},
            [
                "userAgreements.0.agreed: Not a valid boolean.",
                "userAgreements.0.agreedDate: Not a UTC timestamp like 2012-03-01T06:03:10Z.",
            ],
        ),
        (
            {
                "agreements": [
                    {"type": "standard", "title": "T", "text": ""},
                    {
                        "type": "standard",
                        "title": "U",
                        "text": "",
                        "createdDate": "2012-01-02T00:00:00Z",
                        "updatedDate": "2012-01-01T00:00:00Z",
                    },
                ],
                "userAgreements": [
                    {"userId": "nobody", "type": "standard", "agreed": True},
                    {"userId": MARIA, "type": "custom", "agreed": True},
                    {"userId": JAMES, "type": "standard", "agreed": False},
                    {"userId": JAMES, "type": "standard", "agreed": True},
                ],
            },
            [
                "agreements.1.type: Duplicate type, already used by agreements.0.",
                "agreements.1.updatedDate: Must not be earlier than createdDate.",
                "userAgreements.0.userId: No user has the id nobody.",
                "userAgreements.1.type: No agreement has the type custom.",
                "userAgreements.3.type: Duplicate answer of this user to this type, as userAgreements.2.",
            ],
        ),
    ],
)
def test_a_fixture_agreement_error_names_its_path(
    write_fixtures: Any, changes: dict[str, Any], problems: list[str]
) -> None:
    folder: Path = write_fixtures(digitalchalk=fixture_with(**changes))
    with pytest.raises(FixtureError) as raised:
        load_fixtures(folder, VENDORS)
    assert sorted(raised.value.problems) == sorted(f"{folder / 'digitalchalk.yaml'}: {p}" for p in problems)
