"""What the registry feed can say besides the events of rule 10, over real gRPC and PostgreSQL: suspension and
resumption of insurance (暂停/恢复参保), a change of insurance type, a revoked benefit, every disabled-veteran level,
and a member's move out of the creator's coordinating region — each with what it does to pools and bindings."""

from __future__ import annotations

from typing import Any

import grpc
import pytest

from gongji.common.v1 import common_pb2 as cpb
from tools.kit import EMPLOYEE, OWN, POOL, RESIDENT, Family, Insured, accept_request, bad_fields, fails, rid
from tools.kit import accounts_v1 as pb

pytestmark = pytest.mark.usefixtures("ledger_clean")


async def _event(accounts: Any, who: Insured, event: str, **fields: Any) -> Any:
    return await accounts.RecordLifeEvent(
        pb.RecordLifeEventRequest(request_id=rid(), psn_no=who.psn_no, **{event: fields})
    )


async def _pool(accounts: Any, pool_id: str) -> Any:
    return (await accounts.GetPool(pb.GetPoolRequest(pool_id=pool_id))).pool


async def _person(accounts: Any, who: Insured) -> Any:
    return (await accounts.GetPerson(pb.GetPersonRequest(psn_no=who.psn_no))).person


async def _eligible_to_create(accounts: Any, who: Insured) -> list[str]:
    check = await accounts.CheckEligibility(pb.CheckEligibilityRequest(creator_psn_no=who.psn_no, create_pool={}))
    return [v.reason for v in check.violations]


def _split(r: Any) -> list[tuple[int, int, str]]:
    """Per source: (source, reserved fen, why it gave less)."""
    return [(leg.source, leg.reserved_fen, leg.shortfall_reason) for leg in r.legs]


# ---------------------------------------------------------------- suspension pauses, resumption restores


async def test_a_suspended_creators_pool_is_paused_not_dissolved_and_resumption_restores_it(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=120_000)
    spouse = await f.person(credit_fen=1_000)
    child = await f.person(insurance=RESIDENT)
    newcomer = await f.person()
    pool_id = await f.create_pool(creator, transfer_fen=60_000)
    await f.bind(pool_id, spouse)
    await f.bind(pool_id, child, cpb.RELATION_CHILD)

    out = await _event(accounts, creator, "insurance_suspended")

    assert out.person.status == cpb.PERSON_STATUS_SUSPENDED
    assert (out.dissolved_pool_id, out.returned_fen, out.left_pool_id) == ("", 0, "")
    pool = await _pool(accounts, pool_id)
    assert (pool.status, pool.paused, pool.balance_fen) == (pb.POOL_STATUS_ACTIVE, True, 60_000)
    assert sorted(m.psn_no for m in pool.members) == sorted([spouse.psn_no, child.psn_no])
    # the pool pays nothing: the spouse's own account pays, the pool's leg says why it gave nothing, the rest is cash
    paid = await f.reserve(spouse, 5_000, debit_immediately=True)
    assert _split(paid) == [(OWN, 1_000, "INSUFFICIENT_FUNDS"), (POOL, 0, "PERSON_NOT_INSURED")]
    assert paid.uncovered_fen == 4_000
    # the creator may not pay at all, nor fund the pool, nor take anyone in
    await fails(f.reserve(creator, 1_000, (OWN,)), "PERSON_NOT_INSURED", grpc.StatusCode.FAILED_PRECONDITION)
    await fails(f.transfer(pool_id, 50_000), "PERSON_NOT_INSURED", grpc.StatusCode.FAILED_PRECONDITION)
    await fails(f.invite(pool_id, newcomer), "PERSON_NOT_INSURED")
    assert (await f.own_balance(creator), await f.pool_balance(pool_id)) == (60_000, 60_000)

    out = await _event(accounts, creator, "insurance_resumed")

    assert out.person.status == cpb.PERSON_STATUS_ACTIVE
    assert (await _pool(accounts, pool_id)).paused is False
    paid = await f.reserve(child, 7_000, debit_immediately=True)
    assert _split(paid) == [(OWN, 0, "NO_PERSONAL_ACCOUNT"), (POOL, 7_000, "")]
    await f.transfer(pool_id, 50_000)
    assert await f.pool_balance(pool_id) == 60_000 - 7_000 + 50_000


