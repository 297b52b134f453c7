"""Refunds of a settlement: the intent (PENDING), written under the settlement's row lock so that refunds of one
settlement are serialised, then finished once (compare-and-set on PENDING) with what accounts answered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.actors import current_actor
from services.settlement.domain.model import NewRefund, Refund, RefundFinish, RefundStatus, Settlement
from services.settlement.storage import Columns, sql


def _refund(r: Columns) -> Refund:
    """A row of settlement.refunds."""
    return Refund(
        id=r["id"],
        settlement_id=r["settlement_id"],
        refund_pos_txn_id=r["refund_pos_txn_id"],
        amount_fen=r["amount_fen"],
        is_reversal=r["is_reversal"],
        status=RefundStatus(r["status"]),
        acct_refund_fen=r["acct_refund_fen"],
        acct_mulaid_refund_fen=r["acct_mulaid_refund_fen"],
        decline_reason=r["decline_reason"],
        decline_message=r["decline_message"],
        created_at=r["created_at"],
        cash_fen=r["cash_fen"],
        to_creator_fen=r["to_creator_fen"],
        whole_bill=r["whole_bill"],
        completed_at=r["completed_at"],
    )


async def of_settlements(conn: asyncpg.Connection, settlement_ids: Sequence[str]) -> dict[str, list[Refund]]:
    """Each settlement's refunds, oldest first (raw asyncpg: the hot path's lookups read them, hot.py)."""
    ids = list(settlement_ids)
    rows = await conn.fetch("SELECT * FROM settlement.refunds WHERE settlement_id = ANY($1::text[]) ORDER BY id", ids)
    found: dict[str, list[Refund]] = {i: [] for i in settlement_ids}
    for r in rows:
        found[r["settlement_id"]].append(_refund(r))
    return found


async def with_refunds(conn: asyncpg.Connection, found: list[Settlement]) -> list[Settlement]:
    """The settlements, each with its refunds (one statement for all)."""
    of = await of_settlements(conn, [s.id for s in found]) if found else {}
    for s in found:
        s.refunds = of[s.id]
    return found


async def find(conn: AsyncConnection, institution: str, refund_pos_txn_id: str) -> Refund | None:
    row = (
        await conn.execute(
            sql(
                "SELECT * FROM settlement.refunds WHERE institution = :institution AND refund_pos_txn_id = "
                ":refund_pos_txn_id"
            ),
            {"institution": institution, "refund_pos_txn_id": refund_pos_txn_id},
        )
    ).first()
    return _refund(row._mapping) if row else None


async def get(conn: AsyncConnection, refund_id: int) -> Refund:
    row = (await conn.execute(sql("SELECT * FROM settlement.refunds WHERE id = :id"), {"id": refund_id})).first()
    assert row is not None
    return _refund(row._mapping)


async def insert(conn: AsyncConnection, r: NewRefund) -> Refund | None:
    """Writes a refund's intent; None when its refund_pos_txn_id is taken already."""
    row = (
        await conn.execute(
            sql(
                "INSERT INTO settlement.refunds (settlement_id, institution, refund_pos_txn_id, amount_fen, "
                "is_reversal, status, requested_by, cash_fen, whole_bill) VALUES (:settlement_id, :institution, "
                ":refund_pos_txn_id, :amount_fen, :is_reversal, 'PENDING', :actor, :cash_fen, :whole_bill) "
                "ON CONFLICT (institution, refund_pos_txn_id) DO NOTHING RETURNING *"
            ),
            {
                "settlement_id": r.settlement_id,
                "institution": r.institution,
                "refund_pos_txn_id": r.refund_pos_txn_id,
                "amount_fen": r.amount_fen,
                "is_reversal": r.is_reversal,
                "actor": current_actor(),
                "cash_fen": r.cash_fen,
                "whole_bill": r.whole_bill,
            },
        )
    ).first()
    return _refund(row._mapping) if row else None


async def finish(conn: AsyncConnection, refund_id: int, f: RefundFinish) -> bool:
    """Records how a pending refund ended; False when it had ended already."""
    row = (
        await conn.execute(
            sql(
                "UPDATE settlement.refunds SET status = :status, acct_refund_fen = :acct_refund_fen, "
                "acct_mulaid_refund_fen = :acct_mulaid_refund_fen, decline_reason = :decline_reason, "
                "decline_message = :decline_message, to_creator_fen = :to_creator_fen, completed_at = now(), "
                "finished_by = :actor "
                "WHERE id = :id AND status = 'PENDING' RETURNING id"
            ),
            {
                "id": refund_id,
                "status": f.status.value,
                "acct_refund_fen": f.acct_refund_fen,
                "acct_mulaid_refund_fen": f.acct_mulaid_refund_fen,
                "decline_reason": f.decline_reason,
                "decline_message": f.decline_message,
                "to_creator_fen": f.to_creator_fen,
                "actor": current_actor(),
            },
        )
    ).first()
    return row is not None


async def pending(conn: AsyncConnection, created_before: dt.datetime, limit: int) -> list[int]:
    rows = await conn.execute(
        sql(
            "SELECT id FROM settlement.refunds WHERE status = 'PENDING' AND created_at < :created_before "
            "ORDER BY id LIMIT :limit"
        ),
        {"created_before": created_before, "limit": limit},
    )
    return [r.id for r in rows]


async def move(conn: AsyncConnection, refund_id: int, expected: str, to: str) -> bool:
    """Compare-and-set of a refund's status (a reversal: COMPLETED -> REVERSING -> REVERSED, or back to COMPLETED when
    accounts refused to take the money back); False when it was not `expected`."""
    row = (
        await conn.execute(
            sql(
                "UPDATE settlement.refunds SET status = :to, finished_by = :actor, reversed_at = CASE WHEN :to = "
                "'REVERSED' THEN now() ELSE reversed_at END WHERE id = :id AND status = :expected RETURNING id"
            ),
            {"id": refund_id, "expected": expected, "to": to, "actor": current_actor()},
        )
    ).first()
    return row is not None


async def reversing(conn: AsyncConnection, created_before: dt.datetime, limit: int) -> list[int]:
    rows = await conn.execute(
        sql(
            "SELECT id FROM settlement.refunds WHERE status = 'REVERSING' AND created_at < :created_before "
            "ORDER BY id LIMIT :limit"
        ),
        {"created_before": created_before, "limit": limit},
    )
    return [r.id for r in rows]
