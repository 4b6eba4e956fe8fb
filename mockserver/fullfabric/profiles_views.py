"""FullFabric's profiles, classes and programmes: read-only, on the blueprint of `views.py`."""

from __future__ import annotations

from flask import Response, jsonify, request

from mockserver.web.requestlog import warn

from .institutions import ClassNotFound, ProgrammeNotFound
from .profiles_schemas import PAGE_PARAMETERS, PROFILE_PARAMETERS, PageQuerySchema, ProfileQuerySchema
from .views import (
    _api_version,
    _refuse_warnings_if_strict,
    bp,
    error_response,
    load_query,
    state,
    warn_unknown,
)

_profile_query = ProfileQuerySchema()
_page_query = PageQuerySchema()


@bp.errorhandler(ClassNotFound)
def class_not_found(error: ClassNotFound) -> Response:
    return error_response(404, str(error), "class_not_found")


@bp.errorhandler(ProgrammeNotFound)
def programme_not_found(error: ProgrammeNotFound) -> Response:
    return error_response(404, str(error), "programme_not_found")


@bp.get("/profiles/profiles")
def list_profiles() -> Response:
    """Profiles, filtered and paged, in fixture order; timestamps in milliseconds (in this list only)."""
    _api_version()
    query = load_query(_profile_query, PROFILE_PARAMETERS)
    if "filter[value]" in request.args and "filter[field]" not in request.args:
        warn("filter[value]", "ignored without filter[field]")
    _refuse_warnings_if_strict()
    return jsonify(state().institutions.profile_list(query))


@bp.get("/profiles/profiles/<profile_id>")
def get_profile(profile_id: str) -> Response:
    """One profile, timestamps in seconds; a malformed id is not found either."""
    _api_version()
    _no_parameters()
    _refuse_warnings_if_strict()
    return jsonify(state().institutions.profile(profile_id))


@bp.get("/institutions/institution")
def get_institution() -> Response:
    """The institution the token belongs to: the vendor's own auth example calls it."""
    _api_version()
    _no_parameters()
    _refuse_warnings_if_strict()
    return jsonify(state().institutions.institution())


@bp.get("/institutions/classes/<class_id>")
def get_class(class_id: str) -> Response:
    _api_version()
    _no_parameters()
    _refuse_warnings_if_strict()
    return jsonify(state().institutions.class_of(class_id))


@bp.get("/institutions/programmes")
def list_programmes() -> Response:
    """Programmes, each with its classes, paged, in fixture order."""
    _api_version()
    page = load_query(_page_query, PAGE_PARAMETERS)
    _refuse_warnings_if_strict()
    return jsonify(state().institutions.programme_list(page))


@bp.get("/institutions/programmes/<programme_id>/classes")
def list_programme_classes(programme_id: str) -> Response:
    _api_version()
    _no_parameters()
    _refuse_warnings_if_strict()
    return jsonify(state().institutions.classes_of(programme_id))


def _no_parameters() -> None:
    warn_unknown(())
