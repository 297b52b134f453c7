"""Rule 10 over real gRPC and PostgreSQL: a creator's life event dissolves the pool and returns its money to the
creator's personal account; a member who dies or stops being insured leaves. Holds open on a pool outlive its
dissolution: what they pay is paid, what they give back goes to the creator, as do later refunds (rule 9)."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import pytest

from gongji.common.v1 import common_pb2 as cpb
from tools.kit import OWN, POOL, RESIDENT, Family, Insured, accept_request, psn_no, reason_of, rid
from tools.kit import accounts_v1 as pb

pytestmark = pytest.mark.usefixtures("ledger_clean")

CREATOR_EVENTS = [
    ("chronic_disease_benefit_granted", {}, "CREATOR_GRANTED_CHRONIC_DISEASE_BENEFIT"),
    ("insurance_ended", {}, "CREATOR_LEFT_EMPLOYEE_INSURANCE"),
    ("region_changed", {"new_region_code": "630200"}, "CREATOR_CHANGED_REGION"),
    ("retired_cadre_granted", {}, "CREATOR_GRANTED_RETIRED_CADRE_BENEFIT"),
    ("disabled_veteran_granted", {"level": 3}, "CREATOR_GRANTED_DISABLED_VETERAN_BENEFIT"),
    ("died", {}, "CREATOR_DIED"),
]


async def _event(accounts, who: Insured, event: str, **fields: Any) -> pb.RecordLifeEventResponse:  # type: ignore[no-untyped-def]
    """Records the life event named by its oneof field (e.g. "region_changed"), with that event's fields."""
    return await accounts.RecordLifeEvent(
        pb.RecordLifeEventRequest(request_id=rid(), psn_no=who.psn_no, **({event: fields} if event else {}))
    )


async def _pool(accounts, pool_id: str) -> pb.Pool:  # type: ignore[no-untyped-def]
    return (await accounts.GetPool(pb.GetPoolRequest(pool_id=pool_id))).pool


async def _release(accounts, r: pb.Reservation) -> pb.Reservation:  # type: ignore[no-untyped-def]
    return (await accounts.Release(pb.ReleaseRequest(request_id=rid(), reservation_id=r.reservation_id))).reservation


@pytest.mark.parametrize(("event", "extra", "reason"), CREATOR_EVENTS, ids=[e[2] for e in CREATOR_EVENTS])
async def test_creator_event_dissolves_the_pool_and_returns_its_available_money(accounts, event, extra, reason) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=150_000)  # keeps 80,000 after the transfer: above rule 6's minimum
    child = await f.person(insurance=RESIDENT)
    spouse = await f.person(credit_fen=1_000)
    invited = await f.person()
    pool_id = await f.create_pool(creator, transfer_fen=70_000)
    await f.bind(pool_id, child, cpb.RELATION_CHILD)
    await f.bind(pool_id, spouse)
    invitation_id = await f.invite(pool_id, invited, cpb.RELATION_SIBLING)
    await f.reserve(child, 20_000, debit_immediately=True)  # spent: 20,000 from the pool
    hold = await f.reserve(spouse, 6_000)  # held: 1,000 own + 5,000 pool
    before = await _pool(accounts, pool_id)
    assert (before.balance_fen, before.held_fen, before.available_fen) == (50_000, 5_000, 45_000)
    creator_before = await f.own_balance(creator)
    assert creator_before == 80_000

    out = await _event(accounts, creator, event, **extra)

    assert (out.dissolved_pool_id, out.left_pool_id) == (pool_id, "")
    assert out.returned_fen == before.available_fen == 45_000
    assert await f.own_balance(creator) == creator_before + out.returned_fen
    assert out.person.pool_id == "" and out.person.pool_role == pb.POOL_ROLE_UNSPECIFIED
    pool = await _pool(accounts, pool_id)
    assert (pool.status, pool.dissolution_reason) == (pb.POOL_STATUS_DISSOLVED, reason)
    assert pool.HasField("dissolved_at")
    assert (pool.balance_fen, pool.held_fen) == (5_000, 5_000)  # only what the open hold keeps
    assert list(pool.members) == []
    for who in (creator, child, spouse):
        assert (await f.balances(who)).pool_id == ""
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await accounts.AcceptInvitation(accept_request(invitation_id, invited))
    assert reason_of(err.value) == "POOL_DISSOLVED"
    # the hold that outlived the pool gives its pool part back to the creator, its own part to the spouse
    released = await _release(accounts, hold)
    assert released.status == pb.RESERVATION_STATUS_RELEASED
    assert await f.own_balance(creator) == creator_before + 50_000
    assert await f.own_balance(spouse) == 1_000
    assert (await _pool(accounts, pool_id)).balance_fen == 0


