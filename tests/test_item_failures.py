"""Item rules: one FullFabric item's outcome replaced (top-level 207), `times`, `after`, `probability`."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from .conftest import CLASS, COURSE, UNIT_ONE_GRADE, UNIT_TWO_GRADES, ff_post

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


def test_item_rule_turns_one_item_into_its_respond(client: FlaskClient, store: Any) -> None:
    add_rule(client, name="unit-05dc-422", **UNIT_ONE_422)
    before = len(store.state("fullfabric").transcripts.registrations())

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
        registration.unit_id for registration in store.state("fullfabric").transcripts.registrations()
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
