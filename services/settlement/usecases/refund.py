"""Refund: partial and repeated, never more than accounts paid. The settlement's row lock serialises the refunds of
one settlement while the intent is written; then accounts is asked with a request id derived from the refund."""

from __future__ import annotations

from services.common.errors import DomainError, Reason
from services.settlement.domain import commands as cmd
from services.settlement.domain import lifecycle, refunds
from services.settlement.domain.accounts import AccountsDeclined
from services.settlement.domain.model import Refund, RefundStatus, Settlement
from services.settlement.usecases.deps import Call, Deps, load


async def refund(deps: Deps, c: cmd.Refund, call: Call) -> tuple[Settlement, Refund]:
    async with deps.store.transaction() as tx:
        # The refund's own id first: a Reverse that arrived before it barred it (a tombstone), and waits for it.
        await tx.lock_pos_id(call.institution, c.refund_pos_txn_id)
        s = await tx.find(call.institution, c.settlement, lock=True)
        if s is None:
            raise DomainError(Reason.SETTLEMENT_NOT_FOUND)
        row = await tx.find_refund(call.institution, c.refund_pos_txn_id)
        if row is None:
            barring = await tx.find(call.institution, cmd.SettlementRef(pos_txn_id=c.refund_pos_txn_id))
            lifecycle.require_unbarred(barring, c.refund_pos_txn_id)
        new = refunds.require_new_or_same(s, row, c)
        if new is not None:
            row = await tx.insert_refund(new)
            assert row is not None  # the settlement row lock serialises refunds of one settlement
        assert row is not None
    if row.status is RefundStatus.PENDING:
        row = await send(deps, s, row, call.budget_s)
    refunds.answer(s, row)
    return await load(deps, s.id), row


async def send(deps: Deps, s: Settlement, row: Refund, budget_s: float | None) -> Refund:
    """Asks accounts for a pending refund and records how it ended; answers with the refund as it now is. Cash
    alone needs no call."""
    if row.amount_fen == 0:
        return await deps.store.finish_refund(row.id, refunds.cash_only())
    try:
        out = await deps.accounts.refund(
            refunds.request_id(s, row), s.reservation_id, row.amount_fen, budget_s=budget_s
        )
    except AccountsDeclined as d:
        return await deps.store.finish_refund(row.id, refunds.declined(d))
    return await deps.store.finish_refund(row.id, refunds.done(row, out))
