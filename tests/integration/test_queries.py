"""Queries over real gRPC and PostgreSQL: consumption records with their split per source and paging (rule 12), and
personal data that never leaves the service in clear. Resident premiums (rule 11) are in test_premiums.py."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from google.protobuf import json_format
from sqlalchemy import text

from gongji.common.v1 import common_pb2 as cpb
from services.common.db import make_engine
from tools.kit import OWN, POOL, RESIDENT, Family, Insured, id_number, psn_no, reason_of, rid
from tools.kit import accounts_v1 as pb

pytestmark = pytest.mark.usefixtures("ledger_clean")


def _split(record: pb.TransactionRecord) -> list[tuple[int, int, str]]:
    return sorted((s.source, s.amount_fen, s.pool_id) for s in record.split)


async def _records(accounts, **kw: Any) -> list[pb.TransactionRecord]:  # type: ignore[no-untyped-def]
    return list((await accounts.ListTransactions(pb.ListTransactionsRequest(**kw))).records)


async def _all_pages(accounts, page_size: int, **kw: Any) -> list[list[pb.TransactionRecord]]:  # type: ignore[no-untyped-def]
    pages, token = [], ""
    for _ in range(20):
        page = await accounts.ListTransactions(pb.ListTransactionsRequest(page_size=page_size, page_token=token, **kw))
        pages.append(list(page.records))
        token = page.next_page_token
        if not token:
            return pages
    raise AssertionError("paging never ended")


# ---------------------------------------------------------------- consumption records (rule 12)


async def test_a_persons_records_show_the_split_per_source(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=120_000)
    spouse = await f.person(credit_fen=3_000)
    pool_id = await f.create_pool(creator, transfer_fen=60_000)
    await f.bind(pool_id, spouse)
    paid = await f.reserve(spouse, 8_000, debit_immediately=True, description="outpatient")  # 3,000 own + 5,000 pool
    refund = await accounts.Refund(
        pb.RefundRequest(request_id=rid(), reservation_id=paid.reservation_id, amount_fen=6_000)
    )  # 5,000 to the pool, 1,000 own
    assert [p.amount_fen for p in refund.parts] == [5_000, 1_000]

    mine = await _records(accounts, psn_no=spouse.psn_no)
    assert [r.kind for r in mine] == [
        pb.TRANSACTION_KIND_REFUND,
        pb.TRANSACTION_KIND_PAYMENT,
        pb.TRANSACTION_KIND_CONTRIBUTION,
    ]  # newest first
    back, payment, contribution = mine
    assert (payment.total_fen, payment.payer_psn_no, payment.reservation_id, payment.fixmedins_code) == (
        8_000,
        spouse.psn_no,
        paid.reservation_id,
        "H63010000001",
    )
    assert payment.description == "outpatient" and payment.HasField("booked_at")
    assert _split(payment) == [(OWN, -3_000, ""), (POOL, -5_000, pool_id)]  # negative: money left the source
    assert (back.total_fen, _split(back)) == (6_000, [(OWN, 1_000, ""), (POOL, 5_000, pool_id)])
    assert (contribution.total_fen, _split(contribution), contribution.description) == (
        3_000,
        [(OWN, 3_000, "")],
        "contribution",
    )
    assert int(back.journal_txn_id) > int(payment.journal_txn_id) > int(contribution.journal_txn_id)

    # the creator's records: their own account, and what their pool paid and got back for whom — never the
    # spouse's own-account part of it
    theirs = await _records(accounts, psn_no=creator.psn_no)
    assert [(r.kind, r.payer_psn_no, r.total_fen, _split(r)) for r in theirs[:2]] == [
        (pb.TRANSACTION_KIND_REFUND, spouse.psn_no, 5_000, [(POOL, 5_000, pool_id)]),
        (pb.TRANSACTION_KIND_PAYMENT, spouse.psn_no, 5_000, [(POOL, -5_000, pool_id)]),
    ]
    assert [r.kind for r in theirs[2:]] == [pb.TRANSACTION_KIND_POOL_TRANSFER, pb.TRANSACTION_KIND_CONTRIBUTION]
    transfer = theirs[2]
    assert (transfer.total_fen, _split(transfer)) == (60_000, [(OWN, -60_000, ""), (POOL, 60_000, pool_id)])
    assert transfer.payer_psn_no == ""  # only payments and refunds have a payer


async def test_a_pools_records_show_what_it_paid_for_whom_and_its_funding(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=200_000)
    spouse = await f.person(credit_fen=1_000)
    child = await f.person(insurance=RESIDENT)
    pool_id = await f.create_pool(creator, transfer_fen=60_000)
    await f.transfer(pool_id, 50_000)
    await f.bind(pool_id, spouse)
    await f.bind(pool_id, child, cpb.RELATION_CHILD)
    await f.reserve(spouse, 4_000, debit_immediately=True)  # 1,000 own + 3,000 pool
    await f.reserve(child, 2_500, debit_immediately=True)  # all from the pool
    await f.reserve(spouse, 500, (OWN,), debit_immediately=True)  # own account empty: cash, nothing booked
    await f.reserve(creator, 700, (OWN, POOL), debit_immediately=True)  # the creator's own account pays all

    records = await _records(accounts, pool_id=pool_id)
    assert [(r.kind, r.payer_psn_no, r.total_fen) for r in records] == [
        (pb.TRANSACTION_KIND_PAYMENT, child.psn_no, 2_500),
        (pb.TRANSACTION_KIND_PAYMENT, spouse.psn_no, 3_000),  # what the pool paid; the spouse's own 1,000 is hers
        (pb.TRANSACTION_KIND_POOL_TRANSFER, "", 50_000),
        (pb.TRANSACTION_KIND_POOL_TRANSFER, "", 60_000),
    ]
    assert _split(records[0]) == [(POOL, -2_500, pool_id)]
    assert _split(records[1]) == [(POOL, -3_000, pool_id)]
    assert [r.pool_balance_after.balance_fen for r in records] == [104_500, 107_000, 110_000, 60_000]
    pool_paid = sum(
        s.amount_fen for r in records if r.kind == pb.TRANSACTION_KIND_PAYMENT for s in r.split if s.source == POOL
    )
    assert -pool_paid == 5_500 and await f.pool_balance(pool_id) == 110_000 - 5_500

    child_records = await _records(accounts, psn_no=child.psn_no)  # what the pool paid for the child
    assert [(r.kind, _split(r)) for r in child_records] == [(pb.TRANSACTION_KIND_PAYMENT, [(POOL, -2_500, pool_id)])]


async def test_dissolution_appears_in_both_the_pools_and_the_creators_records(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=100_000)
    pool_id = await f.create_pool(creator, transfer_fen=70_000)
    await accounts.DissolvePool(pb.DissolvePoolRequest(request_id=rid(), pool_id=pool_id))
    for records in (await _records(accounts, pool_id=pool_id), await _records(accounts, psn_no=creator.psn_no)):
        assert records[0].kind == pb.TRANSACTION_KIND_POOL_RETURN
        assert (records[0].total_fen, _split(records[0])) == (70_000, [(OWN, 70_000, ""), (POOL, -70_000, pool_id)])


async def test_pages_of_two_across_five_records_have_no_gaps_or_repeats(accounts) -> None:
    f = Family(accounts)
    who = await f.person(credit_fen=50_000)
    for amount in (1_000, 2_000, 3_000, 4_000):
        await f.reserve(who, amount, (OWN,), debit_immediately=True)
    everything = await _records(accounts, psn_no=who.psn_no)
    assert len(everything) == 5

    pages = await _all_pages(accounts, 2, psn_no=who.psn_no)
    assert [len(p) for p in pages] == [2, 2, 1]
    ids = [r.journal_txn_id for p in pages for r in p]
    assert ids == [r.journal_txn_id for r in everything]  # same order, nothing missing, nothing twice
    assert len(set(ids)) == 5
    assert [r.total_fen for p in pages for r in p] == [4_000, 3_000, 2_000, 1_000, 50_000]


async def test_an_exact_number_of_pages_ends_without_an_empty_page(accounts) -> None:
    f = Family(accounts)
    who = await f.person(credit_fen=50_000)
    for amount in (1_000, 2_000, 3_000):
        await f.reserve(who, amount, (OWN,), debit_immediately=True)
    assert [len(p) for p in await _all_pages(accounts, 2, psn_no=who.psn_no)] == [2, 2]
    assert [len(p) for p in await _all_pages(accounts, 4, psn_no=who.psn_no)] == [4]
    assert [len(p) for p in await _all_pages(accounts, 0, psn_no=who.psn_no)] == [4]  # 0: the default page size


async def test_records_booked_while_paging_do_not_shift_later_pages(accounts) -> None:
    f = Family(accounts)
    who = await f.person(credit_fen=50_000)
    for amount in (1_000, 2_000, 3_000, 4_000):
        await f.reserve(who, amount, (OWN,), debit_immediately=True)
    first = await accounts.ListTransactions(pb.ListTransactionsRequest(psn_no=who.psn_no, page_size=2))
    await f.reserve(who, 9_000, (OWN,), debit_immediately=True)  # a new payment arrives meanwhile
    rest = await accounts.ListTransactions(
        pb.ListTransactionsRequest(psn_no=who.psn_no, page_size=10, page_token=first.next_page_token)
    )
    assert [r.total_fen for r in first.records] + [r.total_fen for r in rest.records] == [
        4_000,
        3_000,
        2_000,
        1_000,
        50_000,
    ]
    assert rest.next_page_token == ""


async def test_a_pools_records_page_too(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=300_000)
    pool_id = await f.create_pool(creator)
    for amount in (50_000, 51_000, 52_000, 53_000, 54_000):
        await f.transfer(pool_id, amount)
    pages = await _all_pages(accounts, 2, pool_id=pool_id)
    assert [[r.total_fen for r in p] for p in pages] == [[54_000, 53_000], [52_000, 51_000], [50_000]]


async def test_a_person_with_no_records_gets_an_empty_list(accounts) -> None:
    who = await Family(accounts).person(insurance=RESIDENT)
    page = await accounts.ListTransactions(pb.ListTransactionsRequest(psn_no=who.psn_no))
    assert (list(page.records), page.next_page_token) == ([], "")


@pytest.mark.parametrize(
    ("request_kw", "code", "reason"),
    [
        ({"psn_no": "NOBODY"}, grpc.StatusCode.NOT_FOUND, "PERSON_NOT_FOUND"),
        ({"pool_id": "999999999999"}, grpc.StatusCode.NOT_FOUND, "POOL_NOT_FOUND"),
        ({}, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT"),
        ({"psn_no": "P1", "page_size": 201}, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT"),
        ({"psn_no": "P1", "page_size": -1}, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT"),
        ({"psn_no": "P1", "page_token": "not-a-token"}, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT"),
    ],
    ids=["unknown-person", "unknown-pool", "neither", "page-too-big", "negative-page", "bad-token"],
)
async def test_bad_record_queries(accounts, request_kw: dict[str, Any], code: grpc.StatusCode, reason: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await accounts.ListTransactions(pb.ListTransactionsRequest(**request_kw))
    assert (err.value.code(), reason_of(err.value)) == (code, reason)


# ---------------------------------------------------------------- personal data (masked, never in clear)


async def test_get_person_returns_masked_name_and_id_number_only(accounts, database_url) -> None:
    f = Family(accounts)
    who = await f.person(credit_fen=1_000)
    person = (await accounts.GetPerson(pb.GetPersonRequest(psn_no=who.psn_no))).person
    assert person.id_number_masked == who.id_number[:6] + "********" + who.id_number[-4:]
    assert person.name_masked == "张*"
    assert (person.psn_no, person.insurance_type, person.region_code, person.status, person.has_personal_account) == (
        who.psn_no,
        cpb.INSURANCE_TYPE_EMPLOYEE,
        "630100",
        cpb.PERSON_STATUS_ACTIVE,
        True,
    )
    as_json = json_format.MessageToJson(person, ensure_ascii=False)
    raw = person.SerializeToString()
    assert who.id_number not in as_json and who.name not in as_json
    assert who.id_number.encode() not in raw and who.id_number[6:14] not in as_json  # not even the birth date
    # the database holds only the keyed hash and the masked form
    engine = make_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            row = (
                (await conn.execute(text("SELECT * FROM accounts.persons WHERE psn_no = :p"), {"p": who.psn_no}))
                .mappings()
                .one()
            )
    finally:
        await engine.dispose()
    stored = " ".join(str(v) for v in row.values())
    assert who.id_number not in stored and who.name not in stored


async def test_registration_and_pools_show_personal_data_masked_too(accounts) -> None:
    f = Family(accounts)
    relative = Insured(psn_no(), "欧阳娜娜", id_number())
    creator = await f.person(credit_fen=60_000)
    registered = (
        await accounts.RegisterPerson(
            pb.RegisterPersonRequest(
                request_id=rid(),
                psn_no=relative.psn_no,
                name=relative.name,
                id_number=relative.id_number,
                insurance_type=cpb.INSURANCE_TYPE_RESIDENT,
                region_code="630100",
            )
        )
    ).person
    assert (registered.name_masked, registered.has_personal_account) == ("欧***", False)
    assert relative.id_number not in json_format.MessageToJson(registered, ensure_ascii=False)
    pool_id = await f.create_pool(creator)
    invitation = (
        await accounts.InviteMember(
            pb.InviteMemberRequest(
                request_id=rid(),
                pool_id=pool_id,
                member_name=relative.name,
                member_id_number=relative.id_number,
                relation=cpb.RELATION_CHILD,
            )
        )
    ).invitation
    assert invitation.name_masked == "欧***"
    pool = (await accounts.GetPool(pb.GetPoolRequest(pool_id=pool_id))).pool
    pool_json = json_format.MessageToJson(pool, ensure_ascii=False)
    assert relative.name not in pool_json and relative.id_number not in pool_json


async def test_get_person_shows_the_pool_and_role(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    member = await f.person()
    pool_id = await f.create_pool(creator)
    await f.bind(pool_id, member)
    for who, role in ((creator, pb.POOL_ROLE_CREATOR), (member, pb.POOL_ROLE_MEMBER)):
        person = (await accounts.GetPerson(pb.GetPersonRequest(psn_no=who.psn_no))).person
        assert (person.pool_id, person.pool_role) == (pool_id, role)


async def test_get_unknown_person_is_person_not_found(accounts) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await accounts.GetPerson(pb.GetPersonRequest(psn_no=psn_no()))
    assert (err.value.code(), reason_of(err.value)) == (grpc.StatusCode.NOT_FOUND, "PERSON_NOT_FOUND")


async def test_refund_records_belong_to_whoever_got_the_money(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=100_000)
    member = await f.person(credit_fen=20_000)
    pool_id = await f.create_pool(creator, transfer_fen=50_000)
    await f.bind(pool_id, member)
    own_only = await f.reserve(member, 5_000, debit_immediately=True)
    await accounts.Refund(pb.RefundRequest(request_id=rid(), reservation_id=own_only.reservation_id, amount_fen=5_000))
    pool_kinds = [
        r.kind for r in (await accounts.ListTransactions(pb.ListTransactionsRequest(pool_id=pool_id))).records
    ]
    assert pb.TRANSACTION_KIND_REFUND not in pool_kinds  # the pool neither paid nor got anything back

    with_pool = await f.reserve(member, 30_000, debit_immediately=True)  # 20,000 own + 10,000 pool
    await accounts.DissolvePool(pb.DissolvePoolRequest(request_id=rid(), pool_id=pool_id))
    await accounts.Refund(
        pb.RefundRequest(request_id=rid(), reservation_id=with_pool.reservation_id, amount_fen=10_000)
    )
    creators = (await accounts.ListTransactions(pb.ListTransactionsRequest(psn_no=creator.psn_no))).records
    assert creators[0].kind == pb.TRANSACTION_KIND_REFUND and creators[0].payer_psn_no == member.psn_no
