"""对账: an institution's completed payments and refunds in a period, as totals and as rows."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from services.settlement.domain.commands import Period
from services.settlement.domain.reconcile import Item, Totals
from services.settlement.storage import sql


async def totals(conn: AsyncConnection, institution: str, period: Period) -> Totals:
    params = {"institution": institution, "period_start": period.start, "period_end": period.end}
    pay = (
        await conn.execute(
            sql(
                "SELECT count(*) AS n, coalesce(sum(acct_pay_fen), 0) AS acct, "
                "coalesce(sum(acct_mulaid_pay_fen), 0) AS mul, "
                "coalesce(sum(psn_cash_pay_fen), 0) AS cash FROM settlement.settlements WHERE institution = "
                ":institution "
                "AND status = 'COMPLETED' AND completed_at >= :period_start AND completed_at < :period_end"
            ),
            params,
        )
    ).one()
    ref = (
        await conn.execute(
            sql(
                "SELECT count(*) AS n, coalesce(sum(amount_fen + cash_fen), 0) AS total FROM settlement.refunds "
                "WHERE institution = :institution AND status = 'COMPLETED' AND NOT is_reversal "
                "AND completed_at >= :period_start AND completed_at < :period_end"
            ),
            params,
        )
    ).one()
    return Totals(
        count=int(pay.n),
        amount_fen=int(pay.acct + pay.mul + pay.cash),
        acct_pay_fen=int(pay.acct),
        acct_mulaid_pay_fen=int(pay.mul),
        psn_cash_pay_fen=int(pay.cash),
        refund_count=int(ref.n),
        refund_fen=int(ref.total),
    )


async def completed_items(conn: AsyncConnection, institution: str, period: Period) -> list[Item]:
    rows = await conn.execute(
        sql(
            "SELECT pos_txn_id, acct_pay_fen, acct_mulaid_pay_fen, psn_cash_pay_fen FROM settlement.settlements "
            "WHERE institution = :institution AND status = 'COMPLETED' AND completed_at >= :period_start "
            "AND completed_at < :period_end ORDER BY completed_at, id"
        ),
        {"institution": institution, "period_start": period.start, "period_end": period.end},
    )
    return [
        Item(
            pos_txn_id=r.pos_txn_id,
            acct_pay_fen=r.acct_pay_fen,
            acct_mulaid_pay_fen=r.acct_mulaid_pay_fen,
            psn_cash_pay_fen=r.psn_cash_pay_fen,
        )
        for r in rows
    ]
