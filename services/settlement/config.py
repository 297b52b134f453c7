"""Settings of the settlement service, read once from the environment."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import ClassVar

from services.common.settings import Env, EnvSettings

# `make run` (GONGJI_DEV_MODE=1) accepts this institution and token, and prints them. Never in production.
DEV_INSTITUTION_CODE = "H63010000001"
DEV_TOKEN = "dev-token-H63010000001"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_tokens(value: str) -> dict[str, str]:
    """GONGJI_INSTITUTION_TOKENS: 'CODE:sha256hex,CODE:sha256hex' -> {sha256hex: CODE}. Only hashes are configured."""
    out: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        code, _, digest = item.partition(":")
        if not code or len(digest) != 64:
            raise SystemExit(f"GONGJI_INSTITUTION_TOKENS: expected CODE:sha256hex, got {code!r}")
        out[digest.lower()] = code
    return out


@dataclass(frozen=True)
class Settings(EnvSettings):
    database_url: str
    accounts_addr: str = "127.0.0.1:50051"
    port: int = 50052
    host: str = "0.0.0.0"
    metrics_port: int | None = None  # None: no /metrics; 0: any free port
    tokens: dict[str, str] = field(default_factory=dict)  # sha256(token) -> institution code
    accounts_timeout_s: float = 2.0
    accounts_attempts: int = 3
    recovery_interval_s: float = 5.0
    recovery_grace_s: float = 30.0
    shutdown_grace_s: float = 10.0
    db_pool_size: int = 10
    crash_at: str = ""  # test hook: die at this crash point

    ENV: ClassVar[Mapping[str, Env]] = {
        "database_url": Env("DATABASE_URL", hint="make run sets it for the embedded PostgreSQL"),
        "accounts_addr": Env("GONGJI_ACCOUNTS_ADDR"),
        "port": Env("GONGJI_SETTLEMENT_PORT", int),
        "host": Env("GONGJI_SETTLEMENT_HOST"),
        "metrics_port": Env("GONGJI_SETTLEMENT_METRICS_PORT", int, unset=9102),  # a running service has /metrics
        "tokens": Env("GONGJI_INSTITUTION_TOKENS", parse_tokens),
        "accounts_timeout_s": Env("GONGJI_ACCOUNTS_TIMEOUT_S", float),
        "accounts_attempts": Env("GONGJI_ACCOUNTS_ATTEMPTS", int),
        "recovery_interval_s": Env("GONGJI_RECOVERY_INTERVAL_S", float),
        "recovery_grace_s": Env("GONGJI_RECOVERY_GRACE_S", float),
        "shutdown_grace_s": Env("GONGJI_SHUTDOWN_GRACE_S", float),
        "db_pool_size": Env("GONGJI_DB_POOL_SIZE", int),
        "crash_at": Env("GONGJI_CRASH_AT"),
    }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        settings = super().from_env(environ)
        if (os.environ if environ is None else environ).get("GONGJI_DEV_MODE") == "1":
            return replace(settings, tokens={**settings.tokens, token_hash(DEV_TOKEN): DEV_INSTITUTION_CODE})
        return settings
