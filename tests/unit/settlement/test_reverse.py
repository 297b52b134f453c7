"""冲正 (Reverse): after, before and without the original; and every way the undo can go — accounts never ran the
payment (the fence bars it), it ran (released or refunded), a capture or the payment itself racing the reversal."""

from __future__ import annotations

import pytest

from services.common.errors import Reason
from services.settlement.domain import charges, lifecycle
from services.settlement.domain.accounts import AccountsDeclined, HoldStatus
from services.settlement.domain.model import Kind, RefundStatus, Settlement, Status
from services.settlement.usecases.deps import CrashPoint
from tests.unit.settlement.fakes import Crashed
from tests.unit.settlement.world import H2, World, fails, split


async def test_reversing_a_payment_gives_back_what_the_refunds_left_and_twice_is_harmless(w: World) -> None:
    payer = w.payer(own_fen=10_000, pool_fen=60_000)
    paid = await w.settle(payer, 30_000)
    await w.refund(paid, 5_000)
    reversed_ = await w.reverse(paid.pos_txn_id)
    assert (reversed_.status, reversed_.refunded_fen) == (Status.REVERSED, 30_000)
    assert [r.is_reversal for r in reversed_.refunds] == [False, True]
    assert (w.own(payer).balance_fen, w.pool(payer).balance_fen) == (10_000, 60_000)
    calls = len(w.accounts.calls)
    twice = await w.reverse(paid.pos_txn_id)
    assert (twice.status, twice.refunded_fen) == (Status.REVERSED, 30_000)
    assert len(w.accounts.calls) == calls  # nothing left to undo: accounts is not asked
    assert await fails(w.settle(payer, 30_000, paid.pos_txn_id)) is Reason.SETTLEMENT_REVERSED
    assert w.metrics.outcomes[Kind.SALE, Status.REVERSED] == 1


async def test_a_reverse_before_the_original_bars_it(w: World) -> None:
    payer = w.payer()
    tomb = await w.reverse("POS-EARLY")
    assert (tomb.kind, tomb.status) == (Kind.TOMBSTONE, Status.REVERSED)
    assert await fails(w.settle(payer, 1_000, "POS-EARLY")) is Reason.SETTLEMENT_REVERSED
    assert await fails(w.authorize(payer, 1_000, "POS-EARLY")) is Reason.SETTLEMENT_REVERSED
    assert w.accounts.calls == [] and w.own(payer).balance_fen == 10_000
    assert (await w.reverse("POS-EARLY")).id == tomb.id


async def test_an_institution_reverses_only_its_own(w: World) -> None:
    payer = w.payer()
    paid = await w.settle(payer, 1_000)
    tomb = await w.reverse(paid.pos_txn_id, institution=H2)
    assert tomb.kind is Kind.TOMBSTONE  # H2's own namespace
    assert (await w.get(paid)).status is Status.COMPLETED and w.own(payer).balance_fen == 9_000


async def test_reversing_an_authorization_releases_its_hold(w: World) -> None:
    payer = w.payer()
    auth = await w.authorize(payer, 8_000)
    out = await w.reverse(auth.pos_txn_id)
    assert out.status is Status.REVERSED
    assert (w.own(payer).balance_fen, w.own(payer).held_fen) == (10_000, 0)
    (hold,) = w.accounts.of(payer)
    assert hold.status is HoldStatus.RELEASED


async def test_what_paid_nothing_stays_as_it_is(w: World) -> None:
    declined = w.pos_id()
    await fails(w.settle(w.payer(insured=False), 500, declined))
    assert (await w.reverse(declined)).status is Status.DECLINED
    voided = await w.authorize(w.payer(), 500)
    await w.void(voided)
    assert (await w.reverse(voided.pos_txn_id)).status is Status.VOIDED


