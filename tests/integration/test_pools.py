"""Family pools over real gRPC and real PostgreSQL: every reason an operator can meet while building, funding and
dissolving a pool (rules 1-7), what the people concerned would notice, and bad input."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import grpc
import pytest
from sqlalchemy import text

from gongji.common.v1 import common_pb2 as cpb
from services.accounts.domain.identity import check_digit
from services.common.db import make_engine
from services.common.rpc import error_info
from tools.kit import OWN, POOL, RESIDENT, Family, Insured, accept_request, bad_fields, fails, id_number, psn_no, rid
from tools.kit import accounts_v1 as pb

pytestmark = pytest.mark.usefixtures("ledger_clean")

FAILED = grpc.StatusCode.FAILED_PRECONDITION


async def _sql(database_url: str, statement: str, **params: object) -> None:
    """Changes the database behind the service's back: time travel, or a registry state no RPC sets."""
    engine = make_engine(database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(statement), params)
    finally:
        await engine.dispose()


def _create(accounts, who: Insured):  # type: ignore[no-untyped-def]
    return accounts.CreatePool(
        pb.CreatePoolRequest(request_id=rid(), creator_psn_no=who.psn_no, agreement_version="2024-12")
    )


def _accept(accounts, invitation_id: str, who: Insured):  # type: ignore[no-untyped-def]
    """The invited person accepts in person, naming themselves."""
    return accounts.AcceptInvitation(accept_request(invitation_id, who))


def _decline(accounts, invitation_id: str):  # type: ignore[no-untyped-def]
    return accounts.DeclineInvitation(pb.DeclineInvitationRequest(request_id=rid(), invitation_id=invitation_id))


def _remove(accounts, pool_id: str, who: Insured):  # type: ignore[no-untyped-def]
    return accounts.RemoveMember(pb.RemoveMemberRequest(request_id=rid(), pool_id=pool_id, member_psn_no=who.psn_no))


async def _pool(accounts, pool_id: str) -> pb.Pool:  # type: ignore[no-untyped-def]
    return (await accounts.GetPool(pb.GetPoolRequest(pool_id=pool_id))).pool


async def _role(accounts, who: Insured) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    person = (await accounts.GetPerson(pb.GetPersonRequest(psn_no=who.psn_no))).person
    return person.pool_id, person.pool_role


# ---------------------------------------------------------------- creating a pool (rules 1, 4, 6)


async def test_an_eligible_creator_creates_a_pool_recording_the_agreement(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=50_000)
    pool = (await _create(accounts, creator)).pool
    assert (pool.status, pool.creator_psn_no, pool.agreement_version) == (
        pb.POOL_STATUS_ACTIVE,
        creator.psn_no,
        "2024-12",
    )
    assert (pool.balance_fen, pool.held_fen, pool.available_fen, len(pool.members)) == (0, 0, 0, 0)
    assert await _role(accounts, creator) == (pool.pool_id, pb.POOL_ROLE_CREATOR)
    assert await f.own_balance(creator) == 50_000  # creating moves no money


@pytest.mark.parametrize(
    "flags",
    [
        {"chronic_disease_benefit": True},
        {"retired_cadre": True},
        {"disabled_veteran_level": 1},
        {"disabled_veteran_level": 6},
        {"insurance": RESIDENT},
        {"region": "110100"},
    ],
    ids=["chronic", "retired-cadre", "veteran-1", "veteran-6", "resident", "other-province"],
)
async def test_an_ineligible_creator_gets_no_pool(accounts, flags: dict[str, Any]) -> None:
    f = Family(accounts)
    resident = flags.get("insurance") == RESIDENT
    creator = await f.person(credit_fen=0 if resident else 60_000, **flags)
    err = await fails(_create(accounts, creator), "CREATOR_NOT_ELIGIBLE", FAILED)
    assert "may not run a family pool" in err.details()
    await fails(accounts.GetPool(pb.GetPoolRequest(psn_no=creator.psn_no)), "POOL_NOT_FOUND", grpc.StatusCode.NOT_FOUND)


async def test_disabled_veteran_level_0_is_no_benefit(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000, disabled_veteran_level=0)
    assert (await _create(accounts, creator)).pool.status == pb.POOL_STATUS_ACTIVE


async def test_creator_must_have_the_minimum_balance_to_create(accounts) -> None:
    f = Family(accounts)
    poor = await f.person(credit_fen=49_999)
    err = await fails(_create(accounts, poor), "CREATOR_BALANCE_BELOW_MINIMUM", FAILED)
    info = error_info(err)
    assert info is not None and dict(info.metadata) == {"min_creator_balance_fen": "50000"}
    await f.credit(poor, 1)  # exactly 500 yuan is enough
    assert (await _create(accounts, poor)).pool.status == pb.POOL_STATUS_ACTIVE


async def test_a_creator_with_no_money_at_all_cannot_create(accounts) -> None:
    f = Family(accounts)
    await fails(_create(accounts, await f.person()), "CREATOR_BALANCE_BELOW_MINIMUM")


