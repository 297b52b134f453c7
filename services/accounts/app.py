"""Wires the accounts service: engine, policy, servicer, gRPC server, and the expired-hold sweeper."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path

import grpc
from sqlalchemy.ext.asyncio import AsyncEngine

from gongji.accounts.v1 import (
    family_service_pb2_grpc,
    ledger_service_pb2_grpc,
    payment_service_pb2_grpc,
    registry_service_pb2_grpc,
)
from services.accounts.config import Settings
from services.accounts.domain.policy import PolicyBook
from services.accounts.storage import act_as, reservations
from services.accounts.transport.access import ACCESS
from services.accounts.transport.servicers import FamilyServicer, LedgerServicer, PaymentServicer, RegistryServicer
from services.accounts.usecases import payments
from services.accounts.usecases.env import Env
from services.common import migrate
from services.common.admission import Admission
from services.common.auth import AuthInterceptor
from services.common.db import make_engine
from services.common.observability import (
    OPEN_RESERVATIONS,
    ServerObservability,
    watch_pool,
)
from services.common.security import Identities
from services.common.server import Server, start_server
from services.common.tracing import Tracing, traced

log = logging.getLogger(__name__)

# The accounts service's gRPC services, one per kind of caller, with the function that adds each to a server.
SERVICES = {
    "gongji.accounts.v1.RegistryService": (
        RegistryServicer,
        registry_service_pb2_grpc.add_RegistryServiceServicer_to_server,
    ),
    "gongji.accounts.v1.FamilyService": (FamilyServicer, family_service_pb2_grpc.add_FamilyServiceServicer_to_server),
    "gongji.accounts.v1.PaymentService": (
        PaymentServicer,
        payment_service_pb2_grpc.add_PaymentServiceServicer_to_server,
    ),
    "gongji.accounts.v1.LedgerService": (LedgerServicer, ledger_service_pb2_grpc.add_LedgerServiceServicer_to_server),
}
MIGRATIONS = Path(__file__).parent / "storage" / "migrations"
SCHEMA = "accounts"


def run_migrations(database_url: str) -> None:
    migrate.upgrade(database_url, MIGRATIONS, SCHEMA)


SWEEPER = "SYSTEM:accounts-sweeper"  # the actor of what the sweeper changes


async def sweep_expired(engine: AsyncEngine, env: Env, batch: int = 100) -> int:
    """Releases up to `batch` holds whose time is up, each in its own transaction that first claims it
    (reservations.claim_expired: FOR UPDATE SKIP LOCKED), so that the sweepers of several instances never release
    the same hold twice nor wait on each other. Returns how many this sweeper released."""
    released = 0
    looked_at: list[int] = []
    for _ in range(batch):
        async with engine.connect() as conn, conn.begin():
            reservation_id = await reservations.claim_expired(conn, env.now(), looked_at)
            if reservation_id is None:
                break
            looked_at.append(reservation_id)
            await act_as(conn, SWEEPER)
            released += await payments.expire(conn, env, reservation_id)
    return released


async def _sweeper(engine: AsyncEngine, env: Env, interval_s: float) -> None:
    while True:
        try:
            if await sweep_expired(engine, env):
                continue
            async with engine.connect() as conn, conn.begin():
                OPEN_RESERVATIONS.set(await reservations.open_count(conn))
        except Exception:  # noqa: BLE001 - the sweeper must outlive a database hiccup
            log.exception("sweeping expired holds failed")
        await asyncio.sleep(interval_s)


@dataclass
class AccountsApp:
    server: Server
    engine: AsyncEngine
    sweeper: asyncio.Task[None]

    async def stop(self, grace_s: float) -> None:
        await self.server.stop(grace_s)
        self.sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.sweeper
        await self.engine.dispose()


async def start(settings: Settings, tracing: Tracing | None = None) -> AccountsApp:
    """`tracing`: spans of every call and statement (services/common/tracing.py); None, the default: none."""
    env = Env(PolicyBook.load(settings.policy_file), settings.id_hash_key)
    engine = make_engine(settings.database_url, settings.db_pool_size)
    if tracing is not None:
        tracing.instrument(engine)

    def add_services(server: grpc.aio.Server) -> None:
        for servicer, add in SERVICES.values():
            add(servicer(engine, env), server)  # type: ignore[no-untyped-call]

    identities = Identities(certificates=settings.callers, tokens={})
    server = await start_server(
        add_services,
        list(SERVICES),
        f"{settings.host}:{settings.port}",
        settings.server_credentials(client_ca_required=True),
        interceptors=[
            ServerObservability(),
            *traced(tracing),
            Admission(settings.max_in_flight),
            AuthInterceptor(identities, ACCESS),
        ],
        reflection_on=settings.reflection_on,
        metrics=(settings.metrics_host, settings.metrics_port) if settings.metrics_port is not None else None,
        reuse_port=settings.workers > 1,
    )
    watch_pool("accounts", engine)
    sweeper = asyncio.create_task(_sweeper(engine, env, settings.sweep_interval_s))
    return AccountsApp(server, engine, sweeper)
