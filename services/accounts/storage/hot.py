"""The hot path's SQL, for a batch of payments (a group commit) in one transaction — new reservations (Reserve), or
state changes of existing ones (Debit, Release): raw asyncpg, each statement prepared once per connection (asyncpg's
statement cache), one statement per step for the whole batch. Measured per statement on this machine: 157 µs of
client CPU through SQLAlchemy `text()`, 62 µs as a prepared asyncpg statement. Everything else of accounts stays
SQLAlchemy Core (storage/__init__.py).

Lock order, as everywhere (storage/__init__.py): a batch of Reserves locks every ledger account it can draw on — the
payers' own and their active pools' — in one statement, by id; a batch of changes locks its reservations by id, then
every ledger account they can move, by id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from services.accounts.domain.model import Part, Source
from services.accounts.domain.reservation import (
    Effects,
    Leg,
    OwnPart,
    PayerFunds,
    PayersPool,
    PoolState,
    Reservation,
    ReservationStatus,
)

# For each payer (unnest $1): their pool (the active one, else the one they were in when it was dissolved — to say
# why it cannot pay), its creator's status, region and available money; every ledger account the batch may draw on
# (the payers' own, their active pools'), locked in id order unless only read, returned as arrays on each row.
_PAYERS_FUNDS = """
WITH payers AS (SELECT DISTINCT unnest($1::text[]) AS psn_no),
candidate AS (
    SELECT po.creator_psn_no AS psn_no, po.id, po.account_id, po.status, po.creator_psn_no, po.dissolved_at
    FROM accounts.pools po WHERE po.creator_psn_no = ANY($1::text[])
    UNION ALL
    SELECT m.psn_no, po.id, po.account_id, po.status, po.creator_psn_no, po.dissolved_at
    FROM accounts.memberships m JOIN accounts.pools po ON po.id = m.pool_id
    WHERE m.psn_no = ANY($1::text[])
      AND (m.status = 'ACTIVE' OR (m.status = 'REMOVED' AND m.ended_at = po.dissolved_at))),
payer_pool AS (
    SELECT DISTINCT ON (psn_no) psn_no, id, account_id, status, creator_psn_no FROM candidate
    ORDER BY psn_no, status = 'ACTIVE' DESC, dissolved_at DESC),
locked AS (
    SELECT la.id, la.psn_no, la.part, la.current_year, la.balance_fen - la.held_fen AS available_fen
    FROM accounts.ledger_accounts la
    WHERE la.id IN (SELECT own.id FROM accounts.ledger_accounts own WHERE own.psn_no = ANY($1::text[])
        UNION SELECT account_id FROM payer_pool WHERE status = 'ACTIVE')
    ORDER BY la.id{lock}),
all_locked AS (
    SELECT array_agg(id) AS ids, array_agg(psn_no) AS owners, array_agg(part) AS parts,
    array_agg(current_year) AS years, array_agg(available_fen) AS available FROM locked),
creator AS (
    SELECT cr.psn_no, cr.status, cr.region_code, (SELECT coalesce(sum(ca.balance_fen - ca.held_fen), 0)
    FROM accounts.ledger_accounts ca WHERE ca.psn_no = cr.psn_no) AS available_fen
    FROM accounts.persons cr WHERE cr.psn_no IN (SELECT creator_psn_no FROM payer_pool))
SELECT pe.psn_no, pe.status, pe.region_code, pe.id_number_hash, pp.id AS pool_id, pp.status AS pool_status,
    pp.account_id AS pool_account_id, pp.creator_psn_no, creator.status AS creator_status,
    creator.region_code AS creator_region, creator.available_fen AS creator_available_fen,
    all_locked.ids, all_locked.owners, all_locked.parts, all_locked.years, all_locked.available
