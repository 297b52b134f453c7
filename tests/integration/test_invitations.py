"""Invitations that cannot be guessed or hijacked: unguessable ids, only the invited person (or a minor's guardian)
accepts, and the guardian is recorded as such."""

from __future__ import annotations

import datetime as dt
import re

import asyncpg
import grpc
import pytest

from gongji.common.v1 import common_pb2 as cpb
from tools.kit import Family, Insured, accept_request, fails, id_number, psn_no
from tools.kit import accounts_v1 as pb

pytestmark = pytest.mark.usefixtures("ledger_clean")

TODAY = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
CHILD_BORN = TODAY.replace(year=TODAY.year - 10)  # ten years old
TEEN_BORN = TODAY.replace(year=TODAY.year - 18) + dt.timedelta(days=1)  # turns 18 tomorrow


async def _pool(accounts, pool_id: str) -> pb.Pool:  # type: ignore[no-untyped-def]
    return (await accounts.GetPool(pb.GetPoolRequest(pool_id=pool_id))).pool


async def test_invitation_ids_are_unguessable(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    pool_id = await f.create_pool(creator)
    ids = [await f.invite(pool_id, await f.person(), cpb.RELATION_CHILD) for _ in range(3)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids) and len(set(ids)) == 3
    # neighbours of a known id are not invitations
    for near in (ids[0][:-1] + ("0" if ids[0][-1] != "0" else "1"), "0" * 31 + "1"):
        await fails(
            accounts.AcceptInvitation(accept_request(near, Insured(psn_no(), "张三", id_number()))),
            "INVITATION_NOT_FOUND",
            grpc.StatusCode.NOT_FOUND,
        )


async def test_only_the_invited_person_accepts(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    invited, stranger = await f.person(), await f.person()
    pool_id = await f.create_pool(creator)
    invitation_id = await f.invite(pool_id, invited)
    for impostor in (
        stranger,  # someone else, registered
        Insured(invited.psn_no, "李四", invited.id_number),  # the right ID number, another name
        Insured(invited.psn_no, invited.name, id_number()),  # the right name, another ID number
    ):
        await fails(accounts.AcceptInvitation(accept_request(invitation_id, impostor)), "IDENTITY_MISMATCH")
    assert [m.status for m in (await _pool(accounts, pool_id)).members] == [pb.MEMBER_STATUS_INVITED]
    member = (await accounts.AcceptInvitation(accept_request(invitation_id, invited))).pool.members[0]
    assert (member.psn_no, member.status, member.accepted_by) == (
        invited.psn_no,
        pb.MEMBER_STATUS_ACTIVE,
        pb.ACCEPTOR_MEMBER,
    )
    assert member.guardian_name_masked == ""


async def test_a_guardian_accepts_for_a_minor_and_is_recorded_as_such(accounts, database_url) -> None:
    f = Family(accounts)
    mother = await f.person(credit_fen=60_000, name="王芳")
    child = await f.person(cpb.INSURANCE_TYPE_RESIDENT, name="王小明", born=CHILD_BORN)
    grandfather = Insured(psn_no(), "王大山", id_number(born=dt.date(1950, 5, 1)))  # need not be registered
    pool_id = await f.create_pool(mother)
    invitation_id = await f.invite(pool_id, child, cpb.RELATION_CHILD)
    accepted = await accounts.AcceptInvitation(accept_request(invitation_id, grandfather, guardian=True))
    member = accepted.pool.members[0]
    assert (member.psn_no, member.status, member.accepted_by, member.guardian_name_masked) == (
        child.psn_no,
        pb.MEMBER_STATUS_ACTIVE,
        pb.ACCEPTOR_GUARDIAN,
        "王**",
    )
    # what is kept of the guardian: a hash and the masked name, never the number in clear
    conn = await asyncpg.connect(database_url)
    try:
        row = await conn.fetchrow(
            "SELECT accepted_by, guardian_id_hash, guardian_name_masked FROM accounts.memberships "
            "WHERE invitation_token = $1",
            invitation_id,
        )
    finally:
        await conn.close()
    assert row["accepted_by"] == "GUARDIAN" and len(row["guardian_id_hash"]) == 32
    assert grandfather.id_number not in str(dict(row))


async def test_a_guardian_may_not_answer_for_an_adult_and_must_be_an_adult_other_than_the_member(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    adult = await f.person(born=TEEN_BORN - dt.timedelta(days=2))  # turned 18 yesterday
    minor = await f.person(cpb.INSURANCE_TYPE_RESIDENT, born=TEEN_BORN)  # 18 tomorrow
    pool_id = await f.create_pool(creator)
    adults_invitation = await f.invite(pool_id, adult, cpb.RELATION_CHILD)
    minors_invitation = await f.invite(pool_id, minor, cpb.RELATION_CHILD)
    parent = Insured(psn_no(), "张大", id_number(born=dt.date(1975, 1, 1)))
    young = Insured(psn_no(), "张小", id_number(born=CHILD_BORN))
    for invitation_id, guardian in (
        (adults_invitation, parent),
        (minors_invitation, young),
        (minors_invitation, minor),
    ):
        await fails(
            accounts.AcceptInvitation(accept_request(invitation_id, guardian, guardian=True)), "GUARDIAN_NOT_ALLOWED"
        )
    assert all(m.status == pb.MEMBER_STATUS_INVITED for m in (await _pool(accounts, pool_id)).members)
    await accounts.AcceptInvitation(accept_request(minors_invitation, parent, guardian=True))
    await accounts.AcceptInvitation(accept_request(adults_invitation, adult))
    assert all(m.status == pb.MEMBER_STATUS_ACTIVE for m in (await _pool(accounts, pool_id)).members)
