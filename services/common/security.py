"""Transport security every gongji service shares: TLS material from configuration, the development switches that
are the only way around it, and how caller identities are configured.

A service serves TLS with its certificate and key. With a client CA it requires every caller to present a
certificate that CA issued (mutual TLS), and the caller's identity is the certificate subject's commonName (CN).
Without one, a caller names itself with a bearer token. Either way configuration maps the identity to a role.
Plaintext exists only in development (`GONGJI_ENVIRONMENT=development` and `GONGJI_PLAINTEXT=1`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import grpc

from services.common.settings import Env, EnvSettings


class Environment(StrEnum):
    PRODUCTION = "production"
    DEVELOPMENT = "development"


@dataclass(frozen=True)
class Caller:
    """Who is calling: an identity (a certificate's CN, or a token's name) and the role configuration gives it."""

    identity: str
    role: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_callers(value: str) -> dict[str, str]:
    """'CN=role,CN=role' -> {CN: role}: the certificate identities a service accepts, and their roles."""
    out: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        identity, _, role = item.partition("=")
        if not identity or not role:
            raise ValueError(f"expected IDENTITY=ROLE, got {item!r}")
        out[identity] = role
    return out


@dataclass(frozen=True)
class Identities:
    """The callers a service knows: certificate identities (CN -> role) and tokens (sha256 of the token -> caller).
    Only hashes of tokens are ever configured."""

    certificates: Mapping[str, str]
    tokens: Mapping[str, Caller]

    def by_certificate(self, common_name: str) -> Caller | None:
        role = self.certificates.get(common_name)
        return Caller(common_name, role) if role else None

    def by_token(self, token: str) -> Caller | None:
        return self.tokens.get(token_hash(token))


@dataclass(frozen=True)
class Tls:
    """A service's TLS material. `client_ca` set: mutual TLS, every caller presents a certificate it issued."""

    cert: Path | None = None
    key: Path | None = None
    client_ca: Path | None = None

    def server_credentials(self) -> grpc.ServerCredentials:
        assert self.cert is not None and self.key is not None
        return grpc.ssl_server_credentials(
            [(read_tls_file(self.key), read_tls_file(self.cert))],
            root_certificates=read_tls_file(self.client_ca) if self.client_ca else None,
            require_client_auth=self.client_ca is not None,
        )


def read_tls_file(path: Path) -> bytes:
    """A certificate's or key's bytes; one that cannot be read stops the service with one line naming the file."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SystemExit(f"cannot read the TLS file {path}: {exc.strerror or exc}") from None


def client_credentials(ca: Path, cert: Path | None = None, key: Path | None = None) -> grpc.ChannelCredentials:
    """Credentials of a TLS client that trusts `ca`, presenting `cert` (mutual TLS) when given."""
    return grpc.ssl_channel_credentials(
        root_certificates=read_tls_file(ca),
        private_key=read_tls_file(key) if key else None,
        certificate_chain=read_tls_file(cert) if cert else None,
    )


def check_tls(
    environment: Environment, plaintext: bool, tls: Tls, names: Mapping[str, str], client_ca_required: bool
) -> None:
    """Refuses to start without TLS material, naming the missing setting; plaintext only as a development switch.
    `names` maps the fields of `Tls` (and "plaintext", "environment") to the variables that set them."""
    if plaintext:
        if environment is not Environment.DEVELOPMENT:
            raise SystemExit(
                f"{names['plaintext']}=1 is a development switch: it needs {names['environment']}=development"
            )
        return
    missing = [names[f] for f in ("cert", "key") if getattr(tls, f) is None]
    if client_ca_required and tls.client_ca is None:
        missing.append(names["client_ca"])
    if missing:
        raise SystemExit(f"TLS is required: set {', '.join(missing)} (or, in development only, {names['plaintext']}=1)")
    for field in ("cert", "key", "client_ca"):
        path = getattr(tls, field)
        if path is not None and not path.is_file():
            raise SystemExit(f"{names[field]}={path}: no such file")


def flag(value: str) -> bool:
    """A yes/no setting: 1/true/yes or 0/false/no."""
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes"):
        return True
    if lowered in ("0", "false", "no", ""):
        return False
    raise ValueError("expected 1 or 0")


@dataclass(frozen=True, kw_only=True)
class SecureServerSettings(EnvSettings):
    """The settings every gongji server has for its own security, whatever else it has."""

    environment: Environment = Environment.PRODUCTION
    plaintext: bool = False  # development only: no TLS at all
    tls_cert: Path | None = None
    tls_key: Path | None = None
    client_ca: Path | None = None
    reflection: bool | None = None  # None: on in development, off in production
    metrics_host: str = "127.0.0.1"  # /metrics and /healthz (plain HTTP, for scrapers and probes)
    workers: int = 1  # serving processes on the one port (SO_REUSEPORT); each has its own pool and call limit

    @staticmethod
    def security_env(service: str) -> dict[str, Env]:
        prefix = f"GONGJI_{service.upper()}_"
        return {
            "environment": Env("GONGJI_ENVIRONMENT", Environment),
            "plaintext": Env("GONGJI_PLAINTEXT", flag),
            "tls_cert": Env(prefix + "TLS_CERT", Path),
            "tls_key": Env(prefix + "TLS_KEY", Path),
            "client_ca": Env(prefix + "CLIENT_CA", Path),
            "reflection": Env("GONGJI_REFLECTION", flag),
            "metrics_host": Env("GONGJI_METRICS_HOST"),
            "workers": Env("GONGJI_WORKERS", int),
        }

    @property
    def tls(self) -> Tls:
        return Tls(self.tls_cert, self.tls_key, self.client_ca)

    @property
    def reflection_on(self) -> bool:
        return self.environment is Environment.DEVELOPMENT if self.reflection is None else self.reflection

    def server_credentials(self, client_ca_required: bool) -> grpc.ServerCredentials | None:
        """Checks the TLS settings (a missing one is named) and returns the server's credentials; None only for
        the development plaintext switch."""
        names = {f: self.env_var(f) for f in ("plaintext", "environment")}
        names.update(cert=self.env_var("tls_cert"), key=self.env_var("tls_key"), client_ca=self.env_var("client_ca"))
        check_tls(self.environment, self.plaintext, self.tls, names, client_ca_required)
        return None if self.plaintext else self.tls.server_credentials()
