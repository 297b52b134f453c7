"""Exactly once, whatever fails: kill -9 of the settlement process mid-payment, and accounts out of reach."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import grpc
import pytest

from gongji.settlement.v1 import settlement_pb2 as pb
from tests import processes
from tests.settlement.conftest import INSTITUTION_A, TOKEN_A, settlement_env
from tools.devdb import free_port
from tools.kit import Family, reason_of, rid
from tools.kit import accounts_v1 as apb


async def _until(check: Callable[[], Awaitable[bool]], timeout_s: float = 15) -> None:
    for _ in range(int(timeout_s / 0.2)):
        if await check():
            return
        await asyncio.sleep(0.2)
    raise AssertionError("did not converge")


async def _crashing(stack, crash_at: str) -> processes.Process:  # type: ignore[no-untyped-def]
    return await processes.start(
        "settlement", **settlement_env(stack.database_url, stack.accounts_process, GONGJI_CRASH_AT=crash_at)
    )


async def test_killed_after_the_debit_then_the_pos_retries_and_pays_once(stack) -> None:
    f = Family(stack.accounts)
    payer = await f.person(credit_fen=10_000)
    crashing = await _crashing(stack, "after_reserve")
    pos = stack.pos(TOKEN_A, crashing.address)
    request = pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=payer.psn_no, **payer.charge(), amount_fen=4_000)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await pos("Settle", request)
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE  # the process died before answering
    crashing.popen.wait(timeout=10)
    await pos.channel.close()
    assert await f.own_balance(payer) == 6_000  # accounts did debit

    restarted = await processes.start(
        "settlement", **settlement_env(stack.database_url, stack.accounts_process, GONGJI_RECOVERY_GRACE_S="30")
    )
    try:
        pos = stack.pos(TOKEN_A, restarted.address)
        done = (await pos("Settle", request)).settlement
        assert done.status == pb.SETTLEMENT_STATUS_COMPLETED
        assert done.split.acct_pay_fen == 4_000
        assert await f.own_balance(payer) == 6_000  # once, not twice
        await pos.channel.close()
    finally:
        restarted.stop()


async def test_killed_between_reserve_and_debit_and_recovery_converges(stack) -> None:
    f = Family(stack.accounts)
    payer = await f.person(credit_fen=10_000)
    crashing = await _crashing(stack, "before_capture")
    pos = stack.pos(TOKEN_A, crashing.address)
    auth = (
        await pos(
            "Authorize",
            pb.AuthorizeRequest(pos_txn_id=rid(), payer_psn_no=payer.psn_no, **payer.charge(), amount_fen=7_000),
        )
    ).settlement
    with pytest.raises(grpc.aio.AioRpcError):
        await pos("Capture", pb.CaptureRequest(settlement_id=auth.settlement_id, amount_fen=5_000))
    crashing.popen.wait(timeout=10)
    await pos.channel.close()
    assert (await f.balances(payer)).personal.held_fen == 7_000  # reserved, not debited

    restarted = await processes.start("settlement", **settlement_env(stack.database_url, stack.accounts_process))
    pos = stack.pos(TOKEN_A, restarted.address)
    try:

        async def captured() -> bool:
            s = (await pos("GetSettlement", pb.GetSettlementRequest(settlement_id=auth.settlement_id))).settlement
            return s.status == pb.SETTLEMENT_STATUS_COMPLETED

        await _until(captured)  # the recovery worker finished the capture the POS asked for
        b = await f.balances(payer)
        assert (b.personal.balance_fen, b.personal.held_fen) == (5_000, 0)
        # who did it: the institution asked; the recovery worker finished, here and at accounts
        s = (await pos("GetSettlement", pb.GetSettlementRequest(settlement_id=auth.settlement_id))).settlement
        assert (s.created_by, s.updated_by) == (f"INSTITUTION:{INSTITUTION_A}", "RECOVERY:settlement")
        records = await stack.accounts.ListTransactions(apb.ListTransactionsRequest(psn_no=payer.psn_no))
        payment = next(r for r in records.records if r.kind == apb.TRANSACTION_KIND_PAYMENT)
        assert (payment.channel, payment.actor) == ("RECOVERY", "settlement")
    finally:
        await pos.channel.close()
        restarted.stop()


async def test_an_unanswered_payment_is_compensated_by_the_recovery_worker(stack) -> None:
    f = Family(stack.accounts)
    payer = await f.person(credit_fen=10_000)
    crashing = await _crashing(stack, "after_reserve")
    pos = stack.pos(TOKEN_A, crashing.address)
    request = pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=payer.psn_no, **payer.charge(), amount_fen=3_000)
    with pytest.raises(grpc.aio.AioRpcError):
        await pos("Settle", request)
    crashing.popen.wait(timeout=10)
    await pos.channel.close()

    restarted = await processes.start("settlement", **settlement_env(stack.database_url, stack.accounts_process))
    pos = stack.pos(TOKEN_A, restarted.address)
    try:

        async def voided() -> bool:
            s = (await pos("GetSettlement", pb.GetSettlementRequest(pos_txn_id=request.pos_txn_id))).settlement
            return s.status == pb.SETTLEMENT_STATUS_VOIDED

        await _until(voided)
        assert await f.own_balance(payer) == 10_000  # paid and given back: nothing lost, nothing kept
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await pos("Settle", request)
        assert reason_of(err.value) == "PAYMENT_ABANDONED"
    finally:
        await pos.channel.close()
        restarted.stop()


async def test_accounts_down_is_unavailable_and_recovery_finishes_when_it_is_back(stack) -> None:
    f = Family(stack.accounts)
    payer = await f.person(credit_fen=10_000)
    port = free_port()
    lonely = await processes.start(
        "settlement",
        **settlement_env(
            stack.database_url,
            stack.accounts_process,
            GONGJI_ACCOUNTS_ADDR=f"127.0.0.1:{port}",
            GONGJI_ACCOUNTS_TIMEOUT_S="0.3",
        ),
    )
    pos = stack.pos(TOKEN_A, lonely.address)
    second_accounts = None
    try:
        request = pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=payer.psn_no, **payer.charge(), amount_fen=2_000)
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await pos("Settle", request, timeout=5)
        assert (err.value.code(), reason_of(err.value)) == (grpc.StatusCode.UNAVAILABLE, "ACCOUNTS_UNAVAILABLE")
        got = (await pos("GetSettlement", pb.GetSettlementRequest(pos_txn_id=request.pos_txn_id))).settlement
        assert got.status == pb.SETTLEMENT_STATUS_PENDING
        assert (await f.balances(payer)).personal.held_fen == 0  # nothing held while accounts is away

        second_accounts = await processes.start("accounts", port=port, DATABASE_URL=stack.database_url)

        async def settled() -> bool:
            s = (await pos("GetSettlement", pb.GetSettlementRequest(pos_txn_id=request.pos_txn_id))).settlement
            return s.status == pb.SETTLEMENT_STATUS_VOIDED

        await _until(settled)
        assert await f.own_balance(payer) == 10_000
        # Accounts never saw the payment: the fence barred it, so the payer's records show no payment at all.
        records = (await stack.accounts.ListTransactions(apb.ListTransactionsRequest(psn_no=payer.psn_no))).records
        assert [r.kind for r in records] == [apb.TRANSACTION_KIND_CONTRIBUTION]
    finally:
        await pos.channel.close()
        lonely.stop()
        if second_accounts is not None:
            second_accounts.stop()
