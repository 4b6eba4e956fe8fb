"""DigitalChalk: the v5 registrations and users API under `/dc/api/v5` and `/api/v5`, with the vendor's
error bodies."""

from __future__ import annotations

from mockserver.vendor import Vendor, VendorState

from . import users_views, views  # noqa: F401  (users_views: the users routes, on views.bp)
from .commands import COMMANDS
from .generate import generate
from .repeat import RepeatedLists
from .schemas import DigitalChalkFixtureSchema
from .table import DigitalChalkTable


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
    commands=COMMANDS,
    error_response=views.error_response,
    injected_body=views.injected_body,
    partial_body=b'{"results": [{"id": "65ade781cc98d136543678191005431a", "userId": "6629',
    collections=("tokens", "registrations", "users"),
    describe=_describe,
    generate=generate,
    middleware=RepeatedLists,
    also_at=views.BASE_PATHS[1:],
)
