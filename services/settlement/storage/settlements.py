"""Settlements: the intent of each POS request, written before any call to accounts (with the payer's credential as
its type, keyed hash and masked form: never the number), and its moves. A move is compare-and-set: an UPDATE that
names the statuses it expects, so two workers (a POS retry and the recovery worker) can never both move a settlement
on. Here: a settlement's row, its reads one at a time (a lookup that locks, a page, the sweeps); the intents, moves
and unlocked lookups are hot.py's, a batch per statement."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.credentials import CertType
from services.common.db import driver
from services.settlement.domain.commands import Period, SettlementRef
from services.settlement.domain.model import AccountUse, Kind, Settlement, Shortfall, Source, Split, Status, Visit
from services.settlement.storage import Columns, sql
from services.settlement.storage.refunds import with_refunds

COLUMNS = (
    "id, institution, pos_txn_id, kind, status, payer_psn_no, amount_fen, description, fingerprint, "
    "hold_ttl_seconds, mdtrt_cert_type, mdtrt_cert_no_hash, mdtrt_cert_no_masked, reservation_id, authorized_fen, "
    "capture_fen, acct_pay_fen, acct_mulaid_pay_fen, psn_cash_pay_fen, balc_fen, pool_balc_fen, decline_reason, "
    "decline_message, expires_at, created_at, updated_at, created_by, updated_by, mdtrt_id, setl_id, insutype, "
    "med_type, medfee_sumamt_fen, fund_pay_sumamt_fen, account_use, acct_shortfall_reason, "
    "acct_mulaid_shortfall_reason, completed_at, capture_pos_txn_id, insuplc_admdvs, mdtrtarea_admvs"
)


def _shortfalls(r: Columns) -> tuple[Shortfall, ...]:
    found = (
        (Source.PERSONAL_ACCOUNT, r["acct_shortfall_reason"]),
        (Source.FAMILY_POOL, r["acct_mulaid_shortfall_reason"]),
    )
    return tuple(Shortfall(source, reason) for source, reason in found if reason)


def settlement(r: Columns) -> Settlement:
    """A row of settlement.settlements, without its refunds."""
    return Settlement(
        id=r["id"],
        institution=r["institution"],
        pos_txn_id=r["pos_txn_id"],
        kind=Kind(r["kind"]),
        status=Status(r["status"]),
        payer_psn_no=r["payer_psn_no"],
        amount_fen=r["amount_fen"],
        description=r["description"],
        fingerprint=bytes(r["fingerprint"] or b""),
        hold_ttl_seconds=r["hold_ttl_seconds"],
        visit=Visit(
            r["mdtrt_id"],
            r["setl_id"],
            r["insutype"],
            r["med_type"],
            r["medfee_sumamt_fen"],
            r["fund_pay_sumamt_fen"],
            r["insuplc_admdvs"],
            r["mdtrtarea_admvs"],
        ),
        account_use=AccountUse(r["account_use"]),
        cert_type=CertType(r["mdtrt_cert_type"]) if r["mdtrt_cert_type"] else None,
        cert_no_hash=bytes(r["mdtrt_cert_no_hash"] or b""),
        cert_no_masked=r["mdtrt_cert_no_masked"],
        reservation_id=r["reservation_id"] or "",
        authorized_fen=r["authorized_fen"],
        capture_fen=r["capture_fen"],
        split=Split(r["acct_pay_fen"], r["acct_mulaid_pay_fen"], r["psn_cash_pay_fen"], _shortfalls(r)),
        balc_fen=r["balc_fen"],
        pool_balc_fen=r["pool_balc_fen"],
        decline_reason=r["decline_reason"],
        decline_message=r["decline_message"],
        expires_at=r["expires_at"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
        completed_at=r["completed_at"],
        capture_pos_txn_id=r["capture_pos_txn_id"],
        created_by=r["created_by"],
        updated_by=r["updated_by"],
    )


async def find(
    conn: AsyncConnection, institution: str, ref: SettlementRef, lock: bool = False, by_capture: bool = False
) -> Settlement | None:
    """The institution's settlement by our id or its pos_txn_id (or, `by_capture`, the capture_pos_txn_id of its
    Capture), with its refunds; `lock` holds its row."""
    where = "id = :id" if ref.settlement_id else "pos_txn_id = :pos_txn_id"
    if by_capture:
        where = "capture_pos_txn_id = :pos_txn_id"
    row = (
        await conn.execute(
            sql(
                f"SELECT {COLUMNS} FROM settlement.settlements WHERE institution = :institution AND {where}"
                + (" FOR NO KEY UPDATE" if lock else "")
            ),
            {
                "institution": institution,
                **({"id": ref.settlement_id} if ref.settlement_id else {"pos_txn_id": ref.pos_txn_id}),
            },
        )
    ).first()
    return None if row is None else (await with_refunds(await driver(conn), [settlement(row._mapping)]))[0]


async def get(conn: AsyncConnection, settlement_id: str) -> Settlement:
    row = (
        await conn.execute(sql(f"SELECT {COLUMNS} FROM settlement.settlements WHERE id = :id"), {"id": settlement_id})
    ).first()
    assert row is not None
    return (await with_refunds(await driver(conn), [settlement(row._mapping)]))[0]


async def unfinished(
    conn: AsyncConnection, updated_before: dt.datetime, limit: int, pending_before: dt.datetime
) -> list[str]:
    # Index scans, not a bitmap scan of an OR: they mark entries of finished rows dead, so the next sweep skips them.
    older = "(SELECT id, updated_at FROM settlement.settlements WHERE status {} AND updated_at < :{} {})"
    first = "ORDER BY updated_at LIMIT :limit"
    steps = older.format("IN ('CAPTURING', 'VOIDING', 'COMPENSATING', 'REVERSING')", "updated_before", first)
    pending = older.format("= 'PENDING'", "pending_before", first)
    query = f"SELECT id FROM ({steps} UNION ALL {pending}) u {first}"
    params = {"updated_before": updated_before, "pending_before": pending_before, "limit": limit}
    return [r.id for r in await conn.execute(sql(query), params)]


async def waiting(conn: AsyncConnection, settlement_id: str) -> None:
    """A POS waits on this pending intent again (it retried): its clock for the recovery worker starts anew."""
    await conn.execute(
        sql("UPDATE settlement.settlements SET updated_at = now() WHERE id = :id AND status = 'PENDING'"),
        {"id": settlement_id},
    )


async def lapsed_authorizations(conn: AsyncConnection, now: dt.datetime, limit: int) -> list[str]:
    rows = await conn.execute(
        sql(
            "SELECT id FROM settlement.settlements WHERE status = 'AUTHORIZED' AND expires_at <= :now "
            "ORDER BY expires_at LIMIT :limit"
        ),
        {"now": now, "limit": limit},
    )
    return [r.id for r in rows]


async def list_created(
    conn: AsyncConnection,
    institution: str,
    period: Period,
    after: tuple[dt.datetime, str] | None,
    limit: int,
    mdtrt_id: str = "",
) -> list[Settlement]:
    """The institution's settlements created in the period (of one visit, if given), by (created_at, id), after the
    page token's."""
    visit = "AND mdtrt_id = :mdtrt_id " if mdtrt_id else ""
    rows = await conn.execute(
        sql(
            f"SELECT {COLUMNS} FROM settlement.settlements WHERE institution = :institution {visit}"
            "AND created_at >= :period_start AND created_at < :period_end AND (CAST(:after_created_at AS timestamptz) "
            "IS NULL OR (created_at, id) > (:after_created_at, :after_id)) ORDER BY created_at, id LIMIT :limit"
        ),
        {
            "institution": institution,
            "mdtrt_id": mdtrt_id,
            "period_start": period.start,
            "period_end": period.end,
            "after_created_at": after[0] if after else None,
            "after_id": after[1] if after else "",
            "limit": limit,
        },
    )
    return await with_refunds(await driver(conn), [settlement(r._mapping) for r in rows])


async def lock_pos_id(conn: AsyncConnection, institution: str, pos_txn_id: str) -> None:
    """Serialises, until the transaction ends, everything that claims or bars one POS id of one institution (a Reverse
    and a late Refund or Capture with that id)."""
    await conn.execute(
        sql("SELECT pg_advisory_xact_lock(hashtext('settlement.pos:' || :institution || '|' || :pos_txn_id))"),
        {"institution": institution, "pos_txn_id": pos_txn_id},
    )
