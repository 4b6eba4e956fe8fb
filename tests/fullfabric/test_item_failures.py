"""Item rules: one FullFabric item's outcome replaced, not applied (top-level 207 unless its status is 2xx),
`times`, `after`, `probability`."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from ..conftest import CLASS, COURSE, FF_AUTH, UNIT_ONE_GRADE, UNIT_TWO_GRADES, ff_path, ff_post

FIRST = {"unit_id": UNIT_TWO_GRADES, "context_id": CLASS}
SECOND = {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE}


def add_rule(client: FlaskClient, **spec: Any) -> dict[str, Any]:
    response = client.post("/__admin/failures", json=spec)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def statuses(client: FlaskClient, *items: Any) -> tuple[int, list[int]]:
    response = ff_post(client, *items)
    return response.status_code, [outcome["status"] for outcome in response.get_json()]


UNIT_ONE_422 = {
    "api": "fullfabric",
    "scope": "item",
    "match": {"unit_id": UNIT_ONE_GRADE},
    "respond": {"status": 422},
}


def test_item_rule_turns_one_item_into_its_respond(client: FlaskClient, world: Any) -> None:
    add_rule(client, name="unit-05dc-422", **UNIT_ONE_422)
    before = len(world.state("fullfabric").transcripts.registrations())

    response = ff_post(client, FIRST, SECOND)

    assert response.status_code == 207
    applied, failed = response.get_json()
    assert applied["status"] == 200
    assert failed == {
        "status": 422,
        "json": {"error": "injected_failure", "message": "injected by failure rule unit-05dc-422"},
    }
    # The failed item was not applied (UNIT_ONE_GRADE stays unregistered); the other was.
    registered = {
        registration.unit_id for registration in world.state("fullfabric").transcripts.registrations()
    }
    assert UNIT_ONE_GRADE not in registered
    assert len(registered) == before


def test_item_rule_with_its_own_body(client: FlaskClient) -> None:
    body = {"error": "locked", "message": "transcript locked for grading"}
    add_rule(client, **(UNIT_ONE_422 | {"respond": {"status": 423, "json": body}}))
    assert ff_post(client, SECOND).get_json() == [{"status": 423, "json": body}]


def test_item_rule_answering_200_keeps_the_request_200(client: FlaskClient) -> None:
    add_rule(client, **(UNIT_ONE_422 | {"respond": {"status": 200, "json": {"id": "fake"}}}))
    assert statuses(client, FIRST, SECOND) == (200, [200, 200])


def registered_units(client: FlaskClient) -> list[str]:
    """The units the profile's registrations are on, as FullFabric's GET lists them."""
    response = client.get(ff_path(), headers=FF_AUTH)
    assert response.status_code == 200, response.get_json()
    return [registration["unit_id"] for registration in response.get_json()]


@pytest.mark.parametrize(
    ("status", "top_level"),
    [(201, 200), (202, 200), (299, 200), (199, 207), (300, 207), (422, 207)],
)
def test_an_item_rule_s_answer_is_not_applied_and_only_a_non_2xx_one_makes_the_request_207(
    client: FlaskClient, status: int, top_level: int
) -> None:
    body = {"queued": True, "reference": "q-1"}
    add_rule(client, **(UNIT_ONE_422 | {"respond": {"status": status, "json": body}}))
    assert registered_units(client) == [UNIT_TWO_GRADES]

    response = ff_post(client, FIRST, SECOND)

    assert response.status_code == top_level
    applied, injected = response.get_json()
    assert (applied["status"], applied["json"]["unit_id"]) == (200, UNIT_TWO_GRADES)
    assert injected == {"status": status, "json": body}
    # UNIT_ONE_GRADE (on the transcript, unregistered) stays unregistered, whatever the rule's status.
    assert registered_units(client) == [UNIT_TWO_GRADES]


def test_an_item_rule_answering_2xx_without_a_body_gives_the_default_one(client: FlaskClient) -> None:
    add_rule(client, name="accepted", **(UNIT_ONE_422 | {"respond": {"status": 202}}))
    response = ff_post(client, SECOND)
    assert response.status_code == 200
    assert response.get_json() == [
        {"status": 202, "json": {"error": "injected_failure", "message": "injected by failure rule accepted"}}
    ]
    assert registered_units(client) == [UNIT_TWO_GRADES]


def test_an_item_rule_answering_2xx_leaves_a_patched_registration_as_it_was(client: FlaskClient) -> None:
    add_rule(client, api="fullfabric", scope="item", match={"index": 0}, respond={"status": 202, "json": {}})
    before = client.get(ff_path(), headers=FF_AUTH).get_json()
    patched = client.patch(
        ff_path(), json={"registrations": [FIRST | {"grade_state_name": "pass"}]}, headers=FF_AUTH
    )
    assert patched.status_code == 200
    assert patched.get_json() == [{"status": 202, "json": {}}]
    assert client.get(ff_path(), headers=FF_AUTH).get_json() == before


def test_times_one_fires_once_then_the_rule_is_expired(client: FlaskClient) -> None:
    rule = add_rule(client, times=1, **UNIT_ONE_422)
    assert statuses(client, FIRST, SECOND) == (207, [200, 422])
    assert statuses(client, FIRST, SECOND) == (200, [200, 200])
    shown = client.get(f"/__admin/failures/{rule['id']}").get_json()
    assert (shown["hits"], shown["times"], shown["expired"]) == (1, 1, True)


def test_after_skips_the_first_matches(client: FlaskClient) -> None:
    rule = add_rule(client, after=2, times=1, **UNIT_ONE_422)
    assert [statuses(client, SECOND)[1] for _ in range(4)] == [[200], [200], [422], [200]]
    assert client.get(f"/__admin/failures/{rule['id']}").get_json()["hits"] == 1


@pytest.mark.parametrize(
    ("match", "fails"),
    [
        ({"index": 1}, [200, 422]),
        ({"index": 0}, [422, 200]),
        ({"context_id": CLASS}, [422, 200]),
        ({"unit_id": UNIT_ONE_GRADE, "context_id": CLASS}, [200, 200]),
        ({"profile_id": "507f1f77bcf86cd799439011"}, [422, 422]),
        ({"grade_state_name": "pass"}, [200, 422]),
        ({"headers": {"X-Tenant": "acme"}}, [422, 422]),
        ({"headers": {"X-Tenant": "other"}}, [200, 200]),
        ({"method": "post", "path": "/apis/registrations/profiles/*/registrations"}, [422, 422]),
        ({"query": {"dry": "1"}}, [200, 200]),
    ],
)
def test_item_matchers(client: FlaskClient, match: dict[str, Any], fails: list[int]) -> None:
    add_rule(client, api="fullfabric", scope="item", match=match, respond={"status": 422})
    response = ff_post(
        client, FIRST, SECOND | {"grade_state_name": "pass"}, headers={"FF-Auth": "t", "X-Tenant": "acme"}
    )
    assert [outcome["status"] for outcome in response.get_json()] == fails


def test_the_journal_says_which_rule_fired_for_which_item_and_why(client: FlaskClient) -> None:
    rule = add_rule(
        client,
        name="second-item",
        api="fullfabric",
        scope="item",
        match={"index": 1},
        respond={"status": 503},
    )
    ff_post(client, FIRST, SECOND)
    [entry] = client.get("/__admin/requests").get_json()
    assert entry["matched_rules"] == [
        {"id": rule["id"], "name": "second-item", "scope": "item", "reason": "item index is 1", "index": 1}
    ]


class TestProbability:
    @pytest.fixture
    def config(self) -> dict[str, Any]:
        return {"TESTING": True, "SEED": 11}

    def outcomes(self, client: FlaskClient) -> list[int]:
        add_rule(client, probability=0.5, **UNIT_ONE_422)
        return [statuses(client, SECOND)[1][0] for _ in range(40)]

    def test_probability_is_reproducible_under_a_seed(self, client: FlaskClient, app: Any) -> None:
        from mockserver.app import create_app

        first = self.outcomes(client)
        second = self.outcomes(create_app({"TESTING": True, "SEED": 11}).test_client())
        assert first == second
        assert 8 < first.count(422) < 32  # about half

    def test_another_seed_draws_differently(self, client: FlaskClient) -> None:
        from mockserver.app import create_app

        assert self.outcomes(client) != self.outcomes(create_app({"TESTING": True, "SEED": 12}).test_client())


def test_item_latency_without_respond_delays_and_applies(client: FlaskClient) -> None:
    import time

    add_rule(client, api="fullfabric", scope="item", match={"unit_id": UNIT_ONE_GRADE}, latency_ms=150)
    started = time.perf_counter()
    assert statuses(client, SECOND) == (200, [200])
    assert time.perf_counter() - started >= 0.15
