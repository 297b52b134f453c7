"""Capture (at most the hold; the rest is released) and Void of an authorization. Each writes its intent (CAPTURING,
VOIDING) before calling accounts, so a repeat, or the recovery worker, finishes it with the same request id."""

from __future__ import annotations

from services.common.errors import DomainError, Reason
from services.settlement.domain import commands as cmd
from services.settlement.domain import lifecycle
from services.settlement.domain.accounts import AccountsDeclined, HoldStatus
from services.settlement.domain.model import Settlement, Status
from services.settlement.usecases.deps import Call, CrashPoint, Deps, find, load, move


async def capture(deps: Deps, c: cmd.Capture, call: Call) -> Settlement:
    s = lifecycle.require_authorization(await find(deps, call.institution, c.settlement))
    lifecycle.require_capturable(s, c.amount_fen)
    if s.status is Status.AUTHORIZED:
        if lifecycle.lapsed(s, deps.now()):
            await move(deps, s, lifecycle.expire())
            raise DomainError(Reason.RESERVATION_EXPIRED)
        s = await _start_capture(deps, s, c, call)
        deps.crash(CrashPoint.BEFORE_CAPTURE)
    lifecycle.require_same_capture(s, c.amount_fen, c.capture_pos_txn_id)
    if s.status is Status.CAPTURING:
        s = await finish_capture(deps, s, call.budget_s)
    return lifecycle.capture_answer(s)


async def _start_capture(deps: Deps, s: Settlement, c: cmd.Capture, call: Call) -> Settlement:
    """Writes the capture's intent; with the POS's own capture id, only if no Reverse barred that id first (the id's
    lock keeps a Reverse of it from slipping in between)."""
    if not c.capture_pos_txn_id:
        return await move(deps, s, lifecycle.start_capture(c.amount_fen))
    async with deps.store.transaction() as tx:
        await tx.lock_pos_id(call.institution, c.capture_pos_txn_id)
        barring = await tx.find(call.institution, cmd.SettlementRef(pos_txn_id=c.capture_pos_txn_id))
        lifecycle.require_unbarred(barring, c.capture_pos_txn_id)
        moved = await tx.move(s.id, lifecycle.start_capture(c.amount_fen, c.capture_pos_txn_id))
    if moved is None:
        return await load(deps, s.id)
    moved.refunds = s.refunds
    return moved


async def finish_capture(deps: Deps, s: Settlement, budget_s: float | None) -> Settlement:
    """Debits the capture's amount from the hold (a CAPTURING settlement), and records what accounts answered."""
    if not s.reservation_id:  # an all-cash authorization (acct_used_flag NONE): nothing is held at accounts
        return await move(deps, s, lifecycle.captured(s, None))
    try:
        paid = await deps.accounts.debit(
            lifecycle.request_id(s, "capture"), s.reservation_id, lifecycle.capture_debit_fen(s), budget_s=budget_s
        )
    except AccountsDeclined as d:
        return await move(deps, s, lifecycle.capture_declined(d))
    deps.crash(CrashPoint.AFTER_CAPTURE)
    return await move(deps, s, lifecycle.captured(s, paid))


async def void(deps: Deps, c: cmd.SettlementRef, call: Call) -> Settlement:
    s = lifecycle.require_authorization(await find(deps, call.institution, c))
    if s.status is Status.AUTHORIZED:
        s = await move(deps, s, lifecycle.start_void())
    if s.status is Status.VOIDING:
        s = await finish_void(deps, s, call.budget_s)
    return lifecycle.void_answer(s)


async def finish_void(deps: Deps, s: Settlement, budget_s: float | None) -> Settlement:
    """Releases the hold of a VOIDING settlement."""
    if not s.reservation_id:  # an all-cash authorization: nothing is held at accounts
        return await move(deps, s, lifecycle.released(HoldStatus.RELEASED))
    status = await deps.accounts.release(lifecycle.request_id(s, "void"), s.reservation_id, budget_s=budget_s)
    return await move(deps, s, lifecycle.released(status))
