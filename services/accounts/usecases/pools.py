"""Family pools: create, invite/accept/decline, remove, dissolve, transfer in, check eligibility (rules 1-7).

Every change starts with `pools.lock_family` (or, for a new pool, the creator's person lock), which takes the locks
of the pool and its people in the global order.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncConnection

from services.accounts.domain import commands as cmd
from services.accounts.domain import identity, rules
from services.accounts.domain.journal import TxnKind, spend_own, transfer
from services.accounts.domain.model import Acceptor, Person, Relation, Source
from services.accounts.domain.policy import Policy
from services.accounts.storage import journal, personal, persons, pools
from services.accounts.usecases.env import Env
from services.accounts.views import MemberView, PersonView, PoolRole, PoolView, Transferred
from services.common.errors import DomainError, Reason


async def create_pool(conn: AsyncConnection, env: Env, c: cmd.CreatePool) -> PoolView:
    await persons.lock(conn, [c.creator_psn_no])
    creator = await persons.get(conn, c.creator_psn_no)
    rules.first(await _creator_check(conn, env.policy(), creator))
    return await pools.load(conn, await pools.insert(conn, c.creator_psn_no, c.agreement_version))


async def _creator_check(conn: AsyncConnection, policy: Policy, creator: PersonView) -> list[DomainError]:
    out = rules.creator_violations(creator.person, policy, creator_already_bound=creator.pool_id is not None)
    return out + rules.funding_violations(await _available(conn, creator.person.psn_no), policy)


async def _available(conn: AsyncConnection, psn_no: str) -> int:
    """Both parts of the person's own account, available now (0 without one)."""
    own = await personal.read(conn, psn_no)
    return own.available_fen if own is not None else 0


async def _identify(conn: AsyncConnection, env: Env, name: str, id_number: str) -> PersonView:
    """The creator names a relative by name + ID number, and both must match the registry. An unregistered ID number
    and a name that does not match get the same answer: the answer never tells whether an ID number is registered."""
    found = await persons.find_by_id_number_hash(
        conn, identity.keyed_hash(env.id_hash_key, identity.normalize_id_number(id_number))
    )
    if found is None or identity.keyed_hash(env.id_hash_key, identity.normalize_name(name)) != found[1]:
        raise DomainError(Reason.IDENTITY_MISMATCH)
    return found[0]


async def _member_check(
    conn: AsyncConnection, policy: Policy, pool_id: int, creator: Person, member: PersonView, relation: Relation
) -> list[DomainError]:
    ctx = rules.BindingContext(
        member_already_bound=member.pool_id is not None,
        active_member_count=await pools.active_member_count(conn, pool_id),
    )
    return rules.member_violations(creator, member.person, relation, policy, ctx)


async def invite_member(conn: AsyncConnection, env: Env, c: cmd.InviteMember) -> MemberView:
    await pools.get_row(conn, c.pool_id)  # POOL_NOT_FOUND before anything about the relative
    identified = await _identify(conn, env, c.member_name, c.member_id_number)
    family = await pools.lock_family(conn, c.pool_id, [identified.person.psn_no])
    family.require_active()
    member = await persons.get(conn, identified.person.psn_no)
    creator = await persons.get(conn, family.pool.creator_psn_no)
    rules.first(await _member_check(conn, env.policy(), c.pool_id, creator.person, member, c.relation))
    await pools.expire_lapsed_invitation(conn, c.pool_id, member.person.psn_no, env.now())
    expires_at = env.now() + dt.timedelta(seconds=env.policy().invitation_ttl_seconds)
    return await pools.insert_invitation(conn, c.pool_id, member.person.psn_no, c.relation, expires_at)


async def accept_invitation(conn: AsyncConnection, env: Env, c: cmd.AcceptInvitation) -> PoolView:
    invited = await pools.membership(conn, c.invitation_id)
    family = await pools.lock_family(conn, invited.pool_id, [invited.psn_no])
    family.require_active()  # an invitation of a dissolved pool says so, rather than "not found"
    invitation = await pools.membership(conn, c.invitation_id, lock=True)
    if invitation.status != "INVITED":
        raise DomainError(Reason.INVITATION_NOT_FOUND, f"(it is {invitation.status.lower()})")
    if invitation.invitation_expires_at <= env.now():
        raise DomainError(Reason.INVITATION_EXPIRED)
    acceptance = await _acceptance(conn, env, invitation, c)
    creator = await persons.get(conn, family.pool.creator_psn_no)
    member = await persons.get(conn, invitation.psn_no)
    rules.first(
        await _member_check(conn, env.policy(), invitation.pool_id, creator.person, member, invitation.relation)
    )
    await pools.accept(conn, invitation.membership_id, acceptance)
    return await pools.load(conn, invitation.pool_id)


async def _acceptance(
    conn: AsyncConnection, env: Env, invitation: MemberView, c: cmd.AcceptInvitation
) -> pools.Acceptance:
    """Only the invited person accepts, named by the name and ID number the invitation was made for; or, for a
    member under 18, an adult guardian, whose identity is kept (hashed and masked) as the one who accepted."""
    kept = await persons.hashes(conn, invitation.psn_no)
    given_id = identity.keyed_hash(env.id_hash_key, identity.normalize_id_number(c.id_number))
    if c.acceptor is Acceptor.MEMBER:
        given_name = identity.keyed_hash(env.id_hash_key, identity.normalize_name(c.name))
        if given_id != kept.id_number_hash or given_name != kept.name_hash:
            raise DomainError(Reason.IDENTITY_MISMATCH)
        return pools.Acceptance(Acceptor.MEMBER)
    today = env.today()
    minor = kept.birth_date is not None and identity.age_on(kept.birth_date, today) < identity.ADULT_AGE
    adult = identity.age_on(identity.birth_date(c.id_number), today) >= identity.ADULT_AGE
    if not minor or not adult or given_id == kept.id_number_hash:
        raise DomainError(Reason.GUARDIAN_NOT_ALLOWED)
    return pools.Acceptance(Acceptor.GUARDIAN, given_id, identity.mask_name(c.name))


