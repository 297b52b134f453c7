"""Refunds: partial and repeated, never more than accounts paid, the pool's part first; replays; declines; a
refund left pending."""

from __future__ import annotations

from services.common.errors import Reason
from services.settlement.domain.model import RefundStatus, Status
from tests.unit.settlement.world import H2, World, fails, split


async def test_partial_refunds_go_back_pool_first_until_nothing_is_left(w: World) -> None:
    payer = w.payer(own_fen=10_000, pool_fen=60_000)
    paid = await w.settle(payer, 50_000)
    assert split(paid) == (10_000, 40_000, 0)
    s, first = await w.refund(paid, 30_000)
    assert (first.status, first.acct_mulaid_refund_fen, first.acct_refund_fen) == (RefundStatus.COMPLETED, 30_000, 0)
    assert w.store.transactions == 1  # the intent, written under the settlement's row lock
    assert s.refunded_fen == 30_000 and w.pool(payer).balance_fen == 50_000
    s, second = await w.refund(paid, 20_000)
    assert (second.acct_mulaid_refund_fen, second.acct_refund_fen) == (10_000, 10_000)
    assert (s.refunded_fen, s.refundable_fen, len(s.refunds)) == (50_000, 0, 2)
    assert (w.own(payer).balance_fen, w.pool(payer).balance_fen) == (10_000, 60_000)
    assert await fails(w.refund(paid, 1)) is Reason.REFUND_EXCEEDS_DEBITED
    assert (await w.get(paid)).status is Status.COMPLETED  # refunds never change the payment's status


async def test_the_cash_part_is_the_institutions_to_give_back(w: World) -> None:
    payer = w.payer(own_fen=1_000, pool_fen=1_000)
    paid = await w.settle(payer, 5_000)
    assert await fails(w.refund(paid, 2_001)) is Reason.REFUND_EXCEEDS_DEBITED
    _, done = await w.refund(paid, 2_000)
    assert done.status is RefundStatus.COMPLETED
    assert w.accounts.count("Refund") == 1  # the refused one never reached accounts


async def test_a_replayed_refund_answers_the_same_and_gives_back_once(w: World) -> None:
    payer = w.payer()
    paid = await w.settle(payer, 8_000)
    _, first = await w.refund(paid, 3_000, "R-1")
    s, again = await w.refund(paid, 3_000, "R-1")
    assert again == first and s.refunded_fen == 3_000
    assert w.own(payer).balance_fen == 5_000 and w.accounts.count("Refund") == 1
    assert await fails(w.refund(paid, 2_000, "R-1")) is Reason.REQUEST_ID_REUSED
    other = await w.settle(payer, 1_000)
    assert await fails(w.refund(other, 3_000, "R-1")) is Reason.REQUEST_ID_REUSED
    replayed = await w.settle(payer, 8_000, paid.pos_txn_id)  # a replayed Settle shows the refunds made since
    assert (replayed.refunded_fen, len(replayed.refunds)) == (3_000, 1)


async def test_only_the_institutions_own_settlements_are_refunded(w: World) -> None:
    paid = await w.settle(w.payer(), 1_000)
    assert await fails(w.refund(paid, 1_000, institution=H2)) is Reason.SETTLEMENT_NOT_FOUND


async def test_what_was_not_paid_cannot_be_refunded(w: World) -> None:
    payer = w.payer()
    auth = await w.authorize(payer, 5_000)
    assert await fails(w.refund(auth, 1)) is Reason.REFUND_EXCEEDS_DEBITED  # held, not paid
    reversed_ = await w.settle(payer, 1_000)
    await w.reverse(reversed_.pos_txn_id)
    assert await fails(w.refund(reversed_, 1)) is Reason.REFUND_EXCEEDS_DEBITED


async def test_a_refund_accounts_declines_is_declined_every_time_and_takes_nothing(w: World) -> None:
    payer = w.payer()
    paid = await w.settle(payer, 8_000)
    w.accounts.on("Refund", decline="REFUND_EXCEEDS_DEBITED")
    assert await fails(w.refund(paid, 3_000, "R-1")) is Reason.REFUND_EXCEEDS_DEBITED
    assert await fails(w.refund(paid, 3_000, "R-1")) is Reason.REFUND_EXCEEDS_DEBITED
    s = await w.get(paid)
    assert (s.refunded_fen, s.refundable_fen) == (0, 8_000)
    assert w.own(payer).balance_fen == 2_000


async def test_a_refund_without_answer_stays_pending_counts_as_taken_and_a_retry_finishes_it(w: World) -> None:
    payer = w.payer()
    paid = await w.settle(payer, 8_000)
    w.accounts.on("Refund", unreachable=True)
    assert await fails(w.refund(paid, 3_000, "R-1")) is Reason.ACCOUNTS_UNAVAILABLE
    s = await w.get(paid)
    assert (s.refunded_fen, s.refundable_fen, s.refunds[0].status) == (0, 5_000, RefundStatus.PENDING)
    assert await fails(w.refund(paid, 5_001)) is Reason.REFUND_EXCEEDS_DEBITED  # the pending one is taken
    s, done = await w.refund(paid, 3_000, "R-1")
    assert done.status is RefundStatus.COMPLETED and s.refunded_fen == 3_000
    assert w.own(payer).balance_fen == 5_000


async def test_a_refund_whose_answer_was_lost_is_asked_again_and_given_back_once(w: World) -> None:
    payer = w.payer()
    paid = await w.settle(payer, 8_000)
    w.accounts.on("Refund", unreachable=True, lost=True)
    assert await fails(w.refund(paid, 3_000, "R-1")) is Reason.ACCOUNTS_UNAVAILABLE
    assert w.own(payer).balance_fen == 5_000
    _, done = await w.refund(paid, 3_000, "R-1")
    assert done.acct_refund_fen == 3_000 and w.own(payer).balance_fen == 5_000


async def test_two_refunds_racing_for_the_last_money_cannot_both_win(w: World) -> None:
    payer = w.payer()
    paid = await w.settle(payer, 8_000)
    second: list[Reason] = []

    async def another_refund() -> None:
        second.append(await fails(w.refund(paid, 5_000, "R-2")))

    w.accounts.on("Refund", before=another_refund)  # the first one's intent is written: it counts as taken
    _, first = await w.refund(paid, 5_000, "R-1")
    assert first.status is RefundStatus.COMPLETED and second == [Reason.REFUND_EXCEEDS_DEBITED]
    assert w.own(payer).balance_fen == 7_000
