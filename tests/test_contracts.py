"""schemathesis, with every check, runs each contract against a real server: zero failures."""

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
# Servers run with an admin token, so that `ignored_auth` checks the admin API's too.
ADMIN_TOKEN = "contract-admin-token"
# (contract, auth header, server modes): strict mode is run where the contract describes it too;
# FullFabric's contract describes the vendor's leniency towards unknown body fields, and strict mode
# does not concern the admin API.
CONTRACTS = [
    ("digitalchalk", "Authorization: Bearer contract-token", ["lenient", "strict"]),
    ("fullfabric", "FF-Auth: contract-token", ["lenient"]),
    ("admin", f"Authorization: Bearer {ADMIN_TOKEN}", ["lenient"]),
]


@pytest.fixture
def token_fixtures(write_fixtures: Any) -> Path:
    """Default fixtures with listed tokens, so that schemathesis' `ignored_auth` check can pass."""
    tokens = [{"token": "contract-token"}, {"token": "old-token", "state": "revoked"}]
    fixtures = {
        vendor: default_fixture(vendor) | {"tokens": tokens} for vendor in ("fullfabric", "digitalchalk")
    }
    return write_fixtures(**fixtures)


@pytest.mark.parametrize(
    ("contract", "auth", "mode"),
    [(contract, auth, mode) for contract, auth, modes in CONTRACTS for mode in modes],
)
def test_schemathesis_finds_no_failure(
    live_server: Any, token_fixtures: Path, tmp_path: Path, contract: str, auth: str, mode: str
) -> None:
    server = live_server(
        "--fixtures",
        str(token_fixtures),
        *(["--strict"] if mode == "strict" else []),
        env={"MOCKSERVER_ADMIN_TOKEN": ADMIN_TOKEN},
    )
    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            str(data_dir("contracts") / f"{contract}.yaml"),
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
            auth,
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
    for phase in ("Examples", "Coverage", "Fuzzing"):
        assert f"✅ {phase}" in result.stdout
