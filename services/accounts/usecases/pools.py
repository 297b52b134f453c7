"""Family pools: create, invite/accept/decline, remove, dissolve, transfer in, check eligibility (rules 1-7)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncConnection

from services.accounts.domain import identity, rules
from services.accounts.domain.model import Person, Relation, Source
from services.accounts.storage import repository as repo
from services.accounts.usecases.env import Env
from services.accounts.views import MemberView, PersonView, PoolView
from services.common.errors import DomainError


async def create_pool(conn: AsyncConnection, env: Env, creator_psn_no: str, agreement_version: str) -> PoolView:
    await repo.lock_persons(conn, [creator_psn_no])
    creator = await repo.get_person(conn, creator_psn_no)
    rules.first(await _creator_check(conn, env, creator))
    pool_id = await repo.insert_pool(conn, creator_psn_no, agreement_version)
    return await repo.load_pool(conn, pool_id)


async def _creator_check(conn: AsyncConnection, env: Env, creator: PersonView) -> list[DomainError]:
    policy = env.policy()
    out = rules.creator_violations(creator.person, policy, creator_already_bound=creator.pool_id is not None)
    own = await repo.personal_account_id(conn, creator.person.psn_no)
    available = (await repo.balances(conn, [own]))[own].available_fen if own else 0
    return out + rules.funding_violations(available, policy)


async def _identify(conn: AsyncConnection, env: Env, name: str, id_number: str) -> PersonView:
    """Rule: the creator names a relative by name + ID number, and both must match the registry."""
    member, name_hash = await repo.person_by_id_hash(
        conn, identity.keyed_hash(env.id_hash_key, identity.normalize_id_number(id_number)))
    if identity.keyed_hash(env.id_hash_key, identity.normalize_name(name)) != name_hash:
        raise DomainError("IDENTITY_MISMATCH")
    return member


async def _member_check(conn: AsyncConnection, env: Env, pool: repo.PoolRow, creator: Person, member: PersonView,
                        relation: Relation) -> list[DomainError]:
    ctx = rules.BindingContext(member_already_bound=member.pool_id is not None,
                               active_member_count=await repo.active_member_count(conn, pool.pool_id))
    return rules.member_violations(creator, member.person, relation, env.policy(), ctx)


def _require_active(pool: repo.PoolRow) -> None:
    if pool.status != "ACTIVE":
        raise DomainError("POOL_DISSOLVED", metadata={"pool_id": str(pool.pool_id)})


async def invite_member(conn: AsyncConnection, env: Env, pool_id: int, name: str, id_number: str,
                        relation: Relation) -> MemberView:
    pool = await repo.get_pool_row(conn, pool_id)
    member = await _identify(conn, env, name, id_number)
    await repo.lock_persons(conn, [pool.creator_psn_no, member.person.psn_no])
    pool = await repo.get_pool_row(conn, pool_id, lock=True)
    _require_active(pool)
    member = await repo.get_person(conn, member.person.psn_no)
    creator = await repo.get_person(conn, pool.creator_psn_no)
    rules.first(await _member_check(conn, env, pool, creator.person, member, relation))
    await repo.expire_lapsed_invitation(conn, pool_id, member.person.psn_no, env.now())
    expires_at = env.now() + dt.timedelta(seconds=env.policy().invitation_ttl_seconds)
    return await repo.insert_invitation(conn, pool_id, member.person.psn_no, relation, expires_at)


async def accept_invitation(conn: AsyncConnection, env: Env, invitation_id: int) -> PoolView:
    invitation = await repo.get_membership(conn, invitation_id)
    pool = await repo.get_pool_row(conn, invitation.pool_id)
    await repo.lock_persons(conn, [pool.creator_psn_no, invitation.psn_no])
    pool = await repo.get_pool_row(conn, invitation.pool_id, lock=True)
    invitation = await repo.get_membership(conn, invitation_id, lock=True)
    if invitation.status != "INVITED":
        raise DomainError("INVITATION_NOT_FOUND", f"(it is {invitation.status.lower()})")
    _require_active(pool)
    if invitation.invitation_expires_at <= env.now():
        raise DomainError("INVITATION_EXPIRED")
    creator = await repo.get_person(conn, pool.creator_psn_no)
    member = await repo.get_person(conn, invitation.psn_no)
    rules.first(await _member_check(conn, env, pool, creator.person, member, invitation.relation))
    await repo.set_membership_status(conn, invitation_id, "ACTIVE")
    return await repo.load_pool(conn, pool.pool_id)


async def decline_invitation(conn: AsyncConnection, invitation_id: int) -> MemberView:
    invitation = await repo.get_membership(conn, invitation_id, lock=True)
    if invitation.status != "INVITED":
        raise DomainError("INVITATION_NOT_FOUND", f"(it is {invitation.status.lower()})")
    await repo.set_membership_status(conn, invitation_id, "DECLINED")
    return await repo.member_view(conn, invitation_id)


async def remove_member(conn: AsyncConnection, pool_id: int, member_psn_no: str) -> PoolView:
    pool = await repo.get_pool_row(conn, pool_id)
    await repo.lock_persons(conn, [pool.creator_psn_no, member_psn_no])
    pool = await repo.get_pool_row(conn, pool_id, lock=True)
    _require_active(pool)
    membership = await repo.open_membership(conn, pool_id, member_psn_no)
    if membership is None:
        raise DomainError("NOT_A_MEMBER")
    await repo.set_membership_status(conn, membership.id, "REMOVED")
    return await repo.load_pool(conn, pool_id)


async def dissolve_pool(conn: AsyncConnection, pool_id: int) -> tuple[PoolView, int]:
    pool = await repo.get_pool_row(conn, pool_id)
    await repo.lock_persons(conn, [pool.creator_psn_no])
    returned = await dissolve(conn, pool_id, "CREATOR_REQUEST")
    return await repo.load_pool(conn, pool_id), returned


async def dissolve(conn: AsyncConnection, pool_id: int, reason: str) -> int:
    """Rules 7 and 10: the pool's available money goes back to the creator's personal account; money still held
    by open reservations follows when they end (see payments.return_from_dissolved_pools). Returns fen moved now."""
    pool = await repo.get_pool_row(conn, pool_id, lock=True)
    _require_active(pool)
    creator_account = await repo.personal_account_id(conn, pool.creator_psn_no)
    assert creator_account is not None, "a creator is employee-insured and has a personal account"
    locked = await repo.lock_accounts(conn, [pool.account_id, creator_account])
    available = locked[pool.account_id].available_fen
    await repo.post(conn, "POOL_RETURN", [
        repo.Entry(pool.account_id, -available, Source.FAMILY_POOL),
        repo.Entry(creator_account, available, Source.PERSONAL_ACCOUNT)],
        psn_no=pool.creator_psn_no, pool_id=pool_id, description=reason)
    await repo.mark_pool_dissolved(conn, pool_id, reason)
    return available


async def transfer_to_pool(conn: AsyncConnection, env: Env, pool_id: int, amount_fen: int) -> tuple[int, int, int]:
    """Rule 6. Returns (pool balance, creator balance, journal txn id)."""
    pool = await repo.get_pool_row(conn, pool_id, lock=True)
    _require_active(pool)
    creator_account = await repo.personal_account_id(conn, pool.creator_psn_no)
    assert creator_account is not None
    locked = await repo.lock_accounts(conn, [pool.account_id, creator_account])
    rules.first(rules.transfer_violations(locked[creator_account].available_fen, amount_fen, env.policy()))
    txn = await repo.post(conn, "POOL_TRANSFER", [
        repo.Entry(creator_account, -amount_fen, Source.PERSONAL_ACCOUNT),
        repo.Entry(pool.account_id, amount_fen, Source.FAMILY_POOL)], psn_no=pool.creator_psn_no, pool_id=pool_id)
    after = await repo.balances(conn, [pool.account_id, creator_account])
    return after[pool.account_id].balance_fen, after[creator_account].balance_fen, txn


async def get_pool(conn: AsyncConnection, pool_id: int | None, psn_no: str) -> PoolView:
    if pool_id is None:
        pool_id, _ = await repo.pool_of(conn, psn_no)
        if pool_id is None:
            await repo.get_person(conn, psn_no)  # PERSON_NOT_FOUND before POOL_NOT_FOUND
            raise DomainError("POOL_NOT_FOUND", "(the person is in no active pool)")
    return await repo.load_pool(conn, pool_id)


async def check_eligibility(conn: AsyncConnection, env: Env, action: str, creator_psn_no: str, member_name: str = "",
                            member_id_number: str = "", relation: Relation | None = None,
                            amount_fen: int = 0) -> list[DomainError]:
    """Every rule a prospective pool, binding or transfer breaks."""
    creator = await repo.get_person(conn, creator_psn_no)
    if action == "CREATE_POOL":
        return await _creator_check(conn, env, creator)
    if creator.pool_id is None or creator.pool_role != "CREATOR":
        return [DomainError("POOL_NOT_FOUND", "(the creator has no active pool)")]
    pool = await repo.get_pool_row(conn, creator.pool_id)
    if action == "TRANSFER":
        own = await repo.personal_account_id(conn, creator_psn_no)
        available = (await repo.balances(conn, [own]))[own].available_fen if own else 0
        return rules.transfer_violations(available, amount_fen, env.policy())
    try:
        member = await _identify(conn, env, member_name, member_id_number)
    except DomainError as err:
        return [err]
    assert relation is not None
    return await _member_check(conn, env, pool, creator.person, member, relation)
