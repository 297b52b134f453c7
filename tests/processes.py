"""Services as real processes, the way they run in production (TLS, mutual TLS to accounts, roles), each against its
own fresh database if asked."""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.accounts.config import Settings
from services.common.security import parse_callers
from tools import devpki
from tools.devdb import free_port
from tools.kit import channel

ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def pki() -> Path:
    """The test session's development PKI (a CA, both services' server certificates, every caller's client
    certificate), made once in a temporary folder."""
    return devpki.ensure(Path(tempfile.mkdtemp(prefix="gongji-test-pki-")))


def accounts_settings(database_url: str, **overrides: Any) -> Settings:
    """Accounts in-process as it runs for real: TLS, mutual TLS with the session PKI's callers, on a free port."""
    pki_dir = pki()
    values: dict[str, Any] = {
        "database_url": database_url,
        "port": 0,
        "host": "127.0.0.1",
        "sweep_interval_s": 0.2,
        "tls_cert": pki_dir / "accounts-server.pem",
        "tls_key": pki_dir / "accounts-server.key",
        "client_ca": pki_dir / "ca.pem",
        "callers": parse_callers(devpki.ACCOUNTS_CALLERS),
    }
    return Settings(**{**values, **overrides})


def service_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "gen")])
    env.update(extra)
    return env


async def fresh_database(url: str) -> str:
    """A new, empty database on the same server as `url` (for tests that need ids to start at 1)."""
    name = "t_" + uuid.uuid4().hex[:12]
    base, _, _ = url.rpartition("/")
    conn = await asyncpg.connect(base + "/postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{base}/{name}"


def migrate(service: str, database_url: str) -> None:
    subprocess.run(
        [sys.executable, "-m", f"services.{service}", "migrate"],
        env=service_env(DATABASE_URL=database_url),
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


@dataclass
class Process:
    name: str
    port: int
    popen: subprocess.Popen[bytes]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def kill(self) -> None:
        """kill -9: no chance to clean up, as in a crash."""
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


async def start(
    service: str, port: int = 0, log_path: Path | None = None, institution_certificates: bool = False, **env: str
) -> Process:
    """Starts `python -m services.<service> serve` on `port` (a free one if 0) with the session PKI's TLS settings
    (settlement: institutions with tokens, unless `institution_certificates`); waits until health says SERVING.
    Its JSON logs go to `log_path` when given."""
    port = port or free_port()
    port_var = f"GONGJI_{service.upper()}_PORT"
    log_file = open(log_path, "ab") if log_path else None  # noqa: SIM115 - the child keeps writing to it
    popen = subprocess.Popen(
        [sys.executable, "-m", f"services.{service}", "serve"],
        cwd=ROOT,
        stderr=log_file,
        env=service_env(
            **{
                port_var: str(port),
                f"GONGJI_{service.upper()}_HOST": "127.0.0.1",
                f"GONGJI_{service.upper()}_METRICS_PORT": "0",
                **devpki.service_env(service, pki(), institution_certificates=institution_certificates),
                **env,
            }
        ),
    )
    process = Process(service, port, popen)
    deadline = time.monotonic() + 30
    async with channel(process.address, pki(), "grpcurl") as health_channel:
        stub = health_pb2_grpc.HealthStub(health_channel)
        while time.monotonic() < deadline:
            if popen.poll() is not None:
                raise RuntimeError(f"{service} exited with {popen.returncode}")
            try:
                reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return process
            except grpc.aio.AioRpcError:
                await asyncio.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{service} did not become healthy")
