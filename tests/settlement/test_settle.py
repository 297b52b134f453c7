"""POS payments end to end: both services as processes, real PostgreSQL, the split the POS prints."""

from __future__ import annotations

import asyncio
import datetime as dt

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from gongji.common.v1 import common_pb2 as cpb
from gongji.settlement.v1 import settlement_pb2 as pb
from tests.settlement.conftest import INSTITUTION_A
from tools.kit import RESIDENT, Family, reason_of, rid
from tools.kit import accounts_v1 as apb


async def _family(stack, own_fen: int = 10_000, pool_fen: int = 60_000, member_insurance: int = 1):  # type: ignore[no-untyped-def]
    f = Family(stack.accounts)
    creator = await f.person(credit_fen=200_000)
    member = await f.person(insurance=member_insurance, credit_fen=own_fen if member_insurance == 1 else 0)
    pool_id = await f.create_pool(creator, transfer_fen=pool_fen)
    await f.bind(pool_id, member, cpb.RELATION_SPOUSE if member_insurance == 1 else cpb.RELATION_CHILD)
    return f, creator, member, pool_id


def _split(s: pb.Settlement) -> tuple[int, int, int]:
    return s.split.acct_pay_fen, s.split.acct_mulaid_pay_fen, s.split.psn_cash_pay_fen


async def _fails(call, reason: str, code: grpc.StatusCode | None = None) -> grpc.aio.AioRpcError:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    assert reason_of(err.value) == reason, err.value.details()
    if code is not None:
        assert err.value.code() == code
    return err.value


async def test_settle_own_only_own_then_pool_and_partly_cash(stack, pos_a) -> None:
    f, creator, member, pool_id = await _family(stack)
    own_only = (
        await pos_a(
            "Settle",
            pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, **member.charge(), amount_fen=4_000),
        )
    ).settlement
    assert own_only.status == pb.SETTLEMENT_STATUS_COMPLETED
    assert _split(own_only) == (4_000, 0, 0)
    assert own_only.balc_fen == 6_000
    mixed = (
        await pos_a(
            "Settle",
            pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, **member.charge(), amount_fen=70_000),
        )
    ).settlement
    assert _split(mixed) == (6_000, 60_000, 4_000)
    assert (mixed.balc_fen, mixed.pool_balc_fen) == (0, 0)
    assert await f.own_balance(member) == 0 and await f.pool_balance(pool_id) == 0
    # who did it: the institution, on the settlement and on the journal entries accounts booked for it
    assert (mixed.created_by, mixed.updated_by) == (f"INSTITUTION:{INSTITUTION_A}",) * 2
    records = (await stack.accounts.ListTransactions(apb.ListTransactionsRequest(pool_id=pool_id))).records
    assert {(r.channel, r.actor) for r in records if r.kind == apb.TRANSACTION_KIND_PAYMENT} == {
        ("INSTITUTION", INSTITUTION_A)
    }


async def test_pool_only_for_a_resident_member_and_presettle_moves_nothing(stack, pos_a) -> None:
    f, creator, child, pool_id = await _family(stack, member_insurance=RESIDENT)
    quote = await pos_a(
        "PreSettle", pb.PreSettleRequest(payer_psn_no=child.psn_no, **child.charge(), amount_fen=80_000)
    )
    assert (quote.split.acct_pay_fen, quote.split.acct_mulaid_pay_fen, quote.split.psn_cash_pay_fen) == (
        0,
        60_000,
        20_000,
    )
    assert await f.pool_balance(pool_id) == 60_000
    paid = (
        await pos_a(
            "Settle", pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=child.psn_no, **child.charge(), amount_fen=25_000)
        )
    ).settlement
    assert _split(paid) == (0, 25_000, 0)
    assert paid.pool_balc_fen == 35_000


