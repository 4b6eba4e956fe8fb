"""The local certificate authority of `mockserver run --tls`, and the server certificates it signs."""

from __future__ import annotations

import datetime
import fcntl
import hashlib
import ipaddress
import os
import re
import socket
import ssl
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import platformdirs
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes, PublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# What a client on this machine calls the server by: every certificate is good for these.
LOCAL_NAMES: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")

CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
LOCK_FILE = ".lock"
CA_LIFETIME = datetime.timedelta(days=3650)
# Browsers and Apple's TLS refuse server certificates that live longer than 398 days.
SERVER_LIFETIME = datetime.timedelta(days=365)
# A certificate reused for a server that may run for weeks keeps at least this long.
RENEW_BEFORE = datetime.timedelta(days=30)
# A client whose clock is a little behind the machine that made the certificate still accepts it.
BACKDATE = datetime.timedelta(minutes=5)
# Keys are secret; certificates are public, but the directory (0700) keeps other users out anyway.
KEY_MODE = 0o600
CERT_MODE = 0o644
DIR_MODE = 0o700

# The keys that can sign a certificate: ours are EC, but a CA the user put in the directory may be RSA.
_ISSUER_KEYS = (
    ec.EllipticCurvePrivateKey,
    rsa.RSAPrivateKey,
    ed25519.Ed25519PrivateKey,
    ed448.Ed448PrivateKey,
    dsa.DSAPrivateKey,
)
_DNS_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_CN_MAX = 64  # X.520's upper bound on a common name
_T = TypeVar("_T")


class TLSError(Exception):
    """A CA or certificate that cannot be made, read or used: the message says what to do."""


@dataclass(frozen=True)
class ServerCertificate:
    """What a server needs to serve TLS, and what a client needs to trust it."""

    cert: Path  # PEM: the leaf, then the CA (the chain a server sends)
    key: Path  # PEM private key, mode 0600
    ca: Path | None  # the CA that signed it (None for a user's own certificate)
    names: tuple[str, ...]  # the names it is good for (DNS names and IP addresses)


def default_dir() -> Path:
    """Where the CA is kept by default: the user's data directory, so every run (and every project) trusts
    the one CA."""
    return platformdirs.user_data_path("mockserver") / "tls"


def certificate_authority(directory: Path) -> Path:
    """The CA certificate's PEM path in `directory` (`ca.pem`, key `ca-key.pem`, mode 0600), made on first
    use and kept: every later call, from any process, returns the same CA."""
    with _locked(directory):
        _load_or_make_ca(directory)
    return directory / CA_FILE


def server_certificate(directory: Path, names: Iterable[str] = ()) -> ServerCertificate:
    """A certificate for LOCAL_NAMES plus `names` (DNS names or IP addresses; duplicates and case ignored),
    signed by the directory's CA (made if missing). Reused while it exists for the same names, from the
    same CA, and has more than 30 days left; made anew otherwise."""
    wanted = normalize_names([*LOCAL_NAMES, *names])
    digest = hashlib.sha256("\n".join(sorted(wanted)).encode()).hexdigest()[:12]
    cert_path = directory / f"server-{digest}.pem"
    key_path = directory / f"server-{digest}-key.pem"
    with _locked(directory):
        ca_cert, ca_key = _load_or_make_ca(directory)
        if not _still_good(cert_path, key_path, ca_cert, wanted):
            key = ec.generate_private_key(ec.SECP256R1())
            leaf = _make_leaf(key, wanted, ca_cert, ca_key)
            chain = leaf.public_bytes(serialization.Encoding.PEM) + _pem(ca_cert)
            # The key first: a cert whose key is not beside it yet would be read as a pair that fails.
            _write(key_path, _key_pem(key), KEY_MODE)
            _write(cert_path, chain, CERT_MODE)
    return ServerCertificate(cert=cert_path, key=key_path, ca=directory / CA_FILE, names=wanted)


def own_certificate(cert: Path, key: Path) -> ServerCertificate:
    """A user's own certificate and key (`--tls-cert/--tls-key`), checked to load together; `TLSError`
    saying which file is wrong if they do not. Its names are the certificate's SANs."""
    chain = _read_certificates(cert)
    private_key = _read_private_key(key)
    if _public_der(private_key.public_key()) != _public_der(chain[0].public_key()):
        raise TLSError(f"the key {key} does not match the certificate {cert}: give the key it was made with")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        # A password callback, so an encrypted key fails here instead of prompting on the terminal.
        context.load_cert_chain(cert, key, password=lambda: b"")
    except (ssl.SSLError, OSError) as error:
        raise TLSError(f"the certificate {cert} and key {key} cannot be used together: {error}") from None
    return ServerCertificate(cert=cert, key=key, ca=None, names=_san_names(chain[0]))


