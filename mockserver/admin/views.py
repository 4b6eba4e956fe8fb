"""Admin blueprint: health now; failures, journal, state and sessions later. Errors are problem+json."""

from __future__ import annotations

from http import HTTPStatus

from flask import Blueprint, Response, current_app, jsonify

from mockserver import __version__

bp = Blueprint("admin", __name__, url_prefix="/__admin")


def problem(status: int, detail: str | None = None) -> Response:
    """An RFC 9457 problem document; its title is the status' standard phrase."""
    body: dict[str, object] = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    if detail:
        body["detail"] = detail
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


@bp.get("/health")
def health() -> Response:
    store = current_app.extensions["mockserver"]
    return jsonify(
        {
            "status": "ok",
            "version": __version__,
            "registrations": {
                "fullfabric": len(store.fullfabric.transcripts.registrations()),
                "digitalchalk": len(store.digitalchalk),
            },
        }
    )