async def test_unknown_creator_is_person_not_found(accounts) -> None:
    await fails(
        _create(accounts, Insured(psn_no(), "张三", id_number())), "PERSON_NOT_FOUND", grpc.StatusCode.NOT_FOUND
    )


async def test_a_creator_cannot_create_a_second_pool(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    first = await f.create_pool(creator)
    await fails(_create(accounts, creator), "ALREADY_BOUND", FAILED)
    assert (await accounts.GetPool(pb.GetPoolRequest(psn_no=creator.psn_no))).pool.pool_id == first


# ---------------------------------------------------------------- inviting (identity, relation, region)


async def test_invite_with_wrong_name_is_identity_mismatch(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    relative = await f.person()
    pool_id = await f.create_pool(creator)
    await fails(f.invite(pool_id, Insured(relative.psn_no, "李四", relative.id_number)), "IDENTITY_MISMATCH", FAILED)
    await fails(f.invite(pool_id, Insured(relative.psn_no, "张", relative.id_number)), "IDENTITY_MISMATCH")
    assert len((await _pool(accounts, pool_id)).members) == 0
    assert await _role(accounts, relative) == ("", pb.POOL_ROLE_UNSPECIFIED)


async def test_an_unregistered_and_a_mismatched_identity_get_the_same_answer(accounts) -> None:
    """Inviting must not tell a caller whether an ID number is registered: both answers are the same, to the byte."""
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    registered = await f.person()
    pool_id = await f.create_pool(creator)
    never_registered = await fails(f.invite(pool_id, Insured(psn_no(), "张三", id_number())), "IDENTITY_MISMATCH")
    wrong_name = await fails(
        f.invite(pool_id, Insured(registered.psn_no, "李四", registered.id_number)), "IDENTITY_MISMATCH"
    )
    assert (never_registered.code(), never_registered.details(), never_registered.trailing_metadata()) == (
        wrong_name.code(),
        wrong_name.details(),
        wrong_name.trailing_metadata(),
    )
    assert len((await _pool(accounts, pool_id)).members) == 0


async def test_identity_matches_with_lowercase_x_and_blanks_around_the_name(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    pool_id = await f.create_pool(creator)
    while True:  # an ID number ending in X
        number = id_number()
        if number.endswith("X"):
            break
    relative = Insured(psn_no(), "王小明", number)
    await accounts.RegisterPerson(
        pb.RegisterPersonRequest(
            request_id=rid(),
            psn_no=relative.psn_no,
            name=relative.name,
            id_number=number,
            insurance_type=cpb.INSURANCE_TYPE_EMPLOYEE,
            region_code="630100",
        )
    )
    invitation_id = await f.invite(pool_id, Insured(relative.psn_no, " 王小明 ", number[:17] + "x"))
    pool = (await _accept(accounts, invitation_id, Insured(relative.psn_no, relative.name, number))).pool
    assert [(m.psn_no, m.name_masked) for m in pool.members] == [(relative.psn_no, "王**")]


@pytest.mark.parametrize(
    "relation",
    [
        cpb.RELATION_SIBLING,
        cpb.RELATION_GRANDPARENT_PATERNAL,
        cpb.RELATION_GRANDPARENT_MATERNAL,
        cpb.RELATION_GRANDCHILD_PATERNAL,
        cpb.RELATION_GRANDCHILD_MATERNAL,
    ],
)
async def test_relations_widened_in_2024_12_are_allowed_today(accounts, relation: int) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    relative = await f.person()
    pool_id = await f.create_pool(creator)
    invitation = (
        await accounts.InviteMember(
            pb.InviteMemberRequest(
                request_id=rid(),
                pool_id=pool_id,
                member_name=relative.name,
                member_id_number=relative.id_number,
                relation=relation,
            )
        )
    ).invitation
    assert (invitation.psn_no, invitation.relation, invitation.status) == (
        relative.psn_no,
        relation,
        pb.MEMBER_STATUS_INVITED,
    )
    ttl = invitation.invitation_expires_at.ToDatetime() - invitation.invited_at.ToDatetime()
    assert abs(ttl.total_seconds() - 7 * 24 * 3600) < 5  # seven days to answer
    assert await _role(accounts, relative) == ("", pb.POOL_ROLE_UNSPECIFIED)  # not bound before accepting
    pool = (await _accept(accounts, invitation.invitation_id, relative)).pool
    assert [(m.psn_no, m.relation, m.status) for m in pool.members] == [
        (relative.psn_no, relation, pb.MEMBER_STATUS_ACTIVE)
    ]
    assert pool.members[0].HasField("joined_at")
    assert await _role(accounts, relative) == (pool_id, pb.POOL_ROLE_MEMBER)
    assert (await f.balances(relative)).pool_id == pool_id


async def test_a_relative_in_another_region_is_different_region(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(region="630100", credit_fen=60_000)
    far = await f.person(region="630200")
    pool_id = await f.create_pool(creator)
    err = await fails(f.invite(pool_id, far), "DIFFERENT_REGION", FAILED)
    assert "SAME_REGION" in err.details()
    assert len((await _pool(accounts, pool_id)).members) == 0


async def test_a_relative_not_insured_cannot_be_invited(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    gone = await f.person()
    await accounts.RecordLifeEvent(pb.RecordLifeEventRequest(request_id=rid(), psn_no=gone.psn_no, insurance_ended={}))
    pool_id = await f.create_pool(creator)
    await fails(f.invite(pool_id, gone), "PERSON_NOT_INSURED", FAILED)


async def test_the_creator_cannot_invite_themselves_nor_the_same_person_twice(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    relative = await f.person()
    pool_id = await f.create_pool(creator)
    await fails(f.invite(pool_id, creator), "ALREADY_BOUND")
    await f.invite(pool_id, relative)
    await fails(f.invite(pool_id, relative), "ALREADY_BOUND")
    assert [m.psn_no for m in (await _pool(accounts, pool_id)).members] == [relative.psn_no]


async def test_invite_to_an_unknown_pool_is_pool_not_found(accounts) -> None:
    f = Family(accounts)
    relative = await f.person()
    await fails(f.invite("999999999999", relative), "POOL_NOT_FOUND", grpc.StatusCode.NOT_FOUND)


# ---------------------------------------------------------------- answering an invitation


async def test_declined_invitation_cannot_then_be_accepted(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    shy = await f.person()
    pool_id = await f.create_pool(creator)
    invitation_id = await f.invite(pool_id, shy, cpb.RELATION_PARENT)
    declined = (await _decline(accounts, invitation_id)).invitation
    assert (declined.invitation_id, declined.psn_no, declined.status) == (
        invitation_id,
        shy.psn_no,
        pb.MEMBER_STATUS_DECLINED,
    )
    await fails(_accept(accounts, invitation_id, shy), "INVITATION_NOT_FOUND", grpc.StatusCode.NOT_FOUND)
    await fails(_decline(accounts, invitation_id), "INVITATION_NOT_FOUND")
    assert len((await _pool(accounts, pool_id)).members) == 0
    assert (await f.balances(shy)).pool_id == ""
    # the creator may ask again, and this time the relative says yes
    again = await f.invite(pool_id, shy, cpb.RELATION_PARENT)
    assert again != invitation_id
    assert [m.psn_no for m in (await _accept(accounts, again, shy)).pool.members] == [shy.psn_no]


async def test_unknown_invitation_is_not_found(accounts) -> None:
    unknown = "0" * 32  # well formed, never issued
    nobody = Insured(psn_no(), "张三", id_number())
    await fails(_accept(accounts, unknown, nobody), "INVITATION_NOT_FOUND", grpc.StatusCode.NOT_FOUND)
    await fails(_decline(accounts, unknown), "INVITATION_NOT_FOUND", grpc.StatusCode.NOT_FOUND)


async def test_accepting_after_expiry_is_invitation_expired_and_the_creator_can_invite_again(
    accounts, database_url
) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    late = await f.person()
    pool_id = await f.create_pool(creator)
    invitation_id = await f.invite(pool_id, late)
    # time travel: the invitation was made eight days ago and lapsed yesterday
    await _sql(
        database_url,
        "UPDATE accounts.memberships SET invited_at = now() - interval '8 days', "
        "invitation_expires_at = now() - interval '1 day' WHERE invitation_token = :id",
        id=invitation_id,
    )
    err = await fails(_accept(accounts, invitation_id, late), "INVITATION_EXPIRED", FAILED)
    assert "invite again" in err.details()
    assert (await f.balances(late)).pool_id == ""
    assert [m.psn_no for m in (await _pool(accounts, pool_id)).members] == []  # no longer an open invitation
    fresh = await f.invite(pool_id, late)  # as the error message says: the creator invites again
    assert [m.psn_no for m in (await _accept(accounts, fresh, late)).pool.members] == [late.psn_no]


async def test_an_invitation_about_to_expire_can_still_be_accepted(accounts, database_url) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    relative = await f.person()
    pool_id = await f.create_pool(creator)
    invitation_id = await f.invite(pool_id, relative)
    await _sql(
        database_url,
        "UPDATE accounts.memberships SET invitation_expires_at = now() + interval '1 minute' "
        "WHERE invitation_token = :id",
        id=invitation_id,
    )
    assert [m.psn_no for m in (await _accept(accounts, invitation_id, relative)).pool.members] == [relative.psn_no]


async def test_a_relative_whose_insurance_ended_after_the_invitation_cannot_accept(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    relative = await f.person()
    pool_id = await f.create_pool(creator)
    invitation_id = await f.invite(pool_id, relative)
    await accounts.RecordLifeEvent(
        pb.RecordLifeEventRequest(request_id=rid(), psn_no=relative.psn_no, insurance_ended={})
    )
    await fails(_accept(accounts, invitation_id, relative), "PERSON_NOT_INSURED")
    assert (await f.balances(relative)).pool_id == ""


# ---------------------------------------------------------------- at most five members (rule 3)


async def test_five_members_bind_and_the_sixth_invitation_is_member_limit_reached(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    pool_id = await f.create_pool(creator)
    members = [await f.person() for _ in range(5)]
    for m in members:
        await f.bind(pool_id, m, cpb.RELATION_SIBLING)
    sixth = await f.person()
    err = await fails(f.invite(pool_id, sixth, cpb.RELATION_SIBLING), "MEMBER_LIMIT_REACHED", FAILED)
    info = error_info(err)
    assert info is not None and (info.domain, dict(info.metadata)) == ("gongji", {"max_members": "5"})
    pool = await _pool(accounts, pool_id)
    assert sorted(m.psn_no for m in pool.members) == sorted(m.psn_no for m in members)
    assert all(m.status == pb.MEMBER_STATUS_ACTIVE for m in pool.members)
    # once one leaves, there is room again
    await _remove(accounts, pool_id, members[0])
    await f.bind(pool_id, sixth, cpb.RELATION_SIBLING)
    assert len((await _pool(accounts, pool_id)).members) == 5


async def test_open_invitations_beyond_the_limit_fail_when_accepted(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    pool_id = await f.create_pool(creator)
    for _ in range(4):
        await f.bind(pool_id, await f.person(), cpb.RELATION_SIBLING)
    fifth, sixth = await f.person(), await f.person()
    fifth_inv = await f.invite(pool_id, fifth, cpb.RELATION_SIBLING)
    sixth_inv = await f.invite(pool_id, sixth, cpb.RELATION_SIBLING)  # only active members count when inviting
    await _accept(accounts, fifth_inv, fifth)
    await fails(_accept(accounts, sixth_inv, sixth), "MEMBER_LIMIT_REACHED")
    assert (await f.balances(sixth)).pool_id == ""
    assert sum(m.status == pb.MEMBER_STATUS_ACTIVE for m in (await _pool(accounts, pool_id)).members) == 5


# ---------------------------------------------------------------- one binding at a time (rule 4)


async def test_a_member_of_one_pool_cannot_join_another_nor_create_one(accounts) -> None:
    f = Family(accounts)
    a, b = await f.person(credit_fen=60_000), await f.person(credit_fen=60_000)
    member = await f.person(credit_fen=60_000)
    pool_a, pool_b = await f.create_pool(a), await f.create_pool(b)
    await f.bind(pool_a, member)
    await fails(f.invite(pool_b, member), "ALREADY_BOUND", FAILED)
    await fails(_create(accounts, member), "ALREADY_BOUND", FAILED)
    assert await _role(accounts, member) == (pool_a, pb.POOL_ROLE_MEMBER)
    assert [m.psn_no for m in (await _pool(accounts, pool_b)).members] == []


async def test_a_creator_cannot_be_invited_to_another_pool(accounts) -> None:
    f = Family(accounts)
    a, b = await f.person(credit_fen=60_000), await f.person(credit_fen=60_000)
    pool_a, pool_b = await f.create_pool(a), await f.create_pool(b)
    await fails(f.invite(pool_a, b), "ALREADY_BOUND", FAILED)
    assert await _role(accounts, b) == (pool_b, pb.POOL_ROLE_CREATOR)
    assert [m.psn_no for m in (await _pool(accounts, pool_a)).members] == []


async def test_invited_to_two_pools_only_the_first_acceptance_binds(accounts) -> None:
    f = Family(accounts)
    a, b = await f.person(credit_fen=60_000), await f.person(credit_fen=60_000)
    relative = await f.person()
    pool_a, pool_b = await f.create_pool(a), await f.create_pool(b)
    inv_a, inv_b = await f.invite(pool_a, relative), await f.invite(pool_b, relative, cpb.RELATION_CHILD)
    await _accept(accounts, inv_b, relative)
    await fails(_accept(accounts, inv_a, relative), "ALREADY_BOUND")
    assert await _role(accounts, relative) == (pool_b, pb.POOL_ROLE_MEMBER)


async def test_an_invited_person_who_creates_a_pool_meanwhile_cannot_accept(accounts) -> None:
    f = Family(accounts)
    a, relative = await f.person(credit_fen=60_000), await f.person(credit_fen=60_000)
    pool_a = await f.create_pool(a)
    invitation_id = await f.invite(pool_a, relative)
    own_pool = await f.create_pool(relative)
    await fails(_accept(accounts, invitation_id, relative), "ALREADY_BOUND")
    assert await _role(accounts, relative) == (own_pool, pb.POOL_ROLE_CREATOR)


# ---------------------------------------------------------------- transfers (rule 6)


async def test_a_transfer_of_the_minimum_moves_money_from_creator_to_pool(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=120_000)
    pool_id = await f.create_pool(creator)
    out = await f.transfer(pool_id, 50_000)
    assert (out.pool_balance_fen, out.creator_balance_fen) == (50_000, 70_000) and out.journal_txn_id
    out = await f.transfer(pool_id, 70_000)  # any number of transfers; all that is left
    assert (out.pool_balance_fen, out.creator_balance_fen) == (120_000, 0)
    assert (await f.own_balance(creator), await f.pool_balance(pool_id)) == (0, 120_000)


async def test_transfer_below_minimum_or_above_balance_moves_nothing(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=80_000)
    pool_id = await f.create_pool(creator)
    err = await fails(f.transfer(pool_id, 49_999), "TRANSFER_BELOW_MINIMUM", grpc.StatusCode.INVALID_ARGUMENT)
    assert "at least the minimum" in err.details()
    await fails(f.transfer(pool_id, 80_001), "INSUFFICIENT_FUNDS", FAILED)
    assert (await f.own_balance(creator), await f.pool_balance(pool_id)) == (80_000, 0)
    records = (await accounts.ListTransactions(pb.ListTransactionsRequest(pool_id=pool_id))).records
    assert list(records) == []


async def test_transfer_when_the_creator_fell_below_the_minimum(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=100_000)
    pool_id = await f.create_pool(creator, transfer_fen=60_000)
    await fails(f.transfer(pool_id, 50_000), "CREATOR_BALANCE_BELOW_MINIMUM", FAILED)
    assert (await f.own_balance(creator), await f.pool_balance(pool_id)) == (40_000, 60_000)


async def test_money_held_for_a_payment_cannot_be_transferred(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=100_000)
    pool_id = await f.create_pool(creator)
    hold = await f.reserve(creator, 30_000, (OWN,))
    await fails(f.transfer(pool_id, 80_000), "INSUFFICIENT_FUNDS")
    await accounts.Release(pb.ReleaseRequest(request_id=rid(), reservation_id=hold.reservation_id))
    assert (await f.transfer(pool_id, 80_000)).creator_balance_fen == 20_000


# ---------------------------------------------------------------- removing members (rule 7)


async def test_a_removed_member_can_no_longer_pay_from_the_pool(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=100_000)
    member = await f.person(credit_fen=500)
    pool_id = await f.create_pool(creator, transfer_fen=50_000)
    await f.bind(pool_id, member)
    before = await f.reserve(member, 1_000)  # still bound: 500 own + 500 pool
    assert [(leg.source, leg.reserved_fen) for leg in before.legs] == [(OWN, 500), (POOL, 500)]
    await accounts.Release(pb.ReleaseRequest(request_id=rid(), reservation_id=before.reservation_id))
    pool = (await _remove(accounts, pool_id, member)).pool
    assert [m.psn_no for m in pool.members] == [] and pool.balance_fen == 50_000
    assert (await f.balances(member)).pool_id == ""
    after = await f.reserve(member, 1_000)
    assert [(leg.source, leg.reserved_fen, leg.shortfall_reason) for leg in after.legs] == [
        (OWN, 500, "INSUFFICIENT_FUNDS"),
        (POOL, 0, "NOT_BOUND"),
    ]
    assert after.uncovered_fen == 500
    await accounts.Release(pb.ReleaseRequest(request_id=rid(), reservation_id=after.reservation_id))
    assert await f.pool_balance(pool_id) == 50_000


async def test_removing_a_stranger_or_the_creator_is_not_a_member(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    stranger = await f.person()
    pool_id = await f.create_pool(creator)
    await fails(_remove(accounts, pool_id, stranger), "NOT_A_MEMBER", FAILED)
    await fails(_remove(accounts, pool_id, creator), "NOT_A_MEMBER")
    assert await _role(accounts, creator) == (pool_id, pb.POOL_ROLE_CREATOR)


async def test_removed_member_cannot_be_removed_twice_but_may_join_elsewhere(accounts) -> None:
    f = Family(accounts)
    a, b = await f.person(credit_fen=60_000), await f.person(credit_fen=60_000)
    member = await f.person()
    pool_a, pool_b = await f.create_pool(a), await f.create_pool(b)
    await f.bind(pool_a, member)
    await _remove(accounts, pool_a, member)
    await fails(_remove(accounts, pool_a, member), "NOT_A_MEMBER")
    await f.bind(pool_b, member)
    assert await _role(accounts, member) == (pool_b, pb.POOL_ROLE_MEMBER)


async def test_removing_an_invited_person_withdraws_the_invitation(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    relative = await f.person()
    pool_id = await f.create_pool(creator)
    invitation_id = await f.invite(pool_id, relative)
    await _remove(accounts, pool_id, relative)
    await fails(_accept(accounts, invitation_id, relative), "INVITATION_NOT_FOUND")
    assert (await f.balances(relative)).pool_id == ""


# ---------------------------------------------------------------- dissolving (rule 7)


async def test_dissolving_returns_the_balance_and_frees_everyone(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=100_000)
    member, invited = await f.person(), await f.person()
    pool_id = await f.create_pool(creator, transfer_fen=70_000)
    await f.bind(pool_id, member)
    invitation_id = await f.invite(pool_id, invited, cpb.RELATION_CHILD)
    out = await accounts.DissolvePool(pb.DissolvePoolRequest(request_id=rid(), pool_id=pool_id))
    assert (out.returned_fen, out.pool.status, out.pool.dissolution_reason) == (
        70_000,
        pb.POOL_STATUS_DISSOLVED,
        "CREATOR_REQUEST",
    )
    assert out.pool.HasField("dissolved_at") and out.pool.balance_fen == 0
    assert await f.own_balance(creator) == 100_000
    assert (await f.balances(member)).pool_id == "" and (await f.balances(creator)).pool_id == ""
    await fails(_accept(accounts, invitation_id, invited), "POOL_DISSOLVED")  # not "not found": it says why
    # everyone is free again: the creator may start over, the member may create their own
    assert (await _create(accounts, creator)).pool.pool_id != pool_id


async def test_operations_on_a_dissolved_pool_are_pool_dissolved(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=100_000)
    member, relative = await f.person(), await f.person()
    pool_id = await f.create_pool(creator, transfer_fen=50_000)
    await f.bind(pool_id, member)
    await accounts.DissolvePool(pb.DissolvePoolRequest(request_id=rid(), pool_id=pool_id))
    await fails(f.transfer(pool_id, 50_000), "POOL_DISSOLVED", FAILED)
    await fails(f.invite(pool_id, relative), "POOL_DISSOLVED", FAILED)
    await fails(_remove(accounts, pool_id, member), "POOL_DISSOLVED", FAILED)
    await fails(
        accounts.DissolvePool(pb.DissolvePoolRequest(request_id=rid(), pool_id=pool_id)), "POOL_DISSOLVED", FAILED
    )
    assert await f.own_balance(creator) == 100_000  # returned once, not twice
    r = await f.reserve(member, 1_000, (POOL,))
    assert (r.reserved_fen, r.legs[0].shortfall_reason) == (0, "POOL_DISSOLVED")  # says why, not just "not bound"
    await accounts.Release(pb.ReleaseRequest(request_id=rid(), reservation_id=r.reservation_id))


async def test_dissolve_an_unknown_pool_is_pool_not_found(accounts) -> None:
    await fails(
        accounts.DissolvePool(pb.DissolvePoolRequest(request_id=rid(), pool_id="999999999999")),
        "POOL_NOT_FOUND",
        grpc.StatusCode.NOT_FOUND,
    )


# ---------------------------------------------------------------- reading a pool


async def test_get_pool_by_psn_no_of_creator_or_member(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=120_000)
    member, invited = await f.person(), await f.person()
    pool_id = await f.create_pool(creator, transfer_fen=60_000)
    await f.bind(pool_id, member)
    await f.invite(pool_id, invited, cpb.RELATION_CHILD)
    hold = await f.reserve(member, 10_000)  # held, not spent
    for who in (creator, member):
        pool = (await accounts.GetPool(pb.GetPoolRequest(psn_no=who.psn_no))).pool
        assert (pool.pool_id, pool.creator_psn_no) == (pool_id, creator.psn_no)
        assert (pool.balance_fen, pool.held_fen, pool.available_fen) == (60_000, 10_000, 50_000)
        assert [(m.psn_no, m.status) for m in pool.members] == [
            (member.psn_no, pb.MEMBER_STATUS_ACTIVE),
            (invited.psn_no, pb.MEMBER_STATUS_INVITED),
        ]
    # an invitation does not make the invited person part of the pool
    await fails(accounts.GetPool(pb.GetPoolRequest(psn_no=invited.psn_no)), "POOL_NOT_FOUND", grpc.StatusCode.NOT_FOUND)
    await fails(accounts.GetPool(pb.GetPoolRequest(psn_no=psn_no())), "PERSON_NOT_FOUND", grpc.StatusCode.NOT_FOUND)
    records = (await accounts.ListTransactions(pb.ListTransactionsRequest(pool_id=pool_id))).records
    assert [r.kind for r in records] == [pb.TRANSACTION_KIND_POOL_TRANSFER]  # a hold is not a record
    await accounts.Release(pb.ReleaseRequest(request_id=rid(), reservation_id=hold.reservation_id))
    assert (await _pool(accounts, pool_id)).available_fen == 60_000


# ---------------------------------------------------------------- CheckEligibility lists every broken rule


async def test_check_eligibility_lists_several_violations_for_a_binding(accounts, database_url) -> None:
    f = Family(accounts)
    creator = await f.person(region="630100", credit_fen=60_000)
    pool_id = await f.create_pool(creator)
    # the relative: insured in Haidong, already a member of a pool there, and whose insurance is now suspended
    other_creator = await f.person(region="630200", credit_fen=60_000)
    relative = await f.person(region="630200")
    await f.bind(await f.create_pool(other_creator), relative)
    await _sql(database_url, "UPDATE accounts.persons SET status = 'SUSPENDED' WHERE psn_no = :p", p=relative.psn_no)
    check = await accounts.CheckEligibility(
        pb.CheckEligibilityRequest(
            creator_psn_no=creator.psn_no,
            bind_member=dict(
                member_name=relative.name, member_id_number=relative.id_number, relation=cpb.RELATION_SIBLING
            ),
        )
    )
    assert not check.eligible
    assert [v.reason for v in check.violations] == ["PERSON_NOT_INSURED", "ALREADY_BOUND", "DIFFERENT_REGION"]
    assert all(v.message for v in check.violations)
    # the invitation itself stops at the first of them, and nothing was written by the check
    await fails(f.invite(pool_id, relative, cpb.RELATION_SIBLING), "PERSON_NOT_INSURED")
    assert [m.psn_no for m in (await _pool(accounts, pool_id)).members] == []
    await _sql(database_url, "UPDATE accounts.persons SET status = 'ACTIVE' WHERE psn_no = :p", p=relative.psn_no)


async def test_check_eligibility_adds_member_limit_when_the_pool_is_full(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    pool_id = await f.create_pool(creator)
    for _ in range(5):
        await f.bind(pool_id, await f.person(), cpb.RELATION_CHILD)
    far = await f.person(region="630200")
    check = await accounts.CheckEligibility(
        pb.CheckEligibilityRequest(
            creator_psn_no=creator.psn_no,
            bind_member=dict(member_name=far.name, member_id_number=far.id_number, relation=cpb.RELATION_SPOUSE),
        )
    )
    assert [v.reason for v in check.violations] == ["MEMBER_LIMIT_REACHED", "DIFFERENT_REGION"]


async def test_check_eligibility_is_eligible_for_a_good_binding_and_binds_nobody(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    relative = await f.person(insurance=RESIDENT)
    pool_id = await f.create_pool(creator)
    check = await accounts.CheckEligibility(
        pb.CheckEligibilityRequest(
            creator_psn_no=creator.psn_no,
            bind_member=dict(
                member_name=relative.name,
                member_id_number=relative.id_number,
                relation=cpb.RELATION_GRANDCHILD_MATERNAL,
            ),
        )
    )
    assert check.eligible and list(check.violations) == []
    assert [m.psn_no for m in (await _pool(accounts, pool_id)).members] == []


async def test_check_eligibility_for_a_binding_with_a_wrong_name(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    relative = await f.person()
    await f.create_pool(creator)
    check = await accounts.CheckEligibility(
        pb.CheckEligibilityRequest(
            creator_psn_no=creator.psn_no,
            bind_member=dict(member_name="李四", member_id_number=relative.id_number, relation=cpb.RELATION_SPOUSE),
        )
    )
    assert (check.eligible, [v.reason for v in check.violations]) == (False, ["IDENTITY_MISMATCH"])


async def test_check_eligibility_to_create_lists_every_creator_problem(accounts) -> None:
    f = Family(accounts)
    sick_and_poor = await f.person(credit_fen=10_000, chronic_disease_benefit=True)
    check = await accounts.CheckEligibility(
        pb.CheckEligibilityRequest(creator_psn_no=sick_and_poor.psn_no, create_pool={})
    )
    assert [v.reason for v in check.violations] == ["CREATOR_NOT_ELIGIBLE", "CREATOR_BALANCE_BELOW_MINIMUM"]
    good = await f.person(credit_fen=50_000)
    assert (
        await accounts.CheckEligibility(pb.CheckEligibilityRequest(creator_psn_no=good.psn_no, create_pool={}))
    ).eligible
    await fails(accounts.GetPool(pb.GetPoolRequest(psn_no=good.psn_no)), "POOL_NOT_FOUND")  # nothing created


async def test_check_eligibility_for_transfers(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    await f.create_pool(creator)

    async def check(amount: int) -> list[str]:
        out = await accounts.CheckEligibility(
            pb.CheckEligibilityRequest(creator_psn_no=creator.psn_no, transfer=dict(amount_fen=amount))
        )
        assert out.eligible == (not out.violations)
        return [v.reason for v in out.violations]

    assert await check(50_000) == []
    assert await check(49_999) == ["TRANSFER_BELOW_MINIMUM"]
    assert await check(60_001) == ["INSUFFICIENT_FUNDS"]
    assert await f.own_balance(creator) == 60_000
    lonely = await f.person(credit_fen=60_000)
    out = await accounts.CheckEligibility(
        pb.CheckEligibilityRequest(creator_psn_no=lonely.psn_no, transfer=dict(amount_fen=50_000))
    )
    assert [v.reason for v in out.violations] == ["POOL_NOT_FOUND"]


# ---------------------------------------------------------------- bad input


async def _invalid(call: Awaitable[Any]) -> dict[str, str]:
    err = await fails(call, "INVALID_ARGUMENT", grpc.StatusCode.INVALID_ARGUMENT)
    return bad_fields(err)


async def test_bad_invitation_names_every_bad_field(accounts) -> None:
    fields = await _invalid(
        accounts.InviteMember(
            pb.InviteMemberRequest(
                request_id="", pool_id="abc", member_name="  ", member_id_number="11010519491231002Y"
            )
        )
    )
    assert set(fields) == {"request_id", "pool_id", "member_name", "member_id_number", "relation"}
    assert "check digit" in fields["member_id_number"]


async def test_bad_registration_names_every_bad_field(accounts) -> None:
    fields = await _invalid(
        accounts.RegisterPerson(
            pb.RegisterPersonRequest(
                request_id=rid(),
                psn_no="bad psn!",
                name="",
                id_number="11010519490230002" + check_digit("11010519490230002"),
                region_code="63010",
                disabled_veteran_level=11,
            )
        )
    )
    assert set(fields) == {"psn_no", "name", "id_number", "insurance_type", "region_code", "disabled_veteran_level"}


async def test_bad_pool_requests_are_invalid_argument(accounts) -> None:
    assert set(await _invalid(accounts.CreatePool(pb.CreatePoolRequest(request_id=rid())))) == {
        "creator_psn_no",
        "agreement_version",
    }
    assert set(
        await _invalid(accounts.TransferToPool(pb.TransferToPoolRequest(request_id=rid(), pool_id="0", amount_fen=-5)))
    ) == {"pool_id", "amount_fen"}
    assert set(
        await _invalid(accounts.AcceptInvitation(pb.AcceptInvitationRequest(request_id=rid(), invitation_id="1")))
    ) == {"invitation_id", "acceptor"}
    assert set(await _invalid(accounts.RemoveMember(pb.RemoveMemberRequest(request_id=rid(), pool_id="1")))) == {
        "member_psn_no"
    }
    assert set(await _invalid(accounts.GetPool(pb.GetPoolRequest()))) == {"pool"}
    assert set(
        await _invalid(accounts.CheckEligibility(pb.CheckEligibilityRequest(creator_psn_no="P1", bind_member={})))
    ) == {"bind_member.member_name", "bind_member.member_id_number", "bind_member.relation"}
    assert set(await _invalid(accounts.CheckEligibility(pb.CheckEligibilityRequest()))) == {"action", "creator_psn_no"}


# ---------------------------------------------------------------- CheckEligibility on another day (rule 2's dates)


def _check_binding(accounts, creator: Insured, relative: Insured, relation: int, on_date: str = ""):  # type: ignore[no-untyped-def]
    return accounts.CheckEligibility(
        pb.CheckEligibilityRequest(
            creator_psn_no=creator.psn_no,
            bind_member=dict(member_name=relative.name, member_id_number=relative.id_number, relation=relation),
            on_date=on_date,
        )
    )


@pytest.mark.parametrize(
    "relation",
    [cpb.RELATION_SIBLING, cpb.RELATION_GRANDPARENT_PATERNAL, cpb.RELATION_GRANDCHILD_MATERNAL],
    ids=["sibling", "grandparent", "grandchild"],
)
async def test_check_eligibility_on_a_day_uses_the_relation_set_of_that_day(accounts, relation) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    relative = await f.person()
    pool_id = await f.create_pool(creator)

    before = await _check_binding(accounts, creator, relative, relation, "2024-11-30")
    from_then = await _check_binding(accounts, creator, relative, relation, "2024-12-01")
    today = await _check_binding(accounts, creator, relative, relation)

    assert (before.eligible, [v.reason for v in before.violations]) == (False, ["RELATION_NOT_ALLOWED"])
    assert (from_then.eligible, list(from_then.violations)) == (True, [])
    assert today.eligible
    assert [m.psn_no for m in (await _pool(accounts, pool_id)).members] == []


async def test_a_spouse_is_eligible_on_either_side_of_december_2024(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    spouse = await f.person()
    await f.create_pool(creator)
    for day in ("2023-01-01", "2024-11-30", "2024-12-01"):
        assert (await _check_binding(accounts, creator, spouse, cpb.RELATION_SPOUSE, day)).eligible, day


@pytest.mark.parametrize("day", ["2024-13-01", "2024-02-30", "2024/12/01", "20241201", "1999-12-31", "tomorrow"])
async def test_check_eligibility_on_a_day_that_is_not_one_is_invalid(accounts, day) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    err = await fails(
        accounts.CheckEligibility(
            pb.CheckEligibilityRequest(creator_psn_no=creator.psn_no, create_pool={}, on_date=day)
        ),
        "INVALID_ARGUMENT",
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert "YYYY-MM-DD" in bad_fields(err)["on_date"]
