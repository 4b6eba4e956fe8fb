"""`mockserver tls ca`: one line a shell can use (`curl --cacert "$(mockserver tls ca)"`), the same CA from
every process, and one clear line on stderr, exit 1, when the CA cannot be made or read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from cryptography import x509

from mockserver.cli import main


def tls_ca(*args: str, env: dict[str, str | None] | None = None) -> Result:
    """`mockserver tls ca ARGS` in this process."""
    return CliRunner().invoke(main, ["tls", "ca", *args], env=env, catch_exceptions=False)


def mockserver(*args: str) -> subprocess.Popen[str]:
    """`mockserver ARGS` started in a process of its own."""
    command = [sys.executable, "-m", "mockserver", *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=30)
    return process.returncode, out, err


def test_it_prints_the_ca_path_and_nothing_else(tmp_path: Path) -> None:
    result = tls_ca("--tls-dir", str(tmp_path / "tls"))
    assert (result.exit_code, result.stdout, result.stderr) == (0, f"{tmp_path / 'tls' / 'ca.pem'}\n", "")
    assert x509.load_pem_x509_certificate((tmp_path / "tls" / "ca.pem").read_bytes())


def test_the_path_printed_is_absolute_for_a_relative_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """So it still names the file from another directory (a trust store tool, a shell that cd's)."""
    monkeypatch.chdir(tmp_path)
    assert tls_ca("--tls-dir", "relative").stdout == f"{tmp_path / 'relative' / 'ca.pem'}\n"


def test_the_dir_can_be_given_by_the_environment(tmp_path: Path) -> None:
    result = tls_ca(env={"MOCKSERVER_TLS_DIR": str(tmp_path / "from-env")})
    assert result.stdout == f"{tmp_path / 'from-env' / 'ca.pem'}\n"


@pytest.mark.skipif(sys.platform != "linux", reason="the XDG data directory is where Linux keeps user data")
def test_the_dir_is_the_users_data_dir_by_default(tmp_path: Path) -> None:
    result = tls_ca(env={"XDG_DATA_HOME": str(tmp_path / "data"), "MOCKSERVER_TLS_DIR": None})
    assert result.stdout == f"{tmp_path / 'data' / 'mockserver' / 'tls' / 'ca.pem'}\n"


def test_the_help_shows_the_default_dir() -> None:
    text = " ".join(CliRunner().invoke(main, ["tls", "ca", "--help"]).stdout.split())
    assert "--tls-dir DIRECTORY The directory that keeps the local CA" in text
    assert (
        "[default: mockserver/tls in the user's data directory, e.g. ~/.local/share/mockserver/tls]" in text
    )


def test_pem_prints_the_ca_certificate_itself(tmp_path: Path) -> None:
    result = tls_ca("--tls-dir", str(tmp_path), "--pem")
    ca = x509.load_pem_x509_certificate(result.stdout.encode())
    assert result.stdout == (tmp_path / "ca.pem").read_text()
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_two_processes_one_after_the_other_print_the_same_ca(tmp_path: Path) -> None:
    first = finished(mockserver("tls", "ca", "--tls-dir", str(tmp_path)))
    made = (tmp_path / "ca.pem").read_bytes(), (tmp_path / "ca-key.pem").read_bytes()
    second = finished(mockserver("tls", "ca", "--tls-dir", str(tmp_path)))
    assert first == second == (0, f"{tmp_path / 'ca.pem'}\n", "")
    assert ((tmp_path / "ca.pem").read_bytes(), (tmp_path / "ca-key.pem").read_bytes()) == made


def test_processes_started_at_once_on_an_empty_dir_print_one_ca(tmp_path: Path) -> None:
    directory = tmp_path / "empty"
    processes = [mockserver("tls", "ca", "--tls-dir", str(directory), "--pem") for _ in range(6)]
    results = [finished(process) for process in processes]
    assert results == [(0, (directory / "ca.pem").read_text(), "")] * 6
    assert sorted(path.name for path in directory.iterdir()) == [".lock", "ca-key.pem", "ca.pem"]


def test_a_dir_that_cannot_be_made_is_one_line_and_exit_1(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("a file, not a directory: no one can write below it, not even root")
    result = tls_ca("--tls-dir", str(tmp_path / "file" / "tls"))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"Error: cannot make the TLS directory {tmp_path / 'file' / 'tls'}: {tmp_path / 'file'} is a file; "
        "choose another directory with --tls-dir\n"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through a directory's permissions")
def test_a_dir_without_write_permission_is_one_line_and_exit_1(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = tls_ca("--tls-dir", str(locked))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot write the TLS files at {locked}: Permission denied;")


def test_a_corrupt_ca_is_one_line_naming_it_and_exit_1(tmp_path: Path) -> None:
    tls_ca("--tls-dir", str(tmp_path))
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\ncut short")
    process = finished(mockserver("tls", "ca", "--tls-dir", str(tmp_path)))
    code, out, err = process
    assert (code, out) == (1, "")
    assert err.startswith(f"Error: the CA certificate {tmp_path / 'ca.pem'} is not valid PEM")
    assert "--tls-dir" in err and err.count("\n") == 1  # one line: no traceback
