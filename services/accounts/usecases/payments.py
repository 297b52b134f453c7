"""Money for settlement (rules 8 and 9): reserve own-then-pool, debit, release, refund, expire.

A reservation is TigerBeetle's pending transfer: HELD money stays on the source account (`held_fen`) until it is
DEBITED (posted to the institution clearing account) or RELEASED / EXPIRED (voided).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncConnection

from services.accounts.domain.allocation import Candidate, fill_in_order, refund_order, split
from services.accounts.domain.model import PersonStatus, Source
from services.accounts.storage import repository as repo
from services.accounts.usecases.env import Env
from services.accounts.views import BalancesView, BalanceView, LegView, RefundPartView, ReservationView
from services.common.errors import DomainError


async def reserve(conn: AsyncConnection, env: Env, payer_psn_no: str, amount_fen: int, sources: list[Source], *,
                  hold_ttl_seconds: int = 0, all_or_nothing: bool = False, debit_immediately: bool = False,
                  fixmedins_code: str = "", description: str = "") -> ReservationView:
    policy = env.policy()
    ttl = min(hold_ttl_seconds or policy.default_hold_ttl_seconds, policy.max_hold_ttl_seconds)
    payer, locked = await repo.lock_payer_accounts(conn, payer_psn_no)
    if payer.status is not PersonStatus.ACTIVE:
        raise DomainError("PERSON_NOT_INSURED", metadata={"psn_no": payer_psn_no})
    candidates = _candidates(payer, locked, sources)
    taken, reasons, uncovered = split(amount_fen, [c for _, _, c in candidates])
    if all_or_nothing and uncovered:
        raise DomainError("INSUFFICIENT_FUNDS", f"(the sources cover {amount_fen - uncovered} of {amount_fen} fen)",
                          {"available_fen": str(amount_fen - uncovered)})
    legs = [LegView(seq, c.source, account, pool_id, took,
                    took if debit_immediately else 0, 0, reason)
            for seq, ((account, pool_id, c), took, reason) in enumerate(zip(candidates, taken, reasons, strict=True))]
    expires_at = env.now() + dt.timedelta(seconds=ttl)
    status = "DEBITED" if debit_immediately else "HELD"
    entries, pool_id = _payment(legs) if debit_immediately else ([], None)
    rid = await repo.insert_reservation(conn, payer_psn_no, amount_fen, expires_at, fixmedins_code, description,
                                        legs, status, payment=entries, payment_pool_id=pool_id)
    view = ReservationView(rid, payer_psn_no, status, amount_fen, expires_at, fixmedins_code, legs)
    spent = {leg.account_id: leg.reserved_fen for leg in legs if leg.account_id}
    view.payer_personal_available_fen = _available_after(locked, payer.own_account_id, spent)
    view.payer_pool_available_fen = _available_after(locked, payer.pool_account_id, spent)
    return view


def _available_after(locked: dict[int, BalanceView], account: int | None, spent: dict[int, int]) -> int:
    return locked[account].available_fen - spent.get(account, 0) if account in locked else 0


def _candidates(payer: repo.PayerAccounts, balances: dict[int, BalanceView],
                sources: list[Source]) -> list[tuple[int | None, int | None, Candidate]]:
    """Rule 8: what each requested source can give, as (account, pool, candidate), in the caller's order."""
    out: list[tuple[int | None, int | None, Candidate]] = []
    for source in sources:
        if source is Source.PERSONAL_ACCOUNT:
            account = payer.own_account_id
            out.append((account, None, Candidate(source, balances[account].available_fen)
                        if account in balances else Candidate(source, 0, "NO_PERSONAL_ACCOUNT")))
        else:
            account = payer.pool_account_id
            out.append((account, payer.pool_id, Candidate(source, balances[account].available_fen)
                        if account in balances else Candidate(source, 0, "NOT_BOUND")))
    return out


async def quote(conn: AsyncConnection, payer_psn_no: str, amount_fen: int,
                sources: list[Source]) -> ReservationView:
    """What reserve() would hold right now, holding nothing (the quote of a pre-settlement)."""
    payer = await repo.payer_accounts(conn, payer_psn_no)
    if payer.status is not PersonStatus.ACTIVE:
        raise DomainError("PERSON_NOT_INSURED", metadata={"psn_no": payer_psn_no})
    found = await repo.balances(conn, [payer.own_account_id, payer.pool_account_id])
    candidates = _candidates(payer, found, sources)
    taken, reasons, _ = split(amount_fen, [c for _, _, c in candidates])
    legs = [LegView(seq, c.source, account, pool_id, took, 0, 0, reason)
            for seq, ((account, pool_id, c), took, reason) in enumerate(zip(candidates, taken, reasons, strict=True))]
    view = ReservationView(0, payer_psn_no, "HELD", amount_fen, dt.datetime.now(dt.UTC), "", legs)
    view.payer_personal_available_fen = _available_after(found, payer.own_account_id, {})
    view.payer_pool_available_fen = _available_after(found, payer.pool_account_id, {})
    return view


