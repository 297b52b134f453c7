"""Settle and Authorize: the split (own account, then the pool, the rest in cash), declines that stay declined,
replays that answer the same and move money once, and accounts that does not answer."""

from __future__ import annotations

import datetime as dt

import pytest

from services.common.errors import Reason
from services.settlement.domain.accounts import HoldStatus
from services.settlement.domain.model import Kind, Status
from services.settlement.usecases.deps import CrashPoint
from tests.unit.settlement.fakes import Crashed
from tests.unit.settlement.world import H1, H2, World, fails, split


async def test_own_account_first_then_the_pool_then_cash(w: World) -> None:
    payer = w.payer(own_fen=10_000, pool_fen=60_000)
    own_only = await w.settle(payer, 4_000)
    assert (own_only.status, split(own_only), own_only.balc_fen) == (Status.COMPLETED, (4_000, 0, 0), 6_000)
    mixed = await w.settle(payer, 70_000)
    assert split(mixed) == (6_000, 60_000, 4_000)
    assert (mixed.balc_fen, mixed.pool_balc_fen) == (0, 0)
    assert (w.own(payer).balance_fen, w.pool(payer).balance_fen) == (0, 0)
    assert w.metrics.outcomes[Kind.SALE, Status.COMPLETED] == 2
    assert w.store.transactions == 0  # the hot path: intent and outcome, each one statement of its own


async def test_a_resident_without_own_account_pays_from_the_pool_and_the_rest_in_cash(w: World) -> None:
    child = w.payer(own_fen=None, pool_fen=20_000)
    paid = await w.settle(child, 25_000)
    assert split(paid) == (0, 20_000, 5_000)


async def test_a_payer_in_no_pool_pays_the_rest_in_cash(w: World) -> None:
    payer = w.payer(own_fen=1_000, pool_fen=None)
    assert split(await w.settle(payer, 3_000)) == (1_000, 0, 2_000)


async def test_a_replay_answers_the_same_and_pays_once(w: World) -> None:
    payer = w.payer()
    first = await w.settle(payer, 5_000, "POS-1", description="pharmacy")
    again = await w.settle(payer, 5_000, "POS-1", description="pharmacy")
    assert (again.id, split(again)) == (first.id, split(first))
    assert w.own(payer).balance_fen == 5_000
    assert w.accounts.count("Reserve") == 1  # a completed payment answers from our record


async def test_the_same_pos_txn_id_with_other_content_is_refused(w: World) -> None:
    payer = w.payer()
    await w.settle(payer, 5_000, "POS-1", description="pharmacy")
    assert await fails(w.settle(payer, 6_000, "POS-1", description="pharmacy")) is Reason.REQUEST_ID_REUSED
    assert await fails(w.settle(payer, 5_000, "POS-1", description="other")) is Reason.REQUEST_ID_REUSED
    assert await fails(w.authorize(payer, 5_000, "POS-1")) is Reason.REQUEST_ID_REUSED
    assert w.own(payer).balance_fen == 5_000


async def test_each_institution_has_its_own_pos_txn_ids(w: World) -> None:
    payer = w.payer()
    a = await w.settle(payer, 1_000, "POS-1", institution=H1)
    b = await w.settle(payer, 2_000, "POS-1", institution=H2)
    assert a.id != b.id and (a.institution, b.institution) == (H1, H2)
    assert w.own(payer).balance_fen == 7_000


async def test_a_decline_is_stored_and_every_retry_gets_it(w: World) -> None:
    payer = w.payer(insured=False)
    request = w.pos_id()
    assert await fails(w.settle(payer, 500, request)) is Reason.PERSON_NOT_INSURED
    assert await fails(w.settle(payer, 500, request)) is Reason.PERSON_NOT_INSURED
    got = await w.get(request)
    assert (got.status, got.decline_reason) == (Status.DECLINED, "PERSON_NOT_INSURED")
    assert w.accounts.count("Reserve") == 1
    assert w.metrics.outcomes[Kind.SALE, Status.DECLINED] == 1
    assert await fails(w.settle("NOBODY", 500)) is Reason.PERSON_NOT_FOUND


async def test_a_decline_settlement_does_not_know_is_payment_declined(w: World) -> None:
    payer = w.payer()
    w.accounts.on("Reserve", decline="SOMETHING_NEW")
    request = w.pos_id()
    assert await fails(w.settle(payer, 500, request)) is Reason.PAYMENT_DECLINED
    assert (await w.get(request)).decline_reason == "SOMETHING_NEW"