FROM all_locked CROSS JOIN payers JOIN accounts.persons pe ON pe.psn_no = payers.psn_no
LEFT JOIN payer_pool pp ON pp.psn_no = pe.psn_no LEFT JOIN creator ON creator.psn_no = pp.creator_psn_no
"""


@dataclass(frozen=True)
class Payers:
    """What a batch's payers can pay from, read under the batch's locks."""

    funds: dict[str, PayerFunds]  # a payer not found is missing
    creators: dict[int, str]  # pool id -> its creator
    due_rollover: set[str]  # payers whose own account still holds an earlier year (their first movement of the year)


_LOCK_PAYERS = _PAYERS_FUNDS.format(lock=" FOR NO KEY UPDATE")
_READ_PAYERS = _PAYERS_FUNDS.format(lock="")


async def lock_payers(conn: asyncpg.Connection, psn_nos: Sequence[str], year: int, *, lock: bool = True) -> Payers:
    """What the payers can pay from; their accounts locked (or, `lock=False`, only read)."""
    rows = await conn.fetch(_LOCK_PAYERS if lock else _READ_PAYERS, sorted(set(psn_nos)))
    funds: dict[str, PayerFunds] = {}
    creators: dict[int, str] = {}
    due: set[str] = set()
    if not rows:
        return Payers(funds, creators, due)
    first = rows[0]
    accounts = list(
        zip(
            first["ids"] or [],
            first["owners"] or [],
            first["parts"] or [],
            first["years"] or [],
            first["available"] or [],
            strict=True,
        )
    )
    available = {account_id: int(fen) for account_id, _, _, _, fen in accounts}
    for r in rows:
        psn_no = r["psn_no"]
        own = tuple(
            OwnPart(Part(part), account_id, int(fen), current_year)
            for account_id, owner, part, current_year, fen in accounts
            if owner == psn_no
        )
        if any(p.part is Part.CURRENT and p.year is not None and p.year < year for p in own):
            due.add(psn_no)
        pool = None
        if r["pool_id"] is not None:
            active = r["pool_status"] == "ACTIVE" and r["pool_account_id"] in available
            pool = PayersPool(
                r["pool_id"],
                r["pool_account_id"] if active else None,
                available[r["pool_account_id"]] if active else 0,
                r["creator_status"] == "ACTIVE",
                int(r["creator_available_fen"]),
                r["creator_region"],
            )
            creators[r["pool_id"]] = r["creator_psn_no"]
        funds[psn_no] = PayerFunds(
            psn_no, r["status"] == "ACTIVE", r["region_code"], own, pool, bytes(r["id_number_hash"])
        )
    return Payers(funds, creators, due)


# Every new reservation of the batch, its legs, its payment's journal transaction and postings (a one-shot payment),
# the holds (a hold) and the cached balances, in one statement. Ids come from the sequences first, so that legs and
# journal rows can name their reservation by its place in the batch ($1: 1..n).
_INSERT = """
WITH r_in AS (
    SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::timestamptz[])
    AS t(ord, payer_psn_no, status, requested_fen, fixmedins_code, description, expires_at)),
r_id AS MATERIALIZED (SELECT ord, nextval('accounts.reservations_id_seq') AS id,
    (SELECT pe.coordinating_region FROM accounts.persons pe WHERE pe.psn_no = r_in.payer_psn_no) AS region FROM r_in),
new_reservations AS (
    INSERT INTO accounts.reservations (id, payer_psn_no, status, requested_fen, fixmedins_code, description,
        expires_at, finalized_at, coordinating_region)
    SELECT r_id.id, r_in.payer_psn_no, r_in.status, r_in.requested_fen, r_in.fixmedins_code, r_in.description,
        r_in.expires_at, CASE WHEN r_in.status = 'HELD' THEN NULL ELSE now() END, r_id.region
    FROM r_in JOIN r_id USING (ord)),
new_legs AS (
    INSERT INTO accounts.reservation_legs (reservation_id, seq, source, part, account_id, pool_id, reserved_fen,
        debited_fen, shortfall_reason, coordinating_region)
    SELECT r_id.id, l.seq, l.source, l.part, l.account_id, l.pool_id, l.reserved_fen, l.debited_fen,
        l.shortfall_reason, r_id.region
    FROM unnest($8::int[], $9::smallint[], $10::text[], $11::text[], $12::bigint[], $13::bigint[], $14::bigint[],
        $15::bigint[], $16::text[])
    AS l(ord, seq, source, part, account_id, pool_id, reserved_fen, debited_fen, shortfall_reason)
    JOIN r_id USING (ord)),
