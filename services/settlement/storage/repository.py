"""All SQL of the settlement service. Status changes are compare-and-set: an UPDATE that names the status it
expects, so two workers (a POS retry and the recovery worker) can never both move a settlement on."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.settlement.domain.model import Kind, Refund, RefundStatus, Settlement, Split, Status
from services.settlement.domain.reconcile import Item, Totals

sql = functools.lru_cache(maxsize=128)(text)

_COLUMNS = ("id, institution, pos_txn_id, kind, status, payer_psn_no, amount_fen, description, fingerprint, "
            "hold_ttl_seconds, reservation_id, authorized_fen, capture_fen, acct_pay_fen, acct_mulaid_pay_fen, "
            "psn_cash_pay_fen, balc_fen, pool_balc_fen, decline_reason, decline_message, expires_at, created_at, "
            "updated_at")


def _settlement(r: Row[Any]) -> Settlement:
    return Settlement(
        id=r.id, institution=r.institution, pos_txn_id=r.pos_txn_id, kind=Kind(r.kind), status=Status(r.status),
        payer_psn_no=r.payer_psn_no, amount_fen=r.amount_fen, description=r.description,
        fingerprint=bytes(r.fingerprint or b""), hold_ttl_seconds=r.hold_ttl_seconds,
        reservation_id=r.reservation_id or "", authorized_fen=r.authorized_fen, capture_fen=r.capture_fen,
        split=Split(r.acct_pay_fen, r.acct_mulaid_pay_fen, r.psn_cash_pay_fen), balc_fen=r.balc_fen,
        pool_balc_fen=r.pool_balc_fen, decline_reason=r.decline_reason, decline_message=r.decline_message,
        expires_at=r.expires_at, created_at=r.created_at, updated_at=r.updated_at)


def _refund(r: Row[Any]) -> Refund:
    return Refund(r.id, r.settlement_id, r.refund_pos_txn_id, r.amount_fen, r.is_reversal, RefundStatus(r.status),
                  r.acct_refund_fen, r.acct_mulaid_refund_fen, r.decline_reason, r.decline_message, r.created_at)


async def create(conn: AsyncConnection, s: Settlement) -> tuple[Settlement, bool]:
    """Writes the intent of a new POS request; or returns the settlement that already has its key."""
    row = (await conn.execute(sql(
        "INSERT INTO settlement.settlements (id, institution, pos_txn_id, kind, status, payer_psn_no, amount_fen, "
        "description, fingerprint, hold_ttl_seconds) VALUES (:id, :inst, :pos, :kind, :status, :payer, :amount, "
        f":descr, :fp, :ttl) ON CONFLICT (institution, pos_txn_id) DO NOTHING RETURNING {_COLUMNS}"),
        {"id": s.id, "inst": s.institution, "pos": s.pos_txn_id, "kind": s.kind.value, "status": s.status.value,
         "payer": s.payer_psn_no, "amount": s.amount_fen, "descr": s.description, "fp": s.fingerprint,
         "ttl": s.hold_ttl_seconds})).first()
    if row is not None:
        return _settlement(row), True
    existing = await find(conn, s.institution, pos_txn_id=s.pos_txn_id, with_refunds=True)
    assert existing is not None
    return existing, False


async def find(conn: AsyncConnection, institution: str, *, settlement_id: str = "", pos_txn_id: str = "",
               lock: bool = False, with_refunds: bool = False) -> Settlement | None:
    where = "id = :key" if settlement_id else "pos_txn_id = :key"
    row = (await conn.execute(sql(
        f"SELECT {_COLUMNS} FROM settlement.settlements WHERE institution = :inst AND {where}"
        + (" FOR NO KEY UPDATE" if lock else "")),
        {"inst": institution, "key": settlement_id or pos_txn_id})).first()
    if row is None:
        return None
    s = _settlement(row)
    if with_refunds:
        s.refunds = await refunds_of(conn, s.id)
    return s


async def get(conn: AsyncConnection, settlement_id: str) -> Settlement:
    row = (await conn.execute(sql(f"SELECT {_COLUMNS} FROM settlement.settlements WHERE id = :id"),
                              {"id": settlement_id})).first()
    assert row is not None
    s = _settlement(row)
    s.refunds = await refunds_of(conn, s.id)
    return s


async def move(conn: AsyncConnection, settlement_id: str, expected: set[Status], to: Status,
               **values: Any) -> Settlement | None:
    """Compare-and-set: moves the settlement to `to` (and sets `values`) only if its status is in `expected`.
    Returns it as moved (without refunds), or None when someone else moved it first."""
    sets = "".join(f", {k} = :{k}" for k in sorted(values))
    completed = ", completed_at = now()" if to is Status.COMPLETED else ""
    row = (await conn.execute(sql(
        f"UPDATE settlement.settlements SET status = :to, updated_at = now(){sets}{completed} "
        f"WHERE id = :id AND status = ANY(:expected) RETURNING {_COLUMNS}"),
        {"id": settlement_id, "to": to.value, "expected": sorted(e.value for e in expected), **values})).first()
    return _settlement(row) if row else None


async def unfinished(conn: AsyncConnection, older_than: dt.datetime, limit: int) -> list[str]:
    rows = await conn.execute(sql(
        "SELECT id FROM settlement.settlements WHERE status IN ('PENDING', 'CAPTURING', 'VOIDING', 'COMPENSATING', "
        "'REVERSING') AND updated_at < :t ORDER BY updated_at LIMIT :n"), {"t": older_than, "n": limit})
    return [r.id for r in rows]


async def lapsed_authorizations(conn: AsyncConnection, now: dt.datetime, limit: int) -> list[str]:
    rows = await conn.execute(sql(
        "SELECT id FROM settlement.settlements WHERE status = 'AUTHORIZED' AND expires_at <= :now "
        "ORDER BY expires_at LIMIT :n"), {"now": now, "n": limit})
    return [r.id for r in rows]


# ---------------------------------------------------------------- refunds

async def refunds_of(conn: AsyncConnection, settlement_id: str) -> list[Refund]:
    rows = await conn.execute(sql("SELECT * FROM settlement.refunds WHERE settlement_id = :id ORDER BY id"),
                              {"id": settlement_id})
    return [_refund(r) for r in rows]


async def find_refund(conn: AsyncConnection, institution: str, refund_pos_txn_id: str) -> Refund | None:
    row = (await conn.execute(sql(
        "SELECT * FROM settlement.refunds WHERE institution = :inst AND refund_pos_txn_id = :pos"),
        {"inst": institution, "pos": refund_pos_txn_id})).first()
    return _refund(row) if row else None


async def get_refund(conn: AsyncConnection, refund_id: int) -> Refund:
    row = (await conn.execute(sql("SELECT * FROM settlement.refunds WHERE id = :id"), {"id": refund_id})).first()
    assert row is not None
    return _refund(row)


async def insert_refund(conn: AsyncConnection, settlement_id: str, institution: str, refund_pos_txn_id: str,
                        amount_fen: int, is_reversal: bool = False) -> Refund | None:
    row = (await conn.execute(sql(
        "INSERT INTO settlement.refunds (settlement_id, institution, refund_pos_txn_id, amount_fen, is_reversal, "
        "status) VALUES (:sid, :inst, :pos, :amount, :rev, 'PENDING') "
        "ON CONFLICT (institution, refund_pos_txn_id) DO NOTHING RETURNING *"),
        {"sid": settlement_id, "inst": institution, "pos": refund_pos_txn_id, "amount": amount_fen,
         "rev": is_reversal})).first()
    return _refund(row) if row else None


async def finish_refund(conn: AsyncConnection, refund_id: int, status: str, *, acct_fen: int = 0,
                        mulaid_fen: int = 0, reason: str = "", message: str = "") -> bool:
    row = (await conn.execute(sql(
        "UPDATE settlement.refunds SET status = :st, acct_refund_fen = :a, acct_mulaid_refund_fen = :m, "
        "decline_reason = :r, decline_message = :msg, completed_at = now() "
        "WHERE id = :id AND status = 'PENDING' RETURNING id"),
        {"id": refund_id, "st": status, "a": acct_fen, "m": mulaid_fen, "r": reason, "msg": message})).first()
    return row is not None


async def pending_refunds(conn: AsyncConnection, older_than: dt.datetime, limit: int) -> list[int]:
    rows = await conn.execute(sql(
        "SELECT id FROM settlement.refunds WHERE status = 'PENDING' AND created_at < :t ORDER BY id LIMIT :n"),
        {"t": older_than, "n": limit})
    return [r.id for r in rows]


# ---------------------------------------------------------------- listing and reconciliation

async def list_created(conn: AsyncConnection, institution: str, start: dt.datetime, end: dt.datetime,
                       after: tuple[dt.datetime, str] | None, limit: int) -> list[Settlement]:
    rows = await conn.execute(sql(
        f"SELECT {_COLUMNS} FROM settlement.settlements WHERE institution = :inst AND created_at >= :start "
        "AND created_at < :end AND (CAST(:after_t AS timestamptz) IS NULL OR (created_at, id) > (:after_t, :after_id)) "
        "ORDER BY created_at, id LIMIT :n"),
        {"inst": institution, "start": start, "end": end, "after_t": after[0] if after else None,
         "after_id": after[1] if after else "", "n": limit})
    out = [_settlement(r) for r in rows]
    for s in out:
        s.refunds = await refunds_of(conn, s.id)
    return out


async def totals(conn: AsyncConnection, institution: str, start: dt.datetime, end: dt.datetime) -> Totals:
    pay = (await conn.execute(sql(
        "SELECT count(*) AS n, coalesce(sum(acct_pay_fen), 0) AS acct, coalesce(sum(acct_mulaid_pay_fen), 0) AS mul, "
        "coalesce(sum(psn_cash_pay_fen), 0) AS cash FROM settlement.settlements WHERE institution = :inst "
        "AND status = 'COMPLETED' AND completed_at >= :start AND completed_at < :end"),
        {"inst": institution, "start": start, "end": end})).one()
    ref = (await conn.execute(sql(
        "SELECT count(*) AS n, coalesce(sum(amount_fen), 0) AS total FROM settlement.refunds "
        "WHERE institution = :inst AND status = 'COMPLETED' AND NOT is_reversal "
        "AND completed_at >= :start AND completed_at < :end"),
        {"inst": institution, "start": start, "end": end})).one()
    return Totals(int(pay.n), int(pay.acct + pay.mul + pay.cash), int(pay.acct), int(pay.mul), int(pay.cash),
                  int(ref.n), int(ref.total))


async def completed_items(conn: AsyncConnection, institution: str, start: dt.datetime,
                          end: dt.datetime) -> list[Item]:
    rows = await conn.execute(sql(
        "SELECT pos_txn_id, acct_pay_fen, acct_mulaid_pay_fen, psn_cash_pay_fen FROM settlement.settlements "
        "WHERE institution = :inst AND status = 'COMPLETED' AND completed_at >= :start AND completed_at < :end "
        "ORDER BY completed_at, id"), {"inst": institution, "start": start, "end": end})
    return [Item(r.pos_txn_id, r.acct_pay_fen, r.acct_mulaid_pay_fen, r.psn_cash_pay_fen) for r in rows]
