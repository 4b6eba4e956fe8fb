"""What a session costs: a request the admin token refuses makes none, and a session that only reads shares
the fixtures' state (copied on its first write), so making one costs next to nothing."""

from __future__ import annotations

import gc
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from mockserver.app import create_app
from mockserver.cli import main

from ..conftest import AUTH, DC_LIST, FF_AUTH, ff_path

TOKEN = {"Authorization": "Bearer let-me-in"}


class TestARefusedAdminRequestMakesNoSession:
    @pytest.fixture
    def config(self) -> dict[str, Any]:
        return {"TESTING": True, "ADMIN_TOKEN": "let-me-in"}

    @pytest.mark.parametrize("path", ["/__admin/requests", "/__admin/state", "/__admin/nowhere"])
    @pytest.mark.parametrize("authorization", [{}, {"Authorization": "Bearer wrong"}])
    def test_with_the_header(self, client: FlaskClient, path: str, authorization: dict[str, str]) -> None:
        refused = client.get(path, headers=authorization | {"X-Mockserver-Session": "intruder"})
        assert refused.status_code == 401
        assert client.get("/__admin/sessions", headers=TOKEN).get_json() == []

    def test_with_the_path_prefix(self, client: FlaskClient) -> None:
        assert client.post("/__session/intruder/__admin/reset").status_code == 401
        assert client.get("/__admin/sessions", headers=TOKEN).get_json() == []

    def test_with_the_token_the_session_is_made(self, client: FlaskClient) -> None:
        headers = TOKEN | {"X-Mockserver-Session": "mine"}
        assert client.get("/__admin/requests", headers=headers).status_code == 200
        assert client.get("/__admin/sessions", headers=TOKEN).get_json() == ["mine"]


@pytest.fixture(scope="module")
def large_fixtures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated fixture set of 100,000 DigitalChalk registrations (and 1,000 FullFabric profiles)."""
    folder = tmp_path_factory.mktemp("large")
    arguments = ["fixtures", "generate", "--out", str(folder), "--registrations", "100000"]
    result = CliRunner().invoke(main, arguments, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture
def large_app(large_fixtures: Path, store_config: dict[str, Any]) -> Flask:
    return create_app({**store_config, "TESTING": True, "FIXTURES": str(large_fixtures)})


def registered(fixtures: Path) -> dict[str, Any]:
    """A registered transcript entry of the FullFabric fixture."""
    transcripts = json.loads((fixtures / "fullfabric.json").read_text())["transcripts"]
    found: dict[str, Any] = next(entry for entry in transcripts if entry["registration"])
    return found


def read_in_session(client: FlaskClient, session: str | None, profile: str) -> Any:
    """What a test that only reads does: list both vendors' registrations; FullFabric's list."""
    headers = {"X-Mockserver-Session": session} if session else {}
    assert client.get(f"{DC_LIST}?limit=1", headers=AUTH | headers).status_code == 200
    listed = client.get(ff_path(profile), headers=FF_AUTH | headers)
    assert listed.status_code == 200
    return listed.get_json()


def test_a_session_that_only_reads_shares_the_fixtures_state(large_app: Flask, large_fixtures: Path) -> None:
    client = large_app.test_client()
    store = large_app.extensions["mockserver"]
    base = store.settings.base
    profile = registered(large_fixtures)["profile_id"]
    read_in_session(client, "warm-up", profile)  # the first session: imports, caches of the views
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for number in range(50):
            store.world(f"reader-{number}")
        gc.collect()
        per_session = (tracemalloc.get_traced_memory()[0] - before) / 50
    finally:
        tracemalloc.stop()
    print(f"a read-only session holds {per_session / 1024:.1f} KiB")
    assert per_session < 64 * 1024  # a world's rules, journal and clock; no copy of 100,000 registrations
    for number in range(50):
        read_in_session(client, f"reader-{number}", profile)
        world = store.world(f"reader-{number}")
        assert all(world.state(name) is state for name, state in base.items())


def test_a_sessions_first_write_copies_the_state_and_leaves_the_others(
    large_app: Flask, large_fixtures: Path
) -> None:
    client = large_app.test_client()
    store = large_app.extensions["mockserver"]
    base = store.settings.base
    transcript = registered(large_fixtures)
    profile = transcript["profile_id"]
    pristine = read_in_session(client, None, profile)
    writer = {"X-Mockserver-Session": "writer"}
    # a generated user, and an offering open to them (one still running: its registration never closes)
    user = client.get("/dc/api/v5/users?limit=1", headers=AUTH).get_json()["results"][0]["id"]
    offerings = client.get(f"/dc/api/v5/offerings?userId={user}&limit=1", headers=AUTH).get_json()
    body = {"userId": user, "offeringId": offerings["results"][0]["id"]}
    created = client.post(DC_LIST, json=body, headers=AUTH | writer)
    assert created.status_code == 201
    new_id = created.headers["Location"].rsplit("/", 1)[1]
    item = {"unit_id": transcript["unit_id"], "context_id": transcript["registration"]["context_id"]}
    posted = client.post(ff_path(profile), json={"registrations": [item]}, headers=FF_AUTH | writer)
    assert posted.status_code == 200, posted.get_json()

    written = store.world("writer")
    assert all(written.state(name) is not state for name, state in base.items())
    assert client.get(f"{DC_LIST}/{new_id}", headers=AUTH | writer).status_code == 200
    assert read_in_session(client, "writer", profile) != pristine
    for session in (None, "reader"):  # the default world, and a session made after the write
        assert read_in_session(client, session, profile) == pristine
        world = store.world(session)
        assert all(world.state(name) is state for name, state in base.items())
        headers = {"X-Mockserver-Session": session} if session else {}
        assert client.get(f"{DC_LIST}/{new_id}", headers=AUTH | headers).status_code == 404
