"""Money for settlement (rules 8 and 9): each use case locks and loads, lets the reservation aggregate decide
(domain/reservation.py), and saves what it decided."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection

from services.accounts.domain import commands as cmd
from services.accounts.domain import identity
from services.accounts.domain.model import Part, Source
from services.accounts.domain.policy import Policy
from services.accounts.domain.reservation import (
    AvailableBook,
    Effects,
    FundsBook,
    PayerFunds,
    RefundPart,
    Reservation,
    split_legs,
)
from services.accounts.storage import hot, journal, reservations
from services.accounts.usecases.env import Env
from services.accounts.views import BalancesView, PersonalBalanceView, QuoteView, ReservationView
from services.common.errors import DomainError, Reason


async def reserve(conn: AsyncConnection, env: Env, c: cmd.Reserve) -> ReservationView:
    funds = await reservations.payer_funds(conn, c.payer_psn_no, env.today().year, lock=True)
    r, effects = _open(env, env.policy(), env.now(), funds, c)
    await reservations.insert(conn, r, effects)
    return _opened(funds, r)


C = TypeVar("C")
Change = cmd.Debit | cmd.ReservationRef  # a Debit, or a Release


@dataclass(frozen=True)
class Batched(Generic[C]):
    """One request of a group commit, and who asks for it ("CHANNEL:identity")."""

    command: C
    actor: str


# What a request of a batch came to: its reservation, its own failure, or None when it must run alone (a person
# whose accounts it moves rolls over to the new year first: once a year per person, left to the lone use case).
BatchOutcome = ReservationView | DomainError | None


async def reserve_many(conn: asyncpg.Connection, env: Env, batch: Sequence[Batched[cmd.Reserve]]) -> list[BatchOutcome]:
    """Many Reserves in one transaction (a group commit), each decided as reserve() decides it, in the batch's
    order: every payer's accounts are locked and read once, and each payment sees what the ones before it took from
    the same accounts (domain/reservation.py: FundsBook). A payment the rules refuse fails alone; the others are
    written together."""
    policy, now = env.policy(), env.now()
    payers = await hot.lock_payers(conn, [b.command.payer_psn_no for b in batch], env.today().year)
    book = FundsBook(payers.funds, payers.creators)
    out: list[BatchOutcome] = []
    new: list[hot.NewReservation] = []
    for b in batch:
        c = b.command
        if c.payer_psn_no in payers.due_rollover:
            out.append(None)
            continue
        try:
            funds = book.funds_of(c.payer_psn_no)
            if funds is None:
                raise DomainError(Reason.PERSON_NOT_FOUND, metadata={"psn_no": c.payer_psn_no})
            r, effects = _open(env, policy, now, funds, c)
        except DomainError as failure:
            out.append(failure)
            continue
        book.took(r)
        new.append(hot.NewReservation(r, effects, b.actor))
        out.append(_opened(funds, r))
    await hot.insert_many(conn, new)
    return out


async def change_many(conn: asyncpg.Connection, env: Env, batch: Sequence[Batched[Change]]) -> list[BatchOutcome]:
    """Many Debits and Releases in one transaction (a group commit), each decided as debit() and release() decide
    it, in the batch's order: every reservation is locked and loaded once, then every account they move (the global
    order); a request on a reservation an earlier one of the batch changed sees the change. A request the rules
    refuse (an unknown reservation, one already final or lapsed, more than it holds) fails alone; the changes of
    the others are written together."""
    now = env.now()
    ids = [b.command.reservation_id for b in batch]
    loaded = await hot.lock_reservations(conn, ids, env.today().year)
    available = AvailableBook(loaded.available, loaded.own, loaded.pool)
    out: list[BatchOutcome] = []
    changed: list[hot.Changed] = []
    for b in batch:
        c = b.command
        r = loaded.reservations.get(c.reservation_id)
        if r is not None and r.id in loaded.due_rollover:
            out.append(None)
            continue
        try:
            if r is None:
                raise DomainError(Reason.RESERVATION_NOT_FOUND, metadata={"reservation_id": str(c.reservation_id)})
            if isinstance(c, cmd.Debit):
                effects = r.debit(c.amount_fen, now, loaded.pools)
            else:
                effects = r.release(now, loaded.pools)
        except DomainError as failure:
            out.append(failure)
            continue
        changed.append(hot.Changed(r, effects, b.actor))
        available.moved(effects)
        out.append(ReservationView(r.snapshot(), *available.of(r.payer_psn_no)))
    await hot.save_many(conn, changed)
    return out


def _open(env: Env, policy: Policy, now: dt.datetime, funds: PayerFunds, c: cmd.Reserve) -> tuple[Reservation, Effects]:
    ttl_s = min(c.hold_ttl_seconds or policy.default_hold_ttl_seconds, policy.max_hold_ttl_seconds)
    # The card before anything else about the payer: who holds another's card learns nothing of their insurance.
    identity.require_own_credential(c.credential, funds.psn_no, funds.id_number_hash, env.id_hash_key)
    return Reservation.open(
        funds,
        c.amount_fen,
        c.sources,
        now + dt.timedelta(seconds=ttl_s),
        policy,
        visit_region=c.visit_region,
        all_or_nothing=c.all_or_nothing,
        debit_immediately=c.debit_immediately,
        fixmedins_code=c.fixmedins_code,
        description=c.description,
    )


def _opened(funds: PayerFunds, r: Reservation) -> ReservationView:
    """The balances after this reservation, from what was locked: no second read on the hot path."""
    own_spent = sum(leg.reserved_fen for leg in r.legs if leg.source is Source.PERSONAL_ACCOUNT)
    pool_spent = sum(leg.reserved_fen for leg in r.legs if leg.source is Source.FAMILY_POOL)
    return ReservationView(r, funds.own_available_fen - own_spent, funds.pool_available_fen - pool_spent)


async def quote(conn: AsyncConnection, env: Env, c: cmd.Quote) -> QuoteView:
    """What reserve() would hold right now, holding nothing (the quote of a pre-settlement). The balances are shown
    only to the holder of the payer's credential, as a payment would need it."""
    funds = await reservations.payer_funds(conn, c.payer_psn_no, env.today().year)
    identity.require_own_credential(c.credential, funds.psn_no, funds.id_number_hash, env.id_hash_key)
    if not funds.insured:
        raise DomainError(Reason.PERSON_NOT_INSURED, metadata={"psn_no": c.payer_psn_no})
    return QuoteView(
        tuple(split_legs(funds, c.amount_fen, c.sources, env.policy(), c.visit_region)),
        c.amount_fen,
        funds.own_available_fen,
        funds.pool_available_fen if funds.pool_account_id is not None else 0,
    )


