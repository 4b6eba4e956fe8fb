"""The scheme a request came by: links follow it (behind a proxy only with FORWARDED), and a vendor call over
plain HTTP while HTTPS is served earns a warning, or in strict mode a 403 in the vendor's shape."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from mockserver.app import create_app

from ..conftest import AUTH, DC_LIST, FF_AUTH, ff_path

PLAIN_HTTP = "the vendor accepts HTTPS only: plain HTTP calls to it fail"
NEW_USER = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "email": "ada.lovelace@example.org",
    "password": "Analytical-1843",
}


def mock(**config: Any) -> FlaskClient:
    return create_app({"TESTING": True, "SEED": 1, **config}).test_client()


def next_link(
    client: FlaskClient, headers: dict[str, str] | None = None, base: str = "http://mock:8080"
) -> str:
    response = client.get(f"{DC_LIST}?limit=1", headers={**AUTH, **(headers or {})}, base_url=base)
    assert response.status_code == 200, response.get_data(as_text=True)
    link: str = response.get_json()["next"]
    return link


def journal_warnings(client: FlaskClient) -> list[dict[str, str]]:
    entries = client.get("/__admin/requests").get_json()
    return [warning for entry in entries for warning in entry["warnings"]]


# --- links follow the request -------------------------------------------------------------------------


def test_links_use_the_scheme_host_and_port_the_request_came_on() -> None:
    client = mock()
    assert next_link(client, base="https://localhost:8443").startswith("https://localhost:8443/dc/api/v5/")
    assert next_link(client, base="http://127.0.0.1:8080").startswith("http://127.0.0.1:8080/dc/api/v5/")


FORWARDED_CASES = [
    ({"X-Forwarded-Proto": "https"}, "https://mock:8080/"),
    (
        {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "api.digitalchalk.com"},
        "https://api.digitalchalk.com/",
    ),
    (
        {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "api.digitalchalk.com",
            "X-Forwarded-Port": "8443",
        },
        "https://api.digitalchalk.com:8443/",
    ),
    # Through two proxies, the nearest (the last) is the one the mock trusts.
    ({"X-Forwarded-Proto": "http, https", "X-Forwarded-Host": "a.example, b.example"}, "https://b.example/"),
    (
        {"Forwarded": 'for=192.0.2.60;proto=https;host="org.digitalchalk.com"'},
        "https://org.digitalchalk.com/",
    ),
    (
        {"Forwarded": "for=192.0.2.60;proto=http, for=10.0.0.1;proto=https;host=[::1]:8443"},
        "https://[::1]:8443/",
    ),
    # Forwarded wins over the X- headers when both come.
    ({"Forwarded": "proto=https;host=std.example", "X-Forwarded-Host": "x.example"}, "https://std.example/"),
    # What is not a scheme, a host or a port is not written into a link.
    ({"X-Forwarded-Proto": "javascript", "X-Forwarded-Host": "evil.example/phish"}, "http://mock:8080/"),
    ({"X-Forwarded-Host": "evil.example@x", "X-Forwarded-Port": "99999"}, "http://mock:8080/"),
]


@pytest.mark.parametrize(("headers", "start"), FORWARDED_CASES)
def test_with_forwarded_links_follow_what_the_proxy_says(headers: dict[str, str], start: str) -> None:
    assert next_link(mock(FORWARDED=True), headers).startswith(start + "dc/api/v5/registrations?")


@pytest.mark.parametrize(("headers", "start"), FORWARDED_CASES)
def test_without_forwarded_a_client_cannot_change_the_links(headers: dict[str, str], start: str) -> None:
    assert next_link(mock(), headers).startswith("http://mock:8080/dc/api/v5/registrations?")


def test_with_forwarded_an_absolute_location_follows_the_proxy_too() -> None:
    client = mock(FORWARDED=True)
    field = {"type": "text", "name": "Employee number", "categoryName": "Biographical Information"}
    headers = {**AUTH, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "org.digitalchalk.com"}
    response = client.post("/dc/api/v5/userfields", json=field, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.headers["Location"].startswith("https://org.digitalchalk.com/dc/api/v5/userfields/")


def test_the_answer_cache_keeps_links_of_each_scheme_apart() -> None:
    # The same list, asked by HTTP and by HTTPS: each gets links of its own scheme, never the other's.
    client = mock(FORWARDED=True)
    for _ in range(2):
        assert next_link(client).startswith("http://mock:8080/")
        assert next_link(client, {"X-Forwarded-Proto": "https"}).startswith("https://mock:8080/")


# --- plain HTTP while HTTPS is served -----------------------------------------------------------------


def test_a_vendor_call_over_plain_http_is_answered_and_warned_of() -> None:
    client = mock(HTTPS_PORT=8443)
    assert client.get(DC_LIST, headers=AUTH, base_url="http://localhost:8080").status_code == 200
    assert client.get(ff_path(), headers=FF_AUTH, base_url="http://localhost:8080").status_code == 200
    assert journal_warnings(client) == [
        {"parameter": "scheme", "message": f"{PLAIN_HTTP}; call https://localhost:8443{DC_LIST}"},
        {"parameter": "scheme", "message": f"{PLAIN_HTTP}; call https://localhost:8443{ff_path()}"},
    ]


@pytest.mark.parametrize("config", [{"HTTPS_PORT": 8443}, {}, {"HTTPS_PORT": 8443, "STRICT": True}])
def test_over_https_no_warning(config: dict[str, Any]) -> None:
    client = mock(**config)
    assert client.get(DC_LIST, headers=AUTH, base_url="https://localhost:8443").status_code == 200
    assert journal_warnings(client) == []


def test_without_https_served_plain_http_is_no_matter() -> None:
    client = mock(STRICT=True)
    assert client.get(DC_LIST, headers=AUTH).status_code == 200
    assert journal_warnings(client) == []


def test_strict_refuses_a_vendor_call_over_plain_http_in_the_vendors_shape_and_changes_nothing() -> None:
    client = mock(HTTPS_PORT=8443, STRICT=True)
    refused = client.post("/dc/api/v5/users", json=NEW_USER, headers=AUTH)
    assert refused.status_code == 403
    message = f"{PLAIN_HTTP}; call https://localhost:8443/dc/api/v5/users"
    assert refused.get_json() == {"errors": [message]}
    found = client.get(
        "/dc/api/v5/users?email=ada.lovelace@example.org", headers=AUTH, base_url="https://localhost"
    )
    assert found.get_json()["results"] == []
    ff = client.get(ff_path(), headers=FF_AUTH)
    assert ff.status_code == 403
    message = f"{PLAIN_HTTP}; call https://localhost:8443{ff_path()}"
    assert ff.get_json() == {"error": "forbidden", "message": message}


def test_strict_still_serves_admin_and_health_over_plain_http() -> None:
    client = mock(HTTPS_PORT=8443, STRICT=True)
    assert client.get("/__admin/health").status_code == 200
    assert client.get("/__admin/state").status_code == 200


def test_behind_a_tls_proxy_with_forwarded_no_warning() -> None:
    client = mock(HTTPS_PORT=8443, STRICT=True, FORWARDED=True)
    response = client.get(DC_LIST, headers={**AUTH, "X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert journal_warnings(client) == []


def test_a_session_prefix_is_kept_in_the_https_url_the_warning_names() -> None:
    client = mock(HTTPS_PORT=9443)
    client.get(f"/__session/s1{DC_LIST}", headers=AUTH)
    entries = client.get("/__admin/requests", headers={"X-Mockserver-Session": "s1"}).get_json()
    assert entries[0]["warnings"][0]["message"].endswith(f"call https://localhost:9443/__session/s1{DC_LIST}")
