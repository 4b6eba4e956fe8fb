"""A thin client of the DigitalChalk v5 API, as the vendor's pages and its public clients call it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

# What the public clients send on every call, GET and body-less DELETE included.
HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}
NOT_AVAILABLE = "This offering is not available for registration for the given user."


class VendorError(Exception):
    """DigitalChalk answered a status the call does not succeed with."""

    def __init__(self, response: httpx.Response) -> None:
        request = response.request
        super().__init__(f"{request.method} {request.url}: {response.status_code} {response.text}")
        self.status = response.status_code
        try:
            self.body: Any = response.json()
        except ValueError:
            self.body = None


class NotAvailable(Exception):
    """DigitalChalk refused a registration: the offering is not open to this user."""


class DigitalChalk:
    """Users, their user field values, offerings and registrations (`base_url` ends in `/dc/api/v5`).

    Success is judged by status alone (GET 200, POST 201, PUT and DELETE 204), and a new id is read
    from the last segment of `Location`, as the vendor's own clients do."""

    def __init__(self, base_url: str, token: str, *, page_size: int = 100, timeout: float = 10) -> None:
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}", **HEADERS},
            timeout=timeout,
        )
        self.page_size = page_size

    # --- users --------------------------------------------------------------------------------------

    def users_by_email(self, email: str) -> Iterator[dict[str, Any]]:
        """The users whose email holds `email`: the vendor's filter is a substring match."""
        return self._pages("/users", {"email": email})

    def create_user(self, fields: Mapping[str, Any]) -> str:
        """`POST /users`; the new user's id."""
        return self._created(self.http.post("/users", json=dict(fields)))

    def user(self, user_id: str) -> dict[str, Any]:
        return self._read(self.http.get(f"/users/{user_id}"))

    def delete_user(self, user_id: str) -> None:
        self._done(self.http.delete(f"/users/{user_id}"))

    # --- user fields ----------------------------------------------------------------------------------

    def user_fields(self) -> Iterator[dict[str, Any]]:
        return self._pages("/userfields", {})

    def user_field_values(self, user_id: str) -> dict[str, Any]:
        return self._read(self.http.get(f"/users/{user_id}/userfieldvalues"))

    def set_user_field_values(self, user_id: str, values: Mapping[str, Any]) -> None:
        """Set the values given (`None` clears one); the others keep theirs."""
        self._done(self.http.put(f"/users/{user_id}/userfieldvalues", json=dict(values)))

    # --- offerings and registrations -------------------------------------------------------------------

    def available_offerings(self, user_id: str) -> Iterator[dict[str, Any]]:
        """The offerings this user may register for now."""
        return self._pages("/offerings", {"userId": user_id})

    def register(self, user_id: str, offering_id: str) -> str:
        """`POST /registrations`; the new registration's id, or `NotAvailable`."""
        response = self.http.post("/registrations", json={"userId": user_id, "offeringId": offering_id})
        if response.status_code == 400 and NOT_AVAILABLE in _errors(response):
            raise NotAvailable(offering_id)
        return self._created(response)

    def registration(self, registration_id: str) -> dict[str, Any]:
        return self._read(self.http.get(f"/registrations/{registration_id}"))

    def close(self) -> None:
        self.http.close()

    # --- the conventions ------------------------------------------------------------------------------

    def _pages(self, path: str, params: Mapping[str, str]) -> Iterator[dict[str, Any]]:
        """Every result of a list, page by page: the offset is read from the `next` link's query, and the
        host and path of the link ignored (as the vendor's PHP clients do)."""
        offset = 0
        while True:
            page = self._read(
                self.http.get(path, params={**params, "limit": self.page_size, "offset": offset})
            )
            yield from page["results"]
            if "next" not in page:
                return
            offset = int(parse_qs(urlsplit(page["next"]).query)["offset"][0])

    @staticmethod
    def _read(response: httpx.Response) -> dict[str, Any]:
        if response.status_code != 200:
            raise VendorError(response)
        body: dict[str, Any] = response.json()
        return body

    @staticmethod
    def _created(response: httpx.Response) -> str:
        if response.status_code != 201:
            raise VendorError(response)
        return response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]

    @staticmethod
    def _done(response: httpx.Response) -> None:
        if response.status_code != 204:
            raise VendorError(response)


def _errors(response: httpx.Response) -> list[str]:
    try:
        body = response.json()
    except ValueError:
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    return [str(error) for error in errors] if isinstance(errors, list) else []