@pytest.mark.parametrize(
    ("event", "extra", "expected"),
    [
        ("chronic_disease_benefit_granted", {}, {"chronic_disease_benefit": True}),
        ("insurance_ended", {}, {"status": cpb.PERSON_STATUS_EXITED}),
        ("region_changed", {"new_region_code": "630200"}, {"region_code": "630200"}),
        ("retired_cadre_granted", {}, {"retired_cadre": True}),
        ("disabled_veteran_granted", {"level": 3}, {"disabled_veteran_level": 3}),
        ("died", {}, {"status": cpb.PERSON_STATUS_DECEASED}),
        ("insurance_suspended", {}, {"status": cpb.PERSON_STATUS_SUSPENDED}),
        ("insurance_resumed", {}, {"status": cpb.PERSON_STATUS_ACTIVE}),
        ("insurance_type_changed", {"new_insurance_type": RESIDENT}, {"insurance_type": RESIDENT}),
        ("disabled_veteran_granted", {"level": 10}, {"disabled_veteran_level": 10}),
        ("chronic_disease_benefit_revoked", {}, {"chronic_disease_benefit": False}),
        ("retired_cadre_revoked", {}, {"retired_cadre": False}),
        ("disabled_veteran_revoked", {}, {"disabled_veteran_level": 0}),
    ],
)
async def test_the_registry_records_the_event(accounts, event, extra, expected) -> None:
    f = Family(accounts)
    who = await f.person()
    out = await _event(accounts, who, event, **extra)
    person = (await accounts.GetPerson(pb.GetPersonRequest(psn_no=who.psn_no))).person
    for field, value in expected.items():
        assert getattr(out.person, field) == getattr(person, field) == value
    assert (out.dissolved_pool_id, out.left_pool_id, out.returned_fen) == ("", "", 0)