async def test_replay_returns_the_same_and_a_changed_request_is_refused(stack, pos_a) -> None:
    f, creator, member, pool_id = await _family(stack)
    request = pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, **member.charge(), amount_fen=5_000)
    first = (await pos_a("Settle", request)).settlement
    again = (await pos_a("Settle", request)).settlement
    assert again.settlement_id == first.settlement_id and _split(again) == _split(first)
    assert await f.own_balance(member) == 5_000
    changed = pb.SettleRequest(
        pos_txn_id=request.pos_txn_id, payer_psn_no=member.psn_no, **member.charge(), amount_fen=6_000
    )
    await _fails(pos_a("Settle", changed), "REQUEST_ID_REUSED", grpc.StatusCode.ALREADY_EXISTS)


async def test_a_declined_payment_stays_declined(stack, pos_a) -> None:
    f = Family(stack.accounts)
    payer = await f.person(credit_fen=1_000)
    await stack.accounts.RecordLifeEvent(
        apb.RecordLifeEventRequest(request_id=rid(), psn_no=payer.psn_no, insurance_ended={})
    )
    request = pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=payer.psn_no, **payer.charge(), amount_fen=500)
    await _fails(pos_a("Settle", request), "PERSON_NOT_INSURED", grpc.StatusCode.FAILED_PRECONDITION)
    await _fails(pos_a("Settle", request), "PERSON_NOT_INSURED")
    got = (await pos_a("GetSettlement", pb.GetSettlementRequest(pos_txn_id=request.pos_txn_id))).settlement
    assert got.status == pb.SETTLEMENT_STATUS_DECLINED and got.decline_reason == "PERSON_NOT_INSURED"


async def test_authorize_capture_less_void_and_expiry(stack, pos_a) -> None:
    f, creator, member, pool_id = await _family(stack)
    auth = (
        await pos_a(
            "Authorize",
            pb.AuthorizeRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, **member.charge(), amount_fen=30_000),
        )
    ).settlement
    assert auth.status == pb.SETTLEMENT_STATUS_AUTHORIZED and auth.authorized_fen == 30_000
    assert (await f.balances(member)).pool.held_fen == 20_000
    await _fails(
        pos_a("Capture", pb.CaptureRequest(settlement_id=auth.settlement_id, amount_fen=30_001)),
        "AMOUNT_EXCEEDS_RESERVED",
    )
    done = (await pos_a("Capture", pb.CaptureRequest(settlement_id=auth.settlement_id, amount_fen=25_000))).settlement
    assert done.status == pb.SETTLEMENT_STATUS_COMPLETED and _split(done) == (10_000, 15_000, 0)
    assert await f.pool_balance(pool_id) == 45_000 and (await f.balances(member)).pool.held_fen == 0
    again = await pos_a("Capture", pb.CaptureRequest(settlement_id=auth.settlement_id, amount_fen=25_000))
    assert again.settlement.status == pb.SETTLEMENT_STATUS_COMPLETED
    await _fails(pos_a("Void", pb.VoidRequest(settlement_id=auth.settlement_id)), "SETTLEMENT_ALREADY_FINAL")

    second = (
        await pos_a(
            "Authorize",
            pb.AuthorizeRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, **member.charge(), amount_fen=10_000),
        )
    ).settlement
    voided = (await pos_a("Void", pb.VoidRequest(pos_txn_id=second.pos_txn_id))).settlement
    assert voided.status == pb.SETTLEMENT_STATUS_VOIDED
    assert (await f.balances(member)).pool.held_fen == 0 and await f.pool_balance(pool_id) == 45_000

    short = (
        await pos_a(
            "Authorize",
            pb.AuthorizeRequest(
                pos_txn_id=rid(), payer_psn_no=member.psn_no, **member.charge(), amount_fen=10_000, hold_ttl_seconds=1
            ),
        )
    ).settlement
    await asyncio.sleep(2.5)
    await _fails(
        pos_a("Capture", pb.CaptureRequest(settlement_id=short.settlement_id, amount_fen=1)), "RESERVATION_EXPIRED"
    )
    got = (await pos_a("GetSettlement", pb.GetSettlementRequest(settlement_id=short.settlement_id))).settlement
    assert got.status == pb.SETTLEMENT_STATUS_EXPIRED
    assert (await f.balances(member)).pool.held_fen == 0


