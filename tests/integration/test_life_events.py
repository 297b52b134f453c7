"""Rule 10: a creator's life event dissolves the pool and returns its money; a member who dies or stops being
insured leaves. Open holds on the pool stay valid and what they give back goes to the creator."""

from __future__ import annotations

import pytest

from gongji.accounts.v1 import accounts_pb2 as pb
from gongji.common.v1 import common_pb2 as cpb
from tests.integration.family import RESIDENT, Family
from tests.support import rid

pytestmark = pytest.mark.usefixtures("ledger_clean")

CREATOR_EVENTS = [
    (pb.LIFE_EVENT_TYPE_CHRONIC_DISEASE_BENEFIT_GRANTED, {}, "CREATOR_GRANTED_CHRONIC_DISEASE_BENEFIT"),
    (pb.LIFE_EVENT_TYPE_INSURANCE_ENDED, {}, "CREATOR_LEFT_EMPLOYEE_INSURANCE"),
    (pb.LIFE_EVENT_TYPE_REGION_CHANGED, {"new_region_code": "630200"}, "CREATOR_CHANGED_REGION"),
    (pb.LIFE_EVENT_TYPE_RETIRED_CADRE_GRANTED, {}, "CREATOR_GRANTED_RETIRED_CADRE_BENEFIT"),
    (pb.LIFE_EVENT_TYPE_DISABLED_VETERAN_GRANTED, {"disabled_veteran_level": 3},
     "CREATOR_GRANTED_DISABLED_VETERAN_BENEFIT"),
    (pb.LIFE_EVENT_TYPE_DIED, {}, "CREATOR_DIED"),
]


@pytest.mark.parametrize(("event", "extra", "reason"), CREATOR_EVENTS, ids=[e[2] for e in CREATOR_EVENTS])
async def test_creator_event_dissolves_the_pool_and_returns_its_money(accounts, event, extra, reason) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=100_000)
    child = await f.person(insurance=RESIDENT)
    pool_id = await f.create_pool(creator, transfer_fen=70_000)
    await f.bind(pool_id, child, cpb.RELATION_CHILD)
    await f.reserve(child, 20_000, debit_immediately=True)
    out = await accounts.RecordLifeEvent(pb.RecordLifeEventRequest(request_id=rid(), psn_no=creator.psn_no,
                                                                   event_type=event, **extra))
    assert (out.dissolved_pool_id, out.returned_fen) == (pool_id, 50_000)
    assert await f.own_balance(creator) == 80_000
    pool = (await accounts.GetPool(pb.GetPoolRequest(pool_id=pool_id))).pool
    assert (pool.status, pool.dissolution_reason, pool.balance_fen) == (pb.POOL_STATUS_DISSOLVED, reason, 0)
    assert (await f.balances(child)).pool_id == ""


async def test_moving_within_the_same_region_changes_nothing(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    pool_id = await f.create_pool(creator, transfer_fen=50_000)
    out = await accounts.RecordLifeEvent(pb.RecordLifeEventRequest(
        request_id=rid(), psn_no=creator.psn_no, event_type=pb.LIFE_EVENT_TYPE_REGION_CHANGED,
        new_region_code="630100"))
    assert out.dissolved_pool_id == "" and await f.pool_balance(pool_id) == 50_000


@pytest.mark.parametrize("event", [pb.LIFE_EVENT_TYPE_DIED, pb.LIFE_EVENT_TYPE_INSURANCE_ENDED])
async def test_a_member_who_dies_or_leaves_insurance_leaves_the_pool(accounts, event) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=100_000)
    member = await f.person()
    other = await f.person()
    pool_id = await f.create_pool(creator, transfer_fen=50_000)
    await f.bind(pool_id, member)
    await f.bind(pool_id, other, cpb.RELATION_SIBLING)
    out = await accounts.RecordLifeEvent(pb.RecordLifeEventRequest(request_id=rid(), psn_no=member.psn_no,
                                                                   event_type=event))
    assert out.left_pool_id == pool_id and out.dissolved_pool_id == ""
    pool = (await accounts.GetPool(pb.GetPoolRequest(pool_id=pool_id))).pool
    assert pool.status == pb.POOL_STATUS_ACTIVE and [m.psn_no for m in pool.members] == [other.psn_no]
    assert pool.balance_fen == 50_000


async def test_open_holds_survive_the_creators_death_and_pay_or_return_to_the_creator(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=100_000)
    child = await f.person(insurance=RESIDENT)
    pool_id = await f.create_pool(creator, transfer_fen=60_000)
    await f.bind(pool_id, child, cpb.RELATION_CHILD)
    kept = await f.reserve(child, 10_000)
    dropped = await f.reserve(child, 15_000)
    paid = await f.reserve(child, 5_000, debit_immediately=True)
    out = await accounts.RecordLifeEvent(pb.RecordLifeEventRequest(request_id=rid(), psn_no=creator.psn_no,
                                                                   event_type=pb.LIFE_EVENT_TYPE_DIED))
    assert out.returned_fen == 30_000
    assert await f.own_balance(creator) == 70_000
    await accounts.Debit(pb.DebitRequest(request_id=rid(), reservation_id=kept.reservation_id, amount_fen=10_000))
    await accounts.Release(pb.ReleaseRequest(request_id=rid(), reservation_id=dropped.reservation_id))
    assert await f.own_balance(creator) == 85_000
    refund = await accounts.Refund(pb.RefundRequest(request_id=rid(), reservation_id=paid.reservation_id,
                                                    amount_fen=5_000))
    assert [p.destination for p in refund.parts] == [pb.REFUND_DESTINATION_CREATOR_PERSONAL_ACCOUNT]
    assert await f.own_balance(creator) == 90_000 and await f.pool_balance(pool_id) == 0
