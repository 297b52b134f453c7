"""The hot path's SQL (group commit, store.py): the intents of concurrent POS requests, their outcomes, and the
lookups of Captures, Voids, Refunds and GetSettlements, each a batch in one statement — raw asyncpg, each statement
prepared once per connection (asyncpg's statement cache), as accounts' storage/hot.py. Everything else of
settlement stays SQLAlchemy Core (settlements.py, refunds.py).

Rows travel as one JSON array, typed by the table itself (jsonb_populate_recordset), so a batch costs one parameter
per statement however many columns a row has. Who wrote each row is the row's own (its `actor`)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from services.settlement.domain.commands import SettlementRef
from services.settlement.domain.lifecycle import Changes, Move
from services.settlement.domain.model import Settlement
from services.settlement.storage.refunds import with_refunds
from services.settlement.storage.settlements import COLUMNS, settlement

_INTENT = (
    "id institution pos_txn_id kind status payer_psn_no amount_fen description fingerprint hold_ttl_seconds "
    "mdtrt_cert_type mdtrt_cert_no_hash mdtrt_cert_no_masked created_by updated_by mdtrt_id setl_id insutype "
    "med_type medfee_sumamt_fen fund_pay_sumamt_fen account_use insuplc_admdvs mdtrtarea_admvs"
).split()
_RETURNING = ", ".join(f"s.{c}" for c in COLUMNS.split(", "))
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


async def _answered(
    conn: asyncpg.Connection, intents: Sequence[NewIntent], created: dict[str, Settlement]
) -> list[tuple[Settlement, bool]]:
    """Each intent's answer: the settlement written for it, or the one that has its key (looked up together)."""
    taken = [i.settlement for i in intents if i.settlement.id not in created]  # each key another request has
    refs = [(s.institution, SettlementRef(pos_txn_id=s.pos_txn_id)) for s in taken]
    holders = {s.id: h for s, h in zip(taken, await find_many(conn, refs) if taken else [], strict=True) if h}
    return [
        (created[i.settlement.id], True) if i.settlement.id in created else (holders[i.settlement.id], False)
        for i in intents
    ]


def _moved(m: Moving) -> dict[str, object]:
    return {"id": m.settlement_id, "status": m.move.to.value, "updated_by": m.actor, **m.move.changes.values()}


def _expected(m: Moving) -> str:
    return ",".join(sorted(e.value for e in m.move.expected))


# The batch's intents (each one whose key is free) and its moves (compare-and-set: each settlement only if its status is
# one its move expects), in one statement and one commit. The moves are of settlements whose intents committed
# earlier, so the UPDATE never needs a row the INSERT writes.
_WRITE_MANY = (
    f"WITH ins AS (INSERT INTO settlement.settlements AS s ({', '.join(_INTENT)}) SELECT {', '.join(_INTENT)} "
    "FROM jsonb_populate_recordset(NULL::settlement.settlements, $1::jsonb) "
    f"ON CONFLICT (institution, pos_txn_id) DO NOTHING RETURNING {_RETURNING}), "
    "upd AS (UPDATE settlement.settlements s SET status = u.status, updated_at = now(), updated_by = u.updated_by, "
    + ", ".join(f"{c} = coalesce(u.{c}, s.{c})" for c in _CHANGES if c != "completed_at")
    + ", completed_at = CASE WHEN u.status = 'COMPLETED' THEN now() ELSE coalesce(u.completed_at, s.completed_at) END "
    "FROM jsonb_populate_recordset(NULL::settlement.settlements, $2::jsonb) AS u "
    "JOIN unnest($3::text[], $4::text[]) AS e(id, expected) USING (id) "
    f"WHERE s.id = u.id AND s.status = ANY(string_to_array(e.expected, ',')) RETURNING {_RETURNING}) "
    "SELECT true AS created, * FROM ins UNION ALL SELECT false, * FROM upd"
)


async def write_many(
    conn: asyncpg.Connection, intents: Sequence[NewIntent], moves: Sequence[Moving]
) -> tuple[list[tuple[Settlement, bool]], list[Settlement | None]]:
    """Writes the intents of new POS requests and makes the moves (each settlement once), in one statement. Each
    intent is answered with the settlement written for it, or (its key taken by an earlier request, or by another of
    the same batch) the one that has it; each move with the settlement as moved (compare-and-set: only if its status
    is one the move expects; without refunds), or None when someone else moved it first."""
    assert len({m.settlement_id for m in moves}) == len(moves), "one move per settlement in a statement"
    rows = await conn.fetch(
        _WRITE_MANY,
        _rows([_intent(i.settlement, i.actor) for i in intents]),
        _rows([_moved(m) for m in moves]),
        [m.settlement_id for m in moves],
        [_expected(m) for m in moves],
    )
    created = {r["id"]: settlement(r) for r in rows if r["created"]}
    moved = {r["id"]: settlement(r) for r in rows if not r["created"]}
    return await _answered(conn, intents, created), [moved.get(m.settlement_id) for m in moves]


# Settlements by reference, each an index lookup: by our id, or (when the reference has none) by the POS's id.
_FIND_MANY = (
    "WITH k AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) "
    "WITH ORDINALITY AS k(institution, id, pos_txn_id, ord)) "
    f"SELECT k.ord, {_RETURNING} FROM k JOIN settlement.settlements s ON s.id = k.id AND s.institution = k.institution "
    f"UNION ALL SELECT k.ord, {_RETURNING} FROM k JOIN settlement.settlements s "
    "ON k.id = '' AND s.institution = k.institution AND s.pos_txn_id = k.pos_txn_id"
)


async def find_many(conn: asyncpg.Connection, refs: Sequence[tuple[str, SettlementRef]]) -> list[Settlement | None]:
    """The settlements of many (institution, reference) pairs, each with its refunds: two statements for all."""
    rows = await conn.fetch(
        _FIND_MANY,
        [institution for institution, _ in refs],
        [ref.settlement_id for _, ref in refs],
        [ref.pos_txn_id for _, ref in refs],
    )
    found = {r["ord"]: settlement(r) for r in rows}
    await with_refunds(conn, list(found.values()))
    return [found.get(k) for k in range(1, len(refs) + 1)]
