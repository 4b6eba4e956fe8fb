"""The enrolment flow against mockserver: a new customer, a returning one, the offerings they may not take,
and a vendor that fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import COURSE_1, JAMES, LEADERSHIP, MARIA, SAFETY, TOKEN
from enrolment import Customer, DigitalChalk, VendorError, enrol
from enrolment.client import NOT_AVAILABLE

GRACE = Customer(
    "grace.hopper@example.org",
    "Grace",
    "Hopper",
    {
        "street1": "1 Navy Way",
        "city": "Arlington",
        "state": "VA",
        "postal_code": "22201",
        "phone": "555-0100",
    },
)


def posted_registrations(mockserver: Any) -> list[dict[str, Any]]:
    return [entry["body"] for entry in mockserver.requests(method="POST", path="/dc/api/v5/registrations")]


def test_a_new_customer_is_created_given_an_address_and_registered(
    mockserver: Any, digitalchalk: DigitalChalk
) -> None:
    outcome = enrol(digitalchalk, GRACE, SAFETY)

    assert outcome.created and outcome.registered and outcome.missing_fields == ()
    user = digitalchalk.user(outcome.user_id)
    assert (user["email"], user["username"], user["firstName"]) == (GRACE.email, GRACE.email, "Grace")
    assert "password" not in user
    registration = digitalchalk.registration(str(outcome.registration_id))
    assert registration["userId"] == outcome.user_id and registration["offeringId"] == SAFETY
    assert (registration["title"], registration["status"]) == ("Workplace Safety - Section 1", "active")
    names = {field["id"]: field["name"] for field in digitalchalk.user_fields()}
    values = {
        names[field_id]: value for field_id, value in digitalchalk.user_field_values(outcome.user_id).items()
    }
    assert values == {
        "Street 1": "1 Navy Way",
        "City": "Arlington",
        "State/Province": "VA",
        "Postal Code": "22201",
        "Phone Number": "555-0100",
    }
    assert SAFETY not in {offering["id"] for offering in digitalchalk.available_offerings(outcome.user_id)}
    (created,) = mockserver.requests(method="POST", path="/dc/api/v5/users")
    assert created["body"]["password"] == "****"  # the journal never shows it in clear


def test_a_returning_customer_is_found_by_exact_email_in_any_case(
    mockserver: Any, digitalchalk: DigitalChalk
) -> None:
    returning = Customer("Maria.Alvarez@Example.org", "Maria", "Alvarez")
    outcome = enrol(digitalchalk, returning, SAFETY)
    assert (outcome.user_id, outcome.created, outcome.registered) == (MARIA, False, True)
    assert mockserver.requests(method="POST", path="/dc/api/v5/users") == []


def test_a_substring_of_another_customers_email_is_a_new_customer(
    mockserver: Any, digitalchalk: DigitalChalk
) -> None:
    jimbo = enrol(digitalchalk, Customer("jimbo@example.org", "Jim", "Bo"), SAFETY)
    bo = enrol(digitalchalk, Customer("bo@example.org", "B", "O"), SAFETY)
    assert jimbo.created and bo.created and bo.user_id != jimbo.user_id
    # The vendor's filter matched jimbo for bo@example.org: the client looked, and did not take him.
    found = mockserver.requests(method="GET", path="/dc/api/v5/users")[-1]
    assert found["query"]["email"] == "bo@example.org" and found["status"] == 200


@pytest.mark.parametrize(
    ("user", "offering", "why"),
    [
        (MARIA, COURSE_1, "her registration is still active"),
        (JAMES, COURSE_1, "he passed it, and it allows no retake"),
        (MARIA, LEADERSHIP, "its registration closed in 2012"),
    ],
)
def test_an_offering_not_available_is_a_handled_outcome(
    mockserver: Any, digitalchalk: DigitalChalk, user: str, offering: str, why: str
) -> None:
    email = digitalchalk.user(user)["email"]
    outcome = enrol(digitalchalk, Customer(email, "-", "-"), offering)
    assert (outcome.user_id, outcome.registered) == (user, False), why
    assert posted_registrations(mockserver) == []  # the list said no: nothing was tried


def test_a_passed_offering_that_allows_retakes_is_registered_again(
    mockserver: Any, digitalchalk: DigitalChalk
) -> None:
    james = Customer("james.okafor@example.org", "James", "Okafor")
    mockserver.add(
        "digitalchalk",
        "registrations",
        {
            "id": "a1" * 16,
            "userId": JAMES,
            "offeringId": SAFETY,
            "title": "Workplace Safety - Section 1",
            "status": "passed",
            "grade": 95,
            "createdDate": "2012-03-01T09:00:00Z",
            "endDate": "2012-03-02T09:00:00Z",
        },
    )
    again = enrol(digitalchalk, james, SAFETY)
    assert again.registered and again.registration_id != "a1" * 16
    assert enrol(digitalchalk, james, SAFETY).registered is False  # now active: not twice at once
    assert [body["offeringId"] for body in posted_registrations(mockserver)] == [SAFETY]


def test_a_refusal_when_registering_is_a_handled_outcome(mockserver: Any, digitalchalk: DigitalChalk) -> None:
    """The offering was listed, then closed before the registration came: the vendor's 400 `errors`."""
    mockserver.fail(
        method="POST", path="*/registrations", status=400, json={"errors": [NOT_AVAILABLE]}, times=1
    )
    outcome = enrol(digitalchalk, GRACE, SAFETY)
    assert outcome.created and not outcome.registered
    assert len(posted_registrations(mockserver)) == 1


def test_a_vendor_failure_is_raised(mockserver: Any, digitalchalk: DigitalChalk) -> None:
    mockserver.fail(method="GET", path="*/users", status=503, times=1)
    with pytest.raises(VendorError) as raised:
        enrol(digitalchalk, GRACE, SAFETY)
    assert raised.value.status == 503
    assert mockserver.requests(method="POST") == []


def test_the_command_line_enrols_and_says_when_it_cannot(mockserver: Any) -> None:
    env = {
        **os.environ,
        "DIGITALCHALK_URL": mockserver.digitalchalk_url,
        "DIGITALCHALK_TOKEN": TOKEN,
    }
    command = [
        sys.executable,
        "-m",
        "enrolment",
        "ada@example.org",
        "Ada",
        "Lovelace",
        SAFETY,
        "--city",
        "London",
    ]
    first = subprocess.run(command, env=env, capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert first.returncode == 0, first.stderr
    assert "(created): registration " in first.stdout
    second = subprocess.run(command, env=env, capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert second.returncode == 3, second.stderr
    assert "(found): offering" in second.stdout and "is not available" in second.stdout
