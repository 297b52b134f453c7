"""Settlements: the intent of each POS request, written before any call to accounts (with the payer's credential as
its type, keyed hash and masked form: never the number), and its moves. A move is compare-and-set: an UPDATE that
names the statuses it expects, so two workers (a POS retry and the recovery worker) can never both move a settlement
on."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.actors import current_actor
from services.common.credentials import CertType
from services.settlement.domain.commands import Period, SettlementRef
from services.settlement.domain.lifecycle import Changes, Move
from services.settlement.domain.model import AccountUse, Kind, Settlement, Shortfall, Source, Split, Status, Visit
from services.settlement.storage import refunds, sql

_COLUMNS = (
    "id, institution, pos_txn_id, kind, status, payer_psn_no, amount_fen, description, fingerprint, "
    "hold_ttl_seconds, mdtrt_cert_type, mdtrt_cert_no_hash, mdtrt_cert_no_masked, reservation_id, authorized_fen, "
    "capture_fen, acct_pay_fen, acct_mulaid_pay_fen, psn_cash_pay_fen, balc_fen, pool_balc_fen, decline_reason, "
    "decline_message, expires_at, created_at, updated_at, created_by, updated_by, mdtrt_id, setl_id, insutype, "
    "med_type, medfee_sumamt_fen, fund_pay_sumamt_fen, account_use, acct_shortfall_reason, "
    "acct_mulaid_shortfall_reason, completed_at, capture_pos_txn_id, insuplc_admdvs, mdtrtarea_admvs"
)


def _shortfalls(r: Row[Any]) -> tuple[Shortfall, ...]:
    found = ((Source.PERSONAL_ACCOUNT, r.acct_shortfall_reason), (Source.FAMILY_POOL, r.acct_mulaid_shortfall_reason))
    return tuple(Shortfall(source, reason) for source, reason in found if reason)


def _settlement(r: Row[Any]) -> Settlement:
    return Settlement(
        id=r.id,
        institution=r.institution,
        pos_txn_id=r.pos_txn_id,
        kind=Kind(r.kind),
        status=Status(r.status),
        payer_psn_no=r.payer_psn_no,
        amount_fen=r.amount_fen,
        description=r.description,
        fingerprint=bytes(r.fingerprint or b""),
        hold_ttl_seconds=r.hold_ttl_seconds,
        visit=Visit(
            r.mdtrt_id,
            r.setl_id,
            r.insutype,
            r.med_type,
            r.medfee_sumamt_fen,
            r.fund_pay_sumamt_fen,
            r.insuplc_admdvs,
            r.mdtrtarea_admvs,
        ),
        account_use=AccountUse(r.account_use),
        cert_type=CertType(r.mdtrt_cert_type) if r.mdtrt_cert_type else None,
        cert_no_hash=bytes(r.mdtrt_cert_no_hash or b""),
        cert_no_masked=r.mdtrt_cert_no_masked,
        reservation_id=r.reservation_id or "",
        authorized_fen=r.authorized_fen,
        capture_fen=r.capture_fen,
        split=Split(r.acct_pay_fen, r.acct_mulaid_pay_fen, r.psn_cash_pay_fen, _shortfalls(r)),
        balc_fen=r.balc_fen,
        pool_balc_fen=r.pool_balc_fen,
        decline_reason=r.decline_reason,
        decline_message=r.decline_message,
        expires_at=r.expires_at,
        created_at=r.created_at,
        updated_at=r.updated_at,
        completed_at=r.completed_at,
        capture_pos_txn_id=r.capture_pos_txn_id,
        created_by=r.created_by,
        updated_by=r.updated_by,
    )


# ---------------------------------------------------------------- many at once (group commit, store.py)
# The hot path's intents and outcomes arrive together from concurrent POS requests; each batch is one statement and
# one commit. Rows travel as one JSON array, typed by the table itself (jsonb_populate_recordset), so a batch costs
# one parameter per statement however many columns a row has. Who wrote each row is the row's own (its `actor`).
_INTENT = (
    "id institution pos_txn_id kind status payer_psn_no amount_fen description fingerprint hold_ttl_seconds "
    "mdtrt_cert_type mdtrt_cert_no_hash mdtrt_cert_no_masked created_by updated_by mdtrt_id setl_id insutype "
    "med_type medfee_sumamt_fen fund_pay_sumamt_fen account_use insuplc_admdvs mdtrtarea_admvs"
).split()
_RETURNING = ", ".join(f"s.{c}" for c in _COLUMNS.split(", "))
_CHANGES = [*Changes().__dataclass_fields__]  # what a move may set besides its status; None leaves it as it is


def _json(value: object) -> object:
    """What JSON cannot carry as it is: bytea as PostgreSQL's hex text, a timestamp as ISO 8601."""
    if isinstance(value, bytes):
        return "\\x" + value.hex()
    if isinstance(value, dt.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a column value")


def _rows(rows: Sequence[dict[str, object]]) -> str:
    return json.dumps(rows, default=_json, separators=(",", ":"))


def _intent(s: Settlement, actor: str) -> dict[str, object]:
    return {
        "id": s.id,
        "institution": s.institution,
        "pos_txn_id": s.pos_txn_id,
        "kind": s.kind.value,
        "status": s.status.value,
        "payer_psn_no": s.payer_psn_no,
        "amount_fen": s.amount_fen,
        "description": s.description,
        "fingerprint": s.fingerprint,
        "hold_ttl_seconds": s.hold_ttl_seconds,
        "mdtrt_cert_type": s.cert_type.value if s.cert_type else None,
        "mdtrt_cert_no_hash": s.cert_no_hash or None,
        "mdtrt_cert_no_masked": s.cert_no_masked,
        "created_by": actor,
        "updated_by": actor,
        "mdtrt_id": s.visit.mdtrt_id,
        "setl_id": s.visit.setl_id,
        "insutype": s.visit.insutype,
        "med_type": s.visit.med_type,
        "medfee_sumamt_fen": s.visit.medfee_sumamt_fen,
        "fund_pay_sumamt_fen": s.visit.fund_pay_sumamt_fen,
        "account_use": s.account_use.value,
        "insuplc_admdvs": s.visit.insuplc_admdvs,
        "mdtrtarea_admvs": s.visit.mdtrtarea_admvs,
    }


@dataclass(frozen=True)
class NewIntent:
    settlement: Settlement
    actor: str  # who asked: the POS's institution, as the request that wrote it was authenticated


@dataclass(frozen=True)
class Moving:
    settlement_id: str
    move: Move
    actor: str


_CREATE_MANY = (
    f"INSERT INTO settlement.settlements AS s ({', '.join(_INTENT)}) SELECT {', '.join(_INTENT)} "
    "FROM jsonb_populate_recordset(NULL::settlement.settlements, CAST(:rows AS jsonb)) "
    f"ON CONFLICT (institution, pos_txn_id) DO NOTHING RETURNING {_RETURNING}"
)


async def create_many(conn: AsyncConnection, intents: Sequence[NewIntent]) -> list[tuple[Settlement, bool]]:
    """`create` for many intents in one statement: each new one written, each whose key is taken (by an earlier
    request, or by another of the same batch) answered with the settlement that has it."""
    rows = await conn.execute(sql(_CREATE_MANY), {"rows": _rows([_intent(i.settlement, i.actor) for i in intents])})
    created = {r.id: _settlement(r) for r in rows}
    taken = [i.settlement for i in intents if i.settlement.id not in created]  # each key another request has
    refs = [(s.institution, SettlementRef(pos_txn_id=s.pos_txn_id)) for s in taken]
    holders = {s.id: h for s, h in zip(taken, await find_many(conn, refs) if taken else [], strict=True) if h}
    return [
        (created[i.settlement.id], True) if i.settlement.id in created else (holders[i.settlement.id], False)
        for i in intents
    ]


_MOVE_MANY = (
    "WITH u AS (SELECT * FROM jsonb_populate_recordset(NULL::settlement.settlements, CAST(:rows AS jsonb))), "
    "e AS (SELECT * FROM unnest(CAST(:id AS text[]), CAST(:expected AS text[])) AS e(id, expected)) "
    "UPDATE settlement.settlements s SET status = u.status, updated_at = now(), updated_by = u.updated_by, "
    + ", ".join(f"{c} = coalesce(u.{c}, s.{c})" for c in _CHANGES if c != "completed_at")
    + ", completed_at = CASE WHEN u.status = 'COMPLETED' THEN now() ELSE coalesce(u.completed_at, s.completed_at) END "
    "FROM u JOIN e USING (id) WHERE s.id = u.id AND s.status = ANY(string_to_array(e.expected, ',')) "
    f"RETURNING {_RETURNING}"
)


async def move_many(conn: AsyncConnection, moves: Sequence[Moving]) -> list[Settlement | None]:
    """`move` for many settlements, each once, in one statement: each moved (compare-and-set, as `move`), or None."""
    assert len({m.settlement_id for m in moves}) == len(moves), "one move per settlement in a statement"
    rows = [
        {"id": m.settlement_id, "status": m.move.to.value, "updated_by": m.actor, **m.move.changes.values()}
        for m in moves
    ]
    moved = await conn.execute(
        sql(_MOVE_MANY),
        {
            "rows": _rows(rows),
            "id": [m.settlement_id for m in moves],
            "expected": [",".join(sorted(e.value for e in m.move.expected)) for m in moves],
        },
    )
    by_id = {r.id: _settlement(r) for r in moved}
    return [by_id.get(m.settlement_id) for m in moves]


# Settlements by reference, each an index lookup: by our id, or (when the reference has none) by the POS's id.
_FIND_MANY = (
    "WITH k AS (SELECT * FROM unnest(CAST(:institution AS text[]), CAST(:id AS text[]), CAST(:pos_txn_id AS text[])) "
    "WITH ORDINALITY AS k(institution, id, pos_txn_id, ord)) "
    f"SELECT k.ord, {_RETURNING} FROM k JOIN settlement.settlements s ON s.id = k.id AND s.institution = k.institution "
    f"UNION ALL SELECT k.ord, {_RETURNING} FROM k JOIN settlement.settlements s "
    "ON k.id = '' AND s.institution = k.institution AND s.pos_txn_id = k.pos_txn_id"
)


async def find_many(conn: AsyncConnection, refs: Sequence[tuple[str, SettlementRef]]) -> list[Settlement | None]:
    """`find` (without a lock) for many (institution, reference) pairs at once: two statements for all."""
    rows = await conn.execute(
        sql(_FIND_MANY),
        {
            "institution": [institution for institution, _ in refs],
            "id": [ref.settlement_id for _, ref in refs],
            "pos_txn_id": [ref.pos_txn_id for _, ref in refs],
        },
    )
    found = {r.ord: _settlement(r) for r in rows}
    await _with_refunds(conn, list(found.values()))
    return [found.get(k) for k in range(1, len(refs) + 1)]


async def _with_refunds(conn: AsyncConnection, found: list[Settlement]) -> list[Settlement]:
    """The settlements, each with its refunds (one statement for all)."""
    of = await refunds.of_settlements(conn, [s.id for s in found]) if found else {}
    for s in found:
        s.refunds = of[s.id]
    return found


# ---------------------------------------------------------------- one at a time


async def create(conn: AsyncConnection, s: Settlement) -> tuple[Settlement, bool]:
    """Writes the intent of a new POS request; or returns the settlement that already has its key."""
    return (await create_many(conn, [NewIntent(s, current_actor())]))[0]


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
                f"SELECT {_COLUMNS} FROM settlement.settlements WHERE institution = :institution AND {where}"
                + (" FOR NO KEY UPDATE" if lock else "")
            ),
            {
                "institution": institution,
                **({"id": ref.settlement_id} if ref.settlement_id else {"pos_txn_id": ref.pos_txn_id}),
            },
        )
    ).first()
    return None if row is None else (await _with_refunds(conn, [_settlement(row)]))[0]


