"""The reversal window and clearing periods on the fakes: 冲正 only within the request's settlement day (in China),
never into a closed period; closing a period freezes its totals and pays out what the fund owes exactly once."""

from __future__ import annotations

import datetime as dt

from services.common.errors import Reason
from services.settlement.domain.model import Status
from services.settlement.domain.periods import ClearingPeriod
from services.settlement.usecases import clearing
from services.settlement.usecases.deps import Call
from tests.unit.settlement.world import H1, World, fails


async def _close(w: World, end: dt.datetime | None = None) -> ClearingPeriod:
    return await clearing.close_period(w.deps, end or w.clock(), Call(H1))


async def test_a_request_is_reversed_only_on_its_settlement_day_then_refunded(w: World) -> None:
    payer = w.payer()
    sale = await w.settle(payer, 3_000)  # 16:00 in China
    w.clock.advance(7 * 3600)  # 23:00 in China: the same day
    assert (await w.reverse(sale.pos_txn_id)).status is Status.REVERSED
    late = await w.settle(payer, 2_000)  # 23:00
    w.clock.advance(2 * 3600)  # 01:00 the next day in China
    assert await fails(w.reverse(late.pos_txn_id)) is Reason.REVERSAL_WINDOW_CLOSED
    s, refund = await w.refund(late, 2_000)
    assert refund.acct_refund_fen == 2_000 and w.own(payer).balance_fen == 10_000


async def test_closing_a_period_freezes_its_totals_and_pays_out_once(w: World) -> None:
    payer = w.payer(own_fen=10_000, pool_fen=60_000)
    first = await w.settle(payer, 30_000)  # 10000 own, 20000 pool
    await w.refund(first, 5_000)  # pool first
    w.clock.advance(60)
    period = await _close(w)
    assert (period.acct_pay_fen, period.acct_mulaid_pay_fen, period.acct_refund_fen, period.acct_mulaid_refund_fen) == (
        10_000,
        20_000,
        0,
        5_000,
    )
    assert period.owed_fen == 25_000 and period.paid_out and w.accounts.paid_out == {H1: 25_000}
    assert await _close(w, period.end) == period  # closing at the same end answers the same period
    assert w.accounts.count("PayOutClearing") == 1
    assert await fails(_close(w, period.end - dt.timedelta(seconds=1))) is Reason.PERIOD_CLOSED
    # Its settlements cannot be reversed any more, even on the same day; a refund lands in the open period.
    assert await fails(w.reverse(first.pos_txn_id)) is Reason.PERIOD_CLOSED
    await w.refund(first, 1_000)
    w.clock.advance(60)
    second = await _close(w)
    assert (second.start, second.owed_fen, second.acct_mulaid_refund_fen) == (period.end, -1_000, 1_000)
    assert second.paid_out and w.accounts.paid_out == {H1: 25_000}  # nothing owed: nothing paid out


async def test_a_payout_without_an_answer_is_finished_by_recovery(w: World) -> None:
    payer = w.payer()
    await w.settle(payer, 4_000)
    w.clock.advance(60)
    w.accounts.on("PayOutClearing", unreachable=True, lost=True)
    assert await fails(_close(w)) is Reason.ACCOUNTS_UNAVAILABLE
    assert w.accounts.paid_out == {H1: 4_000}  # it took effect; nobody heard
    await w.recover()
    assert (await _close(w, w.store.t.periods[0].end)).paid_out
    assert w.accounts.paid_out == {H1: 4_000} and w.accounts.count("PayOutClearing") == 2
