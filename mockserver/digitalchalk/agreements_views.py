"""DigitalChalk agreements under `/dc/api/v5/agreements` (read-only) and a user's agreements under
`/dc/api/v5/users/{id}/agreements` (read, and answer with a PUT), on the blueprint of `views.py`."""

from __future__ import annotations

from flask import Response, jsonify, request

from mockserver.web import responses
from mockserver.web.context import world

from .agreements import WRITABLE_FIELDS
from .agreements_schemas import PAGE_PARAMETERS, PageQuerySchema
from .commands import AnswerAgreement
from .views import (
    FieldErrors,
    _check_parameters,
    _json_object,
    _page_answer,
    _refuse_warnings_if_strict,
    bp,
    found,
    state,
)

_page_query = PageQuerySchema()
NOT_A_BOOLEAN = "must be true or false"


def _page() -> tuple[int, int]:
    """The list's `offset` and `limit`, checked (the only parameters a list of agreements takes)."""
    _check_parameters(PAGE_PARAMETERS)
    loaded = _page_query.load(request.args.to_dict(flat=True))
    return loaded["offset"], loaded["limit"]


@bp.get("/agreements")
def list_agreements() -> Response:
    """The enabled agreements (`standard`, then `custom`, as the fixtures list them)."""
    offset, limit = _page()
    return _page_answer(state().agreements.agreements(offset, limit), offset, limit)


@bp.get("/agreements/<agreement_type>")
def get_agreement(agreement_type: str) -> Response:
    """One agreement by type; a type not enabled (or not a type) is not found."""
    _check_parameters(frozenset())
    return jsonify(found(state().agreements.agreement(agreement_type)))


@bp.get("/users/<user_id>/agreements")
def list_user_agreements(user_id: str) -> Response:
    """The user's answer to each enabled agreement (`agreed: false` until they answer)."""
    offset, limit = _page()
    table = state()
    found(table.users.get(user_id))
    return _page_answer(table.agreements.of_user_page(user_id, offset, limit), offset, limit)


@bp.get("/users/<user_id>/agreements/<agreement_type>")
def get_user_agreement(user_id: str, agreement_type: str) -> Response:
    _check_parameters(frozenset())
    table = state()
    found(table.users.get(user_id))
    return jsonify(found(table.agreements.of_user(user_id, agreement_type)))


@bp.put("/users/<user_id>/agreements/<agreement_type>")
def answer_agreement(user_id: str, agreement_type: str) -> Response:
    """`{"agreed": true|false}` → `204`; `agreedDate` becomes now (the mock's clock), whichever the answer."""
    _check_parameters(frozenset())
    current = world()
    table = current.state("digitalchalk")
    found(table.users.get(user_id))
    found(table.agreements.agreement(agreement_type))
    body = _json_object(WRITABLE_FIELDS)
    if "agreed" not in body:
        raise FieldErrors({"agreed": "is required"})
    if type(body["agreed"]) is not bool:
        raise FieldErrors({"agreed": NOT_A_BOOLEAN})
    _refuse_warnings_if_strict()
    found(current.write(AnswerAgreement(user_id, agreement_type, body["agreed"], current.clock.now())))
    return responses.Response(status=204)
