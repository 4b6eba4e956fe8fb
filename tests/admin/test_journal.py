"""The request journal: what clients sent and got, oldest first, secrets masked, filtered, bounded."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ..conftest import AUTH, COURSE, DC_LIST, UNIT_ONE_GRADE, ff_path, ff_post

TOKEN = "sk-acme-9f8e7d6c5b4a"


def journal(client: FlaskClient, query: str = "") -> list[dict[str, Any]]:
    response = client.get(f"/__admin/requests{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_an_entry_holds_the_request_and_the_answer(client: FlaskClient) -> None:
    item = {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE, "colour": "red"}
    response = ff_post(client, item, headers={"FF-Auth": TOKEN, "X-API-Version": "2025-05-07"})

    [entry] = journal(client)
    assert entry["id"] == 1
    assert entry["api"] == "fullfabric"
    assert (entry["method"], entry["path"], entry["query"]) == ("POST", ff_path(), {})
    assert entry["body"] == {"registrations": [item]}
    assert entry["status"] == 200
    assert entry["response"] == response.get_json()
    assert entry["warnings"] == [
        {"parameter": "registrations[0].colour", "message": "unknown field, which FullFabric ignores"}
    ]
    assert entry["matched_rules"] == []
    assert entry["session"] is None
    assert entry["duration_ms"] > 0
    assert entry["time"].endswith("Z")


@pytest.mark.parametrize(
    ("headers", "shown"),
    [
        ({"FF-Auth": TOKEN}, {"Ff-Auth": "****"}),
        ({"Authorization": f"Bearer {TOKEN}"}, {"Authorization": "Bearer ****"}),
        ({"Authorization": TOKEN}, {"Authorization": "****"}),
        ({"X-Api-Key": TOKEN}, {"X-Api-Key": "****"}),
        ({"Proxy-Authorization": f"Basic {TOKEN}"}, {"Proxy-Authorization": "Basic ****"}),
    ],
)
def test_secrets_are_masked(client: FlaskClient, headers: dict[str, str], shown: dict[str, str]) -> None:
    client.get(DC_LIST, headers=headers)
    [entry] = journal(client)
    assert shown.items() <= entry["headers"].items()
    assert TOKEN not in json.dumps(entry)


@pytest.mark.parametrize(
    ("path", "headers"),
    [(DC_LIST, AUTH), (ff_path(), {"FF-Auth": "t", "X-API-Version": "2025-05-07"})],
    ids=["digitalchalk", "fullfabric"],
)
def test_a_cookie_is_masked(app: Flask, path: str, headers: dict[str, str]) -> None:
    # Without its cookie jar the test client sends a Cookie header as given (the jar would replace it).
    client = app.test_client(use_cookies=False)
    response = client.get(path, headers=headers | {"Cookie": f"_session={TOKEN}; theme=dark"})
    assert response.status_code == 200
    [entry] = journal(client)
    assert entry["headers"]["Cookie"] == "****"
    assert TOKEN not in json.dumps(entry)


def test_oldest_first_with_filters(client: FlaskClient) -> None:
    client.get(DC_LIST, headers=AUTH)
    client.get(f"{DC_LIST}?status=done", headers=AUTH)
    client.get(f"{DC_LIST}?user_id=x", headers=AUTH)
    ff_post(client, {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE})
    client.get("/nowhere")

    assert [entry["id"] for entry in journal(client)] == [1, 2, 3, 4, 5]
    assert [entry["id"] for entry in journal(client, "?api=digitalchalk")] == [1, 2, 3]
    assert [entry["id"] for entry in journal(client, "?api=unknown")] == [5]
    assert [entry["id"] for entry in journal(client, "?method=post")] == [4]
    assert [entry["id"] for entry in journal(client, f"?path={DC_LIST}&status=200")] == [1, 3]
    assert [entry["id"] for entry in journal(client, "?status=400")] == [2]
    assert [entry["id"] for entry in journal(client, "?warnings=true")] == [3]
    assert [entry["id"] for entry in journal(client, "?warnings=false&api=digitalchalk")] == [1, 2]
    assert [entry["id"] for entry in journal(client, "?limit=2")] == [4, 5]


def test_the_admin_api_is_not_journaled(client: FlaskClient) -> None:
    client.get("/__admin/health")
    client.get("/__admin/failures")
    assert journal(client) == []


@pytest.mark.parametrize("query", ["?status=x", "?limit=0", "?warnings=yes", "?api=github"])
def test_bad_filters_are_422(client: FlaskClient, query: str) -> None:
    response = client.get(f"/__admin/requests{query}")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_delete_empties_the_journal(client: FlaskClient) -> None:
    client.get(DC_LIST, headers=AUTH)
    assert client.delete("/__admin/requests").status_code == 204
    assert journal(client) == []
    client.get(DC_LIST, headers=AUTH)
    assert [entry["id"] for entry in journal(client)] == [2]  # ids keep counting


class TestBounded:
    @pytest.fixture
    def config(self) -> dict[str, Any]:
        return {"TESTING": True, "JOURNAL_SIZE": 3}

    def test_the_journal_keeps_the_newest_entries(self, client: FlaskClient) -> None:
        for limit in range(1, 6):
            client.get(f"{DC_LIST}?limit={limit}", headers=AUTH)
        assert [entry["query"] for entry in journal(client)] == [
            {"limit": "3"},
            {"limit": "4"},
            {"limit": "5"},
        ]


def test_a_large_body_is_kept_truncated(client: FlaskClient) -> None:
    big = "x" * 100_000
    client.post(ff_path(), data=big, content_type="text/plain", headers={"FF-Auth": "t"})
    [entry] = journal(client)
    assert entry["status"] == 415
    assert entry["body"].endswith("… (truncated)")
    assert len(entry["body"]) < 70_000


def test_every_entry_by_default_up_to_ten_thousand(client: FlaskClient, world: Any) -> None:
    assert world.journal.size == 10_000
    for _ in range(30):
        client.get(DC_LIST, headers=AUTH)
    assert len(journal(client)) == 30


def test_ids_go_on_after_a_delete_and_start_again_after_a_reset(client: FlaskClient) -> None:
    for _ in range(2):
        client.get(DC_LIST, headers=AUTH)
    client.delete("/__admin/requests")
    client.get(DC_LIST, headers=AUTH)
    assert [entry["id"] for entry in journal(client)] == [3]
    client.post("/__admin/reset")
    client.get(DC_LIST, headers=AUTH)
    assert [entry["id"] for entry in journal(client)] == [1]
