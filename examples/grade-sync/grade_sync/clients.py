"""Thin clients of the two vendor APIs, as their pages describe them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

FULLFABRIC_VERSION = "2025-05-07"


class VendorError(Exception):
    """A vendor answered with an error for the whole request."""

    def __init__(self, response: httpx.Response) -> None:
        request = response.request
        super().__init__(f"{request.method} {request.url}: {response.status_code} {response.text}")
        self.status = response.status_code


class DigitalChalk:
    """`GET /dc/api/v5/registrations`, every page of it (`base_url` ends in `/dc/api/v5`)."""

    def __init__(self, base_url: str, token: str, *, page_size: int = 100, timeout: float = 10) -> None:
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"), headers={"Authorization": f"Bearer {token}"}, timeout=timeout
        )
        self.page_size = page_size

    def registrations(self, **filters: str) -> Iterator[dict[str, Any]]:
        """Each registration matching `filters` (`status`, `userId`, `offeringId`, `endDate`, …), following
        the `next` links."""
        response = self.http.get("/registrations", params={**filters, "limit": self.page_size})
        while True:
            if response.status_code != 200:
                raise VendorError(response)
            page = response.json()
            yield from page["results"]
            if "next" not in page:
                return
            response = self.http.get(page["next"])

    def close(self) -> None:
        self.http.close()


class FullFabric:
    """`POST /apis/registrations/profiles/{profile_id}/registrations`, and the calls that find and read a
    profile's transcript (`base_url` is the tenant's root)."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 10) -> None:
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"FF-Auth": token, "Accept": f"application/json;version={FULLFABRIC_VERSION}"},
            timeout=timeout,
        )

    def register(self, profile_id: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Post `items`; return the per-item outcomes (`{"status", "json"}`, in order) of a 200 or 207."""
        response = self.http.post(
            f"/apis/registrations/profiles/{profile_id}/registrations", json={"registrations": items}
        )
        if response.status_code not in (200, 207):
            raise VendorError(response)
        outcomes: list[dict[str, Any]] = response.json()
        return outcomes

    def profile(self, profile_id: str) -> dict[str, Any]:
        """`GET /apis/profiles/profiles/{profile_id}`: the profile, with its `roles`."""
        return self._json(self.http.get(f"/apis/profiles/profiles/{profile_id}"), 200)

    def role_transcript(self, profile_id: str, role_id: str) -> dict[str, Any]:
        """The role's transcript, by the only lookup the vendor documents: `POST …/roles/{role_id}/transcript`
        answers the existing one (200), or makes one (201)."""
        response = self.http.post(f"/apis/profiles/profiles/{profile_id}/roles/{role_id}/transcript")
        return self._json(response, 200, 201)

    def transcript(self, transcript_id: str) -> dict[str, Any]:
        """`GET /apis/transcripts/transcripts/{transcript_id}`: the transcript with its `registrations`."""
        return self._json(self.http.get(f"/apis/transcripts/transcripts/{transcript_id}"), 200)

    @staticmethod
    def _json(response: httpx.Response, *ok: int) -> dict[str, Any]:
        if response.status_code not in ok:
            raise VendorError(response)
        found: dict[str, Any] = response.json()
        return found

    def close(self) -> None:
        self.http.close()
