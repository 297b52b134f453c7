"""All SQL of the accounts service. Each function runs inside the caller's transaction (one per RPC).

Lock order, everywhere: persons (by psn_no) → pools (by id) → reservations (by id) → ledger accounts (by id).
Row locks are FOR NO KEY UPDATE: foreign-key checks of inserted rows (legs, journal entries) take KEY SHARE locks
on the rows they reference, which FOR UPDATE would block, turning inserts into lock-order violations.
Statements are SQLAlchemy Core `text()`: the hot path (reserve/debit) is a handful of round trips, no ORM.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.accounts.domain.model import InsuranceType, Person, PersonStatus, Relation, Source
from services.accounts.views import (
    BalanceView,
    LegView,
    MemberView,
    PersonView,
    PoolView,
    RecordView,
    ReservationView,
)
from services.common.errors import DomainError

# External accounts, created by the first migration.
CONTRIBUTION_FUND = 1
INSTITUTION_CLEARING = 2
PREMIUM_COLLECTION = 3

# Parsing SQL text costs more than running some of these statements: each distinct string is parsed once.
sql = functools.lru_cache(maxsize=256)(text)


def _person(row: Row[Any]) -> Person:
    return Person(psn_no=row.psn_no, insurance_type=InsuranceType(row.insurance_type), region_code=row.region_code,
                  status=PersonStatus(row.status), chronic_disease_benefit=row.chronic_disease_benefit,
                  retired_cadre=row.retired_cadre, disabled_veteran_level=row.disabled_veteran_level)


# ---------------------------------------------------------------- persons

@dataclass
class NewPerson:
    person: Person
    id_number_hash: bytes
    id_number_masked: str
    name_hash: bytes
    name_masked: str


async def insert_person(conn: AsyncConnection, new: NewPerson) -> None:
    p = new.person
    inserted = (await conn.execute(sql(
        "INSERT INTO accounts.persons (psn_no, id_number_hash, id_number_masked, name_hash, name_masked, "
        "insurance_type, region_code, status, chronic_disease_benefit, retired_cadre, disabled_veteran_level) "
        "VALUES (:psn_no, :idh, :idm, :nh, :nm, :it, :rc, :st, :cdb, :rcad, :dvl) "
        "ON CONFLICT DO NOTHING RETURNING psn_no"),
        {"psn_no": p.psn_no, "idh": new.id_number_hash, "idm": new.id_number_masked, "nh": new.name_hash,
         "nm": new.name_masked, "it": p.insurance_type.value, "rc": p.region_code, "st": p.status.value,
         "cdb": p.chronic_disease_benefit, "rcad": p.retired_cadre, "dvl": p.disabled_veteran_level})).first()
    if inserted is None:
        raise DomainError("PERSON_ALREADY_REGISTERED")
    if p.has_personal_account:
        await conn.execute(sql("INSERT INTO accounts.ledger_accounts (kind, psn_no) VALUES ('PERSONAL', :p)"),
                           {"p": p.psn_no})


_PERSON_COLUMNS = ("p.psn_no, p.insurance_type, p.region_code, p.status, p.chronic_disease_benefit, "
                   "p.retired_cadre, p.disabled_veteran_level, p.name_masked, p.id_number_masked, p.name_hash")


async def get_person(conn: AsyncConnection, psn_no: str) -> PersonView:
    row = (await conn.execute(sql(f"SELECT {_PERSON_COLUMNS} FROM accounts.persons p WHERE p.psn_no = :p"),
                              {"p": psn_no})).first()
    if row is None:
        raise DomainError("PERSON_NOT_FOUND", metadata={"psn_no": psn_no})
    view = PersonView(_person(row), row.name_masked, row.id_number_masked)
    view.pool_id, view.pool_role = await pool_of(conn, psn_no)
    return view


async def person_by_id_hash(conn: AsyncConnection, id_number_hash: bytes) -> tuple[PersonView, bytes]:
    row = (await conn.execute(sql(f"SELECT {_PERSON_COLUMNS} FROM accounts.persons p "
                                   "WHERE p.id_number_hash = :h"), {"h": id_number_hash})).first()
    if row is None:
        raise DomainError("PERSON_NOT_FOUND", "(ID number)")
    view = PersonView(_person(row), row.name_masked, row.id_number_masked)
    view.pool_id, view.pool_role = await pool_of(conn, row.psn_no)
    return view, bytes(row.name_hash)


async def lock_persons(conn: AsyncConnection, psn_nos: Iterable[str]) -> None:
    await conn.execute(sql("SELECT 1 FROM accounts.persons WHERE psn_no = ANY(:ps) ORDER BY psn_no FOR NO KEY UPDATE"),
                       {"ps": sorted(set(psn_nos))})


async def update_person(conn: AsyncConnection, p: Person) -> None:
    await conn.execute(sql(
        "UPDATE accounts.persons SET region_code = :rc, status = :st, chronic_disease_benefit = :cdb, "
        "retired_cadre = :rcad, disabled_veteran_level = :dvl, updated_at = now() WHERE psn_no = :p"),
        {"p": p.psn_no, "rc": p.region_code, "st": p.status.value, "cdb": p.chronic_disease_benefit,
         "rcad": p.retired_cadre, "dvl": p.disabled_veteran_level})


async def pool_of(conn: AsyncConnection, psn_no: str) -> tuple[int | None, str]:
    """The active pool a person creates or belongs to (rule 4: at most one), and the role."""
    row = (await conn.execute(sql(
        "SELECT id, 'CREATOR' AS role FROM accounts.pools WHERE creator_psn_no = :p AND status = 'ACTIVE' "
        "UNION ALL SELECT pool_id, 'MEMBER' FROM accounts.memberships WHERE psn_no = :p AND status = 'ACTIVE' "
        "LIMIT 1"), {"p": psn_no})).first()
    return (row.id, row.role) if row else (None, "")


# ---------------------------------------------------------------- ledger accounts and journal

async def personal_account_id(conn: AsyncConnection, psn_no: str) -> int | None:
    return (await conn.execute(sql("SELECT id FROM accounts.ledger_accounts WHERE psn_no = :p"),
                               {"p": psn_no})).scalar()


async def lock_accounts(conn: AsyncConnection, ids: Iterable[int | None]) -> dict[int, BalanceView]:
    rows = await conn.execute(sql(
        "SELECT id, balance_fen, held_fen FROM accounts.ledger_accounts WHERE id = ANY(:ids) ORDER BY id "
        "FOR NO KEY UPDATE"), {"ids": sorted({i for i in ids if i is not None})})
    return {r.id: BalanceView(r.balance_fen, r.held_fen) for r in rows}


async def balances(conn: AsyncConnection, ids: Iterable[int | None]) -> dict[int, BalanceView]:
    rows = await conn.execute(sql(
        "SELECT id, balance_fen, held_fen FROM accounts.ledger_accounts WHERE id = ANY(:ids)"),
        {"ids": [i for i in ids if i is not None]})
    return {r.id: BalanceView(r.balance_fen, r.held_fen) for r in rows}


async def add_held(conn: AsyncConnection, deltas: dict[int, int]) -> None:
    deltas = {k: v for k, v in deltas.items() if v}
    if not deltas:
        return
    await conn.execute(sql(
        "UPDATE accounts.ledger_accounts la SET held_fen = la.held_fen + d.delta "
        "FROM unnest(CAST(:ids AS bigint[]), CAST(:ds AS bigint[])) AS d(id, delta) WHERE la.id = d.id"),
        {"ids": list(deltas), "ds": list(deltas.values())})


@dataclass
class Entry:
    account_id: int
    amount_fen: int  # signed: negative leaves the account
    source: Source | None = None


def _journal_ctes(reservation_sql: str) -> str:
    """CTEs booking one journal transaction: the transaction row, its postings, and the cached balances of the
    internal accounts they touch. `reservation_sql` gives its reservation id (a parameter, or a CTE's id)."""
    return (
        "txn AS (INSERT INTO accounts.journal_txns (kind, psn_no, pool_id, reservation_id, fixmedins_code, "
        f"  description) SELECT :kind, :psn, :pool, {reservation_sql}, :fix, :descr RETURNING id), "
        "p AS (INSERT INTO accounts.postings (txn_id, account_id, amount_fen, source) "
        "  SELECT txn.id, e.account_id, e.amount_fen, e.source FROM txn, "
        "  unnest(CAST(:accts AS bigint[]), CAST(:amts AS bigint[]), CAST(:srcs AS text[])) "
        "  AS e(account_id, amount_fen, source) RETURNING account_id, amount_fen), "
        "d AS (SELECT account_id, sum(amount_fen) AS delta FROM p GROUP BY account_id), "
        "u AS (UPDATE accounts.ledger_accounts la SET balance_fen = la.balance_fen + d.delta FROM d "
        "  WHERE la.id = d.account_id AND la.kind IN ('PERSONAL', 'POOL') RETURNING la.id)")


def _journal_params(kind: str, entries: Sequence[Entry], psn_no: str | None, pool_id: int | None,
                    fixmedins_code: str, description: str) -> dict[str, Any]:
    return {"kind": kind, "psn": psn_no, "pool": pool_id, "fix": fixmedins_code, "descr": description,
            "accts": [e.account_id for e in entries], "amts": [e.amount_fen for e in entries],
            "srcs": [e.source.value if e.source else None for e in entries]}


async def post(conn: AsyncConnection, kind: str, entries: Sequence[Entry], *, psn_no: str | None = None,
               pool_id: int | None = None, reservation_id: int | None = None, fixmedins_code: str = "",
               description: str = "") -> int:
    """Books one journal transaction and moves the cached balances of internal accounts, in one statement.

    The database checks at commit that the postings sum to zero and that no balance went below what is held.
    """
    entries = [e for e in entries if e.amount_fen]
    if not entries:
        return 0
    params = _journal_params(kind, entries, psn_no, pool_id, fixmedins_code, description)
    return int((await conn.execute(sql(f"WITH {_journal_ctes('CAST(:res AS bigint)')} SELECT id FROM txn"),
                                   {**params, "res": reservation_id})).scalar_one())


# ---------------------------------------------------------------- pools and memberships

@dataclass
class PoolRow:
    pool_id: int
    creator_psn_no: str
    account_id: int
    status: str


async def get_pool_row(conn: AsyncConnection, pool_id: int, lock: bool = False) -> PoolRow:
    row = (await conn.execute(sql(
        "SELECT id, creator_psn_no, account_id, status FROM accounts.pools WHERE id = :id"
        + (" FOR NO KEY UPDATE" if lock else "")), {"id": pool_id})).first()
    if row is None:
        raise DomainError("POOL_NOT_FOUND", metadata={"pool_id": str(pool_id)})
    return PoolRow(row.id, row.creator_psn_no, row.account_id, row.status)


async def pool_rows(conn: AsyncConnection, pool_ids: Iterable[int]) -> dict[int, PoolRow]:
    rows = await conn.execute(sql(
        "SELECT id, creator_psn_no, account_id, status FROM accounts.pools WHERE id = ANY(:ids)"),
        {"ids": list(set(pool_ids))})
    return {r.id: PoolRow(r.id, r.creator_psn_no, r.account_id, r.status) for r in rows}


async def insert_pool(conn: AsyncConnection, creator_psn_no: str, agreement_version: str) -> int:
    account_id = (await conn.execute(sql(
        "INSERT INTO accounts.ledger_accounts (kind) VALUES ('POOL') RETURNING id"))).scalar_one()
    pool_id = (await conn.execute(sql(
        "INSERT INTO accounts.pools (creator_psn_no, account_id, status, agreement_version) "
        "VALUES (:c, :a, 'ACTIVE', :v) ON CONFLICT DO NOTHING RETURNING id"),
        {"c": creator_psn_no, "a": account_id, "v": agreement_version})).scalar()
    if pool_id is None:
        raise DomainError("ALREADY_BOUND", "(creator)")
    return int(pool_id)


async def mark_pool_dissolved(conn: AsyncConnection, pool_id: int, reason: str) -> None:
    await conn.execute(sql(
        "UPDATE accounts.pools SET status = 'DISSOLVED', dissolved_at = now(), dissolution_reason = :r "
        "WHERE id = :id"), {"id": pool_id, "r": reason})
    await conn.execute(sql(
        "UPDATE accounts.memberships SET status = 'REMOVED', ended_at = now() "
        "WHERE pool_id = :id AND status IN ('INVITED', 'ACTIVE')"), {"id": pool_id})


async def load_pool(conn: AsyncConnection, pool_id: int) -> PoolView:
    row = (await conn.execute(sql(
        "SELECT p.id, p.creator_psn_no, p.status, p.agreement_version, p.created_at, p.dissolved_at, "
        "p.dissolution_reason, a.balance_fen, a.held_fen FROM accounts.pools p "
        "JOIN accounts.ledger_accounts a ON a.id = p.account_id WHERE p.id = :id"), {"id": pool_id})).first()
    if row is None:
        raise DomainError("POOL_NOT_FOUND", metadata={"pool_id": str(pool_id)})
    members = await conn.execute(sql(
        f"{_MEMBER_SELECT} WHERE m.pool_id = :id AND (m.status = 'ACTIVE' OR (m.status = 'INVITED' "
        "AND m.invitation_expires_at > now())) ORDER BY m.id"),
        {"id": pool_id})
    return PoolView(row.id, row.creator_psn_no, row.status, row.agreement_version, row.balance_fen, row.held_fen,
                    row.created_at, row.dissolved_at, row.dissolution_reason or "",
                    [_member(m) for m in members])


_MEMBER_SELECT = (
    "SELECT m.id, m.psn_no, pe.name_masked, m.relation, m.status, m.invited_at, m.invitation_expires_at, "
    "m.joined_at FROM accounts.memberships m JOIN accounts.persons pe ON pe.psn_no = m.psn_no")


async def member_view(conn: AsyncConnection, membership_id: int) -> MemberView:
    row = (await conn.execute(sql(f"{_MEMBER_SELECT} WHERE m.id = :id"), {"id": membership_id})).first()
    if row is None:
        raise DomainError("INVITATION_NOT_FOUND")
    return _member(row)


def _member(m: Row[Any]) -> MemberView:
    return MemberView(m.id, m.psn_no, m.name_masked, Relation(m.relation), m.status, m.invited_at,
                      m.invitation_expires_at, m.joined_at)


async def active_member_count(conn: AsyncConnection, pool_id: int) -> int:
    return int((await conn.execute(sql(
        "SELECT count(*) FROM accounts.memberships WHERE pool_id = :id AND status = 'ACTIVE'"),
        {"id": pool_id})).scalar_one())


async def expire_lapsed_invitation(conn: AsyncConnection, pool_id: int, psn_no: str, now: dt.datetime) -> None:
    """An unanswered invitation past its date is no longer open: the creator may invite the person again."""
    await conn.execute(sql(
        "UPDATE accounts.memberships SET status = 'EXPIRED', ended_at = :now WHERE pool_id = :pool AND psn_no = :p "
        "AND status = 'INVITED' AND invitation_expires_at <= :now"), {"pool": pool_id, "p": psn_no, "now": now})


async def insert_invitation(conn: AsyncConnection, pool_id: int, psn_no: str, relation: Relation,
                            expires_at: dt.datetime) -> MemberView:
    row = (await conn.execute(sql(
        "INSERT INTO accounts.memberships (pool_id, psn_no, relation, status, invitation_expires_at) "
        "VALUES (:pool, :p, :rel, 'INVITED', :exp) ON CONFLICT DO NOTHING RETURNING id"),
        {"pool": pool_id, "p": psn_no, "rel": relation.value, "exp": expires_at})).first()
    if row is None:
        raise DomainError("ALREADY_BOUND", "(already invited to or member of this pool)")
    return await member_view(conn, row.id)


@dataclass
class MembershipRow:
    id: int
    pool_id: int
    psn_no: str
    relation: Relation
    status: str
    invitation_expires_at: dt.datetime


async def get_membership(conn: AsyncConnection, membership_id: int, lock: bool = False) -> MembershipRow:
    row = (await conn.execute(sql(
        "SELECT id, pool_id, psn_no, relation, status, invitation_expires_at FROM accounts.memberships "
        "WHERE id = :id" + (" FOR NO KEY UPDATE" if lock else "")), {"id": membership_id})).first()
    if row is None:
        raise DomainError("INVITATION_NOT_FOUND")
    return MembershipRow(row.id, row.pool_id, row.psn_no, Relation(row.relation), row.status,
                         row.invitation_expires_at)


async def set_membership_status(conn: AsyncConnection, membership_id: int, status: str) -> None:
    await conn.execute(sql(
        "UPDATE accounts.memberships SET status = :s, "
        "joined_at = CASE WHEN :s = 'ACTIVE' THEN now() ELSE joined_at END, "
        "ended_at = CASE WHEN :s = 'ACTIVE' THEN NULL ELSE now() END WHERE id = :id"),
        {"id": membership_id, "s": status})


async def open_membership(conn: AsyncConnection, pool_id: int, psn_no: str) -> MembershipRow | None:
    row = (await conn.execute(sql(
        "SELECT id FROM accounts.memberships WHERE pool_id = :pool AND psn_no = :p "
        "AND status IN ('INVITED', 'ACTIVE')"), {"pool": pool_id, "p": psn_no})).first()
    return await get_membership(conn, row.id, lock=True) if row else None


# ---------------------------------------------------------------- reservations

@dataclass
class PayerAccounts:
    """What a payer could pay from: own personal account and the active pool they are in, if any."""

    status: PersonStatus
    own_account_id: int | None
    pool_id: int | None
    pool_account_id: int | None


_PAYER_POOL = (
    "pl AS (SELECT po.id, po.account_id FROM accounts.pools po WHERE po.status = 'ACTIVE' AND ("
    "  po.creator_psn_no = :p OR po.id IN (SELECT m.pool_id FROM accounts.memberships m "
    "  WHERE m.psn_no = :p AND m.status = 'ACTIVE')) LIMIT 1)")

_PAYER_ACCOUNTS = text(
    f"WITH {_PAYER_POOL} SELECT pe.status, (SELECT id FROM accounts.ledger_accounts WHERE psn_no = pe.psn_no) "
    "AS own_id, (SELECT id FROM pl) AS pool_id, (SELECT account_id FROM pl) AS pool_account_id "
    "FROM accounts.persons pe WHERE pe.psn_no = :p")

# The hot path's first statement: find the payer's accounts and lock them, in id order, in one round trip.
_LOCK_PAYER_ACCOUNTS = text(
    f"WITH {_PAYER_POOL}, locked AS (SELECT la.id, la.psn_no IS NOT NULL AS own, la.balance_fen, la.held_fen "
    "  FROM accounts.ledger_accounts la WHERE la.psn_no = :p OR la.id = (SELECT account_id FROM pl) "
    "  ORDER BY la.id FOR NO KEY UPDATE) "
    "SELECT pe.status, (SELECT id FROM pl) AS pool_id, locked.id, locked.own, locked.balance_fen, locked.held_fen "
    "FROM accounts.persons pe LEFT JOIN locked ON true WHERE pe.psn_no = :p")


async def payer_accounts(conn: AsyncConnection, psn_no: str) -> PayerAccounts:
    row = (await conn.execute(_PAYER_ACCOUNTS, {"p": psn_no})).first()
    if row is None:
        raise DomainError("PERSON_NOT_FOUND", metadata={"psn_no": psn_no})
    return PayerAccounts(PersonStatus(row.status), row.own_id, row.pool_id, row.pool_account_id)


async def lock_payer_accounts(conn: AsyncConnection, psn_no: str) -> tuple[PayerAccounts, dict[int, BalanceView]]:
    """The payer's own and pool accounts, locked. A pool dissolved meanwhile has nothing available (its money went
    back to the creator), so a payment racing a dissolution can never take money from it."""
    rows = (await conn.execute(_LOCK_PAYER_ACCOUNTS, {"p": psn_no})).all()
    if not rows:
        raise DomainError("PERSON_NOT_FOUND", metadata={"psn_no": psn_no})
    own = next((r.id for r in rows if r.own), None)
    pool = next((r.id for r in rows if r.id is not None and not r.own), None)
    payer = PayerAccounts(PersonStatus(rows[0].status), own, rows[0].pool_id, pool)
    return payer, {r.id: BalanceView(r.balance_fen, r.held_fen) for r in rows if r.id is not None}


async def insert_reservation(conn: AsyncConnection, payer: str, requested_fen: int, expires_at: dt.datetime,
                             fixmedins_code: str, description: str, legs: list[LegView], status: str, *,
                             payment: Sequence[Entry] = (), payment_pool_id: int | None = None) -> int:
    """Writes a reservation with its legs, and in the same statement either its holds (HELD) or, for a one-shot
    payment (DEBITED), the payment's journal transaction: the hot path's one write."""
    payment = [e for e in payment if e.amount_fen]
    holds = {g.account_id: g.reserved_fen for g in legs if g.account_id and g.reserved_fen} if status == "HELD" \
        else {}
    effect = ""
    params: dict[str, Any] = {}
    if payment:
        effect = ", " + _journal_ctes("(SELECT id FROM r)")
        params = _journal_params("PAYMENT", payment, payer, payment_pool_id, fixmedins_code, description)
    elif holds:
        effect = (", h AS (UPDATE accounts.ledger_accounts la SET held_fen = la.held_fen + hd.delta "
                  "FROM unnest(CAST(:hold_ids AS bigint[]), CAST(:hold_deltas AS bigint[])) AS hd(id, delta) "
                  "WHERE la.id = hd.id RETURNING la.id)")
        params = {"hold_ids": list(holds), "hold_deltas": list(holds.values())}
    rid = (await conn.execute(sql(
        "WITH r AS (INSERT INTO accounts.reservations (payer_psn_no, status, requested_fen, fixmedins_code, "
        "  description, expires_at, finalized_at) VALUES (:payer, :st, :req, :fix, :descr, :exp, "
        "  CASE WHEN :st = 'HELD' THEN NULL ELSE now() END) RETURNING id), "
        "l AS (INSERT INTO accounts.reservation_legs (reservation_id, seq, source, account_id, pool_id, reserved_fen, "
        "  debited_fen, shortfall_reason) SELECT r.id, l.seq, l.source, l.account_id, l.pool_id, l.reserved, "
        "  l.debited, l.reason FROM r, unnest(CAST(:seqs AS smallint[]), CAST(:leg_srcs AS text[]), "
        "  CAST(:leg_accts AS bigint[]), CAST(:pools AS bigint[]), CAST(:reserved AS bigint[]), "
        "  CAST(:debited AS bigint[]), CAST(:reasons AS text[])) "
        f"  AS l(seq, source, account_id, pool_id, reserved, debited, reason)){effect} "
        "SELECT id FROM r"),
        {"payer": payer, "st": status, "req": requested_fen, "fix": fixmedins_code, "descr": description,
         "exp": expires_at, "seqs": [g.seq for g in legs], "leg_srcs": [g.source.value for g in legs],
         "leg_accts": [g.account_id for g in legs], "pools": [g.pool_id for g in legs],
         "reserved": [g.reserved_fen for g in legs], "debited": [g.debited_fen for g in legs],
         "reasons": [g.shortfall_reason for g in legs], **params})).scalar_one()
    return int(rid)


async def get_reservation(conn: AsyncConnection, reservation_id: int, lock: bool = False) -> ReservationView:
    row = (await conn.execute(sql(
        "SELECT id, payer_psn_no, status, requested_fen, expires_at, fixmedins_code FROM accounts.reservations "
        "WHERE id = :id" + (" FOR NO KEY UPDATE" if lock else "")), {"id": reservation_id})).first()
    if row is None:
        raise DomainError("RESERVATION_NOT_FOUND", metadata={"reservation_id": str(reservation_id)})
    legs = await conn.execute(sql(
        "SELECT seq, source, account_id, pool_id, reserved_fen, debited_fen, refunded_fen, shortfall_reason "
        "FROM accounts.reservation_legs WHERE reservation_id = :id ORDER BY seq"), {"id": reservation_id})
    return ReservationView(row.id, row.payer_psn_no, row.status, row.requested_fen, row.expires_at,
                           row.fixmedins_code,
                           [LegView(g.seq, Source(g.source), g.account_id, g.pool_id, g.reserved_fen,
                                    g.debited_fen, g.refunded_fen, g.shortfall_reason) for g in legs])


async def save_reservation(conn: AsyncConnection, r: ReservationView) -> None:
    """Writes back status and per-leg amounts after a debit, release or refund."""
    await conn.execute(sql(
        "UPDATE accounts.reservations SET status = :st, "
        "finalized_at = CASE WHEN :st = 'HELD' THEN NULL ELSE coalesce(finalized_at, now()) END WHERE id = :id"),
        {"id": r.reservation_id, "st": r.status})
    await conn.execute(sql(
        "UPDATE accounts.reservation_legs l SET debited_fen = u.debited, refunded_fen = u.refunded "
        "FROM unnest(CAST(:seqs AS smallint[]), CAST(:deb AS bigint[]), CAST(:ref AS bigint[])) "
        "AS u(seq, debited, refunded) WHERE l.reservation_id = :id AND l.seq = u.seq"),
        {"id": r.reservation_id, "seqs": [g.seq for g in r.legs], "deb": [g.debited_fen for g in r.legs],
         "ref": [g.refunded_fen for g in r.legs]})


async def expired_reservation_ids(conn: AsyncConnection, limit: int) -> list[int]:
    rows = await conn.execute(sql(
        "SELECT id FROM accounts.reservations WHERE status = 'HELD' AND expires_at <= now() "
        "ORDER BY expires_at LIMIT :n"), {"n": limit})
    return [r.id for r in rows]


async def open_reservation_count(conn: AsyncConnection) -> int:
    return int((await conn.execute(sql(
        "SELECT count(*) FROM accounts.reservations WHERE status = 'HELD'"))).scalar_one())


# ---------------------------------------------------------------- queries

async def records(conn: AsyncConnection, *, psn_no: str | None, pool_id: int | None, before_id: int | None,
                  limit: int) -> list[RecordView]:
    # A person's records: what they did, and whatever moved money in or out of their own account (e.g. a refund
    # of a dissolved pool's part, which lands in its creator's account although the member paid).
    where = ("(t.psn_no = :psn OR t.id IN (SELECT p2.txn_id FROM accounts.postings p2 JOIN accounts.ledger_accounts a2 "
             "ON a2.id = p2.account_id WHERE a2.psn_no = :psn))") if psn_no else "t.pool_id = :pool"
    rows = await conn.execute(sql(
        "SELECT t.id, t.kind, t.booked_at, coalesce(t.psn_no, '') AS psn_no, t.pool_id, t.fixmedins_code, "
        "t.reservation_id, "
        "t.description, coalesce(array_agg(p.source) FILTER (WHERE p.source IS NOT NULL), '{}') AS sources, "
        "coalesce(array_agg(p.amount_fen) FILTER (WHERE p.source IS NOT NULL), '{}') AS amounts "
        f"FROM accounts.journal_txns t JOIN accounts.postings p ON p.txn_id = t.id WHERE {where} "
        "AND (CAST(:before AS bigint) IS NULL OR t.id < :before) "
        "GROUP BY t.id ORDER BY t.id DESC LIMIT :n"),
        {"psn": psn_no, "pool": pool_id, "before": before_id, "n": limit})
    return [RecordView(r.id, r.kind, r.booked_at, r.psn_no, r.pool_id, r.fixmedins_code, r.reservation_id,
                       r.description, [(Source(s), int(a)) for s, a in zip(r.sources, r.amounts, strict=True)])
            for r in rows]


# ---------------------------------------------------------------- ledger verification

async def ledger_problems(conn: AsyncConnection) -> tuple[list[str], int, int]:
    problems: list[str] = []
    for r in await conn.execute(sql(
            "SELECT txn_id, sum(amount_fen) AS s, count(*) AS n FROM accounts.postings GROUP BY txn_id "
            "HAVING sum(amount_fen) <> 0 OR count(*) < 2")):
        problems.append(f"journal transaction {r.txn_id}: {r.n} postings summing to {r.s} fen")
    for r in await conn.execute(sql(
            "SELECT t.id FROM accounts.journal_txns t WHERE NOT EXISTS "
            "(SELECT 1 FROM accounts.postings p WHERE p.txn_id = t.id)")):
        problems.append(f"journal transaction {r.id}: no postings")
    for r in await conn.execute(sql(
            "SELECT a.id, a.kind, a.balance_fen, coalesce(s.total, 0) AS total FROM accounts.ledger_accounts a "
            "LEFT JOIN (SELECT account_id, sum(amount_fen) AS total FROM accounts.postings GROUP BY account_id) s "
            "ON s.account_id = a.id WHERE a.kind IN ('PERSONAL', 'POOL') AND a.balance_fen <> coalesce(s.total, 0)")):
        problems.append(f"account {r.id} ({r.kind}): cached balance {r.balance_fen} fen, journal says {r.total}")
    for r in await conn.execute(sql(
            "SELECT a.id, a.held_fen, coalesce(h.held, 0) AS held FROM accounts.ledger_accounts a "
            "LEFT JOIN (SELECT l.account_id, sum(l.reserved_fen) AS held FROM accounts.reservation_legs l "
            "JOIN accounts.reservations r ON r.id = l.reservation_id WHERE r.status = 'HELD' "
            "GROUP BY l.account_id) h ON h.account_id = a.id WHERE a.held_fen <> coalesce(h.held, 0)")):
        problems.append(f"account {r.id}: held {r.held_fen} fen, open reservations hold {r.held}")
    for r in await conn.execute(sql(
            "SELECT (SELECT coalesce(sum(amount_fen), 0) FROM accounts.postings WHERE account_id = :clr) AS clearing, "
            "(SELECT coalesce(sum(debited_fen - refunded_fen), 0) FROM accounts.reservation_legs) AS net_paid"),
            {"clr": INSTITUTION_CLEARING}):
        if r.clearing != r.net_paid:
            problems.append(f"institution clearing holds {r.clearing} fen, reservations say {r.net_paid} net paid")
    for r in await conn.execute(sql(
            "SELECT r.id FROM accounts.reservations r JOIN accounts.reservation_legs l ON l.reservation_id = r.id "
            "GROUP BY r.id, r.status HAVING (r.status <> 'DEBITED' AND sum(l.debited_fen) <> 0)")):
        problems.append(f"reservation {r.id}: debited money on a reservation that is not DEBITED")
    for r in await conn.execute(sql(
            "SELECT p.id, a.balance_fen, a.held_fen FROM accounts.pools p "
            "JOIN accounts.ledger_accounts a ON a.id = p.account_id "
            "WHERE p.status = 'DISSOLVED' AND a.balance_fen <> a.held_fen")):
        problems.append(f"dissolved pool {r.id}: {r.balance_fen - r.held_fen} fen not returned to its creator")
    accounts = int((await conn.execute(sql("SELECT count(*) FROM accounts.ledger_accounts"))).scalar_one())
    txns = int((await conn.execute(sql("SELECT count(*) FROM accounts.journal_txns"))).scalar_one())
    return problems, accounts, txns
