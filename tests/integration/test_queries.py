"""Consumption records (rule 12) with their split per source, paging, and resident premiums for relatives (rule 11)."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import json_format

from gongji.accounts.v1 import accounts_pb2 as pb
from gongji.common.v1 import common_pb2 as cpb
from tests.integration.family import OWN, POOL, RESIDENT, Family
from tests.support import reason_of, rid

pytestmark = pytest.mark.usefixtures("ledger_clean")


async def test_records_page_without_gaps_or_repeats(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=100_000)
    member = await f.person(credit_fen=1_000)
    pool_id = await f.create_pool(creator, transfer_fen=50_000)
    await f.bind(pool_id, member)
    for amount in (2_000, 3_000, 4_000, 5_000):
        await f.reserve(member, amount, debit_immediately=True)
    seen, token = [], ""
    while True:
        page = await accounts.ListTransactions(pb.ListTransactionsRequest(pool_id=pool_id, page_size=2,
                                                                          page_token=token))
        assert len(page.records) <= 2
        seen += list(page.records)
        token = page.next_page_token
        if not token:
            break
    kinds = [r.kind for r in seen]
    assert kinds == [pb.TRANSACTION_KIND_PAYMENT] * 4 + [pb.TRANSACTION_KIND_POOL_TRANSFER]
    assert len({r.journal_txn_id for r in seen}) == 5
    first_payment = seen[3]  # oldest payment: 1,000 own + 1,000 pool
    assert first_payment.payer_psn_no == member.psn_no and first_payment.total_fen == 2_000
    assert sorted((s.source, s.amount_fen) for s in first_payment.split) == [(OWN, -1_000), (POOL, -1_000)]
    mine = (await accounts.ListTransactions(pb.ListTransactionsRequest(psn_no=member.psn_no))).records
    assert [r.kind for r in mine][-1] == pb.TRANSACTION_KIND_CONTRIBUTION and len(mine) == 5


async def test_resident_premium_for_a_relative(accounts) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=50_000)
    child = await f.person(insurance=RESIDENT)
    spouse = await f.person()

    def premium(beneficiary, amount: int = 38_000, relation: int = cpb.RELATION_CHILD, who=payer):  # type: ignore[no-untyped-def]
        return accounts.PayResidentPremium(pb.PayResidentPremiumRequest(
            request_id=rid(), payer_psn_no=who.psn_no, beneficiary_psn_no=beneficiary.psn_no, relation=relation,
            amount_fen=amount, premium_year=2027))

    out = await premium(child)
    assert out.payer_balance_fen == 12_000 and await f.own_balance(payer) == 12_000
    for call, reason in ((premium(spouse, relation=cpb.RELATION_SPOUSE), "NOT_RESIDENT_INSURED"),
                         (premium(child), "INSUFFICIENT_FUNDS"),
                         (premium(payer, who=child), "NO_PERSONAL_ACCOUNT")):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert reason_of(err.value) == reason
    records = (await accounts.ListTransactions(pb.ListTransactionsRequest(psn_no=payer.psn_no))).records
    assert records[0].kind == pb.TRANSACTION_KIND_RESIDENT_PREMIUM and records[0].total_fen == 38_000


async def test_get_person_never_returns_personal_data_in_clear(accounts) -> None:
    who = await Family(accounts).person()
    person = (await accounts.GetPerson(pb.GetPersonRequest(psn_no=who.psn_no))).person
    as_json = json_format.MessageToJson(person, ensure_ascii=False)
    assert who.id_number not in as_json and who.name not in as_json
    assert person.id_number_masked == who.id_number[:6] + "********" + who.id_number[-4:]
    assert person.name_masked == who.name[0] + "*"