async def test_a_payment_accounts_never_got_is_fenced_and_leaves_nothing(w: World) -> None:
    payer = w.payer()
    request = w.pos_id()
    w.accounts.on("Reserve", unreachable=True)
    await fails(w.settle(payer, 3_000, request))
    out = await w.reverse(request)
    assert out.status is Status.REVERSED and w.accounts.of(payer) == []
    late = await w.store.get(out.id)  # the original call, arriving late at accounts, is refused and does nothing
    with pytest.raises(AccountsDeclined) as err:
        await w.accounts.reserve(charges.reserve_call(late, w.card(payer)))
    assert err.value.reason == "REQUEST_CANCELLED" and w.accounts.of(payer) == []
    assert await fails(w.settle(payer, 3_000, request)) is Reason.SETTLEMENT_REVERSED


async def test_a_payment_that_ran_without_our_hearing_is_refunded(w: World) -> None:
    payer = w.payer()
    request = w.pos_id()
    w.accounts.on("Reserve", unreachable=True, lost=True)
    await fails(w.settle(payer, 3_000, request))
    out = await w.reverse(request)
    assert (out.status, out.reservation_id, out.refunded_fen) == (Status.REVERSED, "R1", 3_000)
    assert w.own(payer).balance_fen == 10_000


async def test_an_authorization_that_ran_without_our_hearing_is_released(w: World) -> None:
    payer = w.payer()
    request = w.pos_id()
    w.accounts.on("Reserve", unreachable=True, lost=True)
    await fails(w.authorize(payer, 3_000, request))
    assert w.own(payer).held_fen == 3_000
    assert (await w.reverse(request)).status is Status.REVERSED
    assert (w.own(payer).balance_fen, w.own(payer).held_fen) == (10_000, 0)


async def test_a_payment_accounts_declined_without_our_hearing_has_nothing_to_undo(w: World) -> None:
    payer = w.payer()
    request = w.pos_id()
    w.accounts.on("Reserve", decline="PERSON_NOT_INSURED", unreachable=True, lost=True)
    await fails(w.settle(payer, 3_000, request))
    assert (await w.reverse(request)).status is Status.REVERSED
    assert w.accounts.count("Refund") == 0


async def test_a_fenced_payment_that_ran_is_found_through_the_fence_without_repeating_it(w: World) -> None:
    payer = w.payer()
    request = w.pos_id()
    w.accounts.on("Reserve", unreachable=True, lost=True)
    await fails(w.settle(payer, 3_000, request))
    w.accounts.on("Reserve", decline="INTERNAL")  # a repeat of the Reserve would be refused: none is made
    out = await w.reverse(request)
    assert (out.status, out.reservation_id, out.refunded_fen) == (Status.REVERSED, "R1", 3_000)
    assert w.accounts.count("Reserve") == 1 and w.own(payer).balance_fen == 10_000


async def test_a_reverse_overtaking_its_payment_bars_it(w: World) -> None:
    payer = w.payer()
    request = w.pos_id()
    reversed_: list[Status] = []

    async def reverse_now() -> None:
        reversed_.append((await w.reverse(request)).status)

    w.accounts.on("Reserve", before=reverse_now)  # the Reverse gets to accounts before the Settle does
    assert await fails(w.settle(payer, 3_000, request)) is Reason.SETTLEMENT_REVERSED
    assert reversed_ == [Status.REVERSED]
    assert w.accounts.of(payer) == [] and w.own(payer).balance_fen == 10_000


async def test_a_reverse_arriving_while_the_payment_is_answered_undoes_it(w: World) -> None:
    payer = w.payer()
    request = w.pos_id()
    w.accounts.on("Reserve", after=lambda: w.reverse(request))  # paid at accounts; the answer is on its way
    assert await fails(w.settle(payer, 3_000, request)) is Reason.SETTLEMENT_REVERSED
    s = await w.get(request)
    assert (s.status, s.refunded_fen) == (Status.REVERSED, 3_000)
    assert w.own(payer).balance_fen == 10_000


