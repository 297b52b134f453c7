"""The registry's feed: register people, record life events (rule 10), credit contributions."""

from __future__ import annotations

import dataclasses

from sqlalchemy.ext.asyncio import AsyncConnection

from services.accounts.domain import commands as cmd
from services.accounts.domain import identity, rules
from services.accounts.domain.journal import CONTRIBUTION_FUND, TxnKind, transfer
from services.accounts.domain.model import Source, apply_life_event
from services.accounts.storage import journal, personal, persons, pools
from services.accounts.usecases.env import Env
from services.accounts.usecases.pools import dissolve
from services.accounts.views import Booked, LifeEventOutcome, PersonView, PoolRole, YearOpened
from services.common.errors import DomainError, Reason


async def register_person(conn: AsyncConnection, env: Env, c: cmd.RegisterPerson) -> PersonView:
    await persons.insert(
        conn,
        persons.NewPerson(
            person=c.person,
            id_number_hash=identity.keyed_hash(env.id_hash_key, identity.normalize_id_number(c.id_number)),
            id_number_masked=identity.mask_id_number(c.id_number),
            name_hash=identity.keyed_hash(env.id_hash_key, identity.normalize_name(c.name)),
            name_masked=identity.mask_name(c.name),
            birth_date=identity.birth_date(c.id_number),
            year=env.today().year,
            coordinating_region=env.policy().regions.region(c.person.region_code),
        ),
    )
    return await persons.get(conn, c.person.psn_no)


async def get_person(conn: AsyncConnection, c: cmd.PersonRef) -> PersonView:
    return await persons.get(conn, c.psn_no)


async def record_life_event(conn: AsyncConnection, env: Env, c: cmd.RecordLifeEvent) -> LifeEventOutcome:
    """Rule 10: records the change, then dissolves the pool of a creator who may no longer run one, or takes a member
    out of a pool they may no longer be in. A suspension pauses (the rules read the status at each step) and
    dissolves nothing; a resumption restores; a revoked benefit re-creates nothing."""
    await persons.lock(conn, [c.psn_no])
    before = await persons.get(conn, c.psn_no)
    person = dataclasses.replace(before.person)
    apply_life_event(person, c.change)
    policy = env.policy()
    await persons.update(conn, person, policy.regions.region(person.region_code))
    if person.has_personal_account and await personal.of(conn, c.psn_no) is None:
        await personal.create(conn, c.psn_no, env.today().year)  # a resident who became employee-insured
    dissolved, returned, left = None, 0, None
    if before.pool_id is not None and before.pool_role is PoolRole.CREATOR:
        reason = rules.dissolution_reason(before.person, person, policy)
        if reason is not None:
            returned = await dissolve(conn, env, before.pool_id, reason)
            dissolved = before.pool_id
    elif before.pool_id is not None:
        creator = await persons.get(conn, (await pools.get_row(conn, before.pool_id)).creator_psn_no)
        membership = await pools.open_membership(conn, before.pool_id, c.psn_no)
        if membership is not None and rules.member_leaves(person, creator.person, policy):
            await pools.set_membership_status(conn, membership.membership_id, "LEFT")
            left = before.pool_id
    return LifeEventOutcome(await persons.get(conn, c.psn_no), dissolved, returned, left)


async def credit_personal_account(conn: AsyncConnection, env: Env, c: cmd.CreditPersonalAccount) -> Booked:
    """Books a contribution from the external contribution fund into this year's part of the account (当年)."""
    view = await persons.get(conn, c.psn_no)
    own = await personal.lock(conn, c.psn_no, env.today().year)
    if own is None or not view.person.has_personal_account:
        raise DomainError(Reason.NO_PERSONAL_ACCOUNT)
    txn = await journal.book(
        conn,
        transfer(
            TxnKind.CONTRIBUTION,
            CONTRIBUTION_FUND,
            own.account.current_id,
            c.amount_fen,
            to_source=Source.PERSONAL_ACCOUNT,
            psn_no=c.psn_no,
            description=c.memo,
        ),
    )
    return Booked(txn, own.balance_fen + c.amount_fen)


async def roll_over_year(conn: AsyncConnection, env: Env, c: cmd.RollOverYear) -> YearOpened:
    """Rule 8's year end: the current-year part of every account (or of the next `max_accounts`) moves to the prior
    years. An account that moved already, by this call or by its own first movement of the year, is not due."""
    if c.year != env.today().year:
        raise DomainError(Reason.YEAR_NOT_CURRENT, f"(the current year is {env.today().year})")
    people = await personal.due(conn, c.year, c.max_accounts or None)
    rolled = await personal.roll_over(conn, c.year, people) if people else personal.Rolled(0, 0)
    return YearOpened(rolled.accounts, rolled.moved_fen, await personal.count_due(conn, c.year))
