"""schemathesis, with every check, runs contracts/digitalchalk.yaml against a real server: no failures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mockserver.resources import data_dir

from .conftest import default_fixture

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@pytest.fixture
def token_fixtures(write_fixtures: Any) -> Path:
    """The default registrations with listed tokens, so that schemathesis' `ignored_auth` check can pass."""
    fixture = default_fixture("digitalchalk")
    fixture["tokens"] = [{"token": "contract-token"}, {"token": "old-token", "state": "revoked"}]
    return write_fixtures(digitalchalk=fixture)


@pytest.mark.parametrize("mode", ["lenient", "strict"])
def test_schemathesis_finds_no_failure(
    live_server: Any, token_fixtures: Path, tmp_path: Path, mode: str
) -> None:
    server = live_server("--fixtures", str(token_fixtures), *(["--strict"] if mode == "strict" else []))
    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            str(data_dir("contracts") / "digitalchalk.yaml"),
            "--url",
            server.url,
            "--checks",
            "all",
            "--seed",
            "1",
            "--max-examples",
            "150",
            "--workers",
            "1",
            "--header",
            "Authorization: Bearer contract-token",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={**os.environ, "SCHEMATHESIS_HOOKS": "mockserver.contract_hooks"},
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout
    assert "✅ Coverage" in result.stdout
    assert "✅ Fuzzing" in result.stdout
