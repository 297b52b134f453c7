"""Capture (at most the hold, the rest released) and Void of an authorization; lapsed holds; races between them."""

from __future__ import annotations

import pytest

from services.common.errors import Reason
from services.settlement.domain.accounts import HoldStatus
from services.settlement.domain.model import AccountUse, Kind, Status
from services.settlement.usecases.deps import CrashPoint
from tests.unit.settlement.fakes import Crashed
from tests.unit.settlement.world import World, fails, split


async def test_capture_less_than_held_pays_own_first_and_releases_the_rest(w: World) -> None:
    payer = w.payer(own_fen=10_000, pool_fen=60_000)
    auth = await w.authorize(payer, 30_000)
    assert await fails(w.capture(auth, 30_001)) is Reason.AMOUNT_EXCEEDS_RESERVED
    done = await w.capture(auth, 25_000)
    assert (done.status, split(done)) == (Status.COMPLETED, (10_000, 15_000, 0))
    assert (done.balc_fen, done.pool_balc_fen) == (0, 45_000)
    assert (w.pool(payer).balance_fen, w.pool(payer).held_fen, w.own(payer).held_fen) == (45_000, 0, 0)
    assert w.metrics.outcomes[Kind.AUTHORIZATION, Status.COMPLETED] == 1


async def test_a_capture_recomputes_the_cash_part_from_the_final_bill(w: World) -> None:
    payer = w.payer(own_fen=1_000, pool_fen=2_000)
    auth = await w.authorize(payer, 5_000)  # 3000 held, 2000 would be cash
    assert split(auth) == (1_000, 2_000, 2_000)
    done = await w.capture(auth, 2_500)  # the final personal part is less than what is held: no cash at all
    assert split(done) == (1_000, 1_500, 0)
    more = await w.authorize(payer, 5_000)  # what is left: 500 of the pool held, 4500 cash
    done = await w.capture(more, 4_800)  # more than held: the accounts pay what they hold, the rest is cash
    assert split(done) == (0, 500, 4_300)
    assert await fails(w.capture(await w.authorize(payer, 100), 101)) is Reason.AMOUNT_EXCEEDS_RESERVED


async def test_an_all_cash_authorization_captures_and_voids_without_accounts(w: World) -> None:
    payer = w.payer()
    auth = await w.authorize(payer, 5_000, use=AccountUse.NONE)
    assert split(await w.capture(auth, 4_000)) == (0, 0, 4_000)
    other = await w.authorize(payer, 5_000, use=AccountUse.NONE)
    assert (await w.void(other)).status is Status.VOIDED
    assert w.accounts.calls == []


async def test_a_capture_is_made_once_and_another_amount_is_refused(w: World) -> None:
    payer = w.payer()
    auth = await w.authorize(payer, 6_000)
    first = await w.capture(auth, 4_000, by_pos_txn_id=True)
    again = await w.capture(auth, 4_000)
    assert (again.id, again.status, split(again)) == (first.id, Status.COMPLETED, split(first))
    assert await fails(w.capture(auth, 3_000)) is Reason.SETTLEMENT_ALREADY_FINAL
    assert w.own(payer).balance_fen == 6_000 and w.accounts.count("Debit") == 1
    assert await fails(w.void(auth)) is Reason.SETTLEMENT_ALREADY_FINAL


async def test_only_an_authorization_is_captured_or_voided(w: World) -> None:
    sale = await w.settle(w.payer(), 1_000)
    assert await fails(w.capture(sale, 1_000)) is Reason.NOT_AN_AUTHORIZATION
    assert await fails(w.void(sale)) is Reason.NOT_AN_AUTHORIZATION


async def test_void_releases_the_hold_and_answers_the_same_again(w: World) -> None:
    payer = w.payer()
    auth = await w.authorize(payer, 8_000)
    voided = await w.void(auth)
    assert voided.status is Status.VOIDED and w.own(payer).held_fen == 0
    assert (await w.void(auth)).status is Status.VOIDED
    assert w.accounts.count("Release") == 1
    assert await fails(w.capture(auth, 1_000)) is Reason.SETTLEMENT_ALREADY_FINAL
    assert w.own(payer).balance_fen == 10_000
    assert w.metrics.outcomes[Kind.AUTHORIZATION, Status.VOIDED] == 1


