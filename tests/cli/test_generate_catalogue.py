"""`mockserver fixtures generate` writes DigitalChalk's catalogue consistent with its registrations, at
every size: each registration's offering exists and was open for registration when it was made."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.app import VENDORS
from mockserver.digitalchalk.domain import parse_timestamp
from mockserver.digitalchalk.schemas import reference_problems
from mockserver.fixtures.generate import AS_OF, Sizes, generate
from mockserver.fixtures.load import load_yaml, validate_state
from mockserver.resources import data_dir


def digitalchalk(seed: int, registrations: int, **sizes: int) -> dict[str, Any]:
    data: dict[str, Any] = generate(seed, Sizes.scaled(registrations, **sizes), VENDORS)["digitalchalk"]
    return {name: list(records) for name, records in data.items()}


@pytest.mark.parametrize(
    ("registrations", "sizes"),
    [(0, {"offerings": 1}), (1, {"offerings": 1, "users": 1}), (300, {}), (2000, {"offerings": 40})],
)
def test_every_registration_names_an_offering_open_when_it_was_made(
    registrations: int, sizes: dict[str, int]
) -> None:
    data = digitalchalk(5, registrations, **sizes)
    offerings = {offering["id"]: offering for offering in data["offerings"]}
    categories = {category["id"] for category in data["offeringCategories"]}
    assert len(offerings) == len(data["offerings"]) == Sizes.scaled(registrations, **sizes).offerings
    assert {name for offering in offerings.values() for name in offering["offeringCategoryIds"]} == categories
    for registration in data["registrations"]:
        offering = offerings[registration["offeringId"]]
        assert registration["title"] == offering["title"]
        created = parse_timestamp(registration["createdDate"])
        assert parse_timestamp(offering["registrationBeginDate"]) <= created
        if "registrationEndDate" in offering:
            assert created <= parse_timestamp(offering["registrationEndDate"])
    for offering in offerings.values():
        assert parse_timestamp(offering["createdDate"]) <= parse_timestamp(offering["registrationBeginDate"])
        assert parse_timestamp(offering["beginDate"]) <= parse_timestamp(offering["endDate"])
    validate_state({"digitalchalk": data}, VENDORS)  # what `mockserver run` would load


def test_running_offerings_stay_open_and_some_allow_retakes() -> None:
    offerings = digitalchalk(5, 2000, offerings=40)["offerings"]
    still_open = [offering for offering in offerings if "registrationEndDate" not in offering]
    assert still_open and all(
        parse_timestamp(offering["endDate"]) > AS_OF - 90 * 86400 for offering in still_open
    )
    assert 0 < sum(offering.get("allowRetakes", False) for offering in offerings) < len(offerings)


def test_the_same_seed_gives_the_same_catalogue() -> None:
    first, again, other = digitalchalk(9, 300), digitalchalk(9, 300), digitalchalk(10, 300)
    assert first == again
    assert first["offerings"] != other["offerings"]


@pytest.mark.parametrize(
    ("registrations", "sizes"),
    [
        (0, {}),
        (1, {"users": 1, "offerings": 1}),
        (10, {"users": 2, "offerings": 5}),
        (300, {"users": 1, "offerings": 300}),
        (5000, {}),
    ],
)
def test_every_registration_names_a_generated_user_and_offering(
    registrations: int, sizes: dict[str, int]
) -> None:
    data = digitalchalk(9, registrations, **sizes)
    assert len(data["registrations"]) == registrations
    assert reference_problems(data) == {}
    validate_state({"digitalchalk": data}, VENDORS)


def test_the_default_fixtures_pass_the_reference_check() -> None:
    fixture = load_yaml((data_dir("fixtures") / "digitalchalk.yaml").read_text())
    assert reference_problems(fixture) == {}
    # the vendor's example: five titles for one offering, kept as data
    assert len({registration["title"] for registration in fixture["registrations"]}) == 5
    assert len({registration["offeringId"] for registration in fixture["registrations"]}) == 1
