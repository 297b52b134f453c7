"""Rule 8's two parts of the personal account over real gRPC and PostgreSQL: this year's money (当年) and prior
years' (历年); the year-end rollover, automatic at an account's first movement of the year or for everyone by the
registry's call; payments draw prior years first (policy), refunds go back to the part they came from.

The server's clock is real, so "last year's money" is made the one way a test can: the account's current-year part is
dated a year back in the database, as if its money had been credited last year and the year had turned since."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from gongji.common.v1 import common_pb2 as cpb
from services.accounts.usecases.env import CHINA
from tools.kit import OWN, POOL, Family, Insured, fails, rid
from tools.kit import accounts_v1 as pb

pytestmark = pytest.mark.usefixtures("ledger_clean")

THIS_YEAR = dt.datetime.now(CHINA).year
CURRENT, PRIOR = cpb.ACCOUNT_PART_CURRENT_YEAR, cpb.ACCOUNT_PART_PRIOR_YEARS


async def _year_turns(engine: AsyncEngine, *people: Insured) -> None:
    """The money in these people's current-year parts was credited last year."""
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE accounts.ledger_accounts SET current_year = :last WHERE psn_no = ANY(:p) AND part = 'CURRENT'"
            ),
            {"last": THIS_YEAR - 1, "p": [w.psn_no for w in people]},
        )


async def _parts(f: Family, who: Insured) -> tuple[int, int]:
    own = (await f.balances(who)).personal
    assert own.balance_fen == own.current_year_fen + own.prior_years_fen
    return own.prior_years_fen, own.current_year_fen


async def _credit(accounts, who: Insured, amount_fen: int) -> None:  # type: ignore[no-untyped-def]
    await accounts.CreditPersonalAccount(
        pb.CreditPersonalAccountRequest(request_id=rid(), psn_no=who.psn_no, amount_fen=amount_fen, memo="2027-01")
    )


async def _roll_over(accounts, **kw: int) -> pb.RollOverYearResponse:  # type: ignore[no-untyped-def]
    return await accounts.RollOverYear(pb.RollOverYearRequest(**{"request_id": rid(), "year": THIS_YEAR, **kw}))


async def test_a_contribution_credits_this_year_and_the_first_one_of_a_new_year_rolls_the_old_money_over(
    accounts, engine
) -> None:
    f = Family(accounts)
    who = await f.person(credit_fen=10_000)
    assert await _parts(f, who) == (0, 10_000)
    await _year_turns(engine, who)
    # before its first movement of the year, last year's money already counts as prior years'
    assert await _parts(f, who) == (10_000, 0)

    await _credit(accounts, who, 3_000)

    assert await _parts(f, who) == (10_000, 3_000)
    records = (await accounts.ListTransactions(pb.ListTransactionsRequest(psn_no=who.psn_no))).records
    assert [r.kind for r in records] == [
        pb.TRANSACTION_KIND_CONTRIBUTION,
        pb.TRANSACTION_KIND_ROLLOVER,
        pb.TRANSACTION_KIND_CONTRIBUTION,
    ]
    rollover = records[1]
    assert sorted((s.part, s.amount_fen) for s in rollover.split) == [(CURRENT, -10_000), (PRIOR, 10_000)]


