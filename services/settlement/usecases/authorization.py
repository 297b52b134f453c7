"""Capture (at most the hold; the rest is released) and Void of an authorization. Each writes its intent (CAPTURING,
VOIDING) before calling accounts, so a repeat, or the recovery worker, finishes it with the same request id."""

from __future__ import annotations

from services.common.errors import DomainError, Reason
from services.settlement.domain import commands as cmd
from services.settlement.domain import lifecycle
from services.settlement.domain.accounts import AccountsDeclined, HoldStatus
from services.settlement.domain.model import Settlement, Status
from services.settlement.usecases.deps import Call, CrashPoint, Deps, find, move


async def capture(deps: Deps, c: cmd.Capture, call: Call) -> Settlement:
    s = lifecycle.require_authorization(await find(deps, call.institution, c.settlement))
    lifecycle.require_capturable(s, c.amount_fen)
    if s.status is Status.AUTHORIZED:
        if lifecycle.lapsed(s, deps.now()):
            await move(deps, s, lifecycle.expire())
            raise DomainError(Reason.RESERVATION_EXPIRED)
        s = await move(deps, s, lifecycle.start_capture(c.amount_fen))
        deps.crash(CrashPoint.BEFORE_CAPTURE)
    lifecycle.require_same_capture(s, c.amount_fen)
    if s.status is Status.CAPTURING:
        s = await finish_capture(deps, s, call.budget_s)
    return lifecycle.capture_answer(s)


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
