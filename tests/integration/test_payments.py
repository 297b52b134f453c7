"""Reserve / debit / release / refund / expiry over real gRPC and PostgreSQL, with every failure a clerk can meet."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from gongji.common.v1 import common_pb2 as cpb
from tools.kit import OWN, Family, fails, reason_of, rid
from tools.kit import accounts_v1 as pb

pytestmark = pytest.mark.usefixtures("ledger_clean")


async def _fails(call, reason: str, code: grpc.StatusCode = grpc.StatusCode.FAILED_PRECONDITION) -> None:  # type: ignore[no-untyped-def]
    await fails(call, reason, code)


async def test_all_or_nothing_refuses_a_partial_cover_and_holds_nothing(accounts) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=5_000)
    await _fails(f.reserve(payer, 6_000, all_or_nothing=True), "INSUFFICIENT_FUNDS")
    assert (await f.balances(payer)).personal.held_fen == 0
    r = await f.reserve(payer, 5_000, all_or_nothing=True)
    assert r.reserved_fen == 5_000 and r.uncovered_fen == 0


async def test_debit_more_than_reserved_is_refused_and_twice_is_final(accounts) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=10_000)
    r = await f.reserve(payer, 4_000, sources=(OWN,))
    await _fails(
        accounts.Debit(pb.DebitRequest(request_id=rid(), reservation_id=r.reservation_id, amount_fen=4_001)),
        "AMOUNT_EXCEEDS_RESERVED",
    )
    await accounts.Debit(pb.DebitRequest(request_id=rid(), reservation_id=r.reservation_id, amount_fen=4_000))
    await _fails(
        accounts.Debit(pb.DebitRequest(request_id=rid(), reservation_id=r.reservation_id, amount_fen=1)),
        "RESERVATION_ALREADY_FINAL",
    )
    await _fails(
        accounts.Release(pb.ReleaseRequest(request_id=rid(), reservation_id=r.reservation_id)),
        "RESERVATION_ALREADY_FINAL",
    )
    assert await f.own_balance(payer) == 6_000


async def test_release_frees_the_hold(accounts) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=10_000)
    r = await f.reserve(payer, 4_000, sources=(OWN,))
    out = (await accounts.Release(pb.ReleaseRequest(request_id=rid(), reservation_id=r.reservation_id))).reservation
    assert out.status == pb.RESERVATION_STATUS_RELEASED
    b = await f.balances(payer)
    assert (b.personal.balance_fen, b.personal.held_fen) == (10_000, 0)
    await _fails(
        accounts.Refund(pb.RefundRequest(request_id=rid(), reservation_id=r.reservation_id, amount_fen=1)),
        "REFUND_EXCEEDS_DEBITED",
    )


async def test_expired_hold_is_swept_and_can_never_be_debited(accounts) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=10_000)
    r = await f.reserve(payer, 4_000, sources=(OWN,), hold_ttl_seconds=1)
    assert (await f.balances(payer)).personal.held_fen == 4_000
    for _ in range(50):
        await asyncio.sleep(0.1)
        got = (await accounts.GetReservation(pb.GetReservationRequest(reservation_id=r.reservation_id))).reservation
        if got.status == pb.RESERVATION_STATUS_EXPIRED:
            break
    assert got.status == pb.RESERVATION_STATUS_EXPIRED
    assert (await f.balances(payer)).personal.held_fen == 0
    await _fails(
        accounts.Debit(pb.DebitRequest(request_id=rid(), reservation_id=r.reservation_id, amount_fen=1)),
        "RESERVATION_EXPIRED",
    )
    # Voiding an expired hold is harmless: the money is free already.
    out = await accounts.Release(pb.ReleaseRequest(request_id=rid(), reservation_id=r.reservation_id))
    assert out.reservation.status == pb.RESERVATION_STATUS_EXPIRED


async def test_unknown_reservation_and_uninsured_payer(accounts) -> None:
    f = Family(accounts)
    await _fails(
        accounts.Debit(pb.DebitRequest(request_id=rid(), reservation_id="999999999", amount_fen=1)),
        "RESERVATION_NOT_FOUND",
        grpc.StatusCode.NOT_FOUND,
    )
    payer = await f.person(credit_fen=10_000)
    await accounts.RecordLifeEvent(pb.RecordLifeEventRequest(request_id=rid(), psn_no=payer.psn_no, insurance_ended={}))
    await _fails(f.reserve(payer, 100), "PERSON_NOT_INSURED")
    await _fails(f.reserve(payer.__class__("NOBODY", "", ""), 100), "PERSON_NOT_FOUND", grpc.StatusCode.NOT_FOUND)


async def test_hold_on_a_pool_outlives_its_dissolution_and_returns_to_the_creator(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=100_000)
    member = await f.person(credit_fen=0)
    pool_id = await f.create_pool(creator, transfer_fen=60_000)
    await f.bind(pool_id, member, cpb.RELATION_PARENT)
    paid = await f.reserve(member, 20_000)
    voided = await f.reserve(member, 15_000)
    dissolved = await accounts.DissolvePool(pb.DissolvePoolRequest(request_id=rid(), pool_id=pool_id))
    assert dissolved.returned_fen == 25_000  # only what no hold kept
    assert await f.own_balance(creator) == 65_000

    debit = await accounts.Debit(
        pb.DebitRequest(request_id=rid(), reservation_id=paid.reservation_id, amount_fen=18_000)
    )
    assert debit.reservation.debited_fen == 18_000
    assert await f.own_balance(creator) == 67_000  # the 2,000 not debited went on to the creator
    await accounts.Release(pb.ReleaseRequest(request_id=rid(), reservation_id=voided.reservation_id))
    assert await f.own_balance(creator) == 82_000
    assert await f.pool_balance(pool_id) == 0

    refund = await accounts.Refund(
        pb.RefundRequest(request_id=rid(), reservation_id=paid.reservation_id, amount_fen=8_000)
    )
    assert [(p.destination, p.amount_fen) for p in refund.parts] == [
        (pb.REFUND_DESTINATION_CREATOR_PERSONAL_ACCOUNT, 8_000)
    ]
    assert await f.own_balance(creator) == 90_000
    assert await f.pool_balance(pool_id) == 0


async def test_bad_input_is_invalid_argument_and_changes_nothing(accounts) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=1_000)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await accounts.Reserve(
            pb.ReserveRequest(request_id="", payer_psn_no=payer.psn_no, amount_fen=-5, sources=[OWN, OWN])
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason_of(err.value) == "INVALID_ARGUMENT"
    for field in ("request_id", "amount_fen", "sources"):
        assert field in err.value.details()
    assert (await f.balances(payer)).personal.held_fen == 0


async def test_quote_shows_the_split_and_holds_nothing(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=100_000)
    member = await f.person(credit_fen=3_000)
    pool_id = await f.create_pool(creator, transfer_fen=50_000)
    await f.bind(pool_id, member)
    q = await accounts.Quote(pb.QuoteRequest(payer_psn_no=member.psn_no, amount_fen=60_000, sources=[OWN, 2]))
    assert [leg.reserved_fen for leg in q.legs] == [3_000, 50_000]
    assert q.uncovered_fen == 7_000
    assert (q.payer_personal_available_fen, q.payer_pool_available_fen) == (3_000, 50_000)
    b = await f.balances(member)
    assert (b.personal.held_fen, b.pool.held_fen) == (0, 0)


async def test_absurd_amounts_are_refused_before_they_can_overflow(accounts) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=1_000)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await f.credit(payer, 2**63 - 1)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "amount_fen" in err.value.details()
    assert await f.own_balance(payer) == 1_000
