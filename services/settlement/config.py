"""Settings of the settlement service, read once from the environment."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from services.common.balancing import check_addresses
from services.common.security import SecureServerSettings, token_hash
from services.common.settings import Env

INSTITUTION = "institution"  # the one role of settlement's callers: a designated institution (定点医药机构)
DEV_CREDENTIAL_HASH_KEY = "gongji-dev-only-credential-key"


def parse_tokens(value: str) -> dict[str, str]:
    """GONGJI_INSTITUTION_TOKENS: 'CODE:sha256hex,CODE:sha256hex' -> {sha256hex: CODE}. Only hashes are configured."""
    out: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        code, _, digest = item.partition(":")
        if not code or len(digest) != 64:
            raise ValueError(f"expected CODE:sha256hex, got {code!r}")
        out[digest.lower()] = code
    return out


def parse_regions(value: str) -> dict[str, str]:
    """GONGJI_INSTITUTION_REGIONS: 'CODE=630102,CODE=632801' -> {CODE: region}."""
    out: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        code, _, region = item.partition("=")
        if not code or not re.fullmatch(r"[0-9]{6}", region):
            raise ValueError(f"expected CODE=6-digit region, got {item!r}")
        out[code] = region
    return out


def parse_codes(value: str) -> frozenset[str]:
    return frozenset(filter(None, (part.strip() for part in value.split(","))))


@dataclass(frozen=True)
class Settings(SecureServerSettings):
    database_url: str
    # One address, a comma-separated list of IP addresses, or a gRPC target such as dns:///accounts:50051
    # (services/common/balancing.py): calls go round robin to the instances that say SERVING.
    accounts_addr: str = "127.0.0.1:50051"
    # The name accounts' certificates are checked against; "" = the address's host, or "accounts" for a list.
    accounts_tls_name: str = ""
    port: int = 50052
    host: str = "0.0.0.0"
    metrics_port: int | None = None  # None: no /metrics; 0: any free port
    # Institutions by their client certificate's commonName (their fixmedins_code), with mutual TLS (client_ca set).
    institutions: frozenset[str] = frozenset()
    tokens: dict[str, str] = field(default_factory=dict)  # sha256(token) -> institution code, without mutual TLS
    # Where each institution is (its region code), where its national code does not say it (domain/model.py).
    institution_regions: dict[str, str] = field(default_factory=dict)
    # Calling accounts: the CA its certificate comes from, and settlement's own client certificate.
    accounts_ca: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    # Calling accounts: each attempt waits at most accounts_timeout_s; a POS's call tries again until its deadline
    # (less a margin), at most accounts_max_wait_s, and is refused at once when that leaves less than
    # accounts_min_wait_s; work nobody waits for (the recovery worker) gets accounts_timeout_s × accounts_attempts.
    accounts_timeout_s: float = 2.0
    accounts_attempts: int = 3
    accounts_max_wait_s: float = 30.0
    accounts_min_wait_s: float = 0.1
    # Calls in flight in one process; one more is refused at once (RESOURCE_EXHAUSTED OVERLOADED, with RetryInfo).
    max_in_flight: int = 512
    recovery_interval_s: float = 5.0
    recovery_grace_s: float = 30.0
    shutdown_grace_s: float = 10.0
    db_pool_size: int = 10
    # The key of the keyed hash (HMAC) under which a payer's credential number is stored: never the number itself.
    credential_hash_key: bytes = DEV_CREDENTIAL_HASH_KEY.encode()
    crash_at: str = ""  # test hook: die at this crash point
    policy_file: Path = Path(__file__).resolve().parents[2] / "config" / "settlement_policy.toml"

    ENV: ClassVar[Mapping[str, Env]] = {
        "database_url": Env("DATABASE_URL", hint="make run sets it for the embedded PostgreSQL"),
        "accounts_addr": Env("GONGJI_ACCOUNTS_ADDR", check_addresses),
        "accounts_tls_name": Env("GONGJI_ACCOUNTS_TLS_NAME"),
        "port": Env("GONGJI_SETTLEMENT_PORT", int),
        "host": Env("GONGJI_SETTLEMENT_HOST"),
        "metrics_port": Env("GONGJI_SETTLEMENT_METRICS_PORT", int, unset=9102),  # a running service has /metrics
        "institutions": Env("GONGJI_INSTITUTIONS", parse_codes),
        "tokens": Env("GONGJI_INSTITUTION_TOKENS", parse_tokens),
        "institution_regions": Env("GONGJI_INSTITUTION_REGIONS", parse_regions),
        "accounts_ca": Env("GONGJI_ACCOUNTS_CA", Path),
        "client_cert": Env("GONGJI_SETTLEMENT_CLIENT_CERT", Path),
        "client_key": Env("GONGJI_SETTLEMENT_CLIENT_KEY", Path),
        "accounts_timeout_s": Env("GONGJI_ACCOUNTS_TIMEOUT_S", float),
        "accounts_attempts": Env("GONGJI_ACCOUNTS_ATTEMPTS", int),
        "accounts_max_wait_s": Env("GONGJI_ACCOUNTS_MAX_WAIT_S", float),
        "accounts_min_wait_s": Env("GONGJI_ACCOUNTS_MIN_WAIT_S", float),
        "max_in_flight": Env("GONGJI_SETTLEMENT_MAX_IN_FLIGHT", int),
        "recovery_interval_s": Env("GONGJI_RECOVERY_INTERVAL_S", float),
        "recovery_grace_s": Env("GONGJI_RECOVERY_GRACE_S", float),
        "shutdown_grace_s": Env("GONGJI_SHUTDOWN_GRACE_S", float),
        "db_pool_size": Env("GONGJI_DB_POOL_SIZE", int),
        "credential_hash_key": Env("GONGJI_CREDENTIAL_HASH_KEY", str.encode),
        "crash_at": Env("GONGJI_CRASH_AT"),
        "policy_file": Env("GONGJI_SETTLEMENT_POLICY_FILE", Path),
        **SecureServerSettings.security_env("settlement"),
    }

    def accounts_credentials(self) -> tuple[Path, Path, Path] | None:
        """The CA and client certificate settlement calls accounts with (mutual TLS); None only in plaintext
        development. A missing one is named."""
        if self.plaintext:
            return None
        fields = ("accounts_ca", "client_cert", "client_key")
        missing = [self.env_var(f) for f in fields if getattr(self, f) is None]
        if missing:
            raise SystemExit(f"calling accounts needs mutual TLS: set {', '.join(missing)}")
        for name, pem in zip(fields, ("CERTIFICATE", "CERTIFICATE", "PRIVATE KEY"), strict=True):
            path: Path = getattr(self, name)
            if not path.is_file() or not re.search(
                rf"-----BEGIN (EC |RSA )?{pem}-----", path.read_text(errors="replace")
            ):
                raise SystemExit(f"{self.env_var(name)}={path}: not a readable PEM {pem.lower()}")
        assert self.accounts_ca and self.client_cert and self.client_key
        return self.accounts_ca, self.client_cert, self.client_key


__all__ = ["Settings", "INSTITUTION", "token_hash"]