j_in AS (
    SELECT * FROM unnest($17::int[], $18::int[], $19::text[], $20::text[], $21::bigint[], $22::text[], $23::text[],
        $24::text[])
    AS j(jord, ord, kind, psn_no, pool_id, fixmedins_code, description, booked_by)),
j_id AS MATERIALIZED (SELECT jord, nextval('accounts.journal_txns_id_seq') AS id, r_id.region
    FROM j_in JOIN r_id USING (ord)),
new_txns AS (
    INSERT INTO accounts.journal_txns (id, kind, psn_no, pool_id, reservation_id, fixmedins_code, description,
        booked_by, coordinating_region)
    SELECT j_id.id, j_in.kind, j_in.psn_no, j_in.pool_id, r_id.id, j_in.fixmedins_code, j_in.description,
        j_in.booked_by, j_id.region
    FROM j_in JOIN j_id USING (jord) JOIN r_id USING (ord)),
new_postings AS (
    INSERT INTO accounts.postings (txn_id, account_id, amount_fen, source, coordinating_region)
    SELECT j_id.id, p.account_id, p.amount_fen, p.source, j_id.region
    FROM unnest($25::int[], $26::bigint[], $27::bigint[], $28::text[]) AS p(jord, account_id, amount_fen, source)
    JOIN j_id USING (jord)),
moves AS (
    SELECT account_id, sum(balance_fen) AS balance_fen, sum(held_fen) AS held_fen
    FROM unnest($29::bigint[], $30::bigint[], $31::bigint[]) AS m(account_id, balance_fen, held_fen)
    GROUP BY account_id),
moved AS (
    UPDATE accounts.ledger_accounts la SET balance_fen = la.balance_fen + moves.balance_fen,
        held_fen = la.held_fen + moves.held_fen
    FROM moves WHERE la.id = moves.account_id AND la.kind IN ('PERSONAL', 'POOL'))
SELECT ord, id FROM r_id
"""


@dataclass(frozen=True)
class NewReservation:
    reservation: Reservation
    effects: Effects  # its holds, or its payment's journal entry
    actor: str  # who books it ("CHANNEL:identity"): its journal transaction's booked_by


async def insert_many(conn: asyncpg.Connection, new: Sequence[NewReservation]) -> None:
    """Writes the batch's new reservations with their effects; sets each reservation's id."""
    if not new:
        return
    reservations: list[tuple[object, ...]] = []
    legs: list[tuple[object, ...]] = []
    txns: list[tuple[object, ...]] = []
    postings: list[tuple[object, ...]] = []
    moves: list[tuple[object, ...]] = []  # (account, balance change, held change)
    for place, n in enumerate(new, start=1):
        r = n.reservation
        reservations.append(
            (place, r.payer_psn_no, r.status.value, r.requested_fen, r.fixmedins_code, r.description, r.expires_at)
        )
        for g in r.legs:
            part = g.part.value if g.part else None
            legs.append(
                (
                    place,
                    g.seq,
                    g.source.value,
                    part,
                    g.account_id,
                    g.pool_id,
                    g.reserved_fen,
                    g.debited_fen,
                    g.shortfall_reason,
                )
            )
        for entry in n.effects.journal:
            txn = len(txns) + 1
            txns.append(
                (
                    txn,
                    place,
                    entry.kind.value,
                    entry.psn_no,
                    entry.pool_id,
                    entry.fixmedins_code,
                    entry.description,
                    n.actor,
                )
            )
            for p in entry.postings:
                if p.amount_fen:
                    postings.append((txn, p.account_id, p.amount_fen, p.source.value if p.source else None))
                    moves.append((p.account_id, p.amount_fen, 0))
        moves += [(account_id, 0, delta) for account_id, delta in n.effects.held.items()]
    columns = [
        *_columns(reservations, 7),
        *_columns(legs, 9),
        *_columns(txns, 8),
        *_columns(postings, 4),
        *_columns(moves, 3),
    ]
    rows = await conn.fetch(_INSERT, *columns)
    ids = {row["ord"]: int(row["id"]) for row in rows}
    for place, n in enumerate(new, start=1):
        n.reservation.id = ids[place]


def _columns(rows: list[tuple[object, ...]], width: int) -> list[list[object]]:
    """Rows as the columns unnest() takes (as many as `width` when there are no rows)."""
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]


# ---------------------------------------------------------------- Debits and Releases of a batch

# The reservations first (the global order: reservations, then ledger accounts, each by id).
_LOCK_RESERVATIONS = """
SELECT id, payer_psn_no, status, requested_fen, expires_at, fixmedins_code, description
FROM accounts.reservations WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE
"""

# Then every ledger account the changes can move, in id order: their legs' and, for the holds of a pool dissolved
# meanwhile, its creator's — both parts of the payers' and the creators' own accounts (a leg of the current-year
# part is re-pointed to the prior years' when its account rolls over). Each current-year part says which year it
# holds. A leg's pool is read by a scalar subquery (an index lookup per leg, whatever the plan).
_LOCK_ACCOUNTS = """
WITH legs AS (
    SELECT l.account_id, l.pool_id FROM accounts.reservation_legs l WHERE l.reservation_id = ANY($1::bigint[])),