async def test_a_capture_landing_while_the_reversal_releases_the_hold_is_refunded(w: World) -> None:
    payer = w.payer()
    auth = await w.authorize(payer, 5_000)

    async def capture_lands() -> None:  # the capture's debit reaches accounts before the reversal's release
        await w.accounts.debit(lifecycle.request_id(auth, "capture"), auth.reservation_id, 5_000)

    async def reverse_now() -> None:
        w.accounts.on("Release", before=capture_lands)
        assert (await w.reverse(auth.pos_txn_id)).status is Status.REVERSED

    w.accounts.on("Debit", before=reverse_now)
    assert await fails(w.capture(auth, 5_000)) is Reason.SETTLEMENT_ALREADY_FINAL
    s = await w.get(auth)
    assert (s.status, s.refunded_fen) == (Status.REVERSED, 5_000)
    assert (w.own(payer).balance_fen, w.own(payer).held_fen) == (10_000, 0)


async def test_reversing_a_capture_left_half_way_releases_the_hold(w: World) -> None:
    payer = w.payer()
    auth = await w.authorize(payer, 5_000)
    with pytest.raises(Crashed):
        await w.capture(auth, 4_000, deps=w.crashing(CrashPoint.BEFORE_CAPTURE))
    assert (await w.reverse(auth.pos_txn_id)).status is Status.REVERSED
    assert await fails(w.capture(auth, 4_000)) is Reason.SETTLEMENT_ALREADY_FINAL
    assert (w.own(payer).balance_fen, w.own(payer).held_fen) == (10_000, 0)


async def test_a_pending_refund_is_finished_before_the_rest_is_given_back(w: World) -> None:
    payer = w.payer()
    paid = await w.settle(payer, 8_000)
    w.accounts.on("Refund", unreachable=True)
    await fails(w.refund(paid, 3_000, "R-1"))
    out = await w.reverse(paid.pos_txn_id)
    assert [(r.refund_pos_txn_id, r.amount_fen, r.status) for r in out.refunds] == [
        ("R-1", 3_000, RefundStatus.COMPLETED),
        (f"undo-{paid.id}-3000", 5_000, RefundStatus.COMPLETED),
    ]
    assert w.own(payer).balance_fen == 10_000


async def test_a_reverse_accounts_does_not_answer_is_unavailable_and_a_repeat_finishes_it(w: World) -> None:
    payer = w.payer()
    paid = await w.settle(payer, 8_000)
    w.accounts.on("GetReservation", unreachable=True)
    assert await fails(w.reverse(paid.pos_txn_id)) is Reason.ACCOUNTS_UNAVAILABLE
    assert lifecycle.visible_status(await w.get(paid)) is Status.PENDING  # REVERSING, as the POS sees it
    assert (await w.reverse(paid.pos_txn_id)).status is Status.REVERSED
    assert await fails(w.settle(payer, 8_000, paid.pos_txn_id)) is Reason.SETTLEMENT_REVERSED
    assert w.own(payer).balance_fen == 10_000


async def test_an_undo_that_does_not_settle_gives_up_for_now(w: World) -> None:
    payer = w.payer()
    paid = await w.settle(payer, 8_000)
    w.accounts.on("Refund", decline="INTERNAL")
    assert await fails(w.reverse(paid.pos_txn_id)) is Reason.ACCOUNTS_UNAVAILABLE
    assert (await w.get(paid)).status is Status.REVERSING
    assert w.accounts.count("GetReservation") == 10  # five rounds, each asking twice


async def test_a_reverse_that_wins_the_race_with_its_settle_records_what_was_paid_and_given_back(w: World) -> None:
    payer = w.payer(own_fen=1_000, pool_fen=5_000)
    pos_txn_id = w.pos_id()
    reversed_: list[Settlement] = []

    async def reverse_now() -> None:  # the POS gave up waiting and reverses while the reserve is answering
        reversed_.append(await w.reverse(pos_txn_id))

    w.accounts.on("Reserve", after=reverse_now)
    assert await fails(w.settle(payer, 4_000, pos_txn_id)) is Reason.SETTLEMENT_REVERSED
    s = await w.get(pos_txn_id)
    assert s.status is Status.REVERSED and split(s) == (1_000, 3_000, 0)  # what was paid ...
    assert s.refunded_fen == 4_000 and s.completed_at is not None  # ... when, and all of it given back
    assert (w.own(payer).balance_fen, w.pool(payer).balance_fen) == (1_000, 5_000)
