"""Registry and funding: register people, record life events (rule 10), credit contributions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from services.accounts.domain import identity
from services.accounts.domain.model import (
    AUTO_DISSOLUTION_REASONS,
    MEMBER_LEAVING_EVENTS,
    LifeEvent,
    Person,
    Source,
    apply_life_event,
)
from services.accounts.storage import repository as repo
from services.accounts.usecases.env import Env
from services.accounts.usecases.pools import dissolve
from services.accounts.views import PersonView
from services.common.errors import DomainError


async def register_person(conn: AsyncConnection, env: Env, person: Person, name: str, id_number: str) -> PersonView:
    await repo.insert_person(conn, repo.NewPerson(
        person=person,
        id_number_hash=identity.keyed_hash(env.id_hash_key, identity.normalize_id_number(id_number)),
        id_number_masked=identity.mask_id_number(id_number),
        name_hash=identity.keyed_hash(env.id_hash_key, identity.normalize_name(name)),
        name_masked=identity.mask_name(name)))
    return await repo.get_person(conn, person.psn_no)


async def get_person(conn: AsyncConnection, psn_no: str) -> PersonView:
    return await repo.get_person(conn, psn_no)


@dataclass
class LifeEventOutcome:
    person: PersonView
    dissolved_pool_id: int | None = None
    returned_fen: int = 0
    left_pool_id: int | None = None


async def record_life_event(conn: AsyncConnection, env: Env, psn_no: str, event: LifeEvent,
                            new_region_code: str = "", veteran_level: int = 0) -> LifeEventOutcome:
    await repo.lock_persons(conn, [psn_no])
    before = await repo.get_person(conn, psn_no)
    person = before.person
    old_region = person.region_code
    apply_life_event(person, event, new_region_code, veteran_level)
    await repo.update_person(conn, person)
    outcome = LifeEventOutcome(before)
    if before.pool_id is not None and before.pool_role == "CREATOR":
        if event is not LifeEvent.REGION_CHANGED or new_region_code != old_region:
            outcome.returned_fen = await dissolve(conn, before.pool_id, AUTO_DISSOLUTION_REASONS[event])
            outcome.dissolved_pool_id = before.pool_id
    elif before.pool_id is not None and before.pool_role == "MEMBER" and event in MEMBER_LEAVING_EVENTS:
        membership = await repo.open_membership(conn, before.pool_id, psn_no)
        if membership is not None:
            await repo.set_membership_status(conn, membership.id, "LEFT")
            outcome.left_pool_id = before.pool_id
    outcome.person = await repo.get_person(conn, psn_no)
    return outcome


async def credit_personal_account(conn: AsyncConnection, psn_no: str, amount_fen: int, memo: str) -> tuple[int, int]:
    """Books a contribution from the external contribution fund. Returns (new balance, journal txn id)."""
    account_id = await _own_account(conn, psn_no)
    await repo.lock_accounts(conn, [account_id])
    txn = await repo.post(conn, "CONTRIBUTION", [
        repo.Entry(repo.CONTRIBUTION_FUND, -amount_fen),
        repo.Entry(account_id, amount_fen, Source.PERSONAL_ACCOUNT)], psn_no=psn_no, description=memo)
    return (await repo.balances(conn, [account_id]))[account_id].balance_fen, txn


async def _own_account(conn: AsyncConnection, psn_no: str) -> int:
    view = await repo.get_person(conn, psn_no)
    account_id = await repo.personal_account_id(conn, psn_no)
    if account_id is None or not view.person.has_personal_account:
        raise DomainError("NO_PERSONAL_ACCOUNT")
    return account_id