people AS (
    SELECT r.payer_psn_no AS psn_no FROM accounts.reservations r WHERE r.id = ANY($1::bigint[])
    UNION SELECT (SELECT po.creator_psn_no FROM accounts.pools po WHERE po.id = legs.pool_id) FROM legs
    WHERE legs.pool_id IS NOT NULL)
SELECT la.psn_no, la.part, la.current_year FROM accounts.ledger_accounts la
WHERE la.id IN (SELECT account_id FROM legs
    UNION SELECT own.id FROM accounts.ledger_accounts own WHERE own.psn_no IN (SELECT psn_no FROM people))
ORDER BY la.id FOR NO KEY UPDATE
"""

# Read under those locks: the legs, with the pools they drew from (a dissolution that committed while the batch
# waited is seen); and what each payer has available — both parts of their own account, their active pool's. Each
# leg's pool is one index lookup: a lateral subquery that OFFSET 0 keeps from being flattened into a join, which a
# generic plan may run by reading every pool.
_LEGS = """
SELECT l.reservation_id, l.seq, l.source, l.account_id, l.pool_id, l.reserved_fen, l.debited_fen, l.refunded_fen,
    l.shortfall_reason, l.part, po.creator_psn_no, po.pool_status, po.creator_account_id
FROM accounts.reservation_legs l LEFT JOIN LATERAL (
    SELECT p.creator_psn_no, p.status AS pool_status, ca.id AS creator_account_id FROM accounts.pools p
    LEFT JOIN accounts.ledger_accounts ca ON ca.psn_no = p.creator_psn_no AND ca.part = 'CURRENT'
    WHERE p.id = l.pool_id OFFSET 0) po ON true
WHERE l.reservation_id = ANY($1::bigint[]) ORDER BY l.reservation_id, l.seq
"""
_AVAILABLE = """
WITH payers AS (SELECT DISTINCT unnest($1::text[]) AS psn_no),
active_pool AS (
    SELECT DISTINCT ON (c.psn_no) c.psn_no, c.account_id FROM (
        SELECT p.psn_no, po.id, po.account_id FROM payers p
        JOIN accounts.pools po ON po.creator_psn_no = p.psn_no AND po.status = 'ACTIVE'
        UNION ALL
        SELECT p.psn_no, po.id, po.account_id FROM payers p
        JOIN accounts.memberships m ON m.psn_no = p.psn_no AND m.status = 'ACTIVE'
        JOIN accounts.pools po ON po.id = m.pool_id AND po.status = 'ACTIVE') c
    ORDER BY c.psn_no, c.id)
