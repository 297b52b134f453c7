"""Wires the settlement service: engine, accounts channel, auth interceptor, gRPC server, recovery worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path

import grpc
from sqlalchemy.ext.asyncio import AsyncEngine

from gongji.settlement.v1 import settlement_pb2, settlement_pb2_grpc
from services.common import migrate
from services.common.db import make_engine
from services.common.observability import (
    CorrelationClientInterceptor,
    ServerObservability,
    start_metrics_server,
    watch_pool,
)
from services.common.server import Server, start_server
from services.settlement.clients.accounts import AccountsClient
from services.settlement.config import Settings
from services.settlement.service import SettlementService
from services.settlement.transport.auth import InstitutionAuthInterceptor
from services.settlement.transport.servicer import SettlementServicer

log = logging.getLogger(__name__)

SERVICE_NAME = settlement_pb2.DESCRIPTOR.services_by_name["SettlementService"].full_name
MIGRATIONS = Path(__file__).parent / "storage" / "migrations"
SCHEMA = "settlement"


def run_migrations(database_url: str) -> None:
    migrate.upgrade(database_url, MIGRATIONS, SCHEMA)


async def _recovery(service: SettlementService, settings: Settings) -> None:
    """On start and then periodically: finish what crashes and lost answers left unfinished."""
    while True:
        try:
            moved = await service.recover_once(settings.recovery_grace_s,
                                               settings.accounts_timeout_s * settings.accounts_attempts)
            if moved:
                log.info("recovery finished unfinished work", extra={"moved": moved})
        except Exception:  # noqa: BLE001 - the worker must outlive a database or accounts outage
            log.exception("recovery round failed")
        await asyncio.sleep(settings.recovery_interval_s)


@dataclass
class SettlementApp:
    server: Server
    engine: AsyncEngine
    channel: grpc.aio.Channel
    service: SettlementService
    worker: asyncio.Task[None]

    async def stop(self, grace_s: float) -> None:
        await self.server.stop(grace_s)
        self.worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.worker
        await self.channel.close()
        await self.engine.dispose()


async def start(settings: Settings) -> SettlementApp:
    engine = make_engine(settings.database_url, settings.db_pool_size)
    channel = grpc.aio.insecure_channel(settings.accounts_addr, interceptors=[CorrelationClientInterceptor()])
    service = SettlementService(engine, AccountsClient(channel, settings.accounts_timeout_s,
                                                       settings.accounts_attempts), settings.crash_at)
    servicer = SettlementServicer(service)
    server = await start_server(
        lambda s: settlement_pb2_grpc.add_SettlementServiceServicer_to_server(servicer, s),  # type: ignore[no-untyped-call]
        [SERVICE_NAME], f"{settings.host}:{settings.port}",
        interceptors=[ServerObservability(SERVICE_NAME), InstitutionAuthInterceptor(settings.tokens)])
    watch_pool("settlement", engine)
    if settings.metrics_port is not None:
        log.info("metrics on /metrics", extra={"metrics_port": start_metrics_server(settings.metrics_port)})
    worker = asyncio.create_task(_recovery(service, settings))
    return SettlementApp(server, engine, channel, service, worker)
