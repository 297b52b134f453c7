"""The recovery worker's round: finishes what a crash, a lost answer or an unreachable accounts service left. A
capture or void the POS asked for is completed; a payment nobody got an answer for is undone (VOIDED); pending
refunds are asked again; lapsed authorizations expire."""

from __future__ import annotations

import datetime as dt
import logging

from services.settlement.domain import commands as cmd
from services.settlement.domain import lifecycle
from services.settlement.domain.model import Kind, Status
from services.settlement.usecases import clearing, refund, refund_reversal
from services.settlement.usecases.authorization import finish_capture, finish_void
from services.settlement.usecases.deps import Deps, load, move
from services.settlement.usecases.reverse import undo

log = logging.getLogger(__name__)


async def recover_once(deps: Deps, c: cmd.Recover, budget_s: float) -> int:
    """One round. Returns the number of settlements and refunds it moved on."""
    now = deps.now()
    cutoff = now - dt.timedelta(seconds=c.grace_s)
    stuck = await deps.store.unfinished(cutoff, c.batch, now - dt.timedelta(seconds=max(c.grace_s, c.pending_grace_s)))
    refunds = await deps.store.pending_refunds(cutoff, c.batch)
    lapsed = await deps.store.lapsed_authorizations(now, c.batch)
    done = 0
    for settlement_id in stuck:
        try:
            s = await load(deps, settlement_id)
            action = s.status.value.lower()
            if s.status is Status.PENDING:
                s = await move(deps, s, lifecycle.abandon())
            if s.status in lifecycle.UNDOING:
                await undo(deps, s, budget_s)
            elif s.status is Status.CAPTURING:
                await finish_capture(deps, s, budget_s)
            elif s.status is Status.VOIDING:
                await finish_void(deps, s, budget_s)
            deps.metrics.recovered(action)
            done += 1
        except Exception:  # noqa: BLE001 - one stuck settlement must not stop the others
            log.warning(
                "recovery of a settlement failed; will retry", extra={"settlement_id": settlement_id}, exc_info=True
            )
    for refund_id in refunds:
        try:
            row = await deps.store.get_refund(refund_id)
            s = await load(deps, row.settlement_id)
            await refund.send(deps, s, row, budget_s)
            deps.metrics.recovered("refund")
            done += 1
        except Exception:  # noqa: BLE001
            log.warning("recovery of a refund failed; will retry", extra={"refund_id": refund_id}, exc_info=True)
    for refund_id in await deps.store.reversing_refunds(cutoff, c.batch):
        try:
            row = await deps.store.get_refund(refund_id)
            await refund_reversal.finish(deps, await load(deps, row.settlement_id), refund_id, budget_s)
            deps.metrics.recovered("refund_reversal")
            done += 1
        except Exception:  # noqa: BLE001
            log.warning(
                "recovery of a refund reversal failed; will retry", extra={"refund_id": refund_id}, exc_info=True
            )
    for period in await deps.store.paying_periods(cutoff, c.batch):
        try:
            await clearing.pay_out(deps, period, budget_s)
            deps.metrics.recovered("period_payout")
            done += 1
        except Exception:  # noqa: BLE001
            log.warning("recovery of a period payout failed; will retry", extra={"period_id": period.id}, exc_info=True)
    for settlement_id in lapsed:
        if await deps.store.move(settlement_id, lifecycle.expire()) is not None:
            deps.metrics.recovered("expire_authorization")
            deps.metrics.outcome(Kind.AUTHORIZATION, Status.EXPIRED)
            done += 1
    return done
