"""DigitalChalk's catalogue through the vendor API: offerings and offering categories, read-only."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from mockserver.web.context import world
from mockserver.web.requestlog import warn

from .catalogue_schemas import (
    CATEGORY_PARAMETERS,
    OFFERING_PARAMETERS,
    SYNONYMS,
    CategoryQuerySchema,
    OfferingQuerySchema,
)
from .views import NOT_FOUND, RequestFailed, _check_parameters, _page_answer, bp, found, state

_offering_query = OfferingQuerySchema()
_category_query = CategoryQuerySchema()


@bp.get("/offerings")
def list_offerings() -> Response:
    """Filters `title`, `tag` (repeatable; all must match), `offeringCategoryId`, `createdDate`, and
    `userId`: only the offerings that user may register for now."""
    for name, documented in SYNONYMS.items():
        if name in request.args:
            warn(name, f"accepted as a synonym of {documented}, the name to send")
    _check_parameters(OFFERING_PARAMETERS, repeatable=frozenset({"tag"}), text=frozenset({"title", "tag"}))
    arguments: dict[str, Any] = request.args.to_dict(flat=True)
    if "tag" in request.args:
        arguments["tag"] = request.args.getlist("tag")
    query = _offering_query.load(arguments)
    table = state()
    found = table.catalogue.offerings(query, world().clock.now(), table.statuses_by_offering)
    return _page_answer(found, query.offset, query.limit)


@bp.get("/offerings/<offering_id>")
def get_offering(offering_id: str) -> Response:
    _check_parameters(frozenset())
    offering = state().catalogue.offering(offering_id)
    if offering is None:
        raise RequestFailed(404, NOT_FOUND)
    return jsonify(offering.body)


@bp.get("/offeringcategories")
def list_offering_categories() -> Response:
    """Wrapped in `results` like every list (the vendor's example shows a bare array: see behaviour.md)."""
    _check_parameters(CATEGORY_PARAMETERS, text=frozenset({"name"}))
    query = _category_query.load(request.args.to_dict(flat=True))
    return _page_answer(state().catalogue.categories(query), query.offset, query.limit)


@bp.get("/offeringcategories/<category_id>")
def get_offering_category(category_id: str) -> Response:
    _check_parameters(frozenset())
    return jsonify(found(state().catalogue.category(category_id)))
