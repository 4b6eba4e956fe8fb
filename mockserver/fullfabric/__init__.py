"""FullFabric: registrations under `/apis/registrations`, judged per item, on each profile's transcript."""

from __future__ import annotations

from typing import Any

from mockserver.vendor import Vendor, VendorState

from . import profiles_views, transcripts_views, units_views, views
from .commands import COMMANDS
from .generate import generate
from .schemas import FullFabricFixtureSchema
from .state import FullFabricState

__all__ = [
    "VENDOR",
    "profiles_views",
    "transcripts_views",
    "units_views",
]  # these register their operations on `views.bp`


def _injected_body(message: str) -> dict[str, Any]:
    return views.error_body("injected_failure", message)


def _describe(state: VendorState) -> str:
    assert isinstance(state, FullFabricState)
    return f"{len(state.transcripts.catalog.profiles)} profiles"


VENDOR = Vendor(
    name="fullfabric",
    title="FullFabric",
    path_prefixes=("/apis/",),
    entry_path="/apis/registrations/profiles/{profile_id}/registrations",
    blueprint=views.bp,
    fixture_schema=FullFabricFixtureSchema,
    make_state=FullFabricState,
    commands=COMMANDS,
    error_response=views.error_response,
    injected_body=_injected_body,
    partial_body=b'[{"status": 200, "json": {"id": "65e6e5aaf398a642a7022ab5", "unit_id": "6385',
    collections=(
        "tokens",
        "profiles",
        "courses",
        "classes",
        "programmes",
        "study_plans",
        "units",
        "grade_states",
        "role_transcripts",
        "transcripts",
    ),
    describe=_describe,
    generate=generate,
    item_rules="FullFabric's registration items",
    item_rule_fields=("unit_id", "context_id", "grade_state_name"),
    path_rule_fields=("profile_id",),
)
