"""Which rules a request is checked against: none when no rule could fire for its API, method and path
(remembered until the rules change), and exact counts when threads check at once."""

from __future__ import annotations

import threading
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.rules.rules import Call, RuleSet

from ..conftest import AUTH, DC_LIST, race

APIS = ["fullfabric", "digitalchalk", "admin", "any"]
METHODS = ["GET", "POST", "get", "PUT"]
PATHS = ["/dc/api/v5/registrations", "/dc/api/v5/*", "/apis/*/registrations", "/__admin/state", "*"]
REQUEST_PATHS = ["/dc/api/v5/registrations", "/dc/api/v5/other", "/apis/p/registrations", "/__admin/state"]
API_OF = {"/dc": "digitalchalk", "/ap": "fullfabric", "/__": "admin"}

specs = st.fixed_dictionaries(
    {"name": st.just("r"), "api": st.sampled_from(APIS), "scope": st.sampled_from(["request", "item"])},
    optional={
        "match": st.fixed_dictionaries(
            {}, optional={"method": st.sampled_from(METHODS), "path": st.sampled_from(PATHS)}
        ),
        "times": st.integers(1, 3),
    },
)


@settings(max_examples=300, deadline=None)
@given(
    rules=st.lists(specs, max_size=4),
    calls=st.lists(
        st.tuples(st.sampled_from(["GET", "POST", "PUT"]), st.sampled_from(REQUEST_PATHS), st.booleans()),
        min_size=1,
        max_size=6,
    ),
)
def test_a_request_no_rule_may_fire_for_is_one_no_rule_fires_for(rules: list[Any], calls: list[Any]) -> None:
    ruleset = RuleSet(seed=1, specs=rules)
    for method, path, add_one in calls:
        api = API_OF[path[:3]]
        scope = "request"
        may = ruleset.may_fire(api, method, path, scope)
        fired = ruleset.fire(Call(api, method, path, {}, {}), scope)
        assert may or fired is None
        if add_one:  # the remembered answers are forgotten when the rules change
            ruleset.add({"name": "late", "api": api, "match": {"path": path}})
            assert ruleset.may_fire(api, method, path, scope)


def test_a_rule_added_for_the_path_fires_and_its_removal_is_seen(client: Any) -> None:
    for index in range(50):
        path = f"/dc/api/v5/never-{index}"
        rule = {
            "name": f"n{index}",
            "api": "digitalchalk",
            "match": {"path": path},
            "respond": {"status": 500},
        }
        assert client.post("/__admin/failures", json=rule).status_code == 201
    assert client.get(DC_LIST, headers=AUTH).status_code == 200
    rule = {"name": "list", "api": "digitalchalk", "match": {"path": DC_LIST}, "respond": {"status": 429}}
    assert client.post("/__admin/failures", json=rule).status_code == 201
    assert client.get(DC_LIST, headers=AUTH).status_code == 429
    assert client.delete(f"/__admin/failures/{client.get('/__admin/failures').get_json()[-1]['id']}")
    assert client.get(DC_LIST, headers=AUTH).status_code == 200


def test_times_is_exact_when_threads_race() -> None:
    ruleset = RuleSet(seed=1, specs=[{"name": "some", "api": "digitalchalk", "times": 20000}])
    call = Call("digitalchalk", "GET", DC_LIST, {}, {})
    fired: list[int] = []

    start = threading.Barrier(8)

    def load() -> None:
        start.wait()
        fired.append(sum(ruleset.fire(call, "request") is not None for _ in range(5000)))

    race([threading.Thread(target=load) for _ in range(8)], switch_interval=1e-6)
    [rule] = ruleset
    assert sum(fired) == rule.hits == 20000