async def test_partial_refunds_until_exhausted_then_one_more_fails(stack, pos_a) -> None:
    f, creator, member, pool_id = await _family(stack)
    paid = (
        await pos_a(
            "Settle",
            pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, **member.charge(), amount_fen=50_000),
        )
    ).settlement
    assert _split(paid) == (10_000, 40_000, 0)
    first = await pos_a(
        "Refund", pb.RefundRequest(refund_pos_txn_id=rid(), settlement_id=paid.settlement_id, amount_fen=30_000)
    )
    assert (first.refund.acct_mulaid_refund_fen, first.refund.acct_refund_fen) == (30_000, 0)
    assert await f.pool_balance(pool_id) == 50_000
    replay_id = rid()
    second = await pos_a(
        "Refund", pb.RefundRequest(refund_pos_txn_id=replay_id, pos_txn_id=paid.pos_txn_id, amount_fen=20_000)
    )
    again = await pos_a(
        "Refund", pb.RefundRequest(refund_pos_txn_id=replay_id, pos_txn_id=paid.pos_txn_id, amount_fen=20_000)
    )
    assert again.refund == second.refund
    assert second.settlement.refunded_fen == 50_000
    assert (second.refund.acct_mulaid_refund_fen, second.refund.acct_refund_fen) == (10_000, 10_000)
    assert await f.own_balance(member) == 10_000 and await f.pool_balance(pool_id) == 60_000
    await _fails(
        pos_a("Refund", pb.RefundRequest(refund_pos_txn_id=rid(), settlement_id=paid.settlement_id, amount_fen=1)),
        "REFUND_EXCEEDS_DEBITED",
    )


async def test_refund_after_the_pool_was_dissolved_goes_to_the_creator(stack, pos_a) -> None:
    f, creator, member, pool_id = await _family(stack, own_fen=0)
    paid = (
        await pos_a(
            "Settle",
            pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, **member.charge(), amount_fen=20_000),
        )
    ).settlement
    await stack.accounts.DissolvePool(apb.DissolvePoolRequest(request_id=rid(), pool_id=pool_id))
    before = await f.own_balance(creator)
    out = await pos_a(
        "Refund", pb.RefundRequest(refund_pos_txn_id=rid(), settlement_id=paid.settlement_id, amount_fen=20_000)
    )
    assert out.refund.acct_mulaid_refund_fen == 20_000
    assert await f.own_balance(creator) == before + 20_000
    assert await f.pool_balance(pool_id) == 0


