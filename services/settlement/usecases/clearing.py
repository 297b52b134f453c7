"""Closing a clearing period (清算, 3203): freeze the institution's totals in a closed-period record (the intent,
PAYING), then have accounts pay out what the fund owes, with a request id derived from that record; a retry, or the
recovery worker, finishes a payout that got no answer."""

from __future__ import annotations

import datetime as dt

from services.settlement.domain import lifecycle, periods
from services.settlement.domain.accounts import AccountsDeclined
from services.settlement.domain.periods import ClearingPeriod
from services.settlement.usecases.deps import Call, Deps


async def close_period(deps: Deps, end: dt.datetime, call: Call) -> ClearingPeriod:
    async with deps.store.transaction() as tx:
        await tx.lock_periods(call.institution)
        p = await tx.find_period(call.institution, end)
        if p is None:
            last = await tx.closed_through(call.institution)
            periods.require_closable(end, deps.now(), last)
            p = await tx.close_period(call.institution, last, end)
    if not p.paid_out:
        p = await pay_out(deps, p, call.budget_s)
    return p


async def pay_out(deps: Deps, p: ClearingPeriod, budget_s: float | None) -> ClearingPeriod:
    """Accounts books the period's payout (once, whatever the number of attempts), then the period says so."""
    try:
        await deps.accounts.pay_out_clearing(
            periods.payout_request_id(p), p.institution, p.label, p.payout_fen, budget_s=budget_s
        )
    except AccountsDeclined as d:
        raise lifecycle.declined_error(d.reason) from d
    return await deps.store.period_paid(p.id)