SELECT p.psn_no, la.id, false AS is_pool, la.balance_fen - la.held_fen AS available_fen
FROM payers p JOIN accounts.ledger_accounts la ON la.psn_no = p.psn_no
UNION ALL
SELECT ap.psn_no, la.id, true, la.balance_fen - la.held_fen FROM active_pool ap
JOIN accounts.ledger_accounts la ON la.id = ap.account_id
"""


@dataclass(frozen=True)
class Loaded:
    """A batch's reservations as read under its locks, and what their payers have available."""

    reservations: dict[int, Reservation]  # an id not found is missing
    pools: dict[int, PoolState]  # the pools their legs drew from
    due_rollover: set[int]  # reservations moving a person whose own account still holds an earlier year
    available: dict[int, int]  # ledger account -> balance less held
    own: dict[str, list[int]]  # payer -> the parts of their own account
    pool: dict[str, int]  # payer -> their active pool's account


async def lock_reservations(conn: asyncpg.Connection, ids: Sequence[int], year: int) -> Loaded:
    wanted = sorted(set(ids))
    rows = await conn.fetch(_LOCK_RESERVATIONS, wanted)
    found = [r["id"] for r in rows]
    stale: set[str] = set()  # people whose own account still holds an earlier year
    for a in await conn.fetch(_LOCK_ACCOUNTS, found) if found else []:
        if a["part"] == Part.CURRENT.value and a["current_year"] is not None and a["current_year"] < year:
            stale.add(a["psn_no"])
    legs: dict[int, list[Leg]] = {i: [] for i in found}
    pools: dict[int, PoolState] = {}
    for g in await conn.fetch(_LEGS, found) if found else []:
        legs[g["reservation_id"]].append(
            Leg(
                g["seq"],
                Source(g["source"]),
                g["account_id"],
                g["pool_id"],
                g["reserved_fen"],
                g["debited_fen"],
                g["refunded_fen"],
                g["shortfall_reason"],
                Part(g["part"]) if g["part"] else None,
            )
        )
        if g["pool_id"] is not None and g["creator_account_id"] is not None:
            pools[g["pool_id"]] = PoolState(
                g["pool_id"], g["creator_psn_no"], g["creator_account_id"], g["pool_status"] == "DISSOLVED"
            )
    reservations = {
        r["id"]: Reservation(
            r["id"],
            r["payer_psn_no"],
            ReservationStatus(r["status"]),
            r["requested_fen"],
            r["expires_at"],
            legs[r["id"]],
            r["fixmedins_code"],
            r["description"],
        )
        for r in rows
    }
    due = {
        r.id
        for r in reservations.values()
        if r.id is not None
        and ({r.payer_psn_no} | {pools[g.pool_id].creator_psn_no for g in r.legs if g.pool_id in pools}) & stale
    }
    available: dict[int, int] = {}
    own: dict[str, list[int]] = {}
    pool: dict[str, int] = {}
    payers = sorted({r.payer_psn_no for r in reservations.values()})
    for a in await conn.fetch(_AVAILABLE, payers) if payers else []:
        available[a["id"]] = int(a["available_fen"])
        if a["is_pool"]:
            pool[a["psn_no"]] = a["id"]
        else:
            own.setdefault(a["psn_no"], []).append(a["id"])
    return Loaded(reservations, pools, due, available, own, pool)


