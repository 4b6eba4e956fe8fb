"""The pytest plugin, as a user's suite meets it: inner pytest runs (pytester, in subprocesses) whose tests
use the `mockserver` fixture against a real server — started by the plugin, given by URL, or shared by
pytest-xdist workers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import COURSE, OTHER_PROFILE, UNIT_ONE_GRADE

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

HEADER = (
    f"""
import json, os
import httpx
import pytest

PROFILE = "{OTHER_PROFILE}"
ITEM = {{"unit_id": "{UNIT_ONE_GRADE}", "context_id": "{COURSE}"}}
"""
    + """

def dc_get(mockserver, query):
    url = f"{mockserver.digitalchalk_url}/registrations?{query}"
    return httpx.get(url, headers={"Authorization": "Bearer t"})


def post(mockserver, *items):
    return httpx.post(
        f"{mockserver.fullfabric_url}/apis/registrations/profiles/{PROFILE}/registrations",
        json={"registrations": list(items)},
        headers={"FF-Auth": "sk-test-1"},
    )
"""
)

ISOLATION_TESTS = """
def record(mockserver, name):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    line = {"test": name, "worker": worker, "server": mockserver.server_url}
    with open(os.environ["RECORD_FILE"], "a") as out:
        out.write(json.dumps(line) + "\\n")


@pytest.mark.parametrize("number", range(12))
def test_each_test_sees_only_its_own_session(mockserver, number):
    if number % 3 == 0:
        mockserver.fail(unit_id=ITEM["unit_id"], status=422)
    response = post(mockserver, ITEM)
    assert response.status_code == (207 if number % 3 == 0 else 200)
    journal = mockserver.requests(api="fullfabric")
    assert [entry["status"] for entry in journal] == [response.status_code]
    # The fixtures' two transcript entries, and this test's own if its item applied.
    assert len(mockserver.state()["fullfabric"]["transcripts"]) == (2 if number % 3 == 0 else 3)
    record(mockserver, f"isolation-{number}")
"""


def run_inner(pytester: pytest.Pytester, source: str, *args: str, env: dict[str, str] | None = None) -> Any:
    pytester.makepyfile(test_inner=HEADER + source)
    for name, value in (env or {}).items():
        pytester._monkeypatch.setenv(name, value)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=120)


def records(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_fixture_controls_a_real_server(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        """
def test_rules_journal_and_reset(mockserver):
    assert mockserver.url.startswith("http://127.0.0.1:")
    assert mockserver.digitalchalk_url == mockserver.url + "/dc/api/v5"
    rule = mockserver.fail(unit_id=ITEM["unit_id"], status=409, json={"error": "busy"}, times=1)
    assert rule["scope"] == "item" and rule["match"] == {"unit_id": ITEM["unit_id"]}
    first, second = post(mockserver, ITEM), post(mockserver, ITEM)
    assert (first.status_code, first.json()[0]) == (207, {"status": 409, "json": {"error": "busy"}})
    assert second.status_code == 200
    assert [rule["hits"] for rule in mockserver.failures()] == [1]
    assert [e["status"] for e in mockserver.requests(method="POST")] == [207, 200]
    assert mockserver.requests(status=207, limit=1)[0]["matched_rules"][0]["id"] == rule["id"]
    mockserver.reset()
    assert mockserver.requests() == [] and mockserver.failures() == []


def test_request_rules_and_warnings(mockserver):
    assert dc_get(mockserver, "user_id=1").status_code == 200
    mockserver.fail(api="digitalchalk", path="/dc/api/v5/registrations", status=503)
    assert dc_get(mockserver, "user_id=1").status_code == 503
    warnings = [(w["path"], w["parameter"]) for w in mockserver.warnings()]
    assert warnings == [("/dc/api/v5/registrations", "user_id")]


def test_a_refused_admin_call_fails_the_test_clearly(mockserver):
    with pytest.raises(AssertionError, match="422"):
        mockserver.fail(status=99)
""",
    )
    result.assert_outcomes(passed=3)


def test_sessions_keep_tests_apart_and_end_with_them(pytester: pytest.Pytester, tmp_path: Path) -> None:
    record_file = tmp_path / "records.jsonl"
    result = run_inner(
        pytester,
        ISOLATION_TESTS
        + """

def test_the_session_ends_with_the_test(mockserver):
    mockserver.requests()  # a session is made on first use
    # The earlier tests' sessions were ended with them.
    assert httpx.get(mockserver.server_url + "/__admin/sessions").json() == [mockserver.session]