async def test_a_capture_after_the_hold_lapsed_is_refused_and_the_authorization_expires(w: World) -> None:
    payer = w.payer()
    auth = await w.authorize(payer, 5_000, ttl_s=60)
    w.clock.advance(60)
    assert await fails(w.capture(auth, 1_000)) is Reason.RESERVATION_EXPIRED
    assert (await w.get(auth)).status is Status.EXPIRED
    assert w.accounts.count("Debit") == 0  # our own clock said so: accounts was not asked
    assert (w.own(payer).balance_fen, w.own(payer).held_fen) == (10_000, 0)
    assert await fails(w.capture(auth, 1_000)) is Reason.RESERVATION_EXPIRED


async def test_a_hold_accounts_finds_lapsed_expires_the_capture(w: World) -> None:
    payer = w.payer()
    auth = await w.authorize(payer, 5_000)
    w.accounts.on("Debit", decline="RESERVATION_EXPIRED")
    assert await fails(w.capture(auth, 1_000)) is Reason.RESERVATION_EXPIRED
    assert (await w.get(auth)).status is Status.EXPIRED


async def test_a_void_of_a_lapsed_hold_ends_expired(w: World) -> None:
    payer = w.payer()
    auth = await w.authorize(payer, 5_000, ttl_s=60)
    w.clock.advance(61)
    voided = await w.void(auth)
    assert voided.status is Status.EXPIRED and w.own(payer).held_fen == 0


async def test_a_capture_the_hold_of_which_was_finished_elsewhere_is_declined(w: World) -> None:
    payer = w.payer()
    auth = await w.authorize(payer, 5_000)
    w.accounts.on("Debit", decline="RESERVATION_ALREADY_FINAL")
    assert await fails(w.capture(auth, 1_000)) is Reason.SETTLEMENT_ALREADY_FINAL
    got = await w.get(auth)
    assert (got.status, got.decline_reason) == (Status.DECLINED, "RESERVATION_ALREADY_FINAL")


async def test_a_void_arriving_while_the_capture_is_under_way_is_refused(w: World) -> None:
    payer = w.payer()
    auth = await w.authorize(payer, 5_000)
    refused: list[Reason] = []

    async def void_now() -> None:
        refused.append(await fails(w.void(auth)))
        assert (await w.get(auth)).status is Status.CAPTURING

    w.accounts.on("Debit", before=void_now)
    done = await w.capture(auth, 5_000)
    assert refused == [Reason.SETTLEMENT_ALREADY_FINAL] and done.status is Status.COMPLETED
    assert w.own(payer).balance_fen == 5_000


async def test_a_capture_arriving_while_the_void_is_under_way_is_refused(w: World) -> None:
    payer = w.payer()
    auth = await w.authorize(payer, 5_000)
    refused: list[Reason] = []

    async def capture_now() -> None:
        refused.append(await fails(w.capture(auth, 5_000)))

    w.accounts.on("Release", before=capture_now)
    assert (await w.void(auth)).status is Status.VOIDED
    assert refused == [Reason.SETTLEMENT_ALREADY_FINAL]
    assert (w.own(payer).balance_fen, w.own(payer).held_fen) == (10_000, 0)


async def test_an_unanswered_capture_is_finished_by_asking_again(w: World) -> None:
    payer = w.payer()
    auth = await w.authorize(payer, 5_000)
    w.accounts.on("Debit", unreachable=True, lost=True)
    assert await fails(w.capture(auth, 4_000)) is Reason.ACCOUNTS_UNAVAILABLE
    assert (await w.get(auth)).status is Status.CAPTURING
    done = await w.capture(auth, 4_000)
    assert done.status is Status.COMPLETED and w.own(payer).balance_fen == 6_000


@pytest.mark.parametrize("point", [CrashPoint.BEFORE_CAPTURE, CrashPoint.AFTER_CAPTURE])
async def test_killed_during_a_capture_then_the_pos_retries_and_pays_once(w: World, point: CrashPoint) -> None:
    payer = w.payer()
    auth = await w.authorize(payer, 7_000)
    with pytest.raises(Crashed):
        await w.capture(auth, 5_000, deps=w.crashing(point))
    assert (await w.get(auth)).status is Status.CAPTURING
    (hold,) = w.accounts.of(payer)
    assert hold.status is (HoldStatus.HELD if point is CrashPoint.BEFORE_CAPTURE else HoldStatus.DEBITED)
    done = await w.capture(auth, 5_000)
    assert (done.status, split(done)) == (Status.COMPLETED, (5_000, 0, 0))
    assert (w.own(payer).balance_fen, w.own(payer).held_fen) == (5_000, 0)
