"""Graceful under overload, at the till: a burst beyond what settlement takes is refused at once with nothing written
(never left to run out of its deadline halfway), one payer whose rows stay locked does not hold up the others, and
after accounts restarts the next payment goes through. Outcomes, not durations: the one bound on time, that a
refusal does not keep the POS waiting half its deadline, is one no busy machine comes near."""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import AsyncIterator

import grpc
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from gongji.settlement.v1 import settlement_pb2 as pb
from services.common.rpc import retry_delay
from tests import processes
from tests.held import rows_held
from tests.settlement.conftest import TOKEN_A, Pos, Stack, settlement_env
from tools.kit import Family, Insured, reason_of, rid

BURST = 1_000
DEADLINE_S = 30
PAYERS = 200
AMOUNT_FEN = 300


@pytest.fixture
async def patient_settlement(stack: Stack) -> AsyncIterator[Pos]:
    """Settlement as deployed: a POS's 30 s deadline decides how long it waits for accounts. Its call limit is
    lower than the default (128), so that a burst exceeds it however fast this machine happens to serve it."""
    process = await processes.start(
        "settlement",
        **settlement_env(
            stack.database_url,
            stack.accounts_process,
            GONGJI_ACCOUNTS_MAX_WAIT_S="30",
            GONGJI_RECOVERY_GRACE_S="60",
            GONGJI_SETTLEMENT_MAX_IN_FLIGHT="32",
        ),
    )
    pos = stack.pos(TOKEN_A, process.address)
    try:
        yield pos
    finally:
        await pos.channel.close()
        process.stop()


async def _payers(f: Family, count: int, credit_fen: int) -> list[Insured]:
    gate = asyncio.Semaphore(16)

    async def one() -> Insured:
        async with gate:
            return await f.person(credit_fen=credit_fen)

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def test_a_burst_is_either_paid_exactly_once_or_refused_at_once_with_nothing_written(
    stack: Stack, patient_settlement: Pos
) -> None:
    f = Family(stack.accounts)
    payers = await _payers(f, PAYERS, credit_fen=10_000)
    requests = [
        pb.SettleRequest(
            pos_txn_id=rid(),
            payer_psn_no=payers[i % PAYERS].psn_no,
            amount_fen=AMOUNT_FEN,
            **payers[i % PAYERS].charge(),
        )
        for i in range(BURST)
    ]

    async def settle(request: pb.SettleRequest) -> str:
        started = time.monotonic()
        try:
            done = (await patient_settlement("Settle", request, timeout=DEADLINE_S)).settlement  # type: ignore[attr-defined]
        except grpc.aio.AioRpcError as err:
            hint = " with a retry hint" if retry_delay(err) is not None else ""
            waited = " after waiting" if time.monotonic() - started > DEADLINE_S / 2 else ""
            return f"{err.code().name} {reason_of(err)}{hint}{waited}"
        return pb.SettlementStatus.Name(done.status)

    outcomes = await asyncio.gather(*(settle(r) for r in requests))
    counted = collections.Counter(outcomes)
    # Nothing else: no DEADLINE_EXCEEDED, no UNAVAILABLE, no refusal that kept the POS waiting half its deadline.
    assert set(counted) <= {"SETTLEMENT_STATUS_COMPLETED", "RESOURCE_EXHAUSTED OVERLOADED with a retry hint"}, counted
    assert counted["SETTLEMENT_STATUS_COMPLETED"] > 0 and counted["SETTLEMENT_STATUS_COMPLETED"] < BURST, counted

    # Every paid one once, at accounts; a refused one left nothing behind, here or there.
    paid = collections.Counter(r.payer_psn_no for r, o in zip(requests, outcomes, strict=True) if "COMPLETED" in o)
    for payer in payers:
        assert await f.own_balance(payer) == 10_000 - AMOUNT_FEN * paid[payer.psn_no]
    refused = [r for r, o in zip(requests, outcomes, strict=True) if "OVERLOADED" in o]
    for request in refused[:50]:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await patient_settlement("GetSettlement", pb.GetSettlementRequest(pos_txn_id=request.pos_txn_id))
        assert reason_of(err.value) == "SETTLEMENT_NOT_FOUND"
    # And a refused one, tried again with the same transaction id once the burst is over, is paid once.
    again = (await patient_settlement("Settle", refused[0], timeout=DEADLINE_S)).settlement  # type: ignore[attr-defined]
    assert again.status == pb.SETTLEMENT_STATUS_COMPLETED


async def test_a_payer_locked_elsewhere_does_not_hold_up_the_other_payers(stack: Stack, engine: AsyncEngine) -> None:
    f = Family(stack.accounts)
    stuck = await f.person(credit_fen=100_000)
    others = await _payers(f, 20, credit_fen=10_000)
    pos = stack.pos(TOKEN_A)

    async def settle(who: Insured) -> str:
        request = pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=who.psn_no, amount_fen=AMOUNT_FEN, **who.charge())
        try:
            return pb.SettlementStatus.Name((await pos("Settle", request, timeout=30)).settlement.status)  # type: ignore[attr-defined]
        except grpc.aio.AioRpcError as err:
            return f"{err.code().name} {reason_of(err)}"

    stuck_calls: list[asyncio.Future[str]] = []
    try:
        async with rows_held(engine, stuck.psn_no) as locker:
            stuck_calls = [asyncio.ensure_future(settle(stuck)) for _ in range(20)]
            served = await asyncio.gather(*(settle(who) for who in others))
            assert served == ["SETTLEMENT_STATUS_COMPLETED"] * 20
            assert not locker.done(), "the other payers were paid while the payer's rows were still locked"
    finally:
        stuck_outcomes = await asyncio.gather(*stuck_calls)
        await pos.channel.close()
    # The stuck payer's own calls: paid (once the rows were free) or told to try again; paid ones paid once.
    assert set(stuck_outcomes) <= {"SETTLEMENT_STATUS_COMPLETED", "UNAVAILABLE ACCOUNTS_UNAVAILABLE"}, stuck_outcomes
    completed = stuck_outcomes.count("SETTLEMENT_STATUS_COMPLETED")
    assert await f.own_balance(stuck) == 100_000 - AMOUNT_FEN * completed


async def test_after_accounts_restarts_the_first_payment_goes_through(stack: Stack) -> None:
    f = Family(stack.accounts)
    payer = await f.person(credit_fen=10_000)
    accounts = await processes.start("accounts", DATABASE_URL=stack.database_url)
    settlement = await processes.start(
        "settlement", **settlement_env(stack.database_url, accounts, GONGJI_ACCOUNTS_MAX_WAIT_S="30")
    )
    pos = stack.pos(TOKEN_A, settlement.address)

    async def settle() -> int:
        request = pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=payer.psn_no, amount_fen=1_000, **payer.charge())
        return (await pos("Settle", request, timeout=10)).settlement.status  # type: ignore[attr-defined, no-any-return]

    try:
        assert await settle() == pb.SETTLEMENT_STATUS_COMPLETED
        accounts.stop()
        await asyncio.sleep(2)  # long enough for settlement's channel to be in reconnect backoff
        accounts = await processes.start("accounts", port=accounts.port, DATABASE_URL=stack.database_url)
        assert await settle() == pb.SETTLEMENT_STATUS_COMPLETED  # the first payment after it is up
        assert await f.own_balance(payer) == 8_000
    finally:
        await pos.channel.close()
        settlement.stop()
        accounts.stop()