async def decline_invitation(conn: AsyncConnection, c: cmd.InvitationRef) -> MemberView:
    invitation = await pools.membership(conn, c.invitation_id, lock=True)
    if not (await pools.get_row(conn, invitation.pool_id)).active:
        raise DomainError(Reason.POOL_DISSOLVED, metadata={"pool_id": str(invitation.pool_id)})  # as accepting says
    if invitation.status != "INVITED":
        raise DomainError(Reason.INVITATION_NOT_FOUND, f"(it is {invitation.status.lower()})")
    await pools.set_membership_status(conn, invitation.membership_id, "DECLINED")
    return await pools.membership(conn, c.invitation_id)


async def remove_member(conn: AsyncConnection, c: cmd.RemoveMember) -> PoolView:
    family = await pools.lock_family(conn, c.pool_id, [c.member_psn_no])
    family.require_active()
    membership = await pools.open_membership(conn, c.pool_id, c.member_psn_no)
    if membership is None:
        raise DomainError(Reason.NOT_A_MEMBER)
    await pools.set_membership_status(conn, membership.membership_id, "REMOVED")
    return await pools.load(conn, c.pool_id)


async def dissolve_pool(conn: AsyncConnection, env: Env, c: cmd.DissolvePool) -> tuple[PoolView, int]:
    returned = await dissolve(conn, env, c.pool_id, "CREATOR_REQUEST")
    return await pools.load(conn, c.pool_id), returned


async def dissolve(conn: AsyncConnection, env: Env, pool_id: int, reason: str) -> int:
    """Rules 7 and 10: the pool's available money goes back to the creator's personal account (its current-year
    part); money still held by open reservations follows when each ends (domain/reservation.py). Returns the fen
    moved now."""
    family = await pools.lock_family(conn, pool_id, accounts_in_year=env.today().year)
    family.require_active()
    returned = family.pool_available_fen
    await journal.book(
        conn,
        transfer(
            TxnKind.POOL_RETURN,
            family.pool.account_id,
            family.creator.current_id,
            returned,
            from_source=Source.FAMILY_POOL,
            to_source=Source.PERSONAL_ACCOUNT,
            psn_no=family.pool.creator_psn_no,
            pool_id=pool_id,
            description=reason,
        ),
    )
    await pools.mark_dissolved(conn, pool_id, reason)
    return returned


async def transfer_to_pool(conn: AsyncConnection, env: Env, c: cmd.TransferToPool) -> Transferred:
    """Rule 6: at least the minimum each time, from a creator whose balance is at the minimum."""
    policy = env.policy()
    family = await pools.lock_family(conn, c.pool_id, accounts_in_year=env.today().year)
    family.require_active()
    creator = await persons.get(conn, family.pool.creator_psn_no)
    rules.first(
        rules.transfer_violations(
            family.creator_available_fen, c.amount_fen, policy, creator_insured=creator.person.insured
        )
    )
    assert family.creator_funds is not None and family.pool_balance is not None
    parts = [(account, available) for _, account, available in family.creator_funds.parts_in(policy.own_account_order)]
    txn = await journal.book(
        conn,
        spend_own(
            TxnKind.POOL_TRANSFER,
            parts,
            family.pool.account_id,
            c.amount_fen,
            to_source=Source.FAMILY_POOL,
            psn_no=family.pool.creator_psn_no,
            pool_id=c.pool_id,
        ),
    )
    return Transferred(
        txn, family.pool_balance.balance_fen + c.amount_fen, family.creator_funds.balance_fen - c.amount_fen
    )


async def get_pool(conn: AsyncConnection, c: cmd.PoolRef) -> PoolView:
    if c.pool_id is not None:
        return await pools.load(conn, c.pool_id)
    person = await persons.get(conn, c.psn_no)  # PERSON_NOT_FOUND before POOL_NOT_FOUND
    if person.pool_id is None:
        raise DomainError(Reason.POOL_NOT_FOUND, "(the person is in no active pool)")
    return await pools.load(conn, person.pool_id)


async def check_eligibility(conn: AsyncConnection, env: Env, c: cmd.CheckEligibility) -> list[DomainError]:
    """Every rule a prospective pool, binding or transfer breaks, under the policy in force today or on the day asked
    about (the people, bindings and balances are always today's)."""
    policy = env.policies.at(c.on_date or env.today())
    creator = await persons.get(conn, c.creator_psn_no)
    if isinstance(c.action, cmd.CreatePoolCheck):
        return await _creator_check(conn, policy, creator)
    if creator.pool_id is None or creator.pool_role is not PoolRole.CREATOR:
        return [DomainError(Reason.POOL_NOT_FOUND, "(the creator has no active pool)")]
    if isinstance(c.action, cmd.TransferCheck):
        return rules.transfer_violations(
            await _available(conn, c.creator_psn_no),
            c.action.amount_fen,
            policy,
            creator_insured=creator.person.insured,
        )
    try:
        member = await _identify(conn, env, c.action.member_name, c.action.member_id_number)
    except DomainError as err:
        return [err]
    return await _member_check(conn, policy, creator.pool_id, creator.person, member, c.action.relation)