def _payment(legs: list[LegView]) -> tuple[list[repo.Entry], int | None]:
    """The journal entries of paying what the legs debited to the institution clearing account, and the pool that
    paid part of it (for the pool's records)."""
    debited = [leg for leg in legs if leg.debited_fen and leg.account_id]
    entries = [repo.Entry(leg.account_id, -leg.debited_fen, leg.source) for leg in debited if leg.account_id]
    entries.append(repo.Entry(repo.INSTITUTION_CLEARING, sum(leg.debited_fen for leg in debited)))
    return entries, next((leg.pool_id for leg in debited if leg.pool_id), None)


async def _post_payment(conn: AsyncConnection, reservation_id: int, payer: str, fixmedins_code: str,
                        description: str, legs: list[LegView]) -> None:
    entries, pool_id = _payment(legs)
    await repo.post(conn, "PAYMENT", entries, psn_no=payer, pool_id=pool_id, reservation_id=reservation_id,
                    fixmedins_code=fixmedins_code, description=description)


def _require_held(r: ReservationView, now: dt.datetime) -> None:
    if r.status == "EXPIRED" or (r.status == "HELD" and r.expires_at <= now):
        raise DomainError("RESERVATION_EXPIRED", metadata={"reservation_id": str(r.reservation_id)})
    if r.status != "HELD":
        raise DomainError("RESERVATION_ALREADY_FINAL", f"(it is {r.status.lower()})",
                          {"status": r.status, "reservation_id": str(r.reservation_id)})


class _PoolLegs:
    """Locks a reservation's accounts, plus the creators' accounts of its pools, and knows which pools are
    dissolved (read after the lock, so a concurrent dissolution is seen)."""

    def __init__(self, r: ReservationView) -> None:
        self.r = r
        self.pools: dict[int, repo.PoolRow] = {}
        self.creator_account: dict[int, int] = {}

    async def lock(self, conn: AsyncConnection) -> None:
        pool_ids = [leg.pool_id for leg in self.r.legs if leg.pool_id]
        pools = await repo.pool_rows(conn, pool_ids)
        for pid, pool in pools.items():
            account = await repo.personal_account_id(conn, pool.creator_psn_no)
            assert account is not None
            self.creator_account[pid] = account
        await repo.lock_accounts(conn, [*(leg.account_id for leg in self.r.legs), *self.creator_account.values()])
        self.pools = await repo.pool_rows(conn, pool_ids)

    def dissolved(self, leg: LegView) -> bool:
        return leg.pool_id is not None and self.pools[leg.pool_id].status == "DISSOLVED"


async def _drop_holds(conn: AsyncConnection, r: ReservationView) -> None:
    await repo.add_held(conn, {leg.account_id: -leg.reserved_fen for leg in r.legs if leg.account_id})


async def _return_from_dissolved(conn: AsyncConnection, legs: _PoolLegs, released: dict[int, int]) -> None:
    """What a hold gives back to a dissolved pool goes on to the pool's creator (rules 7 and 10)."""
    for leg in legs.r.legs:
        amount = released.get(leg.seq, 0)
        if amount and legs.dissolved(leg):
            assert leg.account_id is not None and leg.pool_id is not None
            await repo.post(conn, "POOL_RETURN", [
                repo.Entry(leg.account_id, -amount, Source.FAMILY_POOL),
                repo.Entry(legs.creator_account[leg.pool_id], amount, Source.PERSONAL_ACCOUNT)],
                psn_no=legs.pools[leg.pool_id].creator_psn_no, pool_id=leg.pool_id,
                reservation_id=legs.r.reservation_id, description="released hold of a dissolved pool")


async def debit(conn: AsyncConnection, env: Env, reservation_id: int, amount_fen: int) -> ReservationView:
    r = await repo.get_reservation(conn, reservation_id, lock=True)
    _require_held(r, env.now())
    if amount_fen > r.reserved_fen:
        raise DomainError("AMOUNT_EXCEEDS_RESERVED", f"(reserved {r.reserved_fen} fen)",
                          {"reserved_fen": str(r.reserved_fen)})
    legs = _PoolLegs(r)
    await legs.lock(conn)
    for leg, amount in zip(r.legs, fill_in_order(amount_fen, [leg.reserved_fen for leg in r.legs]), strict=True):
        leg.debited_fen = amount
    await _drop_holds(conn, r)
    await _post_payment(conn, r.reservation_id, r.payer_psn_no, r.fixmedins_code, "", r.legs)
    await _return_from_dissolved(conn, legs, {leg.seq: leg.reserved_fen - leg.debited_fen for leg in r.legs})
    r.status = "DEBITED"
    await repo.save_reservation(conn, r)
    return await _with_balances(conn, r)


