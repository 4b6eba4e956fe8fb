"""The application factory: defaults, then MOCKSERVER_* from the environment, then the mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockserver.app import create_app
from mockserver.fixtures.load import FixtureError
from mockserver.resources import data_dir


def test_defaults_serve_the_packaged_fixtures() -> None:
    app = create_app()
    assert app.config["STRICT"] is False
    assert app.config["FIXTURES"] is None
    store = app.extensions["mockserver"]
    assert store.fixtures.sources["digitalchalk"] == data_dir("fixtures") / "digitalchalk.yaml"
    assert store.default.state("digitalchalk").registrations() == 5


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKSERVER_STRICT", "true")
    monkeypatch.setenv("MOCKSERVER_SEED", "7")
    app = create_app()
    assert app.config["STRICT"] is True
    assert app.config["SEED"] == 7


def test_mapping_overrides_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKSERVER_STRICT", "true")
    assert create_app({"STRICT": False}).config["STRICT"] is False


def test_each_app_has_its_own_state() -> None:
    first, second = create_app(), create_app()
    assert first.extensions["mockserver"] is not second.extensions["mockserver"]


def test_fixtures_folder_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "digitalchalk.yaml").write_text("registrations: []\n")
    monkeypatch.setenv("MOCKSERVER_FIXTURES", str(tmp_path))
    assert create_app().extensions["mockserver"].default.state("digitalchalk").registrations() == 0


def test_broken_fixtures_stop_the_factory(tmp_path: Path) -> None:
    (tmp_path / "digitalchalk.yaml").write_text("registrations: [{id: x}]\n")
    with pytest.raises(FixtureError):
        create_app({"FIXTURES": str(tmp_path)})
