"""Marshmallow schemas of a unit's registrations: the list's query and the update's items."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validates_schema
from marshmallow.validate import Length, Range

from mockserver.schemas import QueryInteger

from .schemas import GradeInputSchema, StrictBoolean
from .transcripts import KEEP, GradeInput, UnitRegistrationUpdate


class UnitRegistrationsQuerySchema(Schema):
    """The unit list's query: a page, as the profile list pages."""

    class Meta:
        unknown = EXCLUDE  # unknown parameters are warnings, found by the view

    limit = QueryInteger(load_default=10, validate=Range(1, 100, error="must be between 1 and 100"))
    skip = QueryInteger(load_default=0, validate=Range(min=0, error="must be 0 or more"))


class UnitRegistrationUpdateSchema(Schema):
    """One item of a unit's update: `registration_id` or `profile_id` (exactly one), and what to set."""

    class Meta:
        unknown = EXCLUDE  # unknown fields are warnings, found by the view

    registration_id = fields.String(validate=Length(min=1))
    profile_id = fields.String(validate=Length(min=1))
    grade_state_name = fields.String(allow_none=True)
    awarded = StrictBoolean()
    grade_notes = fields.String()
    grade_feedback = fields.String()
    grades = fields.List(fields.Nested(GradeInputSchema), load_default=list)

    @validates_schema
    def one_id(self, data: dict[str, Any], **kwargs: Any) -> None:
        given = [name for name in ("registration_id", "profile_id") if name in data]
        if not given:
            raise ValidationError("One of registration_id or profile_id is required.")
        if len(given) > 1:
            raise ValidationError("Give registration_id or profile_id, not both.")

    @post_load
    def to_update(self, data: dict[str, Any], **kwargs: Any) -> UnitRegistrationUpdate:
        return UnitRegistrationUpdate(
            registration_id=data.get("registration_id"),
            profile_id=data.get("profile_id"),
            grade_state_name=data.get("grade_state_name", KEEP),
            awarded=data.get("awarded"),
            grade_notes=data.get("grade_notes"),
            grade_feedback=data.get("grade_feedback"),
            grades=tuple(GradeInput(**grade) for grade in data["grades"]),
        )


UNIT_QUERY_PARAMETERS = frozenset(UnitRegistrationsQuerySchema().fields)
UPDATE_FIELDS = frozenset(UnitRegistrationUpdateSchema().fields)
BODY_FIELDS = frozenset({"registrations", "send_notifications"})
