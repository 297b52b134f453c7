"""Rule 11 (居民医保缴费代缴) over real gRPC and PostgreSQL: an employee pays a near relative's resident premium from
the personal account — the standard of that insurance year and the relative's region, once per relative and year
whoever pays — and both people's records show it."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from gongji.common.v1 import common_pb2 as cpb
from services.accounts.domain.policy import PolicyBook
from services.common.db import make_engine
from tools.kit import OWN, RESIDENT, Family, Insured, bad_fields, fails, psn_no, rid
from tools.kit import accounts_v1 as pb

pytestmark = pytest.mark.usefixtures("ledger_clean")

FAILED = grpc.StatusCode.FAILED_PRECONDITION
POLICY = PolicyBook.load(Path(__file__).resolve().parents[2] / "config" / "policy.toml")
THIS_YEAR = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).year  # the insurance year, in China's calendar
NEXT_YEAR = THIS_YEAR + 1
STANDARD = POLICY.for_insurance_year(NEXT_YEAR).resident_premium_for("630100")  # 40,000 fen as configured


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url, pool_size=2)
    yield engine
    await engine.dispose()


def _premium(
    accounts: Any,
    payer: Insured,
    beneficiary: Insured,
    relation: int = cpb.RELATION_CHILD,
    year: int = NEXT_YEAR,
    amount: int = 0,
    request_id: str = "",
) -> Any:
    return accounts.PayResidentPremium(
        pb.PayResidentPremiumRequest(
            request_id=request_id or rid(),
            payer_psn_no=payer.psn_no,
            beneficiary_psn_no=beneficiary.psn_no,
            relation=relation,
            amount_fen=amount,
            premium_year=year,
        )
    )


async def _records(accounts: Any, who: Insured) -> list[Any]:
    return list((await accounts.ListTransactions(pb.ListTransactionsRequest(psn_no=who.psn_no))).records)


async def _kinds(accounts: Any, who: Insured) -> list[int]:
    return [r.kind for r in await _records(accounts, who)]


# ---------------------------------------------------------------- paying


def test_the_configured_standard_is_400_yuan_from_2025_and_380_in_2024() -> None:
    assert STANDARD == POLICY.for_insurance_year(2025).resident_premium_fen == 40_000
    assert POLICY.for_insurance_year(2024).resident_premium_fen == 38_000


async def test_the_standard_premium_is_paid_and_both_people_see_it(accounts) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=STANDARD + 5_000)
    child = await f.person(insurance=RESIDENT)

    out = await _premium(accounts, payer, child)

    assert (out.amount_fen, out.payer_balance_fen) == (STANDARD, 5_000)
    assert await f.own_balance(payer) == 5_000
    for who in (payer, child):
        record = (await _records(accounts, who))[0]
        assert (record.journal_txn_id, record.kind, record.total_fen) == (
            out.journal_txn_id,
            pb.TRANSACTION_KIND_RESIDENT_PREMIUM,
            STANDARD,
        )
        assert (record.payer_psn_no, record.beneficiary_psn_no, record.premium_year) == (
            payer.psn_no,
            child.psn_no,
            NEXT_YEAR,
        )
        assert [(s.source, s.amount_fen) for s in record.split] == [(OWN, -STANDARD)]
    assert await _kinds(accounts, child) == [pb.TRANSACTION_KIND_RESIDENT_PREMIUM]  # nothing else of the payer's


async def test_an_amount_equal_to_the_standard_is_accepted_any_other_is_refused(accounts) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=3 * STANDARD)
    child = await f.person(insurance=RESIDENT)
    for wrong in (STANDARD - 1, STANDARD + 1, 38_000 if STANDARD != 38_000 else 35_000):
        err = await fails(
            _premium(accounts, payer, child, amount=wrong),
            "PREMIUM_AMOUNT_NOT_STANDARD",
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert str(STANDARD) in err.details()
    assert await f.own_balance(payer) == 3 * STANDARD
    assert (await _premium(accounts, payer, child, amount=STANDARD)).amount_fen == STANDARD


async def test_the_current_year_can_be_paid_too_but_no_year_outside_those_open(accounts) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=2 * STANDARD)
    child = await f.person(insurance=RESIDENT)
    for year in (THIS_YEAR - 1, NEXT_YEAR + 1, 2100):
        err = await fails(_premium(accounts, payer, child, year=year), "PREMIUM_YEAR_NOT_OPEN", FAILED)
        assert f"{THIS_YEAR} to {NEXT_YEAR}" in err.details()
    out = await _premium(accounts, payer, child, year=THIS_YEAR)
    assert out.amount_fen == POLICY.for_insurance_year(THIS_YEAR).resident_premium_for("630100")
    assert (await _premium(accounts, payer, child, year=NEXT_YEAR)).amount_fen == STANDARD


async def test_prior_years_money_pays_first_as_for_payments(accounts, engine) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=30_000)
    child = await f.person(insurance=RESIDENT)
    async with engine.begin() as conn:  # the 30,000 become last year's: the next movement rolls them over
        await conn.execute(
            text(
                "UPDATE accounts.ledger_accounts SET current_year = current_year - 1 "
                "WHERE psn_no = :p AND part = 'CURRENT'"
            ),
            {"p": payer.psn_no},
        )
    await f.credit(payer, STANDARD)  # this year's
    out = await _premium(accounts, payer, child)
    record = (await _records(accounts, payer))[0]
    assert record.journal_txn_id == out.journal_txn_id
    assert [(s.part, s.amount_fen) for s in record.split] == [
        (cpb.ACCOUNT_PART_PRIOR_YEARS, -30_000),
        (cpb.ACCOUNT_PART_CURRENT_YEAR, -(STANDARD - 30_000)),
    ]
    balances = (await f.balances(payer)).personal
    assert (balances.prior_years_fen, balances.current_year_fen) == (0, 30_000)


async def test_a_replay_answers_the_same_and_pays_once(accounts) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=2 * STANDARD)
    child = await f.person(insurance=RESIDENT)
    request_id = rid()
    first = await _premium(accounts, payer, child, request_id=request_id)
    again = await _premium(accounts, payer, child, request_id=request_id)
    assert again == first and await f.own_balance(payer) == STANDARD
    await fails(_premium(accounts, payer, child, year=THIS_YEAR, request_id=request_id), "REQUEST_ID_REUSED")


# ---------------------------------------------------------------- once per relative and year, whoever pays


async def test_a_second_payment_for_the_same_relative_and_year_is_refused_whoever_pays(accounts) -> None:
    f = Family(accounts)
    mother = await f.person(credit_fen=2 * STANDARD)
    father = await f.person(credit_fen=2 * STANDARD)
    child = await f.person(insurance=RESIDENT)
    await _premium(accounts, mother, child)
    for payer in (mother, father):
        err = await fails(_premium(accounts, payer, child), "PREMIUM_ALREADY_PAID", grpc.StatusCode.ALREADY_EXISTS)
        assert "already been paid" in err.details()
    assert (await f.own_balance(mother), await f.own_balance(father)) == (STANDARD, 2 * STANDARD)
    assert await _kinds(accounts, child) == [pb.TRANSACTION_KIND_RESIDENT_PREMIUM]
    # another year is another premium
    assert (await _premium(accounts, father, child, year=THIS_YEAR)).journal_txn_id


async def test_two_payers_at_the_same_moment_exactly_one_pays(accounts) -> None:
    f = Family(accounts)
    payers = [await f.person(credit_fen=STANDARD) for _ in range(4)]
    child = await f.person(insurance=RESIDENT)
    results = await asyncio.gather(*(_premium(accounts, p, child) for p in payers), return_exceptions=True)
    paid = [r for r in results if isinstance(r, pb.PayResidentPremiumResponse)]
    refused = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(paid) == 1 and len(refused) == 3, results
    assert {r.code() for r in refused} == {grpc.StatusCode.ALREADY_EXISTS}
    assert sorted([await f.own_balance(p) for p in payers]) == [0, STANDARD, STANDARD, STANDARD]
    assert await _kinds(accounts, child) == [pb.TRANSACTION_KIND_RESIDENT_PREMIUM]


async def test_the_database_itself_refuses_a_second_premium_of_a_year(accounts, engine) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=STANDARD)
    child = await f.person(insurance=RESIDENT)
    out = await _premium(accounts, payer, child)
    with pytest.raises(IntegrityError, match="one_premium_per_beneficiary_and_year"):
        async with engine.begin() as conn:
            await conn.execute(text("SELECT set_config('gongji.actor', 'TEST:premiums', true)"))
            await conn.execute(
                text(
                    "INSERT INTO accounts.resident_premiums (beneficiary_psn_no, premium_year, payer_psn_no, "
                    "amount_fen, journal_txn_id) VALUES (:b, :y, :p, 1, :t)"
                ),
                {"b": child.psn_no, "y": NEXT_YEAR, "p": payer.psn_no, "t": int(out.journal_txn_id) + 10**9},
            )


# ---------------------------------------------------------------- who may pay for whom


async def test_only_a_resident_insured_relative_premium_can_be_paid(accounts) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=STANDARD)
    spouse = await f.person()
    await fails(_premium(accounts, payer, spouse, cpb.RELATION_SPOUSE), "NOT_RESIDENT_INSURED", FAILED)
    await fails(_premium(accounts, payer, payer, cpb.RELATION_SPOUSE), "NOT_RESIDENT_INSURED", FAILED)
    assert await f.own_balance(payer) == STANDARD


async def test_any_near_relative_in_todays_premium_set_may_be_paid_for(accounts) -> None:
    # (Before 2024-12 the set was spouse, parent and child: tests/unit/test_rules.py checks a sibling refused then.)
    f = Family(accounts)
    payer = await f.person(credit_fen=2 * STANDARD)
    for relation in (cpb.RELATION_GRANDPARENT_MATERNAL, cpb.RELATION_SIBLING):
        relative = await f.person(insurance=RESIDENT)
        assert (await _premium(accounts, payer, relative, relation)).amount_fen == STANDARD


async def test_a_relative_in_another_coordinating_region_is_refused(accounts) -> None:
    f = Family(accounts)
    payer = await f.person(region="630102", credit_fen=STANDARD)
    far = await f.person(insurance=RESIDENT, region="630202")  # 海东
    near = await f.person(insurance=RESIDENT, region="630121")  # 大通县, 西宁 like the payer
    await fails(_premium(accounts, payer, far), "DIFFERENT_REGION", FAILED)
    assert (await _premium(accounts, payer, near)).amount_fen == STANDARD


async def test_the_payer_must_be_an_insured_employee_with_enough_money(accounts) -> None:
    f = Family(accounts)
    child = await f.person(insurance=RESIDENT)
    resident_parent = await f.person(insurance=RESIDENT)
    await fails(_premium(accounts, resident_parent, child), "NO_PERSONAL_ACCOUNT", FAILED)
    poor = await f.person(credit_fen=STANDARD - 1)
    await fails(_premium(accounts, poor, child), "INSUFFICIENT_FUNDS", FAILED)
    held = await f.person(credit_fen=STANDARD)
    hold = await f.reserve(held, 1, (OWN,))  # held money is not available
    await fails(_premium(accounts, held, child), "INSUFFICIENT_FUNDS", FAILED)
    await accounts.Release(pb.ReleaseRequest(request_id=rid(), reservation_id=hold.reservation_id))
    suspended = await f.person(credit_fen=STANDARD)
    await accounts.RecordLifeEvent(
        pb.RecordLifeEventRequest(request_id=rid(), psn_no=suspended.psn_no, insurance_suspended={})
    )
    await fails(_premium(accounts, suspended, child), "PERSON_NOT_INSURED", FAILED)
    assert [await f.own_balance(p) for p in (poor, held, suspended)] == [STANDARD - 1, STANDARD, STANDARD]
    assert await _kinds(accounts, child) == []


async def test_a_pool_member_pays_from_their_own_account_not_the_pool(accounts) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=120_000)
    spouse = await f.person(credit_fen=10_000)
    child = await f.person(insurance=RESIDENT)
    pool_id = await f.create_pool(creator, transfer_fen=60_000)
    await f.bind(pool_id, spouse)
    await fails(_premium(accounts, spouse, child), "INSUFFICIENT_FUNDS", FAILED)
    assert (await f.own_balance(spouse), await f.pool_balance(pool_id)) == (10_000, 60_000)


async def test_a_deceased_relative_or_payer_is_refused(accounts) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=STANDARD)
    child = await f.person(insurance=RESIDENT)
    await accounts.RecordLifeEvent(pb.RecordLifeEventRequest(request_id=rid(), psn_no=child.psn_no, died={}))
    await fails(_premium(accounts, payer, child), "PERSON_NOT_INSURED", FAILED)
    other = await f.person(insurance=RESIDENT)
    await accounts.RecordLifeEvent(pb.RecordLifeEventRequest(request_id=rid(), psn_no=payer.psn_no, died={}))
    await fails(_premium(accounts, payer, other), "PERSON_NOT_INSURED", FAILED)
    assert await f.own_balance(payer) == STANDARD


async def test_an_unknown_relative_is_person_not_found(accounts) -> None:
    f = Family(accounts)
    payer = await f.person(credit_fen=STANDARD)
    await fails(_premium(accounts, payer, Insured(psn_no(), "", "")), "PERSON_NOT_FOUND", grpc.StatusCode.NOT_FOUND)
    assert await f.own_balance(payer) == STANDARD


async def test_bad_premium_requests_name_every_bad_field(accounts) -> None:
    err = await fails(
        accounts.PayResidentPremium(
            pb.PayResidentPremiumRequest(
                request_id=rid(), payer_psn_no="P1", beneficiary_psn_no="P 2", amount_fen=-1, premium_year=1999
            )
        ),
        "INVALID_ARGUMENT",
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert set(bad_fields(err)) == {"beneficiary_psn_no", "relation", "amount_fen", "premium_year"}