async def get(conn: AsyncConnection, settlement_id: str) -> Settlement:
    row = (
        await conn.execute(sql(f"SELECT {_COLUMNS} FROM settlement.settlements WHERE id = :id"), {"id": settlement_id})
    ).first()
    assert row is not None
    return (await _with_refunds(conn, [_settlement(row)]))[0]


async def move(conn: AsyncConnection, settlement_id: str, m: Move) -> Settlement | None:
    """Compare-and-set: moves the settlement to `m.to` (and sets `m.changes`) only if its status is one `m` expects.
    Returns it as moved (without refunds), or None when someone else moved it first."""
    return (await move_many(conn, [Moving(settlement_id, m, current_actor())]))[0]


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
            f"SELECT {_COLUMNS} FROM settlement.settlements WHERE institution = :institution {visit}"
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
    return await _with_refunds(conn, [_settlement(r) for r in rows])


async def lock_pos_id(conn: AsyncConnection, institution: str, pos_txn_id: str) -> None:
    """Serialises, until the transaction ends, everything that claims or bars one POS id of one institution (a Reverse
    and a late Refund or Capture with that id)."""
    await conn.execute(
        sql("SELECT pg_advisory_xact_lock(hashtext('settlement.pos:' || :institution || '|' || :pos_txn_id))"),
        {"institution": institution, "pos_txn_id": pos_txn_id},
    )
