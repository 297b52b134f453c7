"""Settings of the accounts service, read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEV_ID_HASH_KEY = "gongji-dev-only-key"


@dataclass(frozen=True)
class Settings:
    database_url: str
    port: int = 50051
    host: str = "0.0.0.0"
    metrics_port: int | None = None  # None: no /metrics (in-process tests); 0: any free port
    policy_file: Path = REPO_ROOT / "config" / "policy.toml"
    id_hash_key: bytes = DEV_ID_HASH_KEY.encode()
    sweep_interval_s: float = 1.0
    shutdown_grace_s: float = 10.0
    db_pool_size: int = 10

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        url = env.get("DATABASE_URL")
        if not url:
            raise SystemExit("DATABASE_URL is not set (make run sets it for the embedded PostgreSQL)")
        return cls(
            database_url=url,
            port=int(env.get("GONGJI_ACCOUNTS_PORT", "50051")),
            host=env.get("GONGJI_ACCOUNTS_HOST", "0.0.0.0"),
            metrics_port=int(env.get("GONGJI_ACCOUNTS_METRICS_PORT", "9101")),
            policy_file=Path(env.get("GONGJI_POLICY_FILE", str(REPO_ROOT / "config" / "policy.toml"))),
            id_hash_key=env.get("GONGJI_ID_HASH_KEY", DEV_ID_HASH_KEY).encode(),
            sweep_interval_s=float(env.get("GONGJI_SWEEP_INTERVAL_S", "1.0")),
            shutdown_grace_s=float(env.get("GONGJI_SHUTDOWN_GRACE_S", "10")),
            db_pool_size=int(env.get("GONGJI_DB_POOL_SIZE", "10")),
        )
