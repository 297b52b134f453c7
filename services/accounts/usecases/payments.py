"""Money for settlement (rules 8 and 9): each use case locks and loads, lets the reservation aggregate decide
(domain/reservation.py), and saves what it decided."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncConnection

from services.accounts.domain import commands as cmd
from services.accounts.domain import identity
from services.accounts.domain.reservation import RefundPart, Reservation, split_legs
from services.accounts.storage import journal, reservations
from services.accounts.usecases.env import Env
from services.accounts.views import BalancesView, QuoteView, ReservationView
from services.common.errors import DomainError, Reason


async def reserve(conn: AsyncConnection, env: Env, c: cmd.Reserve) -> ReservationView:
    policy = env.policy()
    ttl_s = min(c.hold_ttl_seconds or policy.default_hold_ttl_seconds, policy.max_hold_ttl_seconds)
    funds = await reservations.payer_funds(conn, c.payer_psn_no, lock=True)
    # The card before anything else about the payer: who holds another's card learns nothing of their insurance.
    identity.require_own_credential(c.credential, funds.psn_no, funds.id_number_hash, env.id_hash_key)
    r, effects = Reservation.open(
        funds,
        c.amount_fen,
        c.sources,
        env.now() + dt.timedelta(seconds=ttl_s),
        all_or_nothing=c.all_or_nothing,
        debit_immediately=c.debit_immediately,
        fixmedins_code=c.fixmedins_code,
        description=c.description,
    )
    await reservations.insert(conn, r, effects)
    # The balances after this call, from what was locked: no second read on the hot path.
    spent = {leg.account_id: leg.reserved_fen for leg in r.legs if leg.account_id is not None}
    return ReservationView(
        r,
        _after(funds.own_available_fen, funds.own_account_id, spent),
        _after(funds.pool_available_fen, funds.pool_account_id, spent),
    )


def _after(available_fen: int, account: int | None, spent: dict[int, int]) -> int:
    return available_fen - spent.get(account, 0) if account is not None else 0


async def quote(conn: AsyncConnection, env: Env, c: cmd.Quote) -> QuoteView:
    """What reserve() would hold right now, holding nothing (the quote of a pre-settlement). The balances are shown
    only to the holder of the payer's credential, as a payment would need it."""
    funds = await reservations.payer_funds(conn, c.payer_psn_no)
    identity.require_own_credential(c.credential, funds.psn_no, funds.id_number_hash, env.id_hash_key)
    if not funds.insured:
        raise DomainError(Reason.PERSON_NOT_INSURED, metadata={"psn_no": c.payer_psn_no})
    return QuoteView(
        tuple(split_legs(funds, c.amount_fen, c.sources)),
        c.amount_fen,
        funds.own_available_fen,
        funds.pool_available_fen,
    )


async def debit(conn: AsyncConnection, env: Env, c: cmd.Debit) -> ReservationView:
    r, pools = await reservations.lock_and_load(conn, c.reservation_id)
    effects = r.debit(c.amount_fen, env.now(), pools)
    await reservations.save(conn, r, effects)
    return await _view(conn, r)


async def release(conn: AsyncConnection, env: Env, c: cmd.ReservationRef) -> ReservationView:
    r, pools = await reservations.lock_and_load(conn, c.reservation_id)
    effects = r.release(env.now(), pools)
    await reservations.save(conn, r, effects)
    return await _view(conn, r)


async def expire(conn: AsyncConnection, env: Env, reservation_id: int) -> bool:
    """The sweeper's step: releases one lapsed hold. False when someone else finished it first."""
    r, pools = await reservations.lock_and_load(conn, reservation_id)
    effects = r.expire(env.now(), pools)
    if effects is None:
        return False
    await reservations.save(conn, r, effects)
    return True


async def refund(conn: AsyncConnection, c: cmd.Refund) -> ReservationView:
    r, pools = await reservations.lock_and_load(conn, c.reservation_id)
    effects, parts = r.refund(c.amount_fen, pools)
    await reservations.save(conn, r, effects)
    return await _view(conn, r, tuple(parts))


async def get_reservation(conn: AsyncConnection, c: cmd.ReservationRef) -> ReservationView:
    return await _view(conn, await reservations.get(conn, c.reservation_id))


async def _view(conn: AsyncConnection, r: Reservation, parts: tuple[RefundPart, ...] = ()) -> ReservationView:
    b = await get_balances(conn, cmd.PersonRef(r.payer_psn_no))
    return ReservationView(r, b.personal_available_fen, b.pool_available_fen, parts)


async def get_balances(conn: AsyncConnection, c: cmd.PersonRef) -> BalancesView:
    funds = await reservations.payer_funds(conn, c.psn_no)
    found = await journal.balances(conn, [funds.own_account_id, funds.pool_account_id])
    own = found.get(funds.own_account_id) if funds.own_account_id is not None else None
    pool = found.get(funds.pool_account_id) if funds.pool_account_id is not None else None
    return BalancesView(c.psn_no, own, funds.pool_id, pool)
