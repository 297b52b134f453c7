"""A development PKI for `make run` and the tests: one CA, a server certificate per service, and a client certificate
per caller identity — never used in production (where the bureau's own CA issues them; see README "Security model").

The identity of a client certificate is its subject's commonName (CN): an accounts role's caller name, or an
institution's fixmedins_code. Files go to one folder, `<name>.pem` (certificate) and `<name>.key` (private key),
and are reused on the next run while they are valid.

    python -m tools.devpki [--dir .data/pki]
"""

from __future__ import annotations

import argparse
import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEV_INSTITUTION = "H63010000001"
SERVERS = ("accounts", "settlement")
# Client identities: the settlement service (calling accounts), one caller per accounts role, an institution, and
# the identity the README's grpcurl lines use for looking around (read-only).
CLIENTS = ("settlement", "registry", "member-service", "auditor", DEV_INSTITUTION, "grpcurl")
SERVER_NAMES = ("localhost", "127.0.0.1")


@dataclass(frozen=True)
class Issued:
    cert: Path
    key: Path


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "gongji development"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _write(folder: Path, name: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> Issued:
    issued = Issued(folder / f"{name}.pem", folder / f"{name}.key")
    issued.key.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    issued.key.chmod(0o644)  # development only: the services may run as another user than the one who made it
    issued.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return issued


class Authority:
    """A certificate authority that signs server and client certificates."""

    def __init__(self, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> None:
        self.cert = cert
        self.key = key

    @classmethod
    def create(cls, cn: str = "gongji development CA", days: int = 3650) -> Authority:
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(cn))
            .issuer_name(_name(cn))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    key_cert_sign=True,
                    crl_sign=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(key, hashes.SHA256())
        )
        return cls(cert, key)

    @classmethod
    def load(cls, folder: Path) -> Authority:
        cert = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())
        key = serialization.load_pem_private_key((folder / "ca.key").read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return cls(cert, key)

    def save(self, folder: Path) -> Issued:
        return _write(folder, "ca", self.cert, self.key)

    def issue(
        self,
        folder: Path,
        name: str,
        *,
        cn: str | None = None,
        server_names: tuple[str, ...] = (),
        valid_from: dt.datetime | None = None,
        days: int = 825,
    ) -> Issued:
        """Signs a certificate for `cn` (default `name`): a server's when `server_names` are given (its SANs),
        else a client's. `valid_from` and `days` can make one that is not yet or no longer valid."""
        key = ec.generate_private_key(ec.SECP256R1())
        start = valid_from or dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(cn or name))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        )
        if server_names:
            sans: list[x509.GeneralName] = []
            for n in server_names:
                try:
                    sans.append(x509.IPAddress(ipaddress.ip_address(n)))
                except ValueError:
                    sans.append(x509.DNSName(n))
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
            usage = ExtendedKeyUsageOID.SERVER_AUTH
        else:
            usage = ExtendedKeyUsageOID.CLIENT_AUTH
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        return _write(folder, name, builder.sign(self.key, hashes.SHA256()), key)


def _valid(path: Path) -> bool:
    if not path.exists():
        return False
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    return cert.not_valid_after_utc > dt.datetime.now(dt.UTC) + dt.timedelta(days=7)


def ensure(folder: Path) -> Path:
    """Creates (or reuses) the development CA and every certificate in `folder`; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    if _valid(folder / "ca.pem") and (folder / "ca.key").exists():
        ca = Authority.load(folder)
    else:
        ca = Authority.create()
        ca.save(folder)
        for stale in folder.glob("*.pem"):
            if stale.name != "ca.pem":
                stale.unlink()
    for server in SERVERS:
        if not _valid(folder / f"{server}-server.pem"):
            ca.issue(folder, f"{server}-server", cn=server, server_names=(server, *SERVER_NAMES))
    for client in CLIENTS:
        if not _valid(folder / f"{client}.pem"):
            ca.issue(folder, client)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default=".data/pki", type=Path)
    print(ensure(parser.parse_args().dir))


def impostors(folder: Path, trusted: Path, names: tuple[str, ...]) -> Path:
    """Client certificates a service must refuse, for the tests of its trust boundary: for every commonName in
    `names` (callers it knows), `stranger-<cn>` (issued by another CA), `expired-<cn>` (by the CA of `trusted`,
    valid until yesterday) and `early-<cn>` (by that CA, valid from tomorrow); and `nameless`, valid and by that CA
    but without a commonName. `trusted`'s `ca.pem` is copied beside them, so that
    `tools.kit.channel(address, folder, "expired-registry")` still trusts the servers."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ca.pem").write_bytes((trusted / "ca.pem").read_bytes())
    ca, stranger = Authority.load(trusted), Authority.create("another CA")
    now = dt.datetime.now(dt.UTC)
    for cn in names:
        stranger.issue(folder, f"stranger-{cn}", cn=cn)
        ca.issue(folder, f"expired-{cn}", cn=cn, valid_from=now - dt.timedelta(days=30), days=29)
        ca.issue(folder, f"early-{cn}", cn=cn, valid_from=now + dt.timedelta(days=1), days=30)
    # `nameless`: by the right CA, valid, but its subject has no commonName, so it names no caller.
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "gongji development")])
    nameless = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    _write(folder, "nameless", nameless, key)
    return folder


# The development callers of accounts, by certificate commonName: one per role, and grpcurl as a read-only auditor.
ACCOUNTS_CALLERS = (
    "settlement=settlement,registry=registry,member-service=member-service,auditor=auditor,grpcurl=auditor"
)


def service_env(service: str, folder: Path, *, institution_certificates: bool = True) -> dict[str, str]:
    """The TLS settings of one service on this PKI: its server certificate and, for accounts, mutual TLS with the
    development callers; for settlement, its client certificate to accounts and (unless institutions use tokens)
    mutual TLS with the development institution."""
    ca = str(folder / "ca.pem")
    prefix = f"GONGJI_{service.upper()}_"
    env = {
        prefix + "TLS_CERT": str(folder / f"{service}-server.pem"),
        prefix + "TLS_KEY": str(folder / f"{service}-server.key"),
    }
    if service == "accounts":
        env.update({"GONGJI_ACCOUNTS_CLIENT_CA": ca, "GONGJI_ACCOUNTS_CALLERS": ACCOUNTS_CALLERS})
    else:
        env.update(
            {
                "GONGJI_ACCOUNTS_CA": ca,
                "GONGJI_SETTLEMENT_CLIENT_CERT": str(folder / "settlement.pem"),
                "GONGJI_SETTLEMENT_CLIENT_KEY": str(folder / "settlement.key"),
            }
        )
        if institution_certificates:
            env.update({"GONGJI_SETTLEMENT_CLIENT_CA": ca, "GONGJI_INSTITUTIONS": DEV_INSTITUTION})
    return env


if __name__ == "__main__":
    main()
