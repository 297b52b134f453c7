"""Settings of the accounts service, read once from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from services.common.security import SecureServerSettings, parse_callers
from services.common.settings import Env

REPO_ROOT = Path(__file__).resolve().parents[2]
DEV_ID_HASH_KEY = "gongji-dev-only-key"


@dataclass(frozen=True)
class Settings(SecureServerSettings):
    database_url: str
    port: int = 50051
    host: str = "0.0.0.0"
    metrics_port: int | None = None  # None: no /metrics (in-process tests); 0: any free port
    policy_file: Path = REPO_ROOT / "config" / "policy.toml"
    id_hash_key: bytes = DEV_ID_HASH_KEY.encode()
    sweep_interval_s: float = 1.0
    shutdown_grace_s: float = 10.0
    db_pool_size: int = 10
    # Calls in flight in one process; one more is refused at once (RESOURCE_EXHAUSTED OVERLOADED, with RetryInfo).
    max_in_flight: int = 512
    # Who may call, by the commonName of their client certificate: {CN: role}, roles as in transport/access.py.
    callers: dict[str, str] = field(default_factory=dict)

    ENV: ClassVar[Mapping[str, Env]] = {
        "database_url": Env("DATABASE_URL", hint="make run sets it for the embedded PostgreSQL"),
        "port": Env("GONGJI_ACCOUNTS_PORT", int),
        "host": Env("GONGJI_ACCOUNTS_HOST"),
        "metrics_port": Env("GONGJI_ACCOUNTS_METRICS_PORT", int, unset=9101),  # a running service has /metrics
        "policy_file": Env("GONGJI_POLICY_FILE", Path),
        "id_hash_key": Env("GONGJI_ID_HASH_KEY", str.encode),
        "sweep_interval_s": Env("GONGJI_SWEEP_INTERVAL_S", float),
        "shutdown_grace_s": Env("GONGJI_SHUTDOWN_GRACE_S", float),
        "db_pool_size": Env("GONGJI_DB_POOL_SIZE", int),
        "max_in_flight": Env("GONGJI_ACCOUNTS_MAX_IN_FLIGHT", int),
        "callers": Env("GONGJI_ACCOUNTS_CALLERS", parse_callers),
        **SecureServerSettings.security_env("accounts"),
    }