async def test_reverse_after_before_and_without_the_original(stack, pos_a) -> None:
    f, creator, member, pool_id = await _family(stack)
    paid = (
        await pos_a(
            "Settle",
            pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, **member.charge(), amount_fen=30_000),
        )
    ).settlement
    await pos_a("Refund", pb.RefundRequest(refund_pos_txn_id=rid(), settlement_id=paid.settlement_id, amount_fen=5_000))
    reversed_ = (await pos_a("Reverse", pb.ReverseRequest(pos_txn_id=paid.pos_txn_id))).settlement
    assert reversed_.status == pb.SETTLEMENT_STATUS_REVERSED and reversed_.refunded_fen == 30_000
    assert await f.own_balance(member) == 10_000 and await f.pool_balance(pool_id) == 60_000
    twice = (await pos_a("Reverse", pb.ReverseRequest(pos_txn_id=paid.pos_txn_id))).settlement
    assert twice.status == pb.SETTLEMENT_STATUS_REVERSED and twice.refunded_fen == 30_000
    await _fails(
        pos_a(
            "Settle",
            pb.SettleRequest(
                pos_txn_id=paid.pos_txn_id, payer_psn_no=member.psn_no, **member.charge(), amount_fen=30_000
            ),
        ),
        "SETTLEMENT_REVERSED",
    )

    # Reversed before the original arrived: the late original is refused and moves nothing.
    early = rid()
    tomb = (await pos_a("Reverse", pb.ReverseRequest(pos_txn_id=early))).settlement
    assert tomb.kind == pb.SETTLEMENT_KIND_TOMBSTONE and tomb.status == pb.SETTLEMENT_STATUS_REVERSED
    await _fails(
        pos_a(
            "Settle",
            pb.SettleRequest(pos_txn_id=early, payer_psn_no=member.psn_no, **member.charge(), amount_fen=1_000),
        ),
        "SETTLEMENT_REVERSED",
    )
    assert await f.own_balance(member) == 10_000

    # Reversing an authorization releases its hold.
    auth = (
        await pos_a(
            "Authorize",
            pb.AuthorizeRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, **member.charge(), amount_fen=8_000),
        )
    ).settlement
    out = (await pos_a("Reverse", pb.ReverseRequest(pos_txn_id=auth.pos_txn_id))).settlement
    assert out.status == pb.SETTLEMENT_STATUS_REVERSED
    assert (await f.balances(member)).personal.held_fen == 0


async def test_an_institution_sees_and_refunds_only_its_own(stack, pos_a, pos_b) -> None:
    f, creator, member, pool_id = await _family(stack)
    paid = (
        await pos_a(
            "Settle",
            pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, **member.charge(), amount_fen=1_000),
        )
    ).settlement
    assert paid.fixmedins_code == "H63010000A01"
    await _fails(
        pos_b("GetSettlement", pb.GetSettlementRequest(settlement_id=paid.settlement_id)),
        "SETTLEMENT_NOT_FOUND",
        grpc.StatusCode.NOT_FOUND,
    )
    await _fails(
        pos_b("Refund", pb.RefundRequest(refund_pos_txn_id=rid(), settlement_id=paid.settlement_id, amount_fen=1_000)),
        "SETTLEMENT_NOT_FOUND",
    )
    tomb = (await pos_b("Reverse", pb.ReverseRequest(pos_txn_id=paid.pos_txn_id))).settlement
    assert tomb.kind == pb.SETTLEMENT_KIND_TOMBSTONE  # B's own namespace: A's payment is untouched
    assert (
        await pos_a("GetSettlement", pb.GetSettlementRequest(settlement_id=paid.settlement_id))
    ).settlement.status == pb.SETTLEMENT_STATUS_COMPLETED
    assert await f.own_balance(member) == 9_000
    bad = stack.pos("not-a-token")
    await _fails(
        bad("Settle", pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, **member.charge(), amount_fen=1)),
        "UNAUTHENTICATED",
        grpc.StatusCode.UNAUTHENTICATED,
    )
    await bad.channel.close()


