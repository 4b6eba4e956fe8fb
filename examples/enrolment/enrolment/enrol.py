"""The enrolment flow of a shop's completed order: find or create the customer, set their address, check
the offering is open to them, register them."""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass, field

from enrolment.client import DigitalChalk, NotAvailable

# The built-in user fields an address goes to, by the names DigitalChalk gives them.
ADDRESS_FIELDS = {
    "phone": "Phone Number",
    "street1": "Street 1",
    "street2": "Street 2",
    "city": "City",
    "state": "State/Province",
    "postal_code": "Postal Code",
}


@dataclass(frozen=True)
class Customer:
    """The shop's customer. `address` keys are those of `ADDRESS_FIELDS`."""

    email: str
    first_name: str
    last_name: str
    address: Mapping[str, str] = field(default_factory=dict)
    locale: str = "en"


@dataclass(frozen=True)
class Enrolment:
    """What came of one order: the DigitalChalk user, whether this order made them, and the registration
    (None when the offering was not available to them: a handled outcome, not an error)."""

    user_id: str
    created: bool
    registration_id: str | None
    missing_fields: tuple[str, ...] = ()

    @property
    def registered(self) -> bool:
        return self.registration_id is not None


def enrol(dc: DigitalChalk, customer: Customer, offering_id: str) -> Enrolment:
    user_id, created = find_or_create(dc, customer)
    missing = set_address(dc, user_id, customer.address)
    if offering_id not in {offering["id"] for offering in dc.available_offerings(user_id)}:
        return Enrolment(user_id, created, None, missing)
    try:
        registration_id = dc.register(user_id, offering_id)
    except NotAvailable:  # closed or taken since the list was read
        return Enrolment(user_id, created, None, missing)
    return Enrolment(user_id, created, registration_id, missing)


def find_or_create(dc: DigitalChalk, customer: Customer) -> tuple[str, bool]:
    """The user with exactly this email (any case), else a new one; and whether it is new. The vendor's
    email filter matches substrings, so `bo@example.org` also finds `jimbo@example.org`: check."""
    wanted = customer.email.casefold()
    for user in dc.users_by_email(customer.email):
        if user["email"].casefold() == wanted:
            return user["id"], False
    user_id = dc.create_user(
        {
            "firstName": customer.first_name,
            "lastName": customer.last_name,
            "email": customer.email,
            "username": customer.email,
            "password": _password(),
            "locale": customer.locale,
        }
    )
    return user_id, True


def set_address(dc: DigitalChalk, user_id: str, address: Mapping[str, str]) -> tuple[str, ...]:
    """Set the address's non-empty parts on the user's built-in fields; the names of fields the
    organisation does not have (their parts are left out)."""
    wanted = {ADDRESS_FIELDS[part]: value for part, value in address.items() if value}
    if not wanted:
        return ()
    ids = {user_field["name"]: user_field["id"] for user_field in dc.user_fields()}
    values = {ids[name]: value for name, value in wanted.items() if name in ids}
    if values:
        dc.set_user_field_values(user_id, values)
    return tuple(sorted(name for name in wanted if name not in ids))


def _password() -> str:
    """A throwaway password the vendor accepts (6–64 characters, a letter and a digit): the customer sets
    their own through DigitalChalk's reset link."""
    alphabet = string.ascii_letters + string.digits
    body = "".join(secrets.choice(alphabet) for _ in range(14))
    return f"{secrets.choice(string.ascii_letters)}{secrets.choice(string.digits)}{body}"
