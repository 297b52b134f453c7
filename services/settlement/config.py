"""Settings of the settlement service, read once from the environment."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field

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
class Settings:
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

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        url = env.get("DATABASE_URL")
        if not url:
            raise SystemExit("DATABASE_URL is not set (make run sets it for the embedded PostgreSQL)")
        tokens = parse_tokens(env.get("GONGJI_INSTITUTION_TOKENS", ""))
        if env.get("GONGJI_DEV_MODE") == "1":
            tokens[token_hash(DEV_TOKEN)] = DEV_INSTITUTION_CODE
        return cls(
            database_url=url,
            accounts_addr=env.get("GONGJI_ACCOUNTS_ADDR", "127.0.0.1:50051"),
            port=int(env.get("GONGJI_SETTLEMENT_PORT", "50052")),
            host=env.get("GONGJI_SETTLEMENT_HOST", "0.0.0.0"),
            metrics_port=int(env.get("GONGJI_SETTLEMENT_METRICS_PORT", "9102")),
            tokens=tokens,
            accounts_timeout_s=float(env.get("GONGJI_ACCOUNTS_TIMEOUT_S", "2.0")),
            accounts_attempts=int(env.get("GONGJI_ACCOUNTS_ATTEMPTS", "3")),
            recovery_interval_s=float(env.get("GONGJI_RECOVERY_INTERVAL_S", "5")),
            recovery_grace_s=float(env.get("GONGJI_RECOVERY_GRACE_S", "30")),
            shutdown_grace_s=float(env.get("GONGJI_SHUTDOWN_GRACE_S", "10")),
            db_pool_size=int(env.get("GONGJI_DB_POOL_SIZE", "10")),
            crash_at=env.get("GONGJI_CRASH_AT", ""),
        )
