"""对账 (3201/3202): an institution's completed payments and refunds in a period, as totals by insurance type and
clearing type, and as detail rows (payments, refunds, reversals)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from services.settlement.domain.commands import Period
from services.settlement.domain.reconcile import DetailRow, Item, Totals, TypeTotals
from services.settlement.storage import sql

# clr_type as gongji derives it from med_type (domain/reconcile.py: clr_type).
_CLR_TYPE = (
    "CASE WHEN s.med_type = '' THEN '' WHEN s.med_type LIKE '2%' OR s.med_type = '52' THEN '21' "
    "WHEN s.med_type = '41' THEN '41' ELSE '11' END"
)
_FILTER = (
    "s.institution = :institution AND (:insutype = '' OR s.insutype = :insutype) "
    f"AND (:clr_type = '' OR {_CLR_TYPE} = :clr_type)"
)


def _params(institution: str, period: Period, insutype: str, clr_type: str) -> dict[str, Any]:
    return {
        "institution": institution,
        "period_start": period.start,
        "period_end": period.end,
        "insutype": insutype,
        "clr_type": clr_type,
    }


async def totals(
    conn: AsyncConnection, institution: str, period: Period, insutype: str = "", clr_type: str = ""
) -> list[TypeTotals]:
    """Payments completed in the period and not reversed, and POS refunds completed in it, by type."""
    params = _params(institution, period, insutype, clr_type)
    pays = await conn.execute(
        sql(
            f"SELECT s.insutype, {_CLR_TYPE} AS clr_type, count(*) AS n, coalesce(sum(s.acct_pay_fen), 0) AS acct, "
            "coalesce(sum(s.acct_mulaid_pay_fen), 0) AS mul, coalesce(sum(s.psn_cash_pay_fen), 0) AS cash, "
            "count(*) FILTER (WHERE s.acct_mulaid_pay_fen > 0) AS mul_n FROM settlement.settlements s "
            f"WHERE {_FILTER} AND s.status = 'COMPLETED' AND s.completed_at >= :period_start "
            "AND s.completed_at < :period_end GROUP BY 1, 2"
        ),
        params,
    )
    refunds = await conn.execute(
        sql(
            f"SELECT s.insutype, {_CLR_TYPE} AS clr_type, count(*) AS n, "
            "coalesce(sum(r.amount_fen + r.cash_fen), 0) AS total, coalesce(sum(r.acct_refund_fen), 0) AS acct, "
            "coalesce(sum(r.acct_mulaid_refund_fen), 0) AS mul, coalesce(sum(r.cash_fen), 0) AS cash "
            "FROM settlement.refunds r JOIN settlement.settlements s ON s.id = r.settlement_id "
            f"WHERE {_FILTER} AND r.status = 'COMPLETED' AND NOT r.is_reversal AND r.completed_at >= :period_start "
            "AND r.completed_at < :period_end GROUP BY 1, 2"
        ),
        params,
    )
    out: dict[tuple[str, str], Totals] = {}
    for p in pays:
        out[p.insutype, p.clr_type] = Totals(
            count=int(p.n),
            amount_fen=int(p.acct + p.mul + p.cash),
            acct_pay_fen=int(p.acct),
            acct_mulaid_pay_fen=int(p.mul),
            psn_cash_pay_fen=int(p.cash),
            mulaid_count=int(p.mul_n),
        )
    for r in refunds:
        refunded = Totals(
            refund_count=int(r.n),
            refund_fen=int(r.total),
            acct_refund_fen=int(r.acct),
            acct_mulaid_refund_fen=int(r.mul),
            psn_cash_refund_fen=int(r.cash),
        )
        out[r.insutype, r.clr_type] = out.get((r.insutype, r.clr_type), Totals()) + refunded
    return [TypeTotals(k[0], k[1], v) for k, v in sorted(out.items())]


async def detail(
    conn: AsyncConnection, institution: str, period: Period, insutype: str = "", clr_type: str = ""
) -> list[DetailRow]:
    """Every payment completed in the period (whatever became of it since), every POS refund completed in it, and
    every reversal that gave money back in it (one row per reversed request), in completion order."""
    rows = await conn.execute(
        sql(
            f"SELECT 'PAYMENT' AS kind, s.pos_txn_id AS row_id, s.id, s.mdtrt_id, s.setl_id, s.insutype, "
            f"{_CLR_TYPE} AS clr_type, s.acct_pay_fen AS a, s.acct_mulaid_pay_fen AS m, s.psn_cash_pay_fen AS c, "
            "s.completed_at AS at FROM settlement.settlements s "
            f"WHERE {_FILTER} AND s.completed_at >= :period_start AND s.completed_at < :period_end "
            f"UNION ALL SELECT 'REFUND', r.refund_pos_txn_id, s.id, s.mdtrt_id, s.setl_id, s.insutype, {_CLR_TYPE}, "
            "r.acct_refund_fen, r.acct_mulaid_refund_fen, r.cash_fen, r.completed_at "
            "FROM settlement.refunds r JOIN settlement.settlements s ON s.id = r.settlement_id "
            f"WHERE {_FILTER} AND r.status = 'COMPLETED' AND NOT r.is_reversal "
            "AND r.completed_at >= :period_start AND r.completed_at < :period_end "
            f"UNION ALL SELECT 'REVERSAL', s.pos_txn_id, s.id, s.mdtrt_id, s.setl_id, s.insutype, {_CLR_TYPE}, "
            "sum(r.acct_refund_fen), sum(r.acct_mulaid_refund_fen), 0, max(r.completed_at) "
            "FROM settlement.refunds r JOIN settlement.settlements s ON s.id = r.settlement_id "
            f"WHERE {_FILTER} AND r.status = 'COMPLETED' AND r.is_reversal "
            "AND r.completed_at >= :period_start AND r.completed_at < :period_end "
            "GROUP BY s.id, s.pos_txn_id, s.mdtrt_id, s.setl_id, s.insutype, s.med_type "
            "ORDER BY at, kind, row_id"
        ),
        _params(institution, period, insutype, clr_type),
    )
    return [
        DetailRow(
            Item(r.row_id, int(r.a), int(r.m), int(r.c), r.kind),
            r.id,
            r.mdtrt_id,
            r.setl_id,
            r.insutype,
            r.clr_type,
            r.at,
        )
        for r in rows
    ]