async def test_an_empty_pool_dissolves_returning_nothing(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    pool_id = await f.create_pool(creator)
    out = await _event(accounts, creator, "retired_cadre_granted")
    assert (out.dissolved_pool_id, out.returned_fen) == (pool_id, 0)
    assert await f.own_balance(creator) == 60_000


async def test_moving_within_the_same_region_changes_nothing(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(region="630100", credit_fen=60_000)
    member = await f.person(region="630100")
    pool_id = await f.create_pool(creator, transfer_fen=50_000)
    await f.bind(pool_id, member)
    out = await _event(accounts, creator, "region_changed", new_region_code="630100")
    assert (out.dissolved_pool_id, out.returned_fen) == ("", 0)
    assert (out.person.pool_id, out.person.region_code) == (pool_id, "630100")
    pool = await _pool(accounts, pool_id)
    assert (pool.status, pool.balance_fen, [m.psn_no for m in pool.members]) == (
        pb.POOL_STATUS_ACTIVE,
        50_000,
        [member.psn_no],
    )
    assert await f.own_balance(creator) == 10_000


async def test_moving_to_another_province_dissolves_too(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    pool_id = await f.create_pool(creator, transfer_fen=50_000)
    out = await _event(accounts, creator, "region_changed", new_region_code="110100")
    assert (out.dissolved_pool_id, out.returned_fen) == (pool_id, 50_000)
    assert await f.own_balance(creator) == 60_000


async def test_a_creator_who_moved_region_may_start_again_there(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(region="630100", credit_fen=60_000)
    old = await f.create_pool(creator, transfer_fen=50_000)
    await _event(accounts, creator, "region_changed", new_region_code="630200")
    neighbour = await f.person(region="630200")
    new = await f.create_pool(creator)
    assert new != old
    await f.bind(new, neighbour)  # same region now
    assert (await f.balances(neighbour)).pool_id == new


async def test_a_creator_who_became_ineligible_cannot_create_again(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    await f.create_pool(creator)
    await _event(accounts, creator, "chronic_disease_benefit_granted")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await f.create_pool(creator)
    assert reason_of(err.value) == "CREATOR_NOT_ELIGIBLE"


@pytest.mark.parametrize("event", ["died", "insurance_ended"], ids=["died", "insurance-ended"])
async def test_a_member_who_dies_or_leaves_insurance_leaves_the_pool(accounts, event) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=100_000)
    member = await f.person(insurance=RESIDENT)
    other = await f.person()
    pool_id = await f.create_pool(creator, transfer_fen=50_000)
    await f.bind(pool_id, member, cpb.RELATION_PARENT)
    await f.bind(pool_id, other, cpb.RELATION_SIBLING)
    out = await _event(accounts, member, event)
    assert (out.left_pool_id, out.dissolved_pool_id, out.returned_fen) == (pool_id, "", 0)
    assert out.person.pool_id == "" and out.person.status in (cpb.PERSON_STATUS_DECEASED, cpb.PERSON_STATUS_EXITED)
    pool = await _pool(accounts, pool_id)
    assert pool.status == pb.POOL_STATUS_ACTIVE and [m.psn_no for m in pool.members] == [other.psn_no]
    assert pool.balance_fen == 50_000 and await f.own_balance(creator) == 50_000
    assert (await f.balances(member)).pool_id == ""
    assert (await f.balances(other)).pool_id == pool_id
    # the remaining member still pays from the pool; the one who left cannot pay at all any more
    paid = await f.reserve(other, 1_000, (POOL,), debit_immediately=True)
    assert paid.debited_fen == 1_000
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await f.reserve(member, 1_000, (POOL,))
    assert reason_of(err.value) == "PERSON_NOT_INSURED"


async def test_a_member_leaving_frees_a_place(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    pool_id = await f.create_pool(creator)
    members = [await f.person() for _ in range(5)]
    for m in members:
        await f.bind(pool_id, m, cpb.RELATION_CHILD)
    await _event(accounts, members[2], "died")
    await f.bind(pool_id, await f.person(), cpb.RELATION_CHILD)
    assert len((await _pool(accounts, pool_id)).members) == 5


@pytest.mark.parametrize(
    ("event", "extra"),
    [
        ("chronic_disease_benefit_granted", {}),
        ("retired_cadre_granted", {}),
        ("disabled_veteran_granted", {"level": 1}),
    ],
    ids=["chronic", "retired-cadre", "veteran"],
)
async def test_creator_only_events_leave_a_member_in_the_pool(accounts, event, extra) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    member = await f.person()
    pool_id = await f.create_pool(creator, transfer_fen=50_000)
    await f.bind(pool_id, member)
    out = await _event(accounts, member, event, **extra)
    assert (out.left_pool_id, out.dissolved_pool_id) == ("", "")
    assert (await f.balances(member)).pool_id == pool_id
    assert (await _pool(accounts, pool_id)).status == pb.POOL_STATUS_ACTIVE


async def test_a_hold_open_when_the_creator_dies_stays_valid_and_what_it_frees_goes_to_the_creator(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=140_000)  # keeps 80,000: above rule 6's minimum
    child = await f.person(insurance=RESIDENT)
    pool_id = await f.create_pool(creator, transfer_fen=60_000)
    await f.bind(pool_id, child, cpb.RELATION_CHILD)
    kept = await f.reserve(child, 10_000)
    dropped = await f.reserve(child, 15_000)
    lapsing = await f.reserve(child, 8_000, hold_ttl_seconds=1)
    paid = await f.reserve(child, 5_000, debit_immediately=True)
    assert (await _pool(accounts, pool_id)).available_fen == 60_000 - 10_000 - 15_000 - 8_000 - 5_000

    out = await _event(accounts, creator, "died")
    assert (out.dissolved_pool_id, out.returned_fen) == (pool_id, 22_000)
    assert out.person.status == cpb.PERSON_STATUS_DECEASED
    assert await f.own_balance(creator) == 80_000 + 22_000  # the balance returns to the creator's own account

    # debiting the hold made before the death works: the hospital is paid from the pool's held money
    debited = (
        await accounts.Debit(pb.DebitRequest(request_id=rid(), reservation_id=kept.reservation_id, amount_fen=10_000))
    ).reservation
    assert (debited.status, debited.debited_fen) == (pb.RESERVATION_STATUS_DEBITED, 10_000)
    assert [(leg.source, leg.debited_fen) for leg in debited.legs if leg.debited_fen] == [(POOL, 10_000)]
    assert await f.own_balance(creator) == 102_000

    # releasing another hold returns its money to the creator, not to the dissolved pool
    assert (await _release(accounts, dropped)).status == pb.RESERVATION_STATUS_RELEASED
    assert await f.own_balance(creator) == 117_000

    # a hold that lapses is expired by the sweeper, and its money follows the same way
    status = await _wait_for_expiry(accounts, lapsing.reservation_id)
    assert status == pb.RESERVATION_STATUS_EXPIRED
    assert await f.own_balance(creator) == 125_000

    pool = await _pool(accounts, pool_id)
    assert (pool.status, pool.balance_fen, pool.held_fen) == (pb.POOL_STATUS_DISSOLVED, 0, 0)
    # the consumption records of the pool show where its money went
    kinds = [r.kind for r in (await accounts.ListTransactions(pb.ListTransactionsRequest(pool_id=pool_id))).records]
    assert kinds.count(pb.TRANSACTION_KIND_POOL_RETURN) == 3 and kinds.count(pb.TRANSACTION_KIND_PAYMENT) == 2
    assert paid.debited_fen == 5_000


async def _wait_for_expiry(accounts, reservation_id: str, timeout_s: float = 10.0) -> int:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        r = (await accounts.GetReservation(pb.GetReservationRequest(reservation_id=reservation_id))).reservation
        if r.status != pb.RESERVATION_STATUS_HELD or loop.time() > deadline:
            return r.status
        await asyncio.sleep(0.1)


async def test_refund_of_a_pool_payment_after_dissolution_goes_to_the_creator(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=140_000)
    spouse = await f.person(credit_fen=2_000)
    pool_id = await f.create_pool(creator, transfer_fen=60_000)
    await f.bind(pool_id, spouse)
    paid = await f.reserve(spouse, 7_000, debit_immediately=True)  # 2,000 own + 5,000 pool
    assert [(leg.source, leg.debited_fen) for leg in paid.legs] == [(OWN, 2_000), (POOL, 5_000)]
    out = await _event(accounts, creator, "chronic_disease_benefit_granted")
    assert out.returned_fen == 55_000
    assert await f.own_balance(creator) == 135_000

    refund = await accounts.Refund(
        pb.RefundRequest(request_id=rid(), reservation_id=paid.reservation_id, amount_fen=6_000)
    )
    assert [(p.source, p.destination, p.amount_fen) for p in refund.parts] == [
        (POOL, pb.REFUND_DESTINATION_CREATOR_PERSONAL_ACCOUNT, 5_000),
        (OWN, pb.REFUND_DESTINATION_PERSONAL_ACCOUNT, 1_000),
    ]
    assert await f.own_balance(creator) == 140_000
    assert await f.own_balance(spouse) == 1_000
    assert (await _pool(accounts, pool_id)).balance_fen == 0


async def test_life_event_for_an_unknown_person_is_person_not_found(accounts) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await _event(accounts, Insured(psn_no(), "张三", ""), "died")
    assert (err.value.code(), reason_of(err.value)) == (grpc.StatusCode.NOT_FOUND, "PERSON_NOT_FOUND")


@pytest.mark.parametrize(
    ("event", "extra"),
    [
        ("", {}),
        ("region_changed", {}),
        ("region_changed", {"new_region_code": "6302"}),
        ("disabled_veteran_granted", {}),
        ("disabled_veteran_granted", {"level": 11}),
        ("insurance_type_changed", {}),
    ],
    ids=["no-event", "no-region", "short-region", "no-level", "level-11", "no-insurance-type"],
)
async def test_incomplete_life_events_are_invalid_and_change_nothing(accounts, event, extra) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    pool_id = await f.create_pool(creator, transfer_fen=50_000)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await _event(accounts, creator, event, **extra)
    assert (err.value.code(), reason_of(err.value)) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    assert (await _pool(accounts, pool_id)).status == pb.POOL_STATUS_ACTIVE