async def test_a_suspended_member_stays_bound_but_cannot_pay_until_resumed(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=120_000)
    child = await f.person(insurance=RESIDENT)
    pool_id = await f.create_pool(creator, transfer_fen=60_000)
    await f.bind(pool_id, child, cpb.RELATION_CHILD)

    out = await _event(accounts, child, "insurance_suspended")

    assert (out.left_pool_id, out.person.pool_id) == ("", pool_id)
    await fails(f.reserve(child, 1_000, (POOL,)), "PERSON_NOT_INSURED", grpc.StatusCode.FAILED_PRECONDITION)
    assert await f.pool_balance(pool_id) == 60_000
    await _event(accounts, child, "insurance_resumed")
    assert (await f.reserve(child, 1_000, (POOL,), debit_immediately=True)).debited_fen == 1_000


async def test_a_suspended_person_may_neither_create_nor_join_a_pool(accounts) -> None:
    f = Family(accounts)
    suspended = await f.person(credit_fen=60_000)
    creator = await f.person(credit_fen=60_000)
    pool_id = await f.create_pool(creator)
    await _event(accounts, suspended, "insurance_suspended")
    assert await _eligible_to_create(accounts, suspended) == ["PERSON_NOT_INSURED"]
    await fails(f.create_pool(suspended), "PERSON_NOT_INSURED")
    await fails(f.invite(pool_id, suspended), "PERSON_NOT_INSURED")
    await _event(accounts, suspended, "insurance_resumed")
    await f.bind(pool_id, suspended)
    assert (await f.balances(suspended)).pool_id == pool_id


