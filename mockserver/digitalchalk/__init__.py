"""DigitalChalk: the v5 API (registrations, users, offerings, user fields, agreements) under
`/dc/api/v5` and `/api/v5`, in its own shapes."""

from __future__ import annotations

from mockserver.vendor import Vendor, VendorState

from . import agreements_views as agreements_views  # its views, on the blueprint
from . import offerings as offerings  # its views, on the blueprint
from . import userfields_views as userfields_views  # its views, on the blueprint
from . import users_views as users_views  # its views, on the blueprint
from . import views
from .commands import COMMANDS
from .domain import REPEATED_FIELDS
from .events import EVENT_NAMES, events
from .generate import generate
from .repeat import RepeatedLists
from .schemas import DigitalChalkFixtureSchema
from .table import DigitalChalkTable
from .userfield_commands import USERFIELD_COMMANDS


def _describe(state: VendorState) -> str:
    return f"{state.registrations()} registrations"


VENDOR = Vendor(
    name="digitalchalk",
    title="DigitalChalk",
    path_prefixes=("/dc/", "/api/"),
    entry_path="/dc/api/v5/registrations",
    blueprint=views.bp,
    fixture_schema=DigitalChalkFixtureSchema,
    make_state=DigitalChalkTable,
    commands=COMMANDS + USERFIELD_COMMANDS,
    error_response=views.error_response,
    injected_body=views.injected_body,
    partial_body=b'{"results": [{"id": "65ade781cc98d136543678191005431a", "userId": "6629',
    collections=(
        "tokens",
        "offeringCategories",
        "offerings",
        "registrations",
        "users",
        "agreements",
        "userAgreements",
        "userFieldCategories",
        "userFields",
        "userFieldValues",
    ),
    describe=_describe,
    generate=generate,
    middleware=RepeatedLists,
    also_at=views.BASE_PATHS[1:],
    shared_values={
        "registrations": REPEATED_FIELDS,
        "users": ("id", "firstName", "lastName", "locale"),  # the id: the one its registrations name
        "userAgreements": ("userId", "type", "agreedDate"),
        "userFieldValues": ("userId",),
    },
    event_names=EVENT_NAMES,
    events=events,
)
