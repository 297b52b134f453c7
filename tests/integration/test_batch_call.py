"""PaymentService.Batch: many Reserves, Debits and Releases in one call (settlement's concurrent calls, coalesced),
each item done exactly as it would be alone — its own request id, its own actor — and an item the batch does not
answer left to be sent alone, where it is told why (a stored failure replayed, nothing done twice)."""

from __future__ import annotations

import time

import grpc
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from gongji.accounts.v1 import payment_service_pb2 as pb
from gongji.accounts.v1 import reservation_pb2 as rpb
from tests.held import rows_held
from tools.kit import OWN, POOL, Accounts, Family, Insured, bad_fields, reason_of, rid

pytestmark = pytest.mark.usefixtures("ledger_clean")

INSTITUTION = "INSTITUTION:H63010000001"


def _reserve(payer: Insured, amount_fen: int, **kw: object) -> pb.ReserveRequest:
    return pb.ReserveRequest(
        request_id=rid(),
        payer_psn_no=payer.psn_no,
        amount_fen=amount_fen,
        sources=[OWN, POOL],
        fixmedins_code="H63010000001",
        **{"credential": payer.credential(), **kw},
    )


def _items(
    *calls: pb.ReserveRequest | pb.DebitRequest | pb.ReleaseRequest, actor: str = INSTITUTION
) -> pb.BatchRequest:
    kinds = {pb.ReserveRequest: "reserve", pb.DebitRequest: "debit", pb.ReleaseRequest: "release"}
    return pb.BatchRequest(items=[pb.BatchItem(on_behalf_of=actor, **{kinds[type(c)]: c}) for c in calls])


async def test_each_item_is_answered_as_alone_and_a_failed_one_is_told_when_sent_alone(accounts: Accounts) -> None:
    f = Family(accounts)
    paying, holding, held, stranger = [await f.person(credit_fen=10_000) for _ in range(4)]
    hold = await f.reserve(held, 4_000, (OWN,))
    to_release = await f.reserve(held, 1_000, (OWN,))
    mismatched = _reserve(stranger, 1_000, debit_immediately=True, credential=paying.credential())
    calls = [
        _reserve(paying, 1_500, debit_immediately=True),
        _reserve(holding, 2_000),
        pb.DebitRequest(request_id=rid(), reservation_id=hold.reservation_id, amount_fen=2_500),
        pb.ReleaseRequest(request_id=rid(), reservation_id=to_release.reservation_id),
        mismatched,
        pb.ReleaseRequest(request_id=rid(), reservation_id="999999999"),
        _reserve(paying, 0),  # malformed
    ]
    results = (await accounts.Batch(_items(*calls))).results
    assert [r.WhichOneof("outcome") for r in results] == ["reserve", "reserve", "debit", "release", None, None, None]
    assert results[0].reserve.reservation.debited_fen == 1_500
    assert results[1].reserve.reservation.status == rpb.RESERVATION_STATUS_HELD
    assert results[2].debit.reservation.debited_fen == 2_500
    assert results[3].release.reservation.status == rpb.RESERVATION_STATUS_RELEASED
    assert await f.own_balance(paying) == 8_500
    assert (await f.balances(holding)).personal.held_fen == 2_000
    assert await f.own_balance(held) == 7_500 and (await f.balances(held)).personal.held_fen == 0
    assert await f.own_balance(stranger) == 10_000

    # Sent alone, each unanswered item is told why; an answered one replays its answer and pays nothing again.
    with pytest.raises(grpc.aio.AioRpcError) as declined:
        await accounts.Reserve(mismatched)
    assert reason_of(declined.value) == "CREDENTIAL_MISMATCH"
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await accounts.Release(calls[5])
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as malformed:
        await accounts.Reserve(calls[6])
    assert "amount_fen" in bad_fields(malformed.value)
    assert await accounts.Reserve(calls[0]) == results[0].reserve
    assert await f.own_balance(paying) == 8_500
    # ... and the batch sent again answers the same
    again = (await accounts.Batch(_items(*calls))).results
    assert list(again[:4]) == list(results[:4])
    assert await f.own_balance(paying) == 8_500


async def test_each_item_is_booked_for_whom_it_says(accounts: Accounts, engine: AsyncEngine) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=10_000)
    for_an_institution = _reserve(payer, 100, debit_immediately=True)
    for_nobody_it_may_name = _reserve(payer, 200, debit_immediately=True)
    batch = pb.BatchRequest(
        items=[
            pb.BatchItem(reserve=for_an_institution, on_behalf_of=INSTITUTION),
            pb.BatchItem(reserve=for_nobody_it_may_name, on_behalf_of="REGISTRY_FEED:someone"),
        ]
    )
    results = (await accounts.Batch(batch)).results
    booked = []
    async with engine.connect() as conn:
        for r in results:
            booked.append(
                await conn.scalar(
                    text("SELECT booked_by FROM accounts.journal_txns WHERE reservation_id = :r"),
                    {"r": int(r.reserve.reservation.reservation_id)},
                )
            )
    assert booked[0] == INSTITUTION
    assert booked[1].startswith("SETTLEMENT:")  # a channel its role may not act for: the caller itself


async def test_a_payer_locked_elsewhere_holds_up_no_batch(accounts: Accounts, engine: AsyncEngine) -> None:
    """The batch's transaction gives up on the held row soon (transport/batch.py: BATCH_LOCK_TIMEOUT_MS) and leaves
    its items unanswered, having done nothing; sent alone, the others are served while the row is still held."""
    f = Family(accounts)
    stuck, free = await f.person(credit_fen=10_000), await f.person(credit_fen=10_000)
    async with rows_held(engine, stuck.psn_no) as locker:
        calls = [_reserve(free, 1_000, debit_immediately=True), _reserve(stuck, 1_000, debit_immediately=True)]
        started = time.monotonic()
        results = (await accounts.Batch(_items(*calls))).results
        assert time.monotonic() - started < 2.0
        assert [r.WhichOneof("outcome") for r in results] == [None, None]
        assert await f.own_balance(free) == 10_000  # nothing was done
        assert (await accounts.Reserve(calls[0])).reservation.debited_fen == 1_000
        assert not locker.done()
    assert (await accounts.Reserve(calls[1])).reservation.debited_fen == 1_000
    assert await f.own_balance(stuck) == 9_000 and await f.own_balance(free) == 9_000


@pytest.mark.parametrize("count", [0, 65])
async def test_an_empty_or_oversized_batch_is_refused(accounts: Accounts, count: int) -> None:
    calls = [pb.ReleaseRequest(request_id=rid(), reservation_id="1") for _ in range(count)]
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await accounts.Batch(_items(*calls))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "items" in bad_fields(refused.value)


async def test_an_item_without_a_call_is_left_unanswered(accounts: Accounts) -> None:
    payer = await Family(accounts).person(credit_fen=1_000)
    batch = _items(_reserve(payer, 100, debit_immediately=True))
    batch.items.insert(0, pb.BatchItem(on_behalf_of=INSTITUTION))
    results = (await accounts.Batch(batch)).results
    assert [r.WhichOneof("outcome") for r in results] == [None, "reserve"]