async def test_accounts_out_of_reach_leaves_the_payment_pending_and_a_retry_pays_it(w: World) -> None:
    payer = w.payer()
    request = w.pos_id()
    w.accounts.on("Reserve", unreachable=True)
    assert await fails(w.settle(payer, 3_000, request)) is Reason.ACCOUNTS_UNAVAILABLE
    pending = await w.get(request)
    assert (pending.status, pending.split.accounts_fen) == (Status.PENDING, 0)
    assert w.accounts.reservations == {} and w.own(payer).balance_fen == 10_000  # nothing held
    done = await w.settle(payer, 3_000, request)
    assert (done.status, split(done)) == (Status.COMPLETED, (3_000, 0, 0))


async def test_an_answer_lost_on_the_way_back_is_asked_again_and_paid_once(w: World) -> None:
    payer = w.payer()
    request = w.pos_id()
    w.accounts.on("Reserve", unreachable=True, lost=True)
    assert await fails(w.settle(payer, 3_000, request)) is Reason.ACCOUNTS_UNAVAILABLE
    assert w.own(payer).balance_fen == 7_000  # accounts did pay
    done = await w.settle(payer, 3_000, request)
    assert (done.status, split(done), done.balc_fen) == (Status.COMPLETED, (3_000, 0, 0), 7_000)
    assert w.own(payer).balance_fen == 7_000  # once


async def test_the_pos_deadline_goes_down_to_accounts(w: World) -> None:
    await w.settle(w.payer(), 1_000, budget_s=1.5)
    [budget] = w.accounts.budgets
    assert budget is not None and 0 < budget <= 1.5  # what is left of it when accounts is called


async def test_killed_after_the_reserve_then_the_pos_retries_and_pays_once(w: World) -> None:
    payer = w.payer()
    request = w.pos_id()
    with pytest.raises(Crashed):
        await w.settle(payer, 4_000, request, deps=w.crashing(CrashPoint.AFTER_RESERVE))
    assert (await w.get(request)).status is Status.PENDING
    assert w.own(payer).balance_fen == 6_000  # accounts did debit
    done = await w.settle(payer, 4_000, request)  # the restarted process
    assert (done.status, split(done)) == (Status.COMPLETED, (4_000, 0, 0))
    assert w.own(payer).balance_fen == 6_000


async def test_authorize_holds_own_then_pool_until_it_expires(w: World) -> None:
    payer = w.payer(own_fen=10_000, pool_fen=60_000)
    auth = await w.authorize(payer, 30_000, ttl_s=600)
    assert (auth.status, auth.kind, auth.authorized_fen, split(auth)) == (
        Status.AUTHORIZED,
        Kind.AUTHORIZATION,
        30_000,
        (10_000, 20_000, 0),
    )
    assert auth.expires_at == w.clock.now + dt.timedelta(seconds=600)
    assert (w.own(payer).held_fen, w.pool(payer).held_fen) == (10_000, 20_000)
    assert (w.own(payer).balance_fen, w.pool(payer).balance_fen) == (10_000, 60_000)
    again = await w.authorize(payer, 30_000, auth.pos_txn_id, ttl_s=600)
    assert again.id == auth.id and w.pool(payer).held_fen == 20_000  # held once
    (hold,) = w.accounts.of(payer)
    assert hold.status is HoldStatus.HELD


async def test_an_authorization_more_than_the_funds_holds_what_there_is(w: World) -> None:
    payer = w.payer(own_fen=1_000, pool_fen=2_000)
    auth = await w.authorize(payer, 5_000)
    assert (auth.authorized_fen, split(auth)) == (3_000, (1_000, 2_000, 2_000))


async def test_a_retry_finds_an_unfinished_reversal_and_finishes_it(w: World) -> None:
    payer = w.payer()
    paid = await w.settle(payer, 3_000)
    w.accounts.on("GetReservation", unreachable=True)
    await fails(w.reverse(paid.pos_txn_id))
    assert await fails(w.settle(payer, 3_000, paid.pos_txn_id)) is Reason.SETTLEMENT_REVERSED
    assert (await w.get(paid)).status is Status.REVERSED and w.own(payer).balance_fen == 10_000


async def test_a_retry_finds_an_unfinished_compensation_and_finishes_it(w: World) -> None:
    payer = w.payer()
    request = w.pos_id()
    w.accounts.on("Reserve", unreachable=True, lost=True)
    await fails(w.settle(payer, 3_000, request))
    w.accounts.on("Fence", unreachable=True)
    await w.recover()
    assert (await w.get(request)).status is Status.COMPENSATING
    assert await fails(w.settle(payer, 3_000, request)) is Reason.PAYMENT_ABANDONED
    assert (await w.get(request)).status is Status.VOIDED and w.own(payer).balance_fen == 10_000
