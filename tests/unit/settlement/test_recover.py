"""The recovery worker: whatever a crash, a lost answer or an unreachable accounts service left is finished — a
capture or void the POS asked for is completed, a payment nobody got an answer for is undone, pending refunds are
asked again, lapsed authorizations expire."""

from __future__ import annotations

import pytest

from services.common.errors import Reason
from services.settlement.domain import charges
from services.settlement.domain.accounts import AccountsDeclined, HoldStatus
from services.settlement.domain.model import Kind, RefundStatus, Status
from services.settlement.usecases.deps import CrashPoint
from tests.unit.settlement.fakes import Crashed
from tests.unit.settlement.world import GRACE_S, World, fails, split


async def test_a_payment_accounts_never_got_is_fenced_voided_and_abandoned(w: World) -> None:
    payer = w.payer()
    request = w.pos_id()
    w.accounts.on("Reserve", unreachable=True)
    await fails(w.settle(payer, 3_000, request))
    assert await w.recover(after_s=GRACE_S - 1) == 0  # not yet: the POS may still be retrying
    assert (await w.get(request)).status is Status.PENDING
    assert await w.recover() == 1
    s = await w.get(request)
    assert s.status is Status.VOIDED and w.accounts.of(payer) == []
    with pytest.raises(AccountsDeclined) as err:  # the original call, arriving late at accounts
        await w.accounts.reserve(charges.reserve_call(s, w.card(payer)))
    assert err.value.reason == "REQUEST_CANCELLED"
    assert await fails(w.settle(payer, 3_000, request)) is Reason.PAYMENT_ABANDONED
    assert w.metrics.recovered_actions["pending"] == 1
    assert w.metrics.outcomes[Kind.SALE, Status.VOIDED] == 1


async def test_a_payment_killed_after_accounts_paid_is_given_back(w: World) -> None:
    payer = w.payer()
    request = w.pos_id()
    with pytest.raises(Crashed):
        await w.settle(payer, 3_000, request, deps=w.crashing(CrashPoint.AFTER_RESERVE))
    assert w.own(payer).balance_fen == 7_000
    assert await w.recover() == 1
    s = await w.get(request)
    assert (s.status, s.refunded_fen) == (Status.VOIDED, 3_000)
    assert w.own(payer).balance_fen == 10_000  # paid and given back: nothing lost, nothing kept
    assert await fails(w.settle(payer, 3_000, request)) is Reason.PAYMENT_ABANDONED


async def test_an_authorization_killed_after_accounts_held_is_released(w: World) -> None:
    payer = w.payer()
    request = w.pos_id()
    with pytest.raises(Crashed):
        await w.authorize(payer, 3_000, request, deps=w.crashing(CrashPoint.AFTER_RESERVE))
    await w.recover()
    assert (await w.get(request)).status is Status.VOIDED
    assert (w.own(payer).balance_fen, w.own(payer).held_fen) == (10_000, 0)
    (hold,) = w.accounts.of(payer)
    assert hold.status is HoldStatus.RELEASED
    assert (await w.authorize(payer, 3_000, request)).status is Status.VOIDED  # an authorization just says so


@pytest.mark.parametrize("point", [CrashPoint.BEFORE_CAPTURE, CrashPoint.AFTER_CAPTURE])
async def test_a_capture_the_pos_asked_for_is_completed(w: World, point: CrashPoint) -> None:
    payer = w.payer(own_fen=10_000, pool_fen=60_000)
    auth = await w.authorize(payer, 30_000)
    with pytest.raises(Crashed):
        await w.capture(auth, 25_000, deps=w.crashing(point))
    assert await w.recover() == 1
    done = await w.get(auth)
    assert (done.status, split(done)) == (Status.COMPLETED, (10_000, 15_000, 0))
    assert (w.pool(payer).balance_fen, w.pool(payer).held_fen) == (45_000, 0)
    assert w.metrics.recovered_actions["capturing"] == 1
    assert (await w.capture(auth, 25_000)).status is Status.COMPLETED


async def test_a_void_the_pos_asked_for_is_completed(w: World) -> None:
    payer = w.payer()
    auth = await w.authorize(payer, 5_000)
    w.accounts.on("Release", unreachable=True)
    assert await fails(w.void(auth)) is Reason.ACCOUNTS_UNAVAILABLE
    await w.recover()
    assert (await w.get(auth)).status is Status.VOIDED
    assert w.own(payer).held_fen == 0 and w.metrics.recovered_actions["voiding"] == 1


async def test_a_compensation_accounts_did_not_answer_is_finished_next_round(w: World) -> None:
    payer = w.payer()
    request = w.pos_id()
    w.accounts.on("Reserve", unreachable=True, lost=True)
    await fails(w.settle(payer, 3_000, request))
    w.accounts.on("Fence", unreachable=True)
    assert await w.recover() == 0  # logged, retried next round
    assert (await w.get(request)).status is Status.COMPENSATING
    assert await w.recover(after_s=GRACE_S + 1) == 1
    assert (await w.get(request)).status is Status.VOIDED
    assert w.own(payer).balance_fen == 10_000
    assert w.metrics.recovered_actions["compensating"] == 1