async def debit(conn: AsyncConnection, env: Env, c: cmd.Debit) -> ReservationView:
    r, pools = await reservations.lock_and_load(conn, c.reservation_id, env.today().year)
    effects = r.debit(c.amount_fen, env.now(), pools)
    await reservations.save(conn, r, effects)
    return await _view(conn, env, r)


async def release(conn: AsyncConnection, env: Env, c: cmd.ReservationRef) -> ReservationView:
    r, pools = await reservations.lock_and_load(conn, c.reservation_id, env.today().year)
    effects = r.release(env.now(), pools)
    await reservations.save(conn, r, effects)
    return await _view(conn, env, r)


async def expire(conn: AsyncConnection, env: Env, reservation_id: int) -> bool:
    """The sweeper's step: releases one lapsed hold. False when someone else finished it first."""
    r, pools = await reservations.lock_and_load(conn, reservation_id, env.today().year)
    effects = r.expire(env.now(), pools)
    if effects is None:
        return False
    await reservations.save(conn, r, effects)
    return True


async def refund(conn: AsyncConnection, env: Env, c: cmd.Refund) -> ReservationView:
    r, pools = await reservations.lock_and_load(conn, c.reservation_id, env.today().year)
    effects, parts = r.refund(c.amount_fen, pools)
    await reservations.save(conn, r, effects)
    return await _view(conn, env, r, tuple(parts))


async def get_reservation(conn: AsyncConnection, env: Env, c: cmd.ReservationRef) -> ReservationView:
    return await _view(conn, env, await reservations.get(conn, c.reservation_id))


async def _view(conn: AsyncConnection, env: Env, r: Reservation, parts: tuple[RefundPart, ...] = ()) -> ReservationView:
    b = await get_balances(conn, env, cmd.PersonRef(r.payer_psn_no))
    return ReservationView(r, b.personal_available_fen, b.pool_available_fen, parts)


async def get_balances(conn: AsyncConnection, env: Env, c: cmd.PersonRef) -> BalancesView:
    """Both parts of the own account (money of an earlier year still in the current-year part, before its first
    movement of the year rolls it over, counts as prior years already), and the active pool's."""
    year = env.today().year
    funds = await reservations.payer_funds(conn, c.psn_no, year)
    active_pool = funds.pool_account_id
    found = await journal.balances(conn, [*(p.account_id for p in funds.own), active_pool])
    personal = None
    if funds.own:
        by_part = {p.part: found[p.account_id] for p in funds.own}
        stale = any(p.part is Part.CURRENT and p.year is not None and p.year < year for p in funds.own)
        personal = PersonalBalanceView.of(by_part, stale)
    pool = found.get(active_pool) if active_pool is not None else None
    return BalancesView(
        c.psn_no, personal, funds.pool.pool_id if active_pool is not None and funds.pool else None, pool
    )
