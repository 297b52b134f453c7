"""Wires the settlement service: engine and store, accounts channel and client, the use cases' dependencies (clock,
crash hook, metrics), auth interceptor, gRPC server, recovery worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import grpc
from sqlalchemy.ext.asyncio import AsyncEngine

from gongji.settlement.v1 import settlement_pb2, settlement_pb2_grpc
from services.common import balancing, migrate
from services.common.actors import acting_as
from services.common.admission import Admission
from services.common.auth import AuthInterceptor
from services.common.db import make_engine
from services.common.leader import leading
from services.common.observability import (
    RECOVERY_ACTIONS,
    SETTLEMENT_OUTCOMES,
    ServerObservability,
    watch_batches,
    watch_pool,
)
from services.common.security import client_credentials
from services.common.server import Server, start_server
from services.common.tracing import Tracing, traced
from services.settlement.clients.accounts import AccountsClient
from services.settlement.config import Settings
from services.settlement.domain.commands import Recover
from services.settlement.domain.model import Kind, Status
from services.settlement.domain.policy import SettlementPolicy
from services.settlement.storage.store import PgStore
from services.settlement.transport.access import ACCESS, identities
from services.settlement.transport.servicer import DEADLINE_MARGIN_S, SettlementServicer
from services.settlement.usecases.deps import CrashPoint, Deps, no_crash
from services.settlement.usecases.recover import recover_once

log = logging.getLogger(__name__)

SERVICE_NAME = settlement_pb2.DESCRIPTOR.services_by_name["SettlementService"].full_name
MIGRATIONS = Path(__file__).parent / "storage" / "migrations"
SCHEMA = "settlement"


def run_migrations(database_url: str) -> None:
    migrate.upgrade(database_url, MIGRATIONS, SCHEMA)


class PrometheusMetrics:
    """gongji_settlement_outcomes_total and gongji_recovery_actions_total (services/common/observability.py)."""

    def outcome(self, kind: Kind, status: Status) -> None:
        SETTLEMENT_OUTCOMES.labels(kind.value, status.value).inc()

    def recovered(self, action: str) -> None:
        RECOVERY_ACTIONS.labels(action).inc()


def kill_at(crash_at: str) -> Callable[[CrashPoint], None]:
    """Test hook (GONGJI_CRASH_AT): die at this crash point like kill -9, to prove recovery. Never in production."""
    if not crash_at:
        return no_crash

    def crash(point: CrashPoint) -> None:
        if point.value == crash_at:
            log.warning("crash point reached", extra={"crash_point": point.value})
            os.kill(os.getpid(), signal.SIGKILL)

    return crash


RECOVERY = "RECOVERY:settlement"  # the actor of what the recovery worker does


# The advisory lock only one instance's recovery worker holds at a time (services/common/leader.py).
RECOVERY_LOCK = "gongji.settlement.recovery"


# Beyond the longest wait: the intent's write and the last bookkeeping after the wait, and clocks a little apart.
PENDING_SLACK_S = 1.0


def recover_command(settings: Settings) -> Recover:
    """What the recovery worker works on. A PENDING payment is abandoned only when no POS call can still be waiting
    on it: every call's wait for accounts is capped at accounts_max_wait_s (plus our bookkeeping margin) from the
    moment it wrote or touched the intent (usecases/pay.py), so a payment unchanged for longer has nobody waiting."""
    waits_s = settings.accounts_max_wait_s + DEADLINE_MARGIN_S + PENDING_SLACK_S
    return Recover(settings.recovery_grace_s, pending_grace_s=waits_s)


async def recovery_round(
    deps: Deps, settings: Settings, engine: AsyncEngine, command: Recover | None = None
) -> int | None:
    """One round of the recovery worker, if this instance leads it: among several instances on one database, one
    round runs at a time, so no two instances work on the same settlement. Returns how many it moved on, or None
    when another instance holds the round."""
    actor = acting_as.set(RECOVERY)
    try:
        async with leading(engine, RECOVERY_LOCK) as leader:
            if not leader:
                return None
            budget_s = settings.accounts_timeout_s * settings.accounts_attempts
            return await recover_once(deps, command or recover_command(settings), budget_s)
    finally:
        acting_as.reset(actor)


async def _recovery(deps: Deps, settings: Settings, engine: AsyncEngine) -> None:
    """On start and then periodically: finish what crashes and lost answers left unfinished."""
    while True:
        try:
            moved = await recovery_round(deps, settings, engine)
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
    deps: Deps
    worker: asyncio.Task[None]

    async def stop(self, grace_s: float) -> None:
        await self.server.stop(grace_s)
        self.worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.worker
        await self.channel.close()
        await self.engine.dispose()


# Accounts' instances are healthy for settlement when this service of theirs says SERVING.
ACCOUNTS_HEALTH = "gongji.accounts.v1.PaymentService"
ACCOUNTS_TLS_NAME = "accounts"  # what a list of accounts' addresses checks their certificates against by default


def _accounts_channel(settings: Settings, tracing: Tracing | None = None) -> grpc.aio.Channel:
    """Settlement's one channel to accounts: mutual TLS with its own client certificate, round robin over every
    accounts instance in GONGJI_ACCOUNTS_ADDR that says SERVING (services/common/balancing.py)."""
    interceptors = [] if tracing is None else [tracing.client_interceptor()]
    target = balancing.target(settings.accounts_addr)
    tls_name = settings.accounts_tls_name or (ACCOUNTS_TLS_NAME if balancing.is_list(settings.accounts_addr) else "")
    options = balancing.channel_options(ACCOUNTS_HEALTH, tls_name, wait_for_ready=True)
    material = settings.accounts_credentials()
    if material is None:
        return grpc.aio.insecure_channel(target, options=options, interceptors=interceptors)
    return grpc.aio.secure_channel(target, client_credentials(*material), options=options, interceptors=interceptors)


async def start(settings: Settings, tracing: Tracing | None = None) -> SettlementApp:
    """`tracing`: spans of every call, call to accounts and statement (services/common/tracing.py); None: none."""
    engine = make_engine(settings.database_url, settings.db_pool_size)
    if tracing is not None:
        tracing.instrument(engine)
    channel = _accounts_channel(settings, tracing)
    store = PgStore(engine)
    accounts = AccountsClient(channel, settings.accounts_timeout_s, settings.accounts_attempts)
    watch_batches("settlement", {"writes": store.writes, "lookups": store.lookups, "accounts": accounts.batcher})
    deps = Deps(
        store,
        accounts,
        settings.credential_hash_key,
        crash=kill_at(settings.crash_at),
        metrics=PrometheusMetrics(),
        policy=SettlementPolicy.load(settings.policy_file),
        institution_regions=settings.institution_regions,
    )
    servicer = SettlementServicer(deps, settings.accounts_max_wait_s, settings.accounts_min_wait_s)
    server = await start_server(
        lambda s: settlement_pb2_grpc.add_SettlementServiceServicer_to_server(servicer, s),  # type: ignore[no-untyped-call]
        [SERVICE_NAME],
        f"{settings.host}:{settings.port}",
        settings.server_credentials(client_ca_required=False),
        interceptors=[
            ServerObservability(SERVICE_NAME),
            *traced(tracing),
            Admission(settings.max_in_flight),
            AuthInterceptor(identities(settings), ACCESS),
        ],
        reflection_on=settings.reflection_on,
        metrics=(settings.metrics_host, settings.metrics_port) if settings.metrics_port is not None else None,
        reuse_port=settings.workers > 1,
    )
    watch_pool("settlement", engine)
    worker = asyncio.create_task(_recovery(deps, settings, engine))
    return SettlementApp(server, engine, channel, deps, worker)
