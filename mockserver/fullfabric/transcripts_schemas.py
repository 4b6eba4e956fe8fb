"""Marshmallow schemas of the transcript calls' bodies and of the unit-grades call's."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields
from marshmallow.validate import Length

from mockserver.schemas import Number


class RegisterCoursesSchema(Schema):
    """`…/transcript/courses/register`: the vendor shows no body; the mock takes the course ids in order."""

    class Meta:
        unknown = EXCLUDE  # unknown fields are warnings, found by the view

    course_ids = fields.List(fields.String(validate=Length(min=1)), required=True)


class UnitGradeSchema(Schema):
    """`POST /apis/units/units/{unit_id}/grades`: one grade for one registered profile."""

    class Meta:
        unknown = EXCLUDE

    profile_id = fields.String(required=True, validate=Length(min=1))
    grade_name = fields.String(required=True, validate=Length(min=1))
    grade_value = Number(required=True)


REGISTER_FIELDS = frozenset(RegisterCoursesSchema().fields)
GRADE_BODY_FIELDS = frozenset(UnitGradeSchema().fields)