async def test_a_payment_draws_prior_years_first_then_this_year_then_the_pool(accounts, engine) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=150_000)
    payer = await f.person(credit_fen=4_000)
    pool_id = await f.create_pool(creator, transfer_fen=50_000)
    await f.bind(pool_id, payer)
    await _year_turns(engine, payer)
    await _credit(accounts, payer, 1_000)  # prior years 4,000, this year 1,000

    paid = await f.reserve(payer, 7_000, debit_immediately=True)

    assert [(leg.source, leg.part, leg.debited_fen) for leg in paid.legs] == [
        (OWN, PRIOR, 4_000),
        (OWN, CURRENT, 1_000),
        (POOL, cpb.ACCOUNT_PART_UNSPECIFIED, 2_000),
    ]
    assert await _parts(f, payer) == (0, 0)
    record = (await accounts.ListTransactions(pb.ListTransactionsRequest(psn_no=payer.psn_no))).records[0]
    assert record.kind == pb.TRANSACTION_KIND_PAYMENT
    assert sorted((s.source, s.part, s.amount_fen) for s in record.split) == [
        (OWN, CURRENT, -1_000),
        (OWN, PRIOR, -4_000),
        (POOL, cpb.ACCOUNT_PART_UNSPECIFIED, -2_000),
    ]

    # rule 9: a refund goes back where the money came from, part by part (the pool first)
    refund = await accounts.Refund(
        pb.RefundRequest(request_id=rid(), reservation_id=paid.reservation_id, amount_fen=6_500)
    )
    assert [(p.source, p.part, p.amount_fen) for p in refund.parts] == [
        (POOL, cpb.ACCOUNT_PART_UNSPECIFIED, 2_000),
        (OWN, PRIOR, 4_000),
        (OWN, CURRENT, 500),
    ]
    assert await _parts(f, payer) == (4_000, 500)
    assert await f.pool_balance(pool_id) == 50_000


async def test_the_year_end_call_rolls_every_account_over_once_holds_included(accounts, engine) -> None:
    f = Family(accounts)
    held_for = await f.person(credit_fen=8_000)
    other = await f.person(credit_fen=2_500)
    hold = await f.reserve(held_for, 5_000, (OWN,))
    assert [(leg.part, leg.reserved_fen) for leg in hold.legs] == [(CURRENT, 5_000)]
    await _year_turns(engine, held_for, other)

    first = await _roll_over(accounts, max_accounts=1)  # a bureau may open the year in slices
    assert (first.year, first.rolled_accounts) == (THIS_YEAR, 1)
    assert first.remaining_accounts >= 1
    rest = await _roll_over(accounts)
    assert rest.remaining_accounts == 0
    assert first.rolled_accounts + rest.rolled_accounts >= 2
    assert first.moved_fen + rest.moved_fen >= 10_500

    assert await _parts(f, held_for) == (8_000, 0)
    assert await _parts(f, other) == (2_500, 0)
    own = (await f.balances(held_for)).personal
    assert (own.held_fen, own.available_fen) == (5_000, 3_000)  # the hold moved with the money

    again = await _roll_over(accounts)
    assert (again.rolled_accounts, again.moved_fen, again.remaining_accounts) == (0, 0, 0)

    # the hold made last year is debited from where its money is now, and refunded there
    debited = await accounts.Debit(
        pb.DebitRequest(request_id=rid(), reservation_id=hold.reservation_id, amount_fen=5_000)
    )
    assert [(leg.part, leg.debited_fen) for leg in debited.reservation.legs] == [(PRIOR, 5_000)]
    refund = await accounts.Refund(
        pb.RefundRequest(request_id=rid(), reservation_id=hold.reservation_id, amount_fen=1_000)
    )
    assert [(p.part, p.amount_fen) for p in refund.parts] == [(PRIOR, 1_000)]
    assert await _parts(f, held_for) == (4_000, 0)


async def test_the_year_end_call_replays_its_answer_and_opens_only_the_current_year(accounts) -> None:
    request = pb.RollOverYearRequest(request_id=rid(), year=THIS_YEAR)
    first = await accounts.RollOverYear(request)
    assert await accounts.RollOverYear(request) == first
    for year in (THIS_YEAR + 1, THIS_YEAR - 1):
        await fails(
            accounts.RollOverYear(pb.RollOverYearRequest(request_id=rid(), year=year)),
            "YEAR_NOT_CURRENT",
            grpc.StatusCode.FAILED_PRECONDITION,
        )
    await fails(
        accounts.RollOverYear(pb.RollOverYearRequest(request_id=rid(), year=0)),
        "INVALID_ARGUMENT",
        grpc.StatusCode.INVALID_ARGUMENT,
    )