""",
        env={"RECORD_FILE": str(record_file)},
    )
    result.assert_outcomes(passed=13)
    assert len({line["server"] for line in records(record_file)}) == 1


def test_xdist_workers_share_one_server(pytester: pytest.Pytester, tmp_path: Path) -> None:
    record_file = tmp_path / "records.jsonl"
    result = run_inner(pytester, ISOLATION_TESTS, "-n", "4", env={"RECORD_FILE": str(record_file)})
    result.assert_outcomes(passed=12)
    lines = records(record_file)
    assert len(lines) == 12
    assert {line["worker"] for line in lines} == {"gw0", "gw1", "gw2", "gw3"}
    assert len({line["server"] for line in lines}) == 1


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_running_server_is_used_when_given(
    pytester: pytest.Pytester, live_server: Any, tmp_path: Path, how: str
) -> None:
    server = live_server()
    record_file = tmp_path / "records.jsonl"
    # Given by option to xdist workers (the controller then starts none), or by environment to one process.
    args = ["--mockserver-url", server.url, "-n", "2"] if how == "option" else []
    env = {"RECORD_FILE": str(record_file)} | ({"MOCKSERVER_URL": server.url} if how == "environment" else {})
    result = run_inner(pytester, ISOLATION_TESTS, *args, env=env)
    result.assert_outcomes(passed=12)
    assert {line["server"] for line in records(record_file)} == {server.url}
    assert "session=pytest-" in server.stdout  # the tests' requests reached this server


WARNING_TESTS = """
def test_with_a_typo(mockserver):
    dc_get(mockserver, "user_id=1")


@pytest.mark.mockserver_allow_warnings
def test_allowed_to_warn(mockserver):
    dc_get(mockserver, "user_id=1")


def test_clean(mockserver):
    dc_get(mockserver, "userId=1")
"""


def test_warnings_fail_a_test_only_when_asked(pytester: pytest.Pytester) -> None:
    run_inner(pytester, WARNING_TESTS).assert_outcomes(passed=3)
    result = run_inner(pytester, WARNING_TESTS, "--mockserver-no-warnings")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*the mock recorded 1 warning(s):*",
            "*GET /dc/api/v5/registrations: user_id: unknown parameter, which DigitalChalk ignores*",
        ]
    )


def test_server_arguments_come_from_the_ini_file_and_the_command_line(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmockserver_args = --strict\n")
    result = run_inner(
        pytester,
        """
def test_strict(mockserver):
    assert dc_get(mockserver, "user_id=1").status_code == 400
    state = mockserver.set_clock("2030-01-01T00:00:00Z")
    assert state["now"] == "2030-01-01T00:00:00Z"
""",
    )
    result.assert_outcomes(passed=1)
    result = run_inner(
        pytester,
        """
def test_clock(mockserver):
    assert httpx.get(mockserver.url + "/__admin/clock").json()["now"] == "2024-04-01T00:00:00Z"
""",
        "--mockserver-args=--clock 2024-04-01T00:00:00Z",
    )
    result.assert_outcomes(passed=1)


def test_in_process_app_offers_the_same_controls(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        """
@pytest.fixture
def mockserver_config():
    return {"STRICT": True}


def test_in_process(mockserver_app):
    mockserver_app.fail(unit_id=ITEM["unit_id"], status=422)
    path = f"/apis/registrations/profiles/{PROFILE}/registrations"
    headers = {"FF-Auth": "t", "X-API-Version": "2025-05-07"}
    response = mockserver_app.client.post(path, json={"registrations": [ITEM]}, headers=headers)
    assert response.status_code == 207
    assert mockserver_app.requests()[0]["matched_rules"][0]["name"]
    listing = "/dc/api/v5/registrations?x=1"  # strict: an unknown parameter is refused
    assert mockserver_app.client.get(listing, headers={"Authorization": "Bearer t"}).status_code == 400
""",
    )
    result.assert_outcomes(passed=1)


# --- HTTPS ----------------------------------------------------------------------------------------------

TLS_TESTS = """
import ssl

DC = {"Authorization": "Bearer t", "Accept": "application/json"}
NEW_USER = {"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.org"}


def record(mockserver):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    base = mockserver.https_url.split("/__session/")[0]
    line = {"worker": worker, "https": base, "ca": mockserver.ca_bundle}
    with open(os.environ["RECORD_FILE"], "a") as out:
        out.write(json.dumps(line) + "\\n")


