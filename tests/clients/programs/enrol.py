"""Enrol a person in DigitalChalk, as an integration does: find them by email (or create them), list the
offerings open to them, register them in the first, read the registration back.

`python enrol.py HOST EMAIL`, the token in DIGITALCHALK_TOKEN. It calls `https://HOST/dc/api/v5`, and trusts
what the environment says to: httpx reads SSL_CERT_FILE. Prints each call (method, path, status, Location,
body) as JSON; exits 1 at the first status the call does not succeed with."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import httpx

HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}


class Refused(Exception):
    """DigitalChalk answered a status the call does not succeed with."""


def enrol(host: str, email: str, token: str, transcript: list[dict[str, Any]]) -> None:
    headers = {"Authorization": f"Bearer {token}", **HEADERS}
    with httpx.Client(base_url=f"https://{host}/dc/api/v5", headers=headers, timeout=10) as http:

        def call(method: str, path: str, expected: int, **options: Any) -> httpx.Response:
            response = http.request(method, path, **options)
            transcript.append(
                {
                    "method": method,
                    "path": response.request.url.path,
                    "status": response.status_code,
                    "location": response.headers.get("Location"),
                    "body": response.json() if response.content else None,
                }
            )
            if response.status_code != expected:
                raise Refused(f"{method} {response.request.url}: {response.status_code} {response.text}")
            return response

        def created(response: httpx.Response) -> str:
            """The new id: the last segment of `Location`, as the vendor's own clients read it."""
            return response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]

        found = call("GET", "/users", 200, params={"email": email}).json()["results"]
        exact = [user["id"] for user in found if user["email"] == email]
        if exact:
            user_id = exact[0]
        else:
            fields = {
                "firstName": "Ada",
                "lastName": "Lovelace",
                "email": email,
                "password": "Analytical-1843",
            }
            user_id = created(call("POST", "/users", 201, json=fields))
        offerings = call("GET", "/offerings", 200, params={"userId": user_id}).json()["results"]
        registration = {"userId": user_id, "offeringId": offerings[0]["id"]}
        registration_id = created(call("POST", "/registrations", 201, json=registration))
        call("GET", f"/registrations/{registration_id}", 200)


def main(argv: list[str]) -> int:
    host, email = argv
    transcript: list[dict[str, Any]] = []
    try:
        enrol(host, email, os.environ["DIGITALCHALK_TOKEN"], transcript)
    except (Refused, httpx.HTTPError) as error:
        print(f"enrol: {error}", file=sys.stderr)
        return 1
    finally:
        print(json.dumps(transcript))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