async def release(conn: AsyncConnection, env: Env, reservation_id: int) -> ReservationView:
    """Voids a hold. Releasing one that already expired answers with it as it is (the money is free already)."""
    r = await repo.get_reservation(conn, reservation_id, lock=True)
    if r.status == "EXPIRED":
        return await _with_balances(conn, r)
    if r.status != "HELD":
        raise DomainError("RESERVATION_ALREADY_FINAL", f"(it is {r.status.lower()})", {"status": r.status})
    await _void(conn, r, "EXPIRED" if r.expires_at <= env.now() else "RELEASED")
    return await _with_balances(conn, r)


async def _void(conn: AsyncConnection, r: ReservationView, status: str) -> None:
    legs = _PoolLegs(r)
    await legs.lock(conn)
    await _drop_holds(conn, r)
    await _return_from_dissolved(conn, legs, {leg.seq: leg.reserved_fen for leg in r.legs})
    r.status = status
    await repo.save_reservation(conn, r)


async def expire(conn: AsyncConnection, env: Env, reservation_id: int) -> bool:
    """The sweeper's step: releases one lapsed hold. False when someone else finished it first."""
    r = await repo.get_reservation(conn, reservation_id, lock=True)
    if r.status != "HELD" or r.expires_at > env.now():
        return False
    await _void(conn, r, "EXPIRED")
    return True


async def refund(conn: AsyncConnection, reservation_id: int, amount_fen: int) -> tuple[ReservationView,
                                                                                        list[RefundPartView]]:
    """Rule 9: back to where the money came from, the pool's part first; a dissolved pool's part to its creator."""
    r = await repo.get_reservation(conn, reservation_id, lock=True)
    refundable = r.debited_fen - r.refunded_fen
    if r.status != "DEBITED" or amount_fen > refundable:
        raise DomainError("REFUND_EXCEEDS_DEBITED", f"(refundable now: {refundable if r.status == 'DEBITED' else 0}"
                          " fen)", {"refundable_fen": str(refundable if r.status == "DEBITED" else 0)})
    legs = _PoolLegs(r)
    await legs.lock(conn)
    order = refund_order([leg.source for leg in r.legs])
    amounts = fill_in_order(amount_fen, [r.legs[i].debited_fen - r.legs[i].refunded_fen for i in order])
    parts: list[RefundPartView] = []
    entries = [repo.Entry(repo.INSTITUTION_CLEARING, -amount_fen)]
    for i, amount in zip(order, amounts, strict=True):
        leg = r.legs[i]
        if not amount:
            continue
        leg.refunded_fen += amount
        assert leg.account_id is not None
        if leg.source is Source.PERSONAL_ACCOUNT:
            destination, account = "PERSONAL_ACCOUNT", leg.account_id
        elif legs.dissolved(leg):
            assert leg.pool_id is not None
            destination, account = "CREATOR_PERSONAL_ACCOUNT", legs.creator_account[leg.pool_id]
        else:
            destination, account = "FAMILY_POOL", leg.account_id
        entries.append(repo.Entry(account, amount, leg.source))
        parts.append(RefundPartView(leg.source, destination, amount))
    # The pool's records show this refund only if the pool (or its creator, for a dissolved pool) got part of it.
    pool_id = next((r.legs[i].pool_id for i, amount in zip(order, amounts, strict=True)
                    if amount and r.legs[i].pool_id), None)
    await repo.post(conn, "REFUND", entries, psn_no=r.payer_psn_no, pool_id=pool_id,
                    reservation_id=r.reservation_id, fixmedins_code=r.fixmedins_code)
    await repo.save_reservation(conn, r)
    return await _with_balances(conn, r), parts


async def get_reservation(conn: AsyncConnection, reservation_id: int) -> ReservationView:
    return await _with_balances(conn, await repo.get_reservation(conn, reservation_id))


async def _with_balances(conn: AsyncConnection, r: ReservationView) -> ReservationView:
    b = await get_balances(conn, r.payer_psn_no)
    r.payer_personal_available_fen = b.personal.available_fen if b.personal else 0
    r.payer_pool_available_fen = b.pool.available_fen if b.pool else 0
    return r


async def get_balances(conn: AsyncConnection, psn_no: str) -> BalancesView:
    payer = await repo.payer_accounts(conn, psn_no)
    found = await repo.balances(conn, [payer.own_account_id, payer.pool_account_id])
    own = found.get(payer.own_account_id or 0)
    pool = found.get(payer.pool_account_id or 0)
    return BalancesView(psn_no, BalanceView(own.balance_fen, own.held_fen) if own else None, payer.pool_id,
                        BalanceView(pool.balance_fen, pool.held_fen) if pool else None)
