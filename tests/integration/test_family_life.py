"""The whole life of a family over real gRPC and real PostgreSQL: register, credit, pool, pay, refund, dissolve."""

from __future__ import annotations

import grpc
import pytest

from gongji.common.v1 import common_pb2 as cpb
from tools.kit import OWN, POOL, RESIDENT, Family, reason_of, rid
from tools.kit import accounts_v1 as pb

pytestmark = pytest.mark.usefixtures("ledger_clean")


async def test_family_pays_own_account_first_then_pool_then_cash(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=200_000)
    spouse = await f.person(credit_fen=10_000)
    pool_id = await f.create_pool(creator, transfer_fen=60_000)
    pool = await f.bind(pool_id, spouse)
    assert [m.psn_no for m in pool.members] == [spouse.psn_no]
    assert pool.members[0].status == pb.MEMBER_STATUS_ACTIVE
    assert await f.own_balance(creator) == 140_000

    # 80,000 fen to pay: 10,000 from the spouse's own account, 60,000 from the pool, 10,000 cash.
    r = await f.reserve(spouse, 80_000)
    assert r.status == pb.RESERVATION_STATUS_HELD
    assert [(leg.source, leg.reserved_fen) for leg in r.legs] == [(OWN, 10_000), (POOL, 60_000)]
    assert r.uncovered_fen == 10_000
    assert r.legs[1].shortfall_reason == "INSUFFICIENT_FUNDS"
    balances = await f.balances(spouse)
    assert (balances.personal.held_fen, balances.pool.held_fen) == (10_000, 60_000)
    assert (balances.personal.available_fen, balances.pool.available_fen) == (0, 0)

    # Debit less than held: own first, the rest of the pool hold released.
    debited = (
        await accounts.Debit(pb.DebitRequest(request_id=rid(), reservation_id=r.reservation_id, amount_fen=50_000))
    ).reservation
    assert debited.status == pb.RESERVATION_STATUS_DEBITED
    assert [leg.debited_fen for leg in debited.legs] == [10_000, 40_000]
    assert await f.pool_balance(pool_id) == 20_000
    assert (await f.balances(spouse)).pool.held_fen == 0

    # Partial refunds go back pool first, then own account, until exhausted.
    first = await accounts.Refund(
        pb.RefundRequest(request_id=rid(), reservation_id=r.reservation_id, amount_fen=45_000)
    )
    assert [(p.destination, p.amount_fen) for p in first.parts] == [
        (pb.REFUND_DESTINATION_FAMILY_POOL, 40_000),
        (pb.REFUND_DESTINATION_PERSONAL_ACCOUNT, 5_000),
    ]
    assert await f.pool_balance(pool_id) == 60_000
    assert await f.own_balance(spouse) == 5_000
    await accounts.Refund(pb.RefundRequest(request_id=rid(), reservation_id=r.reservation_id, amount_fen=5_000))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await accounts.Refund(pb.RefundRequest(request_id=rid(), reservation_id=r.reservation_id, amount_fen=1))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert reason_of(err.value) == "REFUND_EXCEEDS_DEBITED"
    assert await f.own_balance(spouse) == 10_000

    # Consumption records show the split per source: the payer's all of it, the pool's what the pool paid.
    records = (await accounts.ListTransactions(pb.ListTransactionsRequest(psn_no=spouse.psn_no))).records
    payment = next(rec for rec in records if rec.kind == pb.TRANSACTION_KIND_PAYMENT)
    assert payment.payer_psn_no == spouse.psn_no
    assert payment.total_fen == 50_000
    assert {(s.source, s.amount_fen) for s in payment.split} == {(OWN, -10_000), (POOL, -40_000)}
    records = (await accounts.ListTransactions(pb.ListTransactionsRequest(pool_id=pool_id))).records
    payment = next(rec for rec in records if rec.kind == pb.TRANSACTION_KIND_PAYMENT)
    assert (payment.payer_psn_no, payment.total_fen) == (spouse.psn_no, 40_000)
    assert {(s.source, s.amount_fen) for s in payment.split} == {(POOL, -40_000)}

    # Dissolving returns the pool's balance to the creator.
    dissolved = await accounts.DissolvePool(pb.DissolvePoolRequest(request_id=rid(), pool_id=pool_id))
    assert dissolved.returned_fen == 60_000
    assert dissolved.pool.status == pb.POOL_STATUS_DISSOLVED
    assert await f.own_balance(creator) == 200_000
    assert (await f.balances(spouse)).pool_id == ""


async def test_resident_member_pays_from_the_pool_from_the_first_fen(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=100_000)
    child = await f.person(insurance=RESIDENT)
    pool_id = await f.create_pool(creator, transfer_fen=50_000)
    await f.bind(pool_id, child, cpb.RELATION_CHILD)
    r = await f.reserve(child, 30_000, debit_immediately=True)
    assert r.status == pb.RESERVATION_STATUS_DEBITED
    assert [(leg.source, leg.debited_fen, leg.shortfall_reason) for leg in r.legs] == [
        (OWN, 0, "NO_PERSONAL_ACCOUNT"),
        (POOL, 30_000, ""),
    ]
    assert r.payer_pool_available_fen == 20_000
    assert (await f.balances(child)).personal.ByteSize() == 0
