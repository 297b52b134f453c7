"""Binding rules over the real API: every reason an operator can meet while building a family pool."""

from __future__ import annotations

import grpc
import pytest
from sqlalchemy import text

from gongji.accounts.v1 import accounts_pb2 as pb
from gongji.common.v1 import common_pb2 as cpb
from services.common.db import make_engine
from tests.integration.family import Family, Insured
from tests.support import reason_of, rid

pytestmark = pytest.mark.usefixtures("ledger_clean")


async def _fails(call, reason: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    assert reason_of(err.value) == reason, err.value.details()


async def test_identity_must_match_the_registry(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    relative = await f.person()
    pool_id = await f.create_pool(creator)
    await _fails(f.invite(pool_id, Insured(relative.psn_no, "李四", relative.id_number)), "IDENTITY_MISMATCH")
    await _fails(f.invite(pool_id, Insured("x", relative.name, "11010519491231002X")), "PERSON_NOT_FOUND")


async def test_at_most_five_members(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    pool_id = await f.create_pool(creator)
    for _ in range(5):
        await f.bind(pool_id, await f.person(), cpb.RELATION_SIBLING)
    await _fails(f.invite(pool_id, await f.person(), cpb.RELATION_SIBLING), "MEMBER_LIMIT_REACHED")


async def test_one_binding_at_a_time(accounts) -> None:
    f = Family(accounts)
    a, b = await f.person(credit_fen=60_000), await f.person(credit_fen=60_000)
    member = await f.person(credit_fen=60_000)
    pool_a, pool_b = await f.create_pool(a), await f.create_pool(b)
    await f.bind(pool_a, member)
    await _fails(f.invite(pool_b, member), "ALREADY_BOUND")  # member of one pool: not of another
    await _fails(accounts.CreatePool(pb.CreatePoolRequest(request_id=rid(), creator_psn_no=member.psn_no,
                                                          agreement_version="2024-12")), "ALREADY_BOUND")
    await _fails(f.invite(pool_a, b), "ALREADY_BOUND")  # a creator cannot be a member elsewhere


async def test_same_region_and_creator_eligibility(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    far = await f.person(region="630200")
    pool_id = await f.create_pool(creator)
    await _fails(f.invite(pool_id, far), "DIFFERENT_REGION")
    sick = await f.person(credit_fen=60_000, chronic_disease_benefit=True)
    await _fails(accounts.CreatePool(pb.CreatePoolRequest(request_id=rid(), creator_psn_no=sick.psn_no,
                                                          agreement_version="2024-12")), "CREATOR_NOT_ELIGIBLE")
    poor = await f.person(credit_fen=49_999)
    await _fails(accounts.CreatePool(pb.CreatePoolRequest(request_id=rid(), creator_psn_no=poor.psn_no,
                                                          agreement_version="2024-12")),
                 "CREATOR_BALANCE_BELOW_MINIMUM")


async def test_transfers_below_minimum_or_above_balance_move_nothing(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=80_000)
    pool_id = await f.create_pool(creator)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await f.transfer(pool_id, 49_999)
    assert (err.value.code(), reason_of(err.value)) == (grpc.StatusCode.INVALID_ARGUMENT, "TRANSFER_BELOW_MINIMUM")
    await _fails(f.transfer(pool_id, 80_001), "INSUFFICIENT_FUNDS")
    assert (await f.own_balance(creator), await f.pool_balance(pool_id)) == (80_000, 0)


async def test_invitations_expire_and_declined_ones_cannot_be_accepted(accounts, database_url) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    pool_id = await f.create_pool(creator)
    late, shy = await f.person(), await f.person()
    late_id = await f.invite(pool_id, late)
    shy_id = await f.invite(pool_id, shy, cpb.RELATION_PARENT)
    engine = make_engine(database_url, pool_size=1)
    async with engine.begin() as conn:  # time travel: the invitation was made eight days ago
        await conn.execute(text("UPDATE accounts.memberships SET invitation_expires_at = now() - interval '1 day' "
                                "WHERE id = :id"), {"id": int(late_id)})
    await engine.dispose()
    await _fails(accounts.AcceptInvitation(pb.AcceptInvitationRequest(request_id=rid(), invitation_id=late_id)),
                 "INVITATION_EXPIRED")
    out = await accounts.DeclineInvitation(pb.DeclineInvitationRequest(request_id=rid(), invitation_id=shy_id))
    assert out.invitation.status == pb.MEMBER_STATUS_DECLINED
    await _fails(accounts.AcceptInvitation(pb.AcceptInvitationRequest(request_id=rid(), invitation_id=shy_id)),
                 "INVITATION_NOT_FOUND")


async def test_removed_member_can_no_longer_spend_and_dissolved_pool_refuses(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=100_000)
    member = await f.person()
    pool_id = await f.create_pool(creator, transfer_fen=50_000)
    await f.bind(pool_id, member)
    await accounts.RemoveMember(pb.RemoveMemberRequest(request_id=rid(), pool_id=pool_id,
                                                       member_psn_no=member.psn_no))
    r = await f.reserve(member, 1_000)
    assert r.legs[1].shortfall_reason == "NOT_BOUND" and r.reserved_fen == 0
    await accounts.Release(pb.ReleaseRequest(request_id=rid(), reservation_id=r.reservation_id))
    await _fails(accounts.RemoveMember(pb.RemoveMemberRequest(request_id=rid(), pool_id=pool_id,
                                                              member_psn_no=member.psn_no)), "NOT_A_MEMBER")
    await accounts.DissolvePool(pb.DissolvePoolRequest(request_id=rid(), pool_id=pool_id))
    await _fails(f.transfer(pool_id, 50_000), "POOL_DISSOLVED")
    await _fails(f.invite(pool_id, member), "POOL_DISSOLVED")


async def test_check_eligibility_lists_every_broken_rule(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    pool_id = await f.create_pool(creator)
    far = await f.person(region="630200")
    await accounts.RecordLifeEvent(pb.RecordLifeEventRequest(request_id=rid(), psn_no=far.psn_no,
                                                             event_type=pb.LIFE_EVENT_TYPE_INSURANCE_ENDED))
    for _ in range(5):
        await f.bind(pool_id, await f.person(), cpb.RELATION_SIBLING)
    check = await accounts.CheckEligibility(pb.CheckEligibilityRequest(
        action=pb.ELIGIBILITY_ACTION_BIND_MEMBER, creator_psn_no=creator.psn_no, member_name=far.name,
        member_id_number=far.id_number, relation=cpb.RELATION_SPOUSE))
    assert not check.eligible
    assert [v.reason for v in check.violations] == ["PERSON_NOT_INSURED", "MEMBER_LIMIT_REACHED",
                                                    "DIFFERENT_REGION"]
    good = await accounts.CheckEligibility(pb.CheckEligibilityRequest(
        action=pb.ELIGIBILITY_ACTION_TRANSFER, creator_psn_no=creator.psn_no, amount_fen=50_000))
    assert good.eligible and not good.violations
