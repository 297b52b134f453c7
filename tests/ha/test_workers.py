"""Background workers of several instances on one database: two expired-hold sweepers (accounts) and two recovery
workers (settlement) racing over the same items process each item once. Counts and states, never timing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from sqlalchemy import text

from gongji.settlement.v1 import settlement_pb2 as pb
from gongji.settlement.v1 import settlement_pb2_grpc
from services.accounts import app as accounts_app
from services.accounts.domain.policy import PolicyBook
from services.accounts.usecases.env import Env
from services.common.db import make_engine
from services.settlement import app as settlement_app
from services.settlement.domain.commands import Recover
from tests import processes
from tests.ha import load
from tests.settlement.conftest import TOKEN_A
from tools import kit
from tools.devdb import free_port
from tools.kit import Accounts, Family, rid
from tools.kit import accounts_v1 as apb

ITEMS = 8


@pytest.fixture(scope="module")
async def fresh(database_url: str) -> AsyncIterator[tuple[str, accounts_app.AccountsApp, Accounts]]:
    """A database of their own (no other test's sweeper or recovery worker in the race), with accounts in-process;
    its own sweeper runs once at start, then not for an hour."""
    url = await processes.fresh_database(database_url)
    await asyncio.gather(
        asyncio.to_thread(processes.migrate, "accounts", url), asyncio.to_thread(processes.migrate, "settlement", url)
    )
    running = await accounts_app.start(processes.accounts_settings(url, sweep_interval_s=3600))
    client = Accounts.connect(f"127.0.0.1:{running.server.port}", processes.pki())
    yield url, running, client
    await client.close()
    await running.stop(0)


async def test_two_sweepers_release_each_expired_hold_once(fresh: Any) -> None:
    url, running, accounts = fresh
    family = Family(accounts)
    payers = [await family.person(credit_fen=10_000) for _ in range(ITEMS)]
    holds = [await family.reserve(p, 3_000, sources=(kit.OWN,)) for p in payers]
    ids = [int(h.reservation_id) for h in holds]
    settings = processes.accounts_settings(url)
    env = Env(PolicyBook.load(settings.policy_file), settings.id_hash_key)
    engines = [make_engine(url, pool_size=2) for _ in range(2)]
    try:
        async with engines[0].begin() as conn:
            await conn.execute(
                text("UPDATE accounts.reservations SET expires_at = now() - interval '1 minute' WHERE id = ANY(:ids)"),
                {"ids": ids},
            )
        released = await asyncio.gather(*(accounts_app.sweep_expired(e, env) for e in engines))
    finally:
        for e in engines:
            await e.dispose()
    assert sum(released) == ITEMS, released
    for payer in payers:
        b = await family.balances(payer)
        assert (b.personal.balance_fen, b.personal.held_fen) == (10_000, 0)
    for reservation_id in ids:
        got = await accounts.GetReservation(apb.GetReservationRequest(reservation_id=str(reservation_id)))
        assert got.reservation.status == apb.RESERVATION_STATUS_EXPIRED
    assert (await accounts.VerifyLedger(apb.VerifyLedgerRequest())).ok


async def test_two_recovery_workers_finish_each_abandoned_payment_once(fresh: Any) -> None:
    url, running, accounts = fresh
    family = Family(accounts)
    payers = [await family.person(credit_fen=10_000) for _ in range(ITEMS)]
    # Payments left PENDING: settlement could not reach accounts (nothing was held).
    cut_off = await settlement_app.start(load.settlement_settings(url, f"127.0.0.1:{free_port()}"))
    pos_txn_ids = []
    async with kit.channel(f"127.0.0.1:{cut_off.server.port}", processes.pki()) as channel:
        stub = settlement_pb2_grpc.SettlementServiceStub(channel)  # type: ignore[no-untyped-call]
        for payer in payers:
            request = pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=payer.psn_no, amount_fen=2_000, **payer.charge())
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await stub.Settle(request, metadata=[("authorization", f"Bearer {TOKEN_A}")], timeout=10)
            assert kit.reason_of(err.value) == "ACCOUNTS_UNAVAILABLE"
            pos_txn_ids.append(request.pos_txn_id)
    await cut_off.stop(0)

    # Two instances, both reaching accounts, run a recovery round at the same moment, with no grace.
    settings = load.settlement_settings(url, f"127.0.0.1:{running.server.port}")
    instances = [await settlement_app.start(settings) for _ in range(2)]
    try:
        now = Recover(grace_s=0, pending_grace_s=0)
        moved: list[int | None] = []
        for _ in range(50):  # rounds at once, four at a time, until one led (an instance's own may hold the lock)
            moved += await asyncio.gather(
                *(settlement_app.recovery_round(i.deps, settings, i.engine, now) for i in instances for _ in range(2))
            )
            if any(m is not None for m in moved):
                break
            await asyncio.sleep(0.1)
        assert sum(m or 0 for m in moved) == ITEMS, moved  # each payment moved on by exactly one round
        async with kit.channel(f"127.0.0.1:{instances[0].server.port}", processes.pki()) as channel:
            stub = settlement_pb2_grpc.SettlementServiceStub(channel)  # type: ignore[no-untyped-call]
            for pos_txn_id in pos_txn_ids:
                got = await stub.GetSettlement(
                    pb.GetSettlementRequest(pos_txn_id=pos_txn_id), metadata=[("authorization", f"Bearer {TOKEN_A}")]
                )
                assert got.settlement.status == pb.SETTLEMENT_STATUS_VOIDED
    finally:
        for i in instances:
            await i.stop(0)
    for payer in payers:
        assert await family.own_balance(payer) == 10_000
    assert (await accounts.VerifyLedger(apb.VerifyLedgerRequest())).ok
