"""冲正 (Reverse) by the POS's pos_txn_id, and the undo that drives it, and the recovery worker's compensation of an
unanswered payment, until nothing is held or paid. A Reverse of a pos_txn_id never seen writes a tombstone that bars
a late original."""

from __future__ import annotations

import uuid

from services.common.errors import DomainError, Reason
from services.settlement.domain import commands as cmd
from services.settlement.domain import lifecycle, periods, refunds
from services.settlement.domain.accounts import AccountsDeclined, HoldStatus
from services.settlement.domain.model import NewRefund, RefundStatus, Settlement
from services.settlement.usecases import refund, refund_reversal
from services.settlement.usecases.deps import Call, Deps, load, move

UNDO_ROUNDS = 5


async def reverse(deps: Deps, c: cmd.Reverse, call: Call) -> Settlement:
    """Undoes whatever the POS request with this id did — a Settle or Authorize (by its pos_txn_id), a Capture (by
    its capture_pos_txn_id: the payment is undone) or a Refund (by its refund_pos_txn_id: what it gave back is taken
    back); bars the id with a tombstone if no request had it. Idempotent."""
    refund_id = 0
    async with deps.store.transaction() as tx:
        await tx.lock_pos_id(call.institution, c.pos_txn_id)  # a late original with this id waits, then finds it
        ref = cmd.SettlementRef(pos_txn_id=c.pos_txn_id)
        locked = await tx.find(call.institution, ref, lock=True) or await tx.find(
            call.institution, ref, lock=True, by_capture=True
        )
        if locked is not None:
            reversal = lifecycle.reversal(locked)
            if reversal is None:
                return locked
            if locked.status not in lifecycle.UNDOING:  # an undo under way is finished whatever the time
                await tx.lock_periods(call.institution)
                closed = await tx.closed_through(call.institution)
                periods.require_reversible(locked, deps.now(), closed, deps.policy)
            await tx.move(locked.id, reversal)
            s = await tx.get(locked.id)
        else:
            row = await tx.find_refund(call.institution, c.pos_txn_id)
            if row is None:
                s, _ = await tx.create(lifecycle.tombstone(call.institution, c.pos_txn_id, uuid.uuid4().hex))
                return s
            s = await tx.get(row.settlement_id)
            if row.status is RefundStatus.COMPLETED:
                await tx.lock_periods(call.institution)
                closed = await tx.closed_through(call.institution)
                refunds.require_reversible(s, row, deps.now(), closed, deps.policy)
                await tx.move_refund(row.id, RefundStatus.COMPLETED, RefundStatus.REVERSING)
            refund_id = row.id
    if refund_id:
        return await refund_reversal.finish(deps, s, refund_id, call.budget_s)
    return await undo(deps, s, call.budget_s)


async def undo(deps: Deps, s: Settlement, budget_s: float | None) -> Settlement:
    """Drives a COMPENSATING (to VOIDED) or REVERSING (to REVERSED) settlement until nothing is held or paid."""
    if not s.reservation_id:
        # Bar the original reserve at accounts: if it never ran, it never will, and nothing is left to undo.
        fenced = await deps.accounts.fence(lifecycle.request_id(s, "reserve"), budget_s=budget_s)
        if not fenced.already_executed:
            await move(deps, s, lifecycle.undone(s))
            return await load(deps, s.id)
        # It ran, and the fence names the reservation it made. (Not by repeating the Reserve: that would need the
        # payer's credential, which settlement does not keep.)
        recorded = await move(deps, s, lifecycle.found_reservation(s, fenced))
        if recorded.status is not s.status:
            # Someone else moved it meanwhile (a Reverse took over a compensation): go on from where it is now.
            return await undo(deps, recorded, budget_s) if recorded.status in lifecycle.UNDOING else recorded
        s = recorded
    for _ in range(UNDO_ROUNDS):
        state = await deps.accounts.get_reservation(s.reservation_id, budget_s=budget_s)
        if state.status is HoldStatus.HELD:
            try:
                await deps.accounts.release(
                    lifecycle.request_id(s, "undo-release"), s.reservation_id, budget_s=budget_s
                )
            except AccountsDeclined:
                pass  # a capture won the race: the next round refunds it
            continue
        if state.status is not HoldStatus.DEBITED:
            break
        payment = lifecycle.found_payment(s, state, deps.now())
        if payment is not None:
            s = await move(deps, s, payment)
        for waiting in await deps.store.refunds_of(s.id):
            if waiting.status is RefundStatus.PENDING:
                await refund.send(deps, s, waiting, budget_s)
        state = await deps.accounts.get_reservation(s.reservation_id, budget_s=budget_s)
        if state.unrefunded_fen == 0:
            break
        rest = await deps.store.insert_refund(
            NewRefund(
                settlement_id=s.id,
                institution=s.institution,
                refund_pos_txn_id=lifecycle.reversal_refund_id(s, state.refunded_fen),
                amount_fen=state.unrefunded_fen,
                is_reversal=True,
            )
        )
        if rest is not None:
            await refund.send(deps, s, rest, budget_s)
    else:
        raise DomainError(Reason.ACCOUNTS_UNAVAILABLE, "(the reversal did not settle; it will be retried)")
    await move(deps, s, lifecycle.undone(s))
    return await load(deps, s.id)
