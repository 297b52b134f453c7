"""冲正 of a refund (by its refund_pos_txn_id): what it gave back is taken back. The refund's record moves to
REVERSING (the intent) before accounts is asked, with a request id derived from it; a refund that may not have run
yet is fenced first (never run: it never will, and nothing is to take back). If the money was spent meanwhile,
accounts refuses, the refund stands, and the POS is told why."""

from __future__ import annotations

from services.settlement.domain import lifecycle, refunds
from services.settlement.domain.accounts import AccountsDeclined
from services.settlement.domain.model import RefundFinish, RefundStatus, Settlement
from services.settlement.usecases import refund
from services.settlement.usecases.deps import Deps, load

R = RefundStatus


async def finish(deps: Deps, s: Settlement, refund_id: int, budget_s: float | None) -> Settlement:
    """Drives a refund's reversal to its end: REVERSED, or (accounts refused) COMPLETED again."""
    row = await deps.store.get_refund(refund_id)
    if row.status is R.PENDING:
        fenced = await deps.accounts.fence(refunds.request_id(s, row), budget_s=budget_s)
        if not fenced.already_executed:
            await deps.store.finish_refund(row.id, RefundFinish(R.REVERSED))
            return await load(deps, s.id)
        row = await refund.send(deps, s, row, budget_s)  # ran: its outcome, repeated
        if row.status is R.COMPLETED and await deps.store.move_refund(row.id, R.COMPLETED, R.REVERSING):
            row = await deps.store.get_refund(row.id)
    if row.status is R.REVERSING:
        if row.amount_fen:
            try:
                await deps.accounts.reverse_refund(
                    refunds.reversal_request_id(s, row),
                    s.reservation_id,
                    row.acct_refund_fen,
                    row.acct_mulaid_refund_fen,
                    budget_s=budget_s,
                )
            except AccountsDeclined as d:
                await deps.store.move_refund(row.id, R.REVERSING, R.COMPLETED)
                raise lifecycle.declined_error(d.reason, s) from d
        await deps.store.move_refund(row.id, R.REVERSING, R.REVERSED)
    return await load(deps, s.id)