async def test_an_invitation_made_before_the_suspension_cannot_be_accepted_during_it(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    relative = await f.person()
    pool_id = await f.create_pool(creator)
    invitation_id = await f.invite(pool_id, relative)
    await _event(accounts, creator, "insurance_suspended")
    await fails(accounts.AcceptInvitation(accept_request(invitation_id, relative)), "PERSON_NOT_INSURED")
    assert [m.status for m in (await _pool(accounts, pool_id)).members] == [pb.MEMBER_STATUS_INVITED]


@pytest.mark.parametrize("ended_by", ["died", "insurance_ended"])
@pytest.mark.parametrize("event", ["insurance_suspended", "insurance_resumed"])
async def test_ended_insurance_can_be_neither_suspended_nor_resumed(accounts, ended_by, event) -> None:
    f = Family(accounts)
    who = await f.person()
    ended = (await _event(accounts, who, ended_by)).person.status
    err = await fails(_event(accounts, who, event), "STATUS_CHANGE_NOT_ALLOWED", grpc.StatusCode.FAILED_PRECONDITION)
    assert "suspended nor resumed" in err.details()
    assert (await _person(accounts, who)).status == ended


# ---------------------------------------------------------------- a change of insurance type


async def test_a_creator_who_becomes_resident_insured_has_left_employee_insurance(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=100_000)
    member = await f.person()
    pool_id = await f.create_pool(creator, transfer_fen=60_000)
    await f.bind(pool_id, member)

    out = await _event(accounts, creator, "insurance_type_changed", new_insurance_type=RESIDENT)

    assert (out.dissolved_pool_id, out.returned_fen) == (pool_id, 60_000)
    assert out.person.insurance_type == RESIDENT and not out.person.has_personal_account
    pool = await _pool(accounts, pool_id)
    assert (pool.status, pool.dissolution_reason) == (pb.POOL_STATUS_DISSOLVED, "CREATOR_LEFT_EMPLOYEE_INSURANCE")
    # the money went back to her personal account and stays hers: she pays from it, but nothing more is credited
    assert await f.own_balance(creator) == 100_000
    paid = await f.reserve(creator, 3_000, (OWN,), debit_immediately=True)
    assert paid.debited_fen == 3_000
    await fails(f.credit(creator, 10_000), "NO_PERSONAL_ACCOUNT")
    assert await _eligible_to_create(accounts, creator) == ["CREATOR_NOT_ELIGIBLE"]


async def test_a_member_who_changes_insurance_type_stays_bound(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=120_000)
    employee = await f.person(credit_fen=2_000)
    resident = await f.person(insurance=RESIDENT)
    pool_id = await f.create_pool(creator, transfer_fen=60_000)
    await f.bind(pool_id, employee)
    await f.bind(pool_id, resident, cpb.RELATION_CHILD)

    to_resident = await _event(accounts, employee, "insurance_type_changed", new_insurance_type=RESIDENT)
    to_employee = await _event(accounts, resident, "insurance_type_changed", new_insurance_type=EMPLOYEE)

    for out in (to_resident, to_employee):
        assert (out.left_pool_id, out.dissolved_pool_id, out.person.pool_id) == ("", "", pool_id)
    assert len((await _pool(accounts, pool_id)).members) == 2
    # the one now resident-insured is credited no more contributions; what was in the account still pays first
    await fails(f.credit(employee, 10_000), "NO_PERSONAL_ACCOUNT")
    paid = await f.reserve(employee, 5_000, debit_immediately=True)
    assert _split(paid)[-1][:2] == (POOL, 3_000) and paid.debited_fen == 5_000
    # the one now employee-insured has a personal account: credited, and paying before the pool
    assert (await f.balances(resident)).personal.balance_fen == 0
    assert await f.credit(resident, 4_000) == 4_000
    paid = await f.reserve(resident, 6_000, debit_immediately=True)
    assert [(leg.source, leg.debited_fen) for leg in paid.legs if leg.debited_fen] == [(OWN, 4_000), (POOL, 2_000)]


async def test_an_insurance_type_change_needs_the_new_type(accounts) -> None:
    f = Family(accounts)
    who = await f.person()
    err = await fails(_event(accounts, who, "insurance_type_changed"), "INVALID_ARGUMENT")
    assert "insurance_type_changed.new_insurance_type" in bad_fields(err)


# ---------------------------------------------------------------- a revoked benefit


@pytest.mark.parametrize(
    ("granted", "extra", "revoked"),
    [
        ("chronic_disease_benefit_granted", {}, "chronic_disease_benefit_revoked"),
        ("retired_cadre_granted", {}, "retired_cadre_revoked"),
        ("disabled_veteran_granted", {"level": 2}, "disabled_veteran_revoked"),
    ],
    ids=["chronic", "retired-cadre", "veteran"],
)
async def test_a_revoked_benefit_lets_the_person_create_again_but_recreates_nothing(
    accounts, granted, extra, revoked
) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=110_000)
    old = await f.create_pool(creator, transfer_fen=50_000)
    assert (await _event(accounts, creator, granted, **extra)).dissolved_pool_id == old
    assert await _eligible_to_create(accounts, creator) == ["CREATOR_NOT_ELIGIBLE"]

    out = await _event(accounts, creator, revoked)

    assert not (out.person.chronic_disease_benefit or out.person.retired_cadre or out.person.disabled_veteran_level)
    assert (out.person.pool_id, out.dissolved_pool_id) == ("", "")
    assert (await _pool(accounts, old)).status == pb.POOL_STATUS_DISSOLVED
    assert await _eligible_to_create(accounts, creator) == []
    new = await f.create_pool(creator)
    assert new != old and await f.pool_balance(new) == 0
    assert await f.own_balance(creator) == 110_000


