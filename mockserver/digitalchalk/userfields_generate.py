"""DigitalChalk's user fields in a generated fixture set: the built-in contact fields and their public
category at every size, two custom fields in a private one, and values for about a third of the users."""

from __future__ import annotations

from collections.abc import Sequence
from random import Random
from typing import TYPE_CHECKING, Any

from mockserver.fixtures.generate import AS_OF, WINDOW_START, between, chance, pick

from .domain import timestamp

if TYPE_CHECKING:
    from faker import Faker

BUILT_IN = ("Phone Number", "Street 1", "Street 2", "City", "State/Province", "Postal Code")
SIZES = ("medium", "large", "large", "medium", "medium", "small")
DEPARTMENTS = ("Engineering", "Finance", "Human Resources", "Operations", "Sales", "Support")


def _hex_id(rng: Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def generate_userfields(rng: Random, fake: Faker, users: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    """Categories, fields and the values of some of `users`, from `rng` alone (drawn after everything else,
    so that the rest stays what it was), each record as `/__admin/state` dumps it. Addresses come from
    small pools drawn once: faking one for each of 200,000 users would take longer than the
    registrations."""
    created = timestamp(WINDOW_START - between(rng, 30, 365) * 86_400)
    contact, bio = _hex_id(rng), _hex_id(rng)
    categories = [
        {
            "id": contact,
            "type": "public",
            "name": "Contact Information",
            "orderIndex": 0,
            "createdDate": created,
        },
        {
            "id": bio,
            "type": "private",
            "name": "Biographical Information",
            "orderIndex": 1,
            "createdDate": created,
        },
    ]
    built_in = [_hex_id(rng) for _ in BUILT_IN]
    fields: list[dict[str, Any]] = [
        {
            "id": field_id,
            "type": "text",
            "name": name,
            "orderIndex": index,
            "size": size,
            "categoryId": contact,
            "required": False,
            "readOnly": True,
            "createdDate": created,
        }
        for index, (field_id, name, size) in enumerate(zip(built_in, BUILT_IN, SIZES, strict=True))
    ]
    newsletter, department = _hex_id(rng), _hex_id(rng)
    custom_created = timestamp(between(rng, WINDOW_START, AS_OF - 365 * 86_400))
    fields += [
        {
            "id": newsletter,
            "type": "checkbox",
            "name": "Receive newsletter",
            "orderIndex": 0,
            "categoryId": bio,
            "required": False,
            "readOnly": False,
            "createdDate": custom_created,
        },
        {
            "id": department,
            "type": "dropdown",
            "name": "Department",
            "orderIndex": 1,
            "size": "medium",
            "categoryId": bio,
            "required": False,
            "options": [{"name": name, "selected": False} for name in DEPARTMENTS],
            "readOnly": False,
            "createdDate": custom_created,
        },
    ]
    phone, street1, street2, city, state, postal = built_in
    streets = [fake.street_address() for _ in range(500)]
    secondary = [fake.secondary_address() for _ in range(50)]
    places = [(fake.city(), fake.state_abbr(), fake.postcode()) for _ in range(300)]
    values: list[dict[str, Any]] = []
    for user in users:
        if not chance(rng, 1 / 3):
            continue
        town, region, code = pick(rng, places)
        held: dict[str, Any] = {
            phone: f"+1 {between(rng, 200, 989)} 555 {between(rng, 0, 9999):04d}",
            street1: pick(rng, streets),
        }
        if chance(rng, 0.2):
            held[street2] = pick(rng, secondary)
        held.update({city: town, state: region, postal: code})
        if chance(rng, 0.5):
            held[newsletter] = chance(rng, 0.6)
        if chance(rng, 0.4):
            held[department] = pick(rng, DEPARTMENTS)
        values.append({"userId": user["id"], "values": held})
    return {"userFieldCategories": categories, "userFields": fields, "userFieldValues": values}
