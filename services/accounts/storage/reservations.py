"""Reservations and their legs: the payer's funds, writing a new reservation with its effects in one statement (the
hot path), and lock → load → save for the state changes of domain/reservation.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.accounts.domain.model import Part, Source
from services.accounts.domain.reservation import (
    Effects,
    Leg,
    PayerFunds,
    PoolState,
    Reservation,
    ReservationStatus,
)
from services.accounts.storage import hot, journal, personal, sql
from services.common.db import driver
from services.common.errors import DomainError, Reason


async def payer_funds(conn: AsyncConnection, psn_no: str, year: int, lock: bool = False) -> PayerFunds:
    """What the payer could pay from, and their ID number's keyed hash (for the credential check): a batch of one
    (storage/hot.py), on this transaction's connection. Locked, the own account is first rolled over to `year` if
    this is its first movement of the year; a pool dissolved meanwhile has no account to take money from (its money
    went back to the creator)."""
    raw = await driver(conn)
    payers = await hot.lock_payers(raw, [psn_no], year, lock=lock)
    if psn_no not in payers.funds:
        raise DomainError(Reason.PERSON_NOT_FOUND, metadata={"psn_no": psn_no})
    if lock and psn_no in payers.due_rollover:
        await personal.roll_over(conn, year, [psn_no])
        payers = await hot.lock_payers(raw, [psn_no], year)
    return payers.funds[psn_no]


async def insert(conn: AsyncConnection, r: Reservation, effects: Effects) -> int:
    """Writes a new reservation with its legs and, in the same statement, its effects: its holds, or for a one-shot
    payment the payment's journal entry. The hot path's one write. Returns the reservation's id."""
    assert len(effects.journal) <= 1, "a new reservation books at most its payment"
    effect_ctes, params = "", {}
    if effects.journal:
        effect_ctes = ", " + journal.entry_ctes(
            "(SELECT id FROM new_reservation)", "(SELECT coordinating_region FROM new_reservation)"
        )
        params = journal.entry_params(effects.journal[0])
        del params["reservation_id"]  # the one inserted here
    elif effects.held:
        effect_ctes = (
            ", new_holds AS (UPDATE accounts.ledger_accounts la SET held_fen = la.held_fen + h.held_fen "
            "FROM unnest(CAST(:hold_account_id AS bigint[]), CAST(:hold_fen AS bigint[])) AS h(id, held_fen) "
            "WHERE la.id = h.id RETURNING la.id)"
        )
        params = {"hold_account_id": list(effects.held), "hold_fen": list(effects.held.values())}
    legs = r.legs
    reservation_id = (
        await conn.execute(
            sql(
                "WITH new_reservation AS (INSERT INTO accounts.reservations (payer_psn_no, status, requested_fen, "
                "  fixmedins_code, description, expires_at, finalized_at, coordinating_region) SELECT :payer_psn_no, "
                "  :status, :requested_fen, :fixmedins_code, :reservation_description, :expires_at, "
                "  CASE WHEN :status = 'HELD' THEN NULL ELSE now() END, coordinating_region "
                "  FROM accounts.persons WHERE psn_no = :payer_psn_no RETURNING id, coordinating_region), "
                "new_legs AS (INSERT INTO accounts.reservation_legs (reservation_id, seq, source, part, account_id, "
                "  pool_id, reserved_fen, debited_fen, shortfall_reason, coordinating_region) "
                "  SELECT new_reservation.id, l.*, new_reservation.coordinating_region "
                "  FROM new_reservation, unnest(CAST(:seq AS smallint[]), CAST(:leg_source AS text[]), "
                "  CAST(:leg_part AS text[]), CAST(:leg_account_id AS bigint[]), CAST(:leg_pool_id AS bigint[]), "
                "  CAST(:reserved_fen AS bigint[]), CAST(:debited_fen AS bigint[]), CAST(:shortfall_reason AS text[])) "
                "  AS l(seq, source, part, account_id, pool_id, reserved_fen, debited_fen, shortfall_reason))"
                f"{effect_ctes} "
                "SELECT id FROM new_reservation"
            ),
            {
                "payer_psn_no": r.payer_psn_no,
                "status": r.status.value,
                "requested_fen": r.requested_fen,
                "fixmedins_code": r.fixmedins_code,
                "reservation_description": r.description,
                "expires_at": r.expires_at,
                "seq": [g.seq for g in legs],
                "leg_source": [g.source.value for g in legs],
                "leg_part": [g.part.value if g.part else None for g in legs],
                "leg_account_id": [g.account_id for g in legs],
                "leg_pool_id": [g.pool_id for g in legs],
                "reserved_fen": [g.reserved_fen for g in legs],
                "debited_fen": [g.debited_fen for g in legs],
                "shortfall_reason": [g.shortfall_reason for g in legs],
                **params,
            },
        )
    ).scalar_one()
    r.id = int(reservation_id)
    return r.id