async def test_a_reversal_left_unfinished_is_finished(w: World) -> None:
    payer = w.payer()
    paid = await w.settle(payer, 8_000)
    w.accounts.on("GetReservation", unreachable=True)
    await fails(w.reverse(paid.pos_txn_id))
    await w.recover()
    assert (await w.get(paid)).status is Status.REVERSED
    assert w.own(payer).balance_fen == 10_000 and w.metrics.recovered_actions["reversing"] == 1


async def test_pending_refunds_are_asked_again(w: World) -> None:
    payer = w.payer()
    paid = await w.settle(payer, 8_000)
    w.accounts.on("Refund", unreachable=True)
    await fails(w.refund(paid, 3_000, "R-1"))
    assert await w.recover() == 1
    s = await w.get(paid)
    assert (s.refunds[0].status, s.refunded_fen) == (RefundStatus.COMPLETED, 3_000)
    assert w.own(payer).balance_fen == 5_000 and w.metrics.recovered_actions["refund"] == 1
    _, again = await w.refund(paid, 3_000, "R-1")
    assert again.status is RefundStatus.COMPLETED and w.own(payer).balance_fen == 5_000


async def test_lapsed_authorizations_expire(w: World) -> None:
    payer = w.payer()
    auth = await w.authorize(payer, 5_000, ttl_s=60)
    live = await w.authorize(payer, 1_000, ttl_s=3_600)
    assert await w.recover(after_s=61) == 1
    assert ((await w.get(auth)).status, (await w.get(live)).status) == (Status.EXPIRED, Status.AUTHORIZED)
    assert w.metrics.recovered_actions["expire_authorization"] == 1
    assert w.metrics.outcomes[Kind.AUTHORIZATION, Status.EXPIRED] == 1
    assert await fails(w.capture(auth, 5_000)) is Reason.RESERVATION_EXPIRED
    assert w.own(payer).held_fen == 1_000


async def test_one_stuck_settlement_does_not_stop_the_others(w: World) -> None:
    payer = w.payer()
    first, second = w.pos_id(), w.pos_id()
    for request in (first, second):
        w.accounts.on("Reserve", unreachable=True)
        await fails(w.settle(payer, 1_000, request))
    w.accounts.on("Fence", unreachable=True)  # the first one's
    assert await w.recover() == 1
    assert ((await w.get(first)).status, (await w.get(second)).status) == (Status.COMPENSATING, Status.VOIDED)


async def test_killed_during_recovery_the_next_round_finishes_once(w: World) -> None:
    payer = w.payer()
    auth = await w.authorize(payer, 5_000)
    with pytest.raises(Crashed):
        await w.capture(auth, 5_000, deps=w.crashing(CrashPoint.BEFORE_CAPTURE))
    with pytest.raises(Crashed):
        await w.recover(deps=w.crashing(CrashPoint.AFTER_CAPTURE))
    assert await w.recover() == 1
    assert (await w.get(auth)).status is Status.COMPLETED
    assert w.own(payer).balance_fen == 5_000 and w.accounts.count("Debit") == 2  # asked twice, paid once


async def test_a_reverse_taking_over_a_compensation_finishes_it_once(w: World) -> None:
    payer = w.payer()
    request = w.pos_id()
    w.accounts.on("Reserve", unreachable=True, lost=True)
    await fails(w.settle(payer, 3_000, request))
    reversed_: list[Status] = []

    async def reverse_now() -> None:
        reversed_.append((await w.reverse(request)).status)

    w.clock.advance(GRACE_S + 1)
    # Recovery fenced the payment (it had run, and the fence named its reservation); meanwhile the POS reverses it.
    w.accounts.on("Fence", after=reverse_now)
    assert await w.recover(after_s=0) == 1  # and it does not take the REVERSED settlement on to VOIDED
    s = await w.get(request)
    assert reversed_ == [Status.REVERSED] and s.status is Status.REVERSED
    assert [r.amount_fen for r in s.refunds] == [3_000] and w.own(payer).balance_fen == 10_000


async def test_a_pending_payment_is_left_alone_while_a_pos_may_still_wait_on_it(w: World) -> None:
    """A POS's call waits for accounts at most the longest wait (app.recover_command makes it `pending_grace_s`):
    a PENDING payment younger than that is never abandoned under it, and the POS retrying starts the clock anew."""
    payer = w.payer()
    request = w.pos_id()
    w.accounts.on("Reserve", unreachable=True)
    await fails(w.settle(payer, 3_000, request))
    longest = GRACE_S * 2
    assert await w.recover(after_s=GRACE_S + 1, pending_grace_s=longest) == 0  # past the grace, not past the wait
    w.accounts.on("Reserve", unreachable=True)
    await fails(w.settle(payer, 3_000, request))  # the POS retries: a new wait begins
    assert await w.recover(after_s=GRACE_S + 1, pending_grace_s=longest) == 0  # abandoned here without the retry
    assert await w.recover(after_s=GRACE_S - 5, pending_grace_s=longest) == 0
    assert (await w.get(request)).status is Status.PENDING
    assert await w.recover(after_s=10, pending_grace_s=longest) == 1  # longer than any wait since the retry
    assert (await w.get(request)).status is Status.VOIDED