async def test_revoking_a_benefit_of_a_member_changes_nothing_for_the_pool(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    member = await f.person(chronic_disease_benefit=True)
    pool_id = await f.create_pool(creator)
    await f.bind(pool_id, member)
    out = await _event(accounts, member, "chronic_disease_benefit_revoked")
    assert (out.person.chronic_disease_benefit, out.person.pool_id, out.left_pool_id) == (False, pool_id, "")


# ---------------------------------------------------------------- disabled veterans, levels 1 to 10


@pytest.mark.parametrize("level", [7, 8, 9, 10])
async def test_veteran_levels_7_to_10_are_recorded_and_change_nothing(accounts, level) -> None:
    f = Family(accounts)
    registered = await f.person(credit_fen=60_000, disabled_veteran_level=level)
    assert (await _person(accounts, registered)).disabled_veteran_level == level
    assert await _eligible_to_create(accounts, registered) == []
    creator = await f.person(credit_fen=60_000)
    pool_id = await f.create_pool(creator, transfer_fen=50_000)
    out = await _event(accounts, creator, "disabled_veteran_granted", level=level)
    assert (out.person.disabled_veteran_level, out.dissolved_pool_id, out.returned_fen) == (level, "", 0)
    assert (await _pool(accounts, pool_id)).status == pb.POOL_STATUS_ACTIVE


async def test_a_veteran_regraded_from_level_8_to_3_loses_the_pool(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000, disabled_veteran_level=8)
    pool_id = await f.create_pool(creator, transfer_fen=50_000)
    out = await _event(accounts, creator, "disabled_veteran_granted", level=3)
    assert (out.dissolved_pool_id, out.returned_fen) == (pool_id, 50_000)
    assert (await _pool(accounts, pool_id)).dissolution_reason == "CREATOR_GRANTED_DISABLED_VETERAN_BENEFIT"


@pytest.mark.parametrize("level", [-1, 11, 99])
async def test_a_veteran_level_outside_1_to_10_is_a_field_error(accounts, level) -> None:
    f = Family(accounts)
    who = await f.person()
    err = await fails(_event(accounts, who, "disabled_veteran_granted", level=level), "INVALID_ARGUMENT")
    assert "1..10" in bad_fields(err)["disabled_veteran_granted.level"]
    err = await fails(f.person(disabled_veteran_level=level), "INVALID_ARGUMENT", grpc.StatusCode.INVALID_ARGUMENT)
    assert "1..10" in bad_fields(err)["disabled_veteran_level"]
    assert (await _person(accounts, who)).disabled_veteran_level == 0


# ---------------------------------------------------------------- moving region (rule 5 and rule 10)


async def test_a_member_who_moves_out_of_the_creators_coordinating_region_leaves(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(region="630102", credit_fen=120_000)  # 城东区, 西宁
    mover = await f.person(region="630103")
    stayer = await f.person(region="630121")
    pool_id = await f.create_pool(creator, transfer_fen=60_000)
    await f.bind(pool_id, mover)
    await f.bind(pool_id, stayer, cpb.RELATION_PARENT)

    out = await _event(accounts, mover, "region_changed", new_region_code="630202")  # 海东

    assert (out.left_pool_id, out.dissolved_pool_id, out.person.pool_id) == (pool_id, "", "")
    pool = await _pool(accounts, pool_id)
    assert (pool.status, [m.psn_no for m in pool.members], pool.balance_fen) == (
        pb.POOL_STATUS_ACTIVE,
        [stayer.psn_no],
        60_000,
    )
    paid = await f.reserve(mover, 1_000, (POOL,))
    assert _split(paid) == [(POOL, 0, "NOT_BOUND")]
    await accounts.Release(pb.ReleaseRequest(request_id=rid(), reservation_id=paid.reservation_id))


async def test_a_move_within_the_coordinating_region_changes_nothing_for_member_or_creator(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(region="630102", credit_fen=120_000)
    member = await f.person(region="630102")
    pool_id = await f.create_pool(creator, transfer_fen=60_000)
    await f.bind(pool_id, member)

    moved_member = await _event(accounts, member, "region_changed", new_region_code="630123")  # 湟源县, 西宁
    moved_creator = await _event(accounts, creator, "region_changed", new_region_code="630121")  # 大通县, 西宁

    assert (moved_member.left_pool_id, moved_member.person.region_code) == ("", "630123")
    assert (moved_creator.dissolved_pool_id, moved_creator.person.region_code) == ("", "630121")
    pool = await _pool(accounts, pool_id)
    assert (pool.status, [m.psn_no for m in pool.members]) == (pb.POOL_STATUS_ACTIVE, [member.psn_no])
    assert (await f.reserve(member, 2_000, (POOL,), debit_immediately=True)).debited_fen == 2_000