# Every changed reservation's status and legs, and every journal entry and hold of the changes, in one statement.
_SAVE = """
WITH changed AS (
    UPDATE accounts.reservations r SET status = u.status,
        finalized_at = CASE WHEN u.status = 'HELD' THEN NULL ELSE coalesce(r.finalized_at, now()) END
    FROM unnest($1::bigint[], $2::text[]) AS u(id, status) WHERE r.id = u.id),
changed_legs AS (
    UPDATE accounts.reservation_legs l SET debited_fen = u.debited_fen, refunded_fen = u.refunded_fen
    FROM unnest($3::bigint[], $4::smallint[], $5::bigint[], $6::bigint[])
    AS u(reservation_id, seq, debited_fen, refunded_fen)
    WHERE l.reservation_id = u.reservation_id AND l.seq = u.seq),
j_in AS (
    SELECT * FROM unnest($7::int[], $8::text[], $9::text[], $10::bigint[], $11::bigint[], $12::text[], $13::text[],
        $14::text[])
    AS j(jord, kind, psn_no, pool_id, reservation_id, fixmedins_code, description, booked_by)),
j_id AS MATERIALIZED (SELECT jord, nextval('accounts.journal_txns_id_seq') AS id,
    (SELECT r.coordinating_region FROM accounts.reservations r WHERE r.id = j_in.reservation_id) AS region FROM j_in),
new_txns AS (
    INSERT INTO accounts.journal_txns (id, kind, psn_no, pool_id, reservation_id, fixmedins_code, description,
        booked_by, coordinating_region)
    SELECT j_id.id, j_in.kind, j_in.psn_no, j_in.pool_id, j_in.reservation_id, j_in.fixmedins_code,
        j_in.description, j_in.booked_by, j_id.region
    FROM j_in JOIN j_id USING (jord)),
new_postings AS (
    INSERT INTO accounts.postings (txn_id, account_id, amount_fen, source, coordinating_region)
    SELECT j_id.id, p.account_id, p.amount_fen, p.source, j_id.region
    FROM unnest($15::int[], $16::bigint[], $17::bigint[], $18::text[]) AS p(jord, account_id, amount_fen, source)
    JOIN j_id USING (jord)),
moves AS (
    SELECT account_id, sum(balance_fen) AS balance_fen, sum(held_fen) AS held_fen
    FROM unnest($19::bigint[], $20::bigint[], $21::bigint[]) AS m(account_id, balance_fen, held_fen)
    GROUP BY account_id)
UPDATE accounts.ledger_accounts la SET balance_fen = la.balance_fen + moves.balance_fen,
    held_fen = la.held_fen + moves.held_fen
FROM moves WHERE la.id = moves.account_id AND la.kind IN ('PERSONAL', 'POOL')
"""


@dataclass(frozen=True)
class Changed:
    reservation: Reservation  # as the change left it
    effects: Effects
    actor: str  # who changed it ("CHANNEL:identity"): its journal transactions' booked_by


async def save_many(conn: asyncpg.Connection, changes: Sequence[Changed]) -> None:
    """Writes back the changed reservations (each once, as the last change of the batch left it) and books every
    change's effects."""
    if not changes:
        return
    final = {c.reservation.id: c.reservation for c in changes}
    reservations: list[tuple[object, ...]] = [(r.id, r.status.value) for r in final.values()]
    legs: list[tuple[object, ...]] = [
        (r.id, g.seq, g.debited_fen, g.refunded_fen) for r in final.values() for g in r.legs
    ]
    txns: list[tuple[object, ...]] = []
    postings: list[tuple[object, ...]] = []
    moves: list[tuple[object, ...]] = []  # (account, balance change, held change)
    for c in changes:
        for entry in c.effects.journal:
            moved = [p for p in entry.postings if p.amount_fen]
            if not moved:
                continue
            txn = len(txns) + 1
            txns.append(
                (
                    txn,
                    entry.kind.value,
                    entry.psn_no,
                    entry.pool_id,
                    entry.reservation_id,
                    entry.fixmedins_code,
                    entry.description,
                    c.actor,
                )
            )
            for p in moved:
                postings.append((txn, p.account_id, p.amount_fen, p.source.value if p.source else None))
                moves.append((p.account_id, p.amount_fen, 0))
        moves += [(account_id, 0, delta) for account_id, delta in c.effects.held.items() if delta]
    await conn.execute(
        _SAVE,
        *_columns(reservations, 2),
        *_columns(legs, 4),
        *_columns(txns, 8),
        *_columns(postings, 4),
        *_columns(moves, 3),
    )
