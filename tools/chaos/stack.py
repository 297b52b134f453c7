"""What the chaos soak runs on, all on loopback: PostgreSQL (a primary and its synchronous standby, tools/ha's
ReplicatedPostgres, when the run fails over; otherwise one server, or a database it is given), N accounts instances
each behind its own proxy (tools/chaos/proxy.py), and N settlement instances that reach accounts only through those
proxies (GONGJI_ACCOUNTS_ADDR lists them). Every instance keeps its port across kills and restarts; its JSON logs
go to <folder>/logs/<service>-<i>.log."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.common import balancing
from services.common.security import client_credentials
from tools import devpki
from tools.chaos.proxy import Proxy
from tools.devdb import EmbeddedPostgres, free_port
from tools.ha import ReplicatedPostgres
from tools.kit import ACCOUNTS_IDENTITIES, Accounts, channel

ROOT = Path(__file__).resolve().parents[2]
CREDENTIAL_HASH_KEY = "chaos-credential-key"
# Fast enough that a run's recovery finishes within its drain: unfinished work older than the grace is recovered
# (the grace stays above every POS deadline, as the README asks; a POS call waits for accounts no longer than the
# POS's own deadline, traffic.CALL_TIMEOUT_S, so a pending payment is abandoned after the grace too); holds are swept
# every half second.
SETTLEMENT_SETTINGS = {
    "GONGJI_RECOVERY_GRACE_S": "6",
    "GONGJI_RECOVERY_INTERVAL_S": "1",
    "GONGJI_ACCOUNTS_TIMEOUT_S": "1.5",
    "GONGJI_ACCOUNTS_MAX_WAIT_S": "4",
    "GONGJI_SHUTDOWN_GRACE_S": "2",
}
ACCOUNTS_SETTINGS = {"GONGJI_SWEEP_INTERVAL_S": "0.5", "GONGJI_SHUTDOWN_GRACE_S": "2"}
START_TIMEOUT_S = 60.0


class Instance:
    """One service process: started, killed with SIGKILL, restarted on the same port."""

    def __init__(self, service: str, index: int, env: dict[str, str], pki: Path, logs: Path) -> None:
        self.service = service
        self.index = index
        self.port = free_port()
        self.pki = pki
        self.log_path = logs / f"{service}-{index}.log"
        upper = service.upper()
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "gen")]),
            f"GONGJI_{upper}_PORT": str(self.port),
            f"GONGJI_{upper}_HOST": "127.0.0.1",
            f"GONGJI_{upper}_METRICS_PORT": "0",
            **devpki.service_env(service, pki),
            **env,
        }
        self.popen: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def name(self) -> str:
        return f"{self.service}[{self.index}]"

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    async def start(self) -> None:
        """Starts the process and waits until its health says SERVING (a port still held by the process just killed
        is retried)."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            with open(self.log_path, "ab") as log:
                self.popen = subprocess.Popen(
                    [sys.executable, "-m", f"services.{self.service}", "serve"], cwd=ROOT, stderr=log, env=self.env
                )
            self.starts += 1
            if await self._serving(deadline):
                return
            if time.monotonic() >= deadline:
                self.kill()
                raise RuntimeError(f"{self.name} did not become healthy; see {self.log_path}")
            await asyncio.sleep(0.5)

    async def _serving(self, deadline: float) -> bool:
        async with channel(self.address, self.pki, "grpcurl") as health_channel:
            stub = health_pb2_grpc.HealthStub(health_channel)
            while time.monotonic() < deadline:
                if not self.running:
                    return False
                try:
                    reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                    if reply.status == health_pb2.HealthCheckResponse.SERVING:
                        return True
                except grpc.aio.AioRpcError:
                    pass
                await asyncio.sleep(0.2)
        return False

    def kill(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


class Stack:
    def __init__(
        self, folder: Path, accounts: int, settlements: int, failover: bool, database_url: str | None = None
    ) -> None:
        self.folder = folder
        self.logs = folder / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.pki = devpki.ensure(folder / "pki")
        self.cluster: ReplicatedPostgres | None = None
        self.single: EmbeddedPostgres | None = None
        if database_url is None:
            if failover:
                self.cluster = ReplicatedPostgres(folder / "pg", (free_port(), free_port()), fast=True)
            else:
                self.single = EmbeddedPostgres(folder / "pg" / "single", free_port(), durable=False)
        elif failover:
            raise ValueError("a failover needs the run's own primary and standby, not a database it is given")
        self.database_url = database_url or ""
        self.accounts_count = accounts
        self.settlements_count = settlements
        self.accounts: list[Instance] = []
        self.proxies: list[Proxy] = []
        self.settlements: list[Instance] = []

    async def start(self) -> None:
        if self.cluster is not None or self.single is not None:
            (self.folder / "pg").mkdir(parents=True, exist_ok=True)
            (self.folder / "pg").chmod(0o755)
            self.folder.chmod(0o755)
        if self.cluster is not None:
            self.database_url = await asyncio.to_thread(self.cluster.start)
        elif self.single is not None:
            self.database_url = await asyncio.to_thread(self.single.start)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "gen")])}
        for service in ("accounts", "settlement"):
            await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", f"services.{service}", "migrate"],
                env={**env, "DATABASE_URL": self.database_url},
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
        db = {"DATABASE_URL": self.database_url}
        self.accounts = [
            Instance("accounts", i, {**db, **ACCOUNTS_SETTINGS}, self.pki, self.logs)
            for i in range(self.accounts_count)
        ]
        await asyncio.gather(*(a.start() for a in self.accounts))
        self.proxies = [await Proxy(a.port).start() for a in self.accounts]
        settlement_env = {
            **db,
            **SETTLEMENT_SETTINGS,
            "GONGJI_ACCOUNTS_ADDR": ",".join(p.address for p in self.proxies),
            "GONGJI_CREDENTIAL_HASH_KEY": CREDENTIAL_HASH_KEY,
        }
        self.settlements = [
            Instance("settlement", i, settlement_env, self.pki, self.logs) for i in range(self.settlements_count)
        ]
        await asyncio.gather(*(s.start() for s in self.settlements))

    def instance(self, service: str, index: int) -> Instance:
        return (self.accounts if service == "accounts" else self.settlements)[index]

    async def ensure_running(self) -> None:
        """Every instance up again (the end of the faults: whatever a kill left down is restarted)."""
        await asyncio.gather(*(i.start() for i in [*self.accounts, *self.settlements] if not i.running))

    def pos_channel(self) -> grpc.aio.Channel:
        """A POS of the development institution (its certificate), round robin over settlement's instances."""
        credentials = client_credentials(
            self.pki / "ca.pem", self.pki / f"{devpki.DEV_INSTITUTION}.pem", self.pki / f"{devpki.DEV_INSTITUTION}.key"
        )
        addresses = ",".join(s.address for s in self.settlements)
        options = balancing.channel_options("gongji.settlement.v1.SettlementService", "settlement")
        return grpc.aio.secure_channel(balancing.target(addresses), credentials, options=options)

    def admin(self) -> Accounts:
        """The registry feed, the counter and the auditor, each with its own certificate, straight to accounts'
        instances (not through the proxies, which stand between the services), round robin."""
        addresses = ",".join(a.address for a in self.accounts)
        options = balancing.channel_options("", "accounts")
        channels = {
            service: grpc.aio.secure_channel(
                balancing.target(addresses),
                client_credentials(self.pki / "ca.pem", self.pki / f"{who}.pem", self.pki / f"{who}.key"),
                options=options,
            )
            for service, who in ACCOUNTS_IDENTITIES.items()
        }
        return Accounts(channels)

    @property
    def primary_port(self) -> int | None:
        return self.cluster.primary.port if self.cluster is not None else None

    async def stop(self) -> None:
        for proxy in self.proxies:
            await proxy.close()
        await asyncio.gather(*(asyncio.to_thread(i.stop) for i in [*self.settlements, *self.accounts]))
        if self.cluster is not None:
            await asyncio.to_thread(self.cluster.stop)
        if self.single is not None:
            await asyncio.to_thread(self.single.stop)