async def test_list_and_reconcile_the_day(stack, pos_b) -> None:
    f, creator, member, pool_id = await _family(stack)
    start = Timestamp()
    start.FromDatetime(dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    ids = []
    for amount in (3_000, 12_000, 65_000):
        s = (
            await pos_b(
                "Settle",
                pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, **member.charge(), amount_fen=amount),
            )
        ).settlement
        ids.append(s)
    refund = await pos_b(
        "Refund", pb.RefundRequest(refund_pos_txn_id=rid(), settlement_id=ids[1].settlement_id, amount_fen=2_000)
    )
    assert refund.refund.completed
    end = Timestamp()
    end.FromDatetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    page1 = await pos_b("ListSettlements", pb.ListSettlementsRequest(period_start=start, period_end=end, page_size=2))
    page2 = await pos_b(
        "ListSettlements",
        pb.ListSettlementsRequest(period_start=start, period_end=end, page_size=2, page_token=page1.next_page_token),
    )
    listed = [s.settlement_id for s in [*page1.settlements, *page2.settlements]]
    assert [s.settlement_id for s in ids] == [x for x in listed if x in {s.settlement_id for s in ids}]

    ours = (await pos_b("Reconcile", pb.ReconcileRequest(period_start=start, period_end=end))).ours
    theirs = pb.ReconcileTotals()
    theirs.CopyFrom(ours)
    balanced = await pos_b("Reconcile", pb.ReconcileRequest(period_start=start, period_end=end, totals=theirs))
    assert balanced.balanced and not balanced.differing_totals
    assert ours.refund_count >= 1 and ours.count >= 3
    theirs.acct_mulaid_pay_fen += 100
    off = await pos_b("Reconcile", pb.ReconcileRequest(period_start=start, period_end=end, totals=theirs))
    assert not off.balanced and list(off.differing_totals) == ["acct_mulaid_pay_fen"]

    items = [
        pb.ReconcileItem(
            pos_txn_id=s.pos_txn_id,
            acct_pay_fen=s.split.acct_pay_fen,
            acct_mulaid_pay_fen=s.split.acct_mulaid_pay_fen,
            psn_cash_pay_fen=s.split.psn_cash_pay_fen,
        )
        for s in ids
    ]
    items[0].acct_pay_fen += 1
    items.pop(1)
    items.append(pb.ReconcileItem(pos_txn_id="not-ours", acct_pay_fen=5))
    theirs.CopyFrom(ours)
    detail = await pos_b(
        "Reconcile", pb.ReconcileRequest(period_start=start, period_end=end, totals=theirs, items=items)
    )
    results = {r.pos_txn_id: r.result for r in detail.rows}
    assert results[ids[0].pos_txn_id] == pb.RECONCILE_ROW_RESULT_AMOUNT_DIFFERS
    assert results[ids[1].pos_txn_id] == pb.RECONCILE_ROW_RESULT_MISSING_THERE
    assert results["not-ours"] == pb.RECONCILE_ROW_RESULT_MISSING_HERE
    assert detail.matched_rows >= 1 and not detail.balanced


async def test_a_replayed_settle_shows_the_refunds_made_since(stack, pos_a) -> None:
    f, creator, member, pool_id = await _family(stack)
    request = pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, **member.charge(), amount_fen=8_000)
    paid = (await pos_a("Settle", request)).settlement
    await pos_a("Refund", pb.RefundRequest(refund_pos_txn_id=rid(), settlement_id=paid.settlement_id, amount_fen=3_000))
    again = (await pos_a("Settle", request)).settlement
    assert again.refunded_fen == 3_000 and len(again.refunds) == 1


async def test_replays_of_authorize_capture_and_void_answer_the_same(stack, pos_a) -> None:
    f, creator, member, pool_id = await _family(stack)
    request = pb.AuthorizeRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, **member.charge(), amount_fen=6_000)
    first = (await pos_a("Authorize", request)).settlement
    again = (await pos_a("Authorize", request)).settlement
    assert again.settlement_id == first.settlement_id and again.authorized_fen == 6_000
    assert (await f.balances(member)).personal.held_fen == 6_000  # held once
    capture = pb.CaptureRequest(pos_txn_id=request.pos_txn_id, amount_fen=4_000)
    assert (await pos_a("Capture", capture)).settlement == (await pos_a("Capture", capture)).settlement
    assert await f.own_balance(member) == 6_000  # paid once

    other = (
        await pos_a(
            "Authorize",
            pb.AuthorizeRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, **member.charge(), amount_fen=1_000),
        )
    ).settlement
    void = pb.VoidRequest(settlement_id=other.settlement_id)
    assert (await pos_a("Void", void)).settlement.status == pb.SETTLEMENT_STATUS_VOIDED
    assert (await pos_a("Void", void)).settlement.status == pb.SETTLEMENT_STATUS_VOIDED
    assert (await f.balances(member)).personal.held_fen == 0
