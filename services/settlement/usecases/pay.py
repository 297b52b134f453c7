"""Settle (a sale, paid at once) and Authorize (a hold, captured later): write the intent, reserve through accounts,
record the outcome. A repeated request answers with the first outcome (a decline stays declined). The payer's
credential goes to accounts with the reserve; the intent keeps its type, keyed hash and masked form."""

from __future__ import annotations

import uuid

from services.common.credentials import Credential
from services.settlement.domain import charges, lifecycle
from services.settlement.domain import commands as cmd
from services.settlement.domain.accounts import AccountsDeclined
from services.settlement.domain.model import Settlement, Status
from services.settlement.usecases.deps import Call, CrashPoint, Deps, move
from services.settlement.usecases.reverse import undo


async def pay(deps: Deps, c: cmd.Pay, call: Call) -> Settlement:
    wanted = charges.intent(
        c, call.institution, uuid.uuid4().hex, deps.credential_key, deps.policy, deps.region_of(call.institution)
    )
    s, created = await deps.store.create(wanted)
    if not created:
        charges.require_same_request(s, wanted)
        if s.status is Status.PENDING:
            await deps.store.waiting(s.id)  # the POS waits on it again: the recovery worker leaves it alone meanwhile
    if s.status is Status.PENDING and not charges.uses_accounts(s.account_use):
        s = await move(deps, s, lifecycle.all_cash(s, deps.now()))
    if s.status is Status.PENDING:
        s = await reserve(deps, s, c.credential, call.budget_s)
    if s.status in lifecycle.UNDOING:
        s = await undo(deps, s, call.budget_s)
    return lifecycle.answer(s)


async def reserve(deps: Deps, s: Settlement, credential: Credential, budget_s: float | None) -> Settlement:
    """The intent's one call to accounts, with the credential of the POS request (the same as the intent's: their
    fingerprints are equal), and its outcome recorded (unless a reversal got there first). A CREDENTIAL_MISMATCH is
    a decline like any other: stored, and answered to every retry."""
    try:
        hold = await deps.accounts.reserve(charges.reserve_call(s, credential), budget_s=budget_s)
    except AccountsDeclined as d:
        return await move(deps, s, lifecycle.declined(Status.PENDING, d))
    deps.crash(CrashPoint.AFTER_RESERVE)
    return await move(deps, s, lifecycle.reserved(s, hold))