def normalize_names(names: Iterable[str]) -> tuple[str, ...]:
    """Each name once, in the order given, lower case, IP addresses in their short form; `TLSError`
    naming the first that is neither a DNS name nor an IP address."""
    seen: dict[str, None] = {}
    for name in names:
        seen.setdefault(_normalize_name(name), None)
    return tuple(seen)


def _normalize_name(name: str) -> str:
    text = name.strip().lower()
    if text.startswith("[") and text.endswith("]"):  # an IPv6 address as a URL writes it
        text = text[1:-1]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        pass
    else:
        if getattr(address, "scope_id", None):
            raise TLSError(f"bad TLS hostname {name!r}: a certificate cannot name a scoped address")
        return address.compressed
    text = text.removesuffix(".")
    labels = text.split(".")
    first = labels[1:] if labels[0] == "*" and len(labels) > 1 else labels
    if (
        not text
        or len(text) > 253
        or not all(_DNS_LABEL.match(label) for label in first)
        or labels[-1].isdigit()  # `127.1` would be read as an IPv4 address by a client, not as a name
    ):
        raise TLSError(
            f"bad TLS hostname {name!r}: give a DNS name (letters, digits and hyphens between dots, "
            "optionally starting with `*.`; non-ASCII names as their xn-- form) or an IP address"
        )
    return text


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Hold the directory's lock: the processes that start at once (xdist workers, servers) check and
    make the files one at a time, so they end with one CA."""
    _make_directory(directory)
    lock = directory / LOCK_FILE
    try:
        descriptor = os.open(lock, os.O_RDWR | os.O_CREAT, KEY_MODE)
    except OSError as error:
        raise _unwritable(directory, error) from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def _make_directory(directory: Path) -> None:
    """Make `directory` and each missing parent with mode 0700 (`Path.mkdir` gives parents the umask's)."""
    missing = [path for path in (directory, *directory.parents) if not path.is_dir()]
    for path in reversed(missing):
        try:
            path.mkdir(mode=DIR_MODE)
            os.chmod(path, DIR_MODE)  # mkdir's mode is cut by the umask
        except FileExistsError:
            if not path.is_dir():
                raise TLSError(
                    f"cannot make the TLS directory {directory}: {path} is a file; "
                    "choose another directory with --tls-dir"
                ) from None
        except OSError as error:
            raise _unwritable(path, error) from None


def _unwritable(path: Path, error: OSError) -> TLSError:
    reason = error.strerror or str(error)
    return TLSError(
        f"cannot write the TLS files at {path}: {reason}; choose another directory with --tls-dir"
    )


def _load_or_make_ca(directory: Path) -> tuple[x509.Certificate, CertificateIssuerPrivateKeyTypes]:
    """The directory's CA, made if missing. The caller holds the lock."""
    cert_path, key_path = directory / CA_FILE, directory / CA_KEY_FILE
    if cert_path.exists():
        return _read_ca(cert_path, key_path)
    # A key with no certificate is what a process stopped between the two writes leaves: no one trusts it.
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _make_ca(key)
    _write(key_path, _key_pem(key), KEY_MODE)
    _write(cert_path, _pem(cert), CERT_MODE)
    return cert, key


def _read_ca(cert_path: Path, key_path: Path) -> tuple[x509.Certificate, CertificateIssuerPrivateKeyTypes]:
    """The CA kept in the directory (perhaps one the user put there), checked to be one that can sign."""
    advice = (
        f"remove {cert_path.name} and {key_path.name} from {cert_path.parent} to make a new CA "
        "(and trust that one instead), or choose another directory with --tls-dir"
    )
    cert = _read(cert_path, "the CA certificate", x509.load_pem_x509_certificate, advice)
    key = _read(key_path, "the CA key", lambda data: serialization.load_pem_private_key(data, None), advice)
    if not isinstance(key, _ISSUER_KEYS):
        raise TLSError(f"the CA key {key_path} is of a kind that cannot sign certificates: {advice}")
    if _public_der(key.public_key()) != _public_der(cert.public_key()):
        raise TLSError(f"the CA key {key_path} does not match the CA certificate {cert_path}: {advice}")
    try:
        is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if not is_ca:
        raise TLSError(f"{cert_path} is not a CA certificate: {advice}")
    if cert.not_valid_after_utc <= _now():
        raise TLSError(f"the CA {cert_path} expired on {cert.not_valid_after_utc:%Y-%m-%d}: {advice}")
    return cert, key


def _read(path: Path, what: str, parse: Callable[[bytes], _T], advice: str) -> _T:
    """`parse` of the file at `path`; `TLSError` naming it and saying what to do if it cannot be read."""
    try:
        return parse(path.read_bytes())
    except FileNotFoundError:
        raise TLSError(f"{what} {path} is missing: {advice}") from None
    except OSError as error:
        raise TLSError(f"cannot read {what} {path}: {error.strerror or error}; {advice}") from None
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise TLSError(f"{what} {path} is not valid PEM ({error}): {advice}") from None


def _make_ca(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    """A CA that signs server certificates only (path length 0), named so a user can tell it apart in a
    trust store from the CA of another machine or another day."""
    now = _now()
    suffix = f" {now:%Y-%m-%d})"
    prefix = "mockserver local CA ("
    host = socket.gethostname()[: _CN_MAX - len(prefix) - len(suffix)]
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mockserver"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{prefix}{host}{suffix}"),
        ]
    )
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def _make_leaf(
    key: ec.EllipticCurvePrivateKey,
    names: tuple[str, ...],
    ca_cert: x509.Certificate,
    ca_key: CertificateIssuerPrivateKeyTypes,
) -> x509.Certificate:
    """A server certificate for `names`, valid for as long as browsers allow and no longer than its CA."""
    now = _now()
    try:
        ca_key_id = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        authority = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_key_id)
    except x509.ExtensionNotFound:
        authority = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(min(now + SERVER_LIFETIME, ca_cert.not_valid_after_utc))
        .add_extension(x509.SubjectAlternativeName([_general_name(name) for name in names]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(authority, critical=False)
        .sign(ca_key, _signature_hash(ca_key))
    )


def _still_good(cert_path: Path, key_path: Path, ca_cert: x509.Certificate, names: tuple[str, ...]) -> bool:
    """Whether the server certificate kept at `cert_path` can serve again: same names, same CA, its own
    key beside it, and more than RENEW_BEFORE left. Anything unreadable is simply made anew."""
    try:
        chain = x509.load_pem_x509_certificates(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        leaf = chain[0]
        leaf.verify_directly_issued_by(ca_cert)
    except (OSError, ValueError, TypeError, UnsupportedAlgorithm, InvalidSignature):
        return False
    return (
        chain[1:] == [ca_cert]
        and set(_san_names(leaf)) == set(names)
        and _public_der(key.public_key()) == _public_der(leaf.public_key())
        and leaf.not_valid_after_utc - _now() > RENEW_BEFORE
    )


def _read_certificates(path: Path) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(path.read_bytes())
    except FileNotFoundError:
        raise TLSError(f"the TLS certificate file {path} does not exist") from None
    except OSError as error:
        raise TLSError(f"cannot read the TLS certificate {path}: {error.strerror}") from None
    except ValueError:
        raise TLSError(f"{path} is not a PEM certificate (-----BEGIN CERTIFICATE-----)") from None


def _read_private_key(path: Path) -> CertificateIssuerPrivateKeyTypes:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise TLSError(f"the TLS key file {path} does not exist") from None
    except OSError as error:
        raise TLSError(f"cannot read the TLS key {path}: {error.strerror}") from None
    except TypeError:
        raise TLSError(f"the TLS key {path} is encrypted: give it without a password") from None
    except (ValueError, UnsupportedAlgorithm):
        raise TLSError(f"{path} is not a PEM private key (-----BEGIN PRIVATE KEY-----)") from None
    if not isinstance(key, _ISSUER_KEYS):
        raise TLSError(f"the TLS key {path} is of a kind TLS servers do not use")
    return key


def _san_names(cert: x509.Certificate) -> tuple[str, ...]:
    """The DNS names and IP addresses a certificate is good for, as `normalize_names` writes them."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ()
    found = (str(name.value) for name in san if isinstance(name, x509.DNSName | x509.IPAddress))
    return tuple(dict.fromkeys(name.lower() for name in found))


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def _key_usage(
    *, digital_signature: bool = False, key_cert_sign: bool = False, crl_sign: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _signature_hash(key: CertificateIssuerPrivateKeyTypes) -> hashes.SHA256 | None:
    """Ed25519 and Ed448 sign without a separate hash; every other key signs a SHA-256."""
    return None if isinstance(key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey) else hashes.SHA256()


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write `path` whole or not at all: a process reading it never sees half a file."""
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise _unwritable(path.parent, error) from None
    try:
        with os.fdopen(descriptor, "wb") as file:
            os.fchmod(file.fileno(), mode)
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise _unwritable(path, error) from None


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _public_der(key: PublicKeyTypes) -> bytes:
    """The key as DER SubjectPublicKeyInfo: compares two public keys of any kind."""
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)
