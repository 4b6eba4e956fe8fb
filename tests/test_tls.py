"""The local CA and the server certificates it signs: made once and kept, safe to make from many processes
at once, and trusted by real TLS clients with verification on (Python's `ssl` strict, httpx, and the
`cryptography` web-PKI verifier)."""

from __future__ import annotations

import datetime
import hashlib
import http.server
import ipaddress
import shutil
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from mockserver import tls
from mockserver.tls import LOCAL_NAMES, ServerCertificate, TLSError

Kind = TypeVar("Kind", bound=x509.ExtensionType)
CUSTOM = "api.digitalchalk.com"


@pytest.fixture
def tls_dir(tmp_path: Path) -> Path:
    """A directory for the CA that does not exist yet, under one that does not either."""
    return tmp_path / "data" / "tls"


def certificate(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def chain(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes())


def extension(cert: x509.Certificate, kind: type[Kind]) -> x509.Extension[Kind]:
    return cert.extensions.get_extension_for_class(kind)


def subject(name: str) -> x509.DNSName | x509.IPAddress:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def verify(ca: Path, leaf: ServerCertificate, name: str) -> None:
    """Verify `leaf` for `name` as a web-PKI client would, with `cryptography`'s verifier."""
    leaf_cert, *intermediates = chain(leaf.cert)
    verifier = PolicyBuilder().store(Store([certificate(ca)])).build_server_verifier(subject(name))
    verifier.verify(leaf_cert, intermediates)


def client_context(ca: Path) -> ssl.SSLContext:
    """What a careful client uses: the default context (hostname checked, certificate required) trusting
    only the CA, with the strict X.509 checks Python 3.13 turns on by default."""
    context = ssl.create_default_context(cafile=ca)
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    return context


# The CA: made once, kept.


def test_the_ca_is_made_on_first_use_and_then_kept(tls_dir: Path) -> None:
    path = tls.certificate_authority(tls_dir)
    made = (path.read_bytes(), (tls_dir / "ca-key.pem").read_bytes())
    again = tls.certificate_authority(tls_dir)
    tls.server_certificate(tls_dir, [CUSTOM])
    assert again == path == tls_dir / "ca.pem"
    assert (path.read_bytes(), (tls_dir / "ca-key.pem").read_bytes()) == made


def test_the_ca_is_a_p256_ca_for_ten_years_that_signs_server_certificates_only(tls_dir: Path) -> None:
    now = datetime.datetime.now(datetime.UTC)
    ca = certificate(tls.certificate_authority(tls_dir))
    constraints = extension(ca, x509.BasicConstraints)
    usage = extension(ca, x509.KeyUsage)
    key = ca.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"
    assert constraints.critical and constraints.value == x509.BasicConstraints(ca=True, path_length=0)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    assert not usage.value.digital_signature
    assert extension(ca, x509.SubjectKeyIdentifier).value == x509.SubjectKeyIdentifier.from_public_key(key)
    common_name = ca.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    assert common_name == f"mockserver local CA ({socket.gethostname()[:31]} {now:%Y-%m-%d})"
    assert ca.issuer == ca.subject
    assert ca.not_valid_before_utc < now - datetime.timedelta(seconds=30)  # backdated for clock skew
    assert (ca.not_valid_after_utc - now).days in range(3649, 3651)


def test_the_files_are_private_and_the_directories_too(tls_dir: Path) -> None:
    leaf = tls.server_certificate(tls_dir)
    assert (tls_dir / "ca-key.pem").stat().st_mode & 0o777 == 0o600
    assert leaf.key.stat().st_mode & 0o777 == 0o600
    assert tls_dir.stat().st_mode & 0o777 == 0o700
    assert tls_dir.parent.stat().st_mode & 0o777 == 0o700  # the parent it made, too
    # Nothing else is left behind: no temporary file of a write.
    names = {path.name for path in tls_dir.iterdir()}
    assert names == {"ca.pem", "ca-key.pem", ".lock", leaf.cert.name, leaf.key.name}


# Server certificates: what they are, when they are reused.


def test_a_server_certificate_is_good_for_the_local_names_and_those_asked_for(tls_dir: Path) -> None:
    now = datetime.datetime.now(datetime.UTC)
    leaf = tls.server_certificate(tls_dir, [CUSTOM, "10.1.2.3"])
    leaf_cert, ca_cert = chain(leaf.cert)
    san = extension(leaf_cert, x509.SubjectAlternativeName).value
    assert leaf.names == (*LOCAL_NAMES, CUSTOM, "10.1.2.3")
    assert leaf.ca == tls_dir / "ca.pem" and ca_cert == certificate(leaf.ca)
    assert san.get_values_for_type(x509.DNSName) == ["localhost", CUSTOM]
    assert san.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address(address) for address in ("127.0.0.1", "::1", "10.1.2.3")
    ]
    assert extension(leaf_cert, x509.ExtendedKeyUsage).value == x509.ExtendedKeyUsage(
        [ExtendedKeyUsageOID.SERVER_AUTH]
    )
    assert extension(leaf_cert, x509.KeyUsage).critical
    assert extension(leaf_cert, x509.KeyUsage).value.digital_signature
    assert extension(leaf_cert, x509.BasicConstraints).critical
    assert extension(leaf_cert, x509.BasicConstraints).value.ca is False
    assert extension(leaf_cert, x509.AuthorityKeyIdentifier).value.key_identifier == (
        extension(ca_cert, x509.SubjectKeyIdentifier).value.digest
    )
    assert leaf_cert.not_valid_before_utc < now - datetime.timedelta(seconds=30)
    assert leaf_cert.not_valid_after_utc - leaf_cert.not_valid_before_utc <= datetime.timedelta(days=397)
    assert leaf_cert.not_valid_after_utc - now > datetime.timedelta(days=360)
    key = serialization.load_pem_private_key(leaf.key.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
    assert key.public_key() == leaf_cert.public_key()


def test_names_are_read_as_a_client_reads_them(tls_dir: Path) -> None:
    """Case, a trailing dot, IPv6 spellings and brackets, and repeats do not make another name."""
    names = [
        "API.DigitalChalk.com",
        "api.digitalchalk.com.",
        "0:0::1",
        "[::1]",
        "*.Example.TEST",
        "LOCALHOST",
    ]
    assert tls.server_certificate(tls_dir, names).names == (*LOCAL_NAMES, CUSTOM, "*.example.test")


@pytest.mark.parametrize(
    "name",
    [
        "",
        "-api.example.com",
        "api-.example.com",
        "api..example.com",
        "api_v5.example.com",
        "api example.com",
        "*",
        "api.*.example.com",
        "bücher.example",
        "127.1",
        "x" * 64 + ".example.com",
        ("a" * 60 + ".") * 5 + "com",
        "fe80::1%eth0",
        "https://api.example.com",
    ],
)
def test_a_bad_name_is_refused_naming_it(tls_dir: Path, name: str) -> None:
    with pytest.raises(TLSError, match="bad TLS hostname") as refused:
        tls.server_certificate(tls_dir, ["good.example.com", name])
    assert repr(name) in str(refused.value)


def test_a_server_certificate_is_reused_for_the_same_names(tls_dir: Path) -> None:
    first = tls.server_certificate(tls_dir, [CUSTOM, "10.1.2.3"])
    made = first.cert.read_bytes(), first.key.read_bytes()
    again = tls.server_certificate(tls_dir, ["10.1.2.3", CUSTOM.upper(), CUSTOM, "localhost"])
    assert (again.cert, again.key) == (first.cert, first.key)
    assert (again.cert.read_bytes(), again.key.read_bytes()) == made


def test_other_names_get_another_certificate_beside_the_first(tls_dir: Path) -> None:
    local = tls.server_certificate(tls_dir)
    custom = tls.server_certificate(tls_dir, [CUSTOM])
    assert custom.cert != local.cert and custom.key != local.key
    assert local.cert.exists() and local.names == LOCAL_NAMES
    verify(tls_dir / "ca.pem", local, "localhost")
    verify(tls_dir / "ca.pem", custom, CUSTOM)


def test_a_certificate_of_a_replaced_ca_is_made_anew(tls_dir: Path, tmp_path: Path) -> None:
    old = tls.server_certificate(tls_dir, [CUSTOM])
    old_bytes = old.cert.read_bytes()
    other = tmp_path / "other"
    tls.certificate_authority(other)
    for name in ("ca.pem", "ca-key.pem"):  # the user puts another CA in its place
        shutil.copy(other / name, tls_dir / name)
    new = tls.server_certificate(tls_dir, [CUSTOM])
    assert new.cert == old.cert and new.cert.read_bytes() != old_bytes
    verify(other / "ca.pem", new, CUSTOM)
    assert chain(new.cert)[1] == certificate(other / "ca.pem")


def test_a_certificate_near_its_end_is_made_anew(tls_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(tls, "SERVER_LIFETIME", datetime.timedelta(days=29))
        short = tls.server_certificate(tls_dir)
        short_bytes = short.cert.read_bytes()
    renewed = tls.server_certificate(tls_dir)
    assert renewed.cert.read_bytes() != short_bytes
    assert chain(renewed.cert)[0].not_valid_after_utc - datetime.datetime.now(
        datetime.UTC
    ) > datetime.timedelta(days=360)


@pytest.mark.parametrize("damaged", ["cert", "key"])
def test_a_damaged_server_certificate_is_made_anew(tls_dir: Path, damaged: str) -> None:
    leaf = tls.server_certificate(tls_dir)
    getattr(leaf, damaged).write_bytes(b"-----BEGIN CERTIFICATE-----\nhalf")
    again = tls.server_certificate(tls_dir)
    verify(tls_dir / "ca.pem", again, "localhost")
    ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(again.cert, again.key)


# What cannot be done is said, with the path and what to do.


def test_a_directory_that_cannot_be_made_is_an_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")  # refuses writes below it, even to root
    with pytest.raises(TLSError, match="--tls-dir") as refused:
        tls.server_certificate(tmp_path / "file" / "tls")
    assert str(tmp_path / "file" / "tls") in str(refused.value)


def other_ca_key(tmp_path: Path) -> bytes:
    tls.certificate_authority(tmp_path / "other")
    return (tmp_path / "other" / "ca-key.pem").read_bytes()


@pytest.mark.parametrize(
    ("file", "damage", "said"),
    [
        ("ca.pem", lambda _: b"garbage", "is not valid PEM"),
        ("ca.pem", lambda _: b"", "is not valid PEM"),
        ("ca-key.pem", lambda _: b"garbage", "is not valid PEM"),
        ("ca-key.pem", None, "is missing"),
        ("ca-key.pem", other_ca_key, "does not match"),
    ],
    ids=["garbage", "empty", "garbage-key", "no-key", "another-key"],
)
def test_a_damaged_ca_is_an_error_naming_the_file_and_what_to_do(
    tls_dir: Path, tmp_path: Path, file: str, damage: Callable[[Path], bytes] | None, said: str
) -> None:
    tls.certificate_authority(tls_dir)
    if damage is not None:
        (tls_dir / file).write_bytes(damage(tmp_path))
    else:
        (tls_dir / file).unlink()
    for call in (tls.certificate_authority, tls.server_certificate):
        with pytest.raises(TLSError, match=said) as refused:
            call(tls_dir)
        assert str(tls_dir / file) in str(refused.value) and "--tls-dir" in str(refused.value)


# Made once, from many processes at once.

MAKER = """
import hashlib, sys, time
from pathlib import Path
from typing import TypeVar
from mockserver.tls import certificate_authority, server_certificate
directory, go, name = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
leaf = server_certificate(directory, [name])
ca = certificate_authority(directory)
print(ca, hashlib.sha256(ca.read_bytes()).hexdigest(), leaf.cert, flush=True)
"""


def test_processes_starting_at_once_end_with_one_ca(tls_dir: Path, tmp_path: Path) -> None:
    """Six processes wait for one signal, then each asks for a certificate on an empty directory: one CA
    is made, all six see it, and every certificate they made verifies against it."""
    go = tmp_path / "go"
    names = ["a.example.test", "b.example.test"] * 3
    makers = [
        subprocess.Popen(
            [sys.executable, "-c", MAKER, str(tls_dir), str(go), name],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in names
    ]
    try:
        for maker in makers:
            assert maker.stdout is not None and maker.stdout.readline() == "ready\n"
        go.touch()
        outputs = [maker.communicate(timeout=30) for maker in makers]
    finally:
        for maker in makers:
            if maker.returncode is None:
                maker.kill()
                maker.communicate()
    assert [(maker.returncode, err) for maker, (_, err) in zip(makers, outputs, strict=True)] == [(0, "")] * 6
    seen = [out.split() for out, _ in outputs]
    ca = tls_dir / "ca.pem"
    assert {(path, digest) for path, digest, _ in seen} == {
        (str(ca), hashlib.sha256(ca.read_bytes()).hexdigest())
    }
    leaves = {Path(cert) for _, _, cert in seen}
    assert len(leaves) == 2
    for cert in leaves:
        leaf_cert, *intermediates = chain(cert)
        name = extension(leaf_cert, x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)[-1]
        PolicyBuilder().store(Store([certificate(ca)])).build_server_verifier(x509.DNSName(name)).verify(
            leaf_cert, intermediates
        )
    assert not [path.name for path in tls_dir.iterdir() if path.name.endswith(".tmp")]


# Real clients, verification on.


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"hello over TLS"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a test's output is its assertions."""


@contextmanager
def https_server(leaf: ServerCertificate, host: str) -> Iterator[int]:
    """An HTTPS server on `host` serving `leaf` in a thread, for as long as the block: its port."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(leaf.cert, leaf.key)

    class Server(http.server.ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET

    server = Server((host, 0), Hello)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    # A short poll: `shutdown()` waits for the loop to look, half a second by default.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def has_ipv6() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


IPV6 = pytest.mark.skipif(not has_ipv6(), reason="this machine has no IPv6 loopback")


def get(host: str, port: int, name: str, context: ssl.SSLContext) -> bytes:
    """GET / from the server at `host`:`port`, calling it `name` (SNI and the name checked): the answer."""
    with (
        socket.create_connection((host, port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=name) as connection,
    ):
        connection.sendall(b"GET / HTTP/1.0\r\n\r\n")
        answer = b""
        while chunk := connection.recv(4096):
            answer += chunk
        return answer


@pytest.mark.parametrize(
    ("host", "name"),
    [
        ("127.0.0.1", "localhost"),
        ("127.0.0.1", "127.0.0.1"),
        ("127.0.0.1", CUSTOM),
        pytest.param("::1", "::1", marks=IPV6),
        pytest.param("::1", "localhost", marks=IPV6),
    ],
)
def test_a_strict_tls_client_trusting_the_ca_accepts_the_server(tls_dir: Path, host: str, name: str) -> None:
    leaf = tls.server_certificate(tls_dir, [CUSTOM])
    with https_server(leaf, host) as port:
        answer = get(host, port, name, client_context(tls_dir / "ca.pem"))
    assert answer.startswith(b"HTTP/1.0 200 ") and answer.endswith(b"hello over TLS")


@pytest.mark.parametrize(
    ("host", "url_host"),
    [("127.0.0.1", "127.0.0.1"), ("127.0.0.1", "localhost"), pytest.param("::1", "[::1]", marks=IPV6)],
)
def test_httpx_trusting_the_ca_accepts_the_server(tls_dir: Path, host: str, url_host: str) -> None:
    leaf = tls.server_certificate(tls_dir)
    with https_server(leaf, host) as port:
        response = httpx.get(f"https://{url_host}:{port}/", verify=client_context(tls_dir / "ca.pem"))
    assert (response.status_code, response.text) == (200, "hello over TLS")


def test_verification_is_really_on(tls_dir: Path, tmp_path: Path) -> None:
    """The same server is refused for a name it was not made for, and by a client that trusts another CA."""
    leaf = tls.server_certificate(tls_dir)
    tls.certificate_authority(tmp_path / "other")
    with https_server(leaf, "127.0.0.1") as port:
        with pytest.raises(ssl.SSLCertVerificationError, match="Hostname mismatch"):
            get("127.0.0.1", port, CUSTOM, client_context(tls_dir / "ca.pem"))
        with pytest.raises(
            ssl.SSLCertVerificationError, match="self-signed certificate in certificate chain"
        ):
            get("127.0.0.1", port, "localhost", client_context(tmp_path / "other" / "ca.pem"))


@pytest.mark.parametrize("name", [*LOCAL_NAMES, CUSTOM, "10.1.2.3", "any.wild.test"])
def test_the_web_pki_verifier_accepts_every_name(tls_dir: Path, name: str) -> None:
    leaf = tls.server_certificate(tls_dir, [CUSTOM, "10.1.2.3", "*.wild.test"])
    verify(tls_dir / "ca.pem", leaf, name)


def test_the_web_pki_verifier_refuses_a_name_not_asked_for(tls_dir: Path) -> None:
    leaf = tls.server_certificate(tls_dir, [CUSTOM])
    with pytest.raises(VerificationError):
        verify(tls_dir / "ca.pem", leaf, "api.fullfabric.com")


# A user's own certificate.


def test_a_users_own_certificate_is_taken_with_its_names(tls_dir: Path) -> None:
    leaf = tls.server_certificate(tls_dir, [CUSTOM])
    own = tls.own_certificate(leaf.cert, leaf.key)
    assert own == ServerCertificate(cert=leaf.cert, key=leaf.key, ca=None, names=(*LOCAL_NAMES, CUSTOM))


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("cert", "key", "said", "blamed"),
    [
        ("cert", "other key", "does not match", "other key"),
        ("missing", "key", "does not exist", "missing"),
        ("cert", "missing", "does not exist", "missing"),
        ("text", "key", "is not a PEM certificate", "text"),
        ("cert", "text", "is not a PEM private key", "text"),
        ("key", "key", "is not a PEM certificate", "key"),
        ("cert", "cert", "is not a PEM private key", "cert"),
    ],
)
def test_a_users_own_certificate_that_cannot_serve_is_an_error_naming_the_file(
    tls_dir: Path, tmp_path: Path, cert: str, key: str, said: str, blamed: str
) -> None:
    leaf = tls.server_certificate(tls_dir)
    other = tls.server_certificate(tls_dir, [CUSTOM])
    (tmp_path / "text.pem").write_text("just some text\n")
    files = {
        "cert": leaf.cert,
        "key": leaf.key,
        "other key": other.key,
        "missing": tmp_path / "missing.pem",
        "text": tmp_path / "text.pem",
    }
    with pytest.raises(TLSError, match=said) as refused:
        tls.own_certificate(files[cert], files[key])
    assert str(files[blamed]) in str(refused.value)
