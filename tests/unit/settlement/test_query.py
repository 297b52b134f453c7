"""What a POS reads: the pre-settlement quote, a settlement, its list by period, and the day's reconciliation."""

from __future__ import annotations

import datetime as dt

from services.common.errors import Reason
from services.settlement.domain import commands as cmd
from services.settlement.domain.model import Status
from services.settlement.domain.reconcile import Item, Totals
from services.settlement.usecases import query
from services.settlement.usecases.deps import Call
from tests.unit.settlement.world import H1, H2, World, fails


def _day(w: World) -> cmd.Period:
    return cmd.Period(w.clock.now - dt.timedelta(hours=1), w.clock.now + dt.timedelta(hours=1))


async def test_a_quote_splits_as_a_settle_would_and_moves_nothing(w: World) -> None:
    payer = w.payer(own_fen=10_000, pool_fen=60_000)
    q = await query.pre_settle(w.deps, cmd.PreSettle(payer, 80_000, w.card(payer)), Call(H1, 2.0))
    assert (q.split.acct_pay_fen, q.split.acct_mulaid_pay_fen, q.split.psn_cash_pay_fen) == (10_000, 60_000, 10_000)
    assert (q.balc_fen, q.pool_balc_fen) == (10_000, 60_000)
    assert w.accounts.reservations == {} and w.store.t.settlements == {}
    [budget] = w.accounts.budgets
    assert budget is not None and 0 < budget <= 2.0
    uninsured = w.payer(insured=False)
    assert (
        await fails(query.pre_settle(w.deps, cmd.PreSettle(uninsured, 1, w.card(uninsured)), Call(H1)))
        is Reason.PERSON_NOT_INSURED
    )


async def test_a_settlement_is_found_by_id_or_pos_txn_id_by_its_own_institution_only(w: World) -> None:
    paid = await w.settle(w.payer(), 1_000)
    assert (await w.get(paid)).id == (await w.get(paid.pos_txn_id)).id == paid.id
    assert await fails(w.get(paid, institution=H2)) is Reason.SETTLEMENT_NOT_FOUND
    assert await fails(w.get("POS-NEVER")) is Reason.SETTLEMENT_NOT_FOUND


async def test_the_list_is_paged_in_order_of_creation(w: World) -> None:
    payer = w.payer()
    made = []
    for amount in (1_000, 2_000, 3_000):
        made.append((await w.settle(payer, amount)).id)
        w.clock.advance(1)
    await w.settle(payer, 500, institution=H2)
    first = await query.list_settlements(w.deps, cmd.ListSettlements(_day(w), None, 2), Call(H1))
    assert [s.id for s in first.settlements] == made[:2] and first.more
    last = first.settlements[-1]
    assert last.created_at is not None
    rest = await query.list_settlements(w.deps, cmd.ListSettlements(_day(w), (last.created_at, last.id), 2), Call(H1))
    assert [s.id for s in rest.settlements] == made[2:] and not rest.more


async def test_the_days_reconciliation_counts_payments_and_pos_refunds_not_reversals(w: World) -> None:
    payer = w.payer(own_fen=10_000, pool_fen=60_000)
    paid = await w.settle(payer, 70_000)
    await w.refund(paid, 6_000)
    reversed_ = await w.settle(w.payer(), 1_000)
    await w.reverse(reversed_.pos_txn_id)
    await fails(w.settle(w.payer(insured=False), 1_000))
    # the refund went back to the pool; one payment had mutual aid
    ours = Totals(1, 70_000, 10_000, 60_000, 0, 1, 6_000, acct_mulaid_refund_fen=6_000, mulaid_count=1)
    balanced = await query.reconcile(w.deps, cmd.Reconcile(_day(w), ours, None), Call(H1))
    assert balanced.balanced and balanced.ours == ours and balanced.rows == []
    theirs = Totals(1, 70_000, 10_000, 59_999, 1, 1, 6_000, acct_mulaid_refund_fen=6_000, mulaid_count=1)
    rows = (Item(paid.pos_txn_id, 10_000, 60_000, 0), Item("NOT-OURS", 1, 0, 0))
    off = await query.reconcile(w.deps, cmd.Reconcile(_day(w), theirs, rows), Call(H1))
    assert not off.balanced and off.differing == ["acct_mulaid_pay_fen", "psn_cash_pay_fen"]
    assert [(r.pos_txn_id, r.result) for r in off.rows] == [("NOT-OURS", "MISSING_HERE")] and off.matched == 1
    assert (await w.get(paid)).status is Status.COMPLETED
