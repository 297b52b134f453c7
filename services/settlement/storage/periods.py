"""Clearing periods: closing one (under a per-institution lock, so periods never overlap) freezes the totals of the
payments and refunds completed in it; its payout is then marked done once accounts booked it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.actors import current_actor
from services.settlement.domain.periods import ClearingPeriod
from services.settlement.storage import sql

_COLUMNS = (
    "id, institution, period_start, period_end, acct_pay_fen, acct_mulaid_pay_fen, acct_refund_fen, "
    "acct_mulaid_refund_fen, status, closed_at, closed_by"
)


def _period(r: Row[Any]) -> ClearingPeriod:
    return ClearingPeriod(
        r.id,
        r.institution,
        r.period_start,
        r.period_end,
        r.acct_pay_fen,
        r.acct_mulaid_pay_fen,
        r.acct_refund_fen,
        r.acct_mulaid_refund_fen,
        r.status == "PAID",
        r.closed_at,
        r.closed_by,
    )


async def lock(conn: AsyncConnection, institution: str) -> None:
    """Serialises the closes of one institution's periods, and reversals against them, until the transaction ends."""
    await conn.execute(
        sql("SELECT pg_advisory_xact_lock(hashtext('settlement.periods:' || :institution))"),
        {"institution": institution},
    )


async def closed_through(conn: AsyncConnection, institution: str) -> dt.datetime | None:
    """The end of the institution's last closed period (None: none closed yet)."""
    row = await conn.execute(
        sql("SELECT max(period_end) AS closed FROM settlement.periods WHERE institution = :institution"),
        {"institution": institution},
    )
    closed: dt.datetime | None = row.scalar_one()
    return closed


async def find(conn: AsyncConnection, institution: str, end: dt.datetime) -> ClearingPeriod | None:
    row = (
        await conn.execute(
            sql(f"SELECT {_COLUMNS} FROM settlement.periods WHERE institution = :institution AND period_end = :end"),
            {"institution": institution, "end": end},
        )
    ).first()
    return _period(row) if row else None


async def close(conn: AsyncConnection, institution: str, start: dt.datetime | None, end: dt.datetime) -> ClearingPeriod:
    """Writes the closed period with the totals of what completed in [start, end): payments (whatever became of them
    since) and refunds (the POS's and reversals'). PAYING until accounts has booked the payout, PAID at once when
    there is nothing to pay."""
    row = (
        await conn.execute(
            sql(
                "WITH paid AS (SELECT coalesce(sum(acct_pay_fen), 0) AS own, coalesce(sum(acct_mulaid_pay_fen), 0) AS "
                "pool FROM settlement.settlements WHERE institution = :institution AND completed_at IS NOT NULL "
                "AND completed_at < :end AND (CAST(:start AS timestamptz) IS NULL OR completed_at >= :start)), "
                "back AS (SELECT coalesce(sum(acct_refund_fen), 0) AS own, coalesce(sum(acct_mulaid_refund_fen), 0) "
                "AS pool FROM settlement.refunds WHERE institution = :institution AND status = 'COMPLETED' "
                "AND completed_at < :end AND (CAST(:start AS timestamptz) IS NULL OR completed_at >= :start)) "
                "INSERT INTO settlement.periods (institution, period_start, period_end, acct_pay_fen, "
                "acct_mulaid_pay_fen, acct_refund_fen, acct_mulaid_refund_fen, status, closed_by) "
                "SELECT :institution, :start, :end, paid.own, paid.pool, back.own, back.pool, "
                "CASE WHEN paid.own + paid.pool - back.own - back.pool > 0 THEN 'PAYING' ELSE 'PAID' END, :actor "
                f"FROM paid, back RETURNING {_COLUMNS}"
            ),
            {"institution": institution, "start": start, "end": end, "actor": current_actor()},
        )
    ).one()
    return _period(row)


async def paid(conn: AsyncConnection, period_id: int) -> ClearingPeriod:
    row = (
        await conn.execute(
            sql(
                "UPDATE settlement.periods SET status = 'PAID', paid_at = coalesce(paid_at, now()) WHERE id = :id "
                f"RETURNING {_COLUMNS}"
            ),
            {"id": period_id},
        )
    ).one()
    return _period(row)


async def paying(conn: AsyncConnection, closed_before: dt.datetime, limit: int) -> list[ClearingPeriod]:
    rows = await conn.execute(
        sql(
            f"SELECT {_COLUMNS} FROM settlement.periods WHERE status = 'PAYING' AND closed_at < :closed_before "
            "ORDER BY id LIMIT :limit"
        ),
        {"closed_before": closed_before, "limit": limit},
    )
    return [_period(r) for r in rows]