async def get(conn: AsyncConnection, reservation_id: int, lock: bool = False) -> Reservation:
    row = (
        await conn.execute(
            sql(
                "SELECT id, payer_psn_no, status, requested_fen, expires_at, fixmedins_code, description "
                "FROM accounts.reservations WHERE id = :id" + (" FOR NO KEY UPDATE" if lock else "")
            ),
            {"id": reservation_id},
        )
    ).first()
    if row is None:
        raise DomainError(Reason.RESERVATION_NOT_FOUND, metadata={"reservation_id": str(reservation_id)})
    legs = await conn.execute(
        sql(
            "SELECT seq, source, account_id, pool_id, reserved_fen, debited_fen, refunded_fen, shortfall_reason, part "
            "FROM accounts.reservation_legs WHERE reservation_id = :reservation_id ORDER BY seq"
        ),
        {"reservation_id": reservation_id},
    )
    return _reservation(
        row,
        [
            Leg(
                g.seq,
                Source(g.source),
                g.account_id,
                g.pool_id,
                g.reserved_fen,
                g.debited_fen,
                g.refunded_fen,
                g.shortfall_reason,
                Part(g.part) if g.part else None,
            )
            for g in legs
        ],
    )


def _reservation(row: Row[Any], legs: list[Leg]) -> Reservation:
    return Reservation(
        row.id,
        row.payer_psn_no,
        ReservationStatus(row.status),
        row.requested_fen,
        row.expires_at,
        legs,
        row.fixmedins_code,
        row.description,
    )


async def lock_and_load(
    conn: AsyncConnection, reservation_id: int, year: int
) -> tuple[Reservation, dict[int, PoolState]]:
    """Locks the reservation, then the accounts of its legs and of its pools' creators (the global order), rolling
    the personal accounts involved over to `year` first if this is their first movement of the year (which re-points
    the legs); returns it with the pools its legs drew from, read after the locks so that a concurrent dissolution
    is seen."""
    r = await get(conn, reservation_id, lock=True)
    pool_ids = sorted({leg.pool_id for leg in r.legs if leg.pool_id is not None})
    creators = await _pools(conn, pool_ids) if pool_ids else {}
    people = [r.payer_psn_no, *(p.creator_psn_no for p in creators.values())]
    await journal.lock_accounts(conn, [leg.account_id for leg in r.legs], owners=people)
    if (await personal.roll_over(conn, year, people)).accounts:
        r = await get(conn, reservation_id, lock=True)  # its legs now draw on the prior years' part
    return r, await _pools(conn, pool_ids) if pool_ids else {}


async def _pools(conn: AsyncConnection, pool_ids: list[int]) -> dict[int, PoolState]:
    rows = await conn.execute(
        sql(
            "SELECT po.id, po.creator_psn_no, po.status, la.id AS creator_account_id FROM accounts.pools po "
            "JOIN accounts.ledger_accounts la ON la.psn_no = po.creator_psn_no AND la.part = 'CURRENT' "
            "WHERE po.id = ANY(:id)"
        ),
        {"id": pool_ids},
    )
    return {r.id: PoolState(r.id, r.creator_psn_no, r.creator_account_id, r.status == "DISSOLVED") for r in rows}


async def save(conn: AsyncConnection, r: Reservation, effects: Effects) -> None:
    """Writes back status and per-leg amounts after a state change, and books its effects."""
    await conn.execute(
        sql(
            "UPDATE accounts.reservations SET status = :status, "
            "finalized_at = CASE WHEN :status = 'HELD' THEN NULL ELSE coalesce(finalized_at, now()) END WHERE id = :id"
        ),
        {"id": r.id, "status": r.status.value},
    )
    await conn.execute(
        sql(
            "UPDATE accounts.reservation_legs l SET debited_fen = u.debited_fen, refunded_fen = u.refunded_fen "
            "FROM unnest(CAST(:seq AS smallint[]), CAST(:debited_fen AS bigint[]), CAST(:refunded_fen AS bigint[])) "
            "AS u(seq, debited_fen, refunded_fen) WHERE l.reservation_id = :reservation_id AND l.seq = u.seq"
        ),
        {
            "reservation_id": r.id,
            "seq": [g.seq for g in r.legs],
            "debited_fen": [g.debited_fen for g in r.legs],
            "refunded_fen": [g.refunded_fen for g in r.legs],
        },
    )
    await journal.add_held(conn, effects.held)
    await journal.book_all(conn, effects.journal)


async def claim_expired(conn: AsyncConnection, now: dt.datetime, skip: list[int]) -> int | None:
    """Claims one lapsed hold for this transaction: locks its row, skipping any another transaction holds (another
    sweeper's, or a payment's in flight), so that sweepers of several instances split the work instead of queueing
    on each other. The reservation row is the first lock of the global order (lock_and_load), so this keeps it.
    `skip`: holds this sweep already looked at and left."""
    return (
        await conn.execute(
            sql(
                "SELECT id FROM accounts.reservations WHERE status = 'HELD' AND expires_at <= :now "
                "AND id <> ALL(CAST(:skip AS bigint[])) ORDER BY expires_at LIMIT 1 FOR UPDATE SKIP LOCKED"
            ),
            {"now": now, "skip": skip},
        )
    ).scalar_one_or_none()


async def open_count(conn: AsyncConnection) -> int:
    return int(
        (await conn.execute(sql("SELECT count(*) FROM accounts.reservations WHERE status = 'HELD'"))).scalar_one()
    )