@pytest.mark.parametrize("number", range(4))
def test_a_list_over_https(mockserver, number):
    assert mockserver.url.startswith("http://127.0.0.1:")
    assert mockserver.https_url.startswith("https://localhost:")
    assert mockserver.digitalchalk_url == mockserver.https_url + "/dc/api/v5"
    assert mockserver.fullfabric_url == mockserver.https_url
    with httpx.Client(verify=mockserver.ssl_context(), headers=DC) as client:
        listed = client.get(f"{mockserver.digitalchalk_url}/registrations?limit=1")
    assert listed.status_code == 200
    assert listed.json()["next"].startswith("https://localhost:")
    record(mockserver)


@pytest.mark.parametrize("number", range(4))
def test_a_user_made_over_https(mockserver, number):
    trusted = ssl.create_default_context(cafile=mockserver.ca_bundle)
    made = httpx.post(f"{mockserver.https_url}/dc/api/v5/users", json=NEW_USER, headers=DC, verify=trusted)
    assert made.status_code == 201, made.text
    assert [entry["status"] for entry in mockserver.requests(method="POST")] == [201]
    record(mockserver)
"""


def test_tls_serves_the_vendors_over_https_to_every_worker(pytester: pytest.Pytester, tmp_path: Path) -> None:
    record_file = tmp_path / "records.jsonl"
    env = {"RECORD_FILE": str(record_file), "MOCKSERVER_TLS_DIR": str(tmp_path / "tls")}
    args = ("--mockserver-tls", "--mockserver-no-warnings", "-p", "xdist", "-n", "2")
    result = run_inner(pytester, TLS_TESTS, *args, env=env)
    result.assert_outcomes(passed=8)  # and no plain-HTTP warning failed one
    lines = records(record_file)
    assert {line["worker"] for line in lines} == {"gw0", "gw1"}
    assert len({line["https"] for line in lines}) == 1  # one server, its one HTTPS port
    assert {line["ca"] for line in lines} == {str(tmp_path / "tls" / "ca.pem")}


def test_tls_from_the_ini_file(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester._monkeypatch.delenv("MOCKSERVER_TLS_DIR", raising=False)  # it would come before the ini's
    pytester.makeini("[pytest]\nmockserver_tls = true\nmockserver_tls_dir = ca-here\n")
    record_file = tmp_path / "records.jsonl"
    result = run_inner(pytester, TLS_TESTS, "-k", "list", env={"RECORD_FILE": str(record_file)})
    result.assert_outcomes(passed=4)
    # A relative directory is the ini file's neighbour.
    assert {line["ca"] for line in records(record_file)} == {str(pytester.path / "ca-here" / "ca.pem")}


def test_without_tls_https_url_says_what_to_pass(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        """
def test_no_https(mockserver):
    assert mockserver.ca_bundle is None
    assert mockserver.digitalchalk_url == mockserver.url + "/dc/api/v5"
    with pytest.raises(RuntimeError, match="run pytest with --mockserver-tls"):
        mockserver.https_url


def test_none_in_process(mockserver_app):
    with pytest.raises(RuntimeError, match="--mockserver-tls"):
        mockserver_app.https_url
""",
    )
    result.assert_outcomes(passed=2)


HTTPS_ONLY_TESTS = """
def test_admin_calls_over_https(mockserver):
    assert mockserver.url.startswith("https://localhost:") and mockserver.url == mockserver.https_url
    mockserver.fail(api="digitalchalk", path="/dc/api/v5/registrations", status=503)
    answer = httpx.get(f"{mockserver.digitalchalk_url}/registrations", headers={"Authorization": "Bearer t"},
                       verify=mockserver.ssl_context())
    assert answer.status_code == 503
    assert [entry["status"] for entry in mockserver.requests()] == [503]
"""


@pytest.mark.parametrize("how", ["sidecar", "https-only"])
def test_a_server_that_serves_https_alone(
    pytester: pytest.Pytester, live_server: Any, tmp_path: Path, how: str
) -> None:
    if how == "sidecar":  # its CA given by environment, as a CI job would
        server = live_server(tls_dir=tmp_path / "tls", https_only=True)
        args = ["--mockserver-url", server.https_url]
        env = {"MOCKSERVER_CA": str(server.ca_bundle)}
    else:  # started by the plugin
        args = [
            "--mockserver-tls",
            "--mockserver-tls-dir",
            str(tmp_path / "tls"),
            "--mockserver-args=--https-only",
        ]
        env = {}
    result = run_inner(pytester, HTTPS_ONLY_TESTS, *args, env=env)
    result.assert_outcomes(passed=1)


def test_tls_with_a_plain_http_sidecar_is_refused(pytester: pytest.Pytester) -> None:
    result = run_inner(pytester, "", "--mockserver-tls", "--mockserver-url", "http://127.0.0.1:1")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*give that server's https:// URL instead*"])
