"""Errors outside the views: unknown paths and methods, in the format of the API they fall under."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from .conftest import AUTH, DC_LIST


@pytest.mark.parametrize(
    ("path", "method", "allowed"),
    [
        *((DC_LIST, method, {"GET", "HEAD", "OPTIONS", "POST"}) for method in ("PUT", "PATCH", "DELETE")),
        *(
            (f"{DC_LIST}/r-1", method, {"GET", "HEAD", "OPTIONS", "PUT"})
            for method in ("POST", "PATCH", "DELETE")
        ),
    ],
)
def test_wrong_method_on_digitalchalk_gets_405_in_vendor_shape(
    client: FlaskClient, path: str, method: str, allowed: set[str]
) -> None:
    response = client.open(path, method=method, headers=AUTH)
    assert response.status_code == 405
    assert response.get_json() == {"errors": ["The method is not allowed for the requested URL."]}
    assert set(response.headers["Allow"].split(", ")) == allowed


def test_unknown_fullfabric_path_gets_404_in_vendor_shape_with_request_id(client: FlaskClient) -> None:
    response = client.get("/apis/registrations/profiles")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"
    assert response.headers["X-Request-Id"]


def test_wrong_method_on_fullfabric_gets_405_in_vendor_shape(client: FlaskClient) -> None:
    response = client.delete("/apis/registrations/profiles/507f1f77bcf86cd799439011/registrations")
    assert response.status_code == 405
    assert response.get_json() == {
        "error": "method_not_allowed",
        "message": "The method is not allowed for the requested URL.",
    }
    assert "POST" in response.headers["Allow"]


def test_unknown_digitalchalk_path_gets_404_in_vendor_shape(client: FlaskClient) -> None:
    response = client.get("/dc/api/v5/courses", headers=AUTH)
    assert response.status_code == 404
    assert list(response.get_json()) == ["errors"]


@pytest.mark.parametrize("path", ["/", "/__admin/nope", "/dc-api/v5"])
def test_other_unknown_paths_get_problem_json(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "Not Found"
    assert response.get_json()["status"] == 404


def test_head_answers_like_get_without_body(client: FlaskClient) -> None:
    response = client.head(DC_LIST, headers=AUTH)
    assert response.status_code == 200
    assert response.data == b""


def test_an_unexpected_error_is_a_500_in_vendor_shape_not_a_traceback(app: Flask) -> None:
    # The one way to reach this handler is a bug; plant one to see what a client would get.
    store = app.extensions["mockserver"].default
    store.state("digitalchalk").query = None
    response = FlaskClient(app).get(DC_LIST, headers=AUTH)
    assert response.status_code == 500
    assert response.get_json() == {"errors": ["mockserver internal error: TypeError"]}


def test_health(client: FlaskClient) -> None:
    response = client.get("/__admin/health")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"
    assert response.get_json()["registrations"] == {"fullfabric": 1, "digitalchalk": 5}
