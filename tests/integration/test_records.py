"""Records that agree with balances (rule 12), over real gRPC and PostgreSQL: whose money each line of a record is,
what each person's records hold, the balance after every record, balances as of a moment, the annual statement, and
invitations of a dissolved pool."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from gongji.common.v1 import common_pb2 as cpb
from tools.kit import OWN, POOL, RESIDENT, Family, Insured, accept_request, fails, rid
from tools.kit import accounts_v1 as pb

pytestmark = pytest.mark.usefixtures("ledger_clean")

CURRENT, PRIOR = cpb.ACCOUNT_PART_CURRENT_YEAR, cpb.ACCOUNT_PART_PRIOR_YEARS
THIS_YEAR = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).year


def _lines(record: pb.TransactionRecord) -> list[tuple[int, int, str, str]]:
    """Each line of a record: source, signed fen, whose personal account, which pool."""
    return sorted((s.source, s.amount_fen, s.psn_no, s.pool_id) for s in record.split)


async def _all(accounts, page_size: int = 200, **owner: str) -> list[pb.TransactionRecord]:  # type: ignore[no-untyped-def]
    out: list[pb.TransactionRecord] = []
    token = ""
    while True:
        page = await accounts.ListTransactions(
            pb.ListTransactionsRequest(page_size=page_size, page_token=token, **owner)
        )
        out += page.records
        token = page.next_page_token
        if not token:
            return out


def _after(record: pb.TransactionRecord) -> tuple[int, int, int]:
    b = record.personal_balance_after
    return (b.current_year_fen, b.prior_years_fen, b.balance_fen)


async def _family(f: Family, own_fen: int = 2_000) -> tuple[Insured, Insured, str]:
    creator = await f.person(credit_fen=100_000)
    member = await f.person(credit_fen=own_fen)
    pool_id = await f.create_pool(creator, transfer_fen=50_000)
    await f.bind(pool_id, member)
    return creator, member, pool_id


# ---------------------------------------------------------------- 1. a dissolved pool's refund lands with its creator


async def test_a_refund_of_a_dissolved_pools_part_shows_as_the_creators_account_everywhere(accounts) -> None:
    f = Family(accounts)
    creator, member, pool_id = await _family(f)
    paid = await f.reserve(member, 12_000, debit_immediately=True, description="outpatient")  # 2,000 own, 10,000 pool
    await accounts.DissolvePool(pb.DissolvePoolRequest(request_id=rid(), pool_id=pool_id))  # 40,000 back now
    refund = await accounts.Refund(
        pb.RefundRequest(request_id=rid(), reservation_id=paid.reservation_id, amount_fen=12_000)
    )

    # the refund answer names the creator's personal account, not the pool
    assert sorted((p.source, p.destination, p.amount_fen, p.psn_no, p.pool_id, p.part) for p in refund.parts) == [
        (OWN, pb.REFUND_DESTINATION_PERSONAL_ACCOUNT, 2_000, member.psn_no, "", CURRENT),
        (POOL, pb.REFUND_DESTINATION_CREATOR_PERSONAL_ACCOUNT, 10_000, creator.psn_no, "", CURRENT),
    ]
    # the payer's record: both parts of the refund, each named by whose account got it
    mine = (await _all(accounts, psn_no=member.psn_no))[0]
    assert (mine.kind, mine.total_fen, mine.reservation_id) == (pb.TRANSACTION_KIND_REFUND, 12_000, paid.reservation_id)
    assert _lines(mine) == [(OWN, 2_000, member.psn_no, ""), (OWN, 10_000, creator.psn_no, "")]
    assert _after(mine) == (2_000, 0, 2_000)  # the member's own account: only her 2,000 came back
    # the creator's record and the pool's: the creator's account got 10,000; the dissolved pool got nothing
    creators = (await _all(accounts, psn_no=creator.psn_no))[0]
    assert (creators.kind, creators.total_fen, _lines(creators)) == (
        pb.TRANSACTION_KIND_REFUND,
        10_000,
        [(OWN, 10_000, creator.psn_no, "")],
    )
    assert _after(creators) == (100_000, 0, 100_000)  # 100,000 − 50,000 + 40,000 returned + 10,000 refunded
    pools = (await _all(accounts, pool_id=pool_id))[0]
    assert (pools.kind, _lines(pools)) == (pb.TRANSACTION_KIND_REFUND, [(OWN, 10_000, creator.psn_no, "")])
    assert pools.pool_balance_after.balance_fen == 0
    assert not any(s.source == POOL for r in (mine, creators, pools) for s in r.split)
    assert (await f.own_balance(creator), await f.own_balance(member)) == (100_000, 2_000)


# ---------------------------------------------------------------- 2. a captured authorization's description


async def test_a_captured_authorization_keeps_its_description_like_a_one_shot_payment(accounts) -> None:
    f = Family(accounts)
    who = await f.person(credit_fen=50_000)
    one_shot = await f.reserve(who, 3_000, (OWN,), debit_immediately=True, description="pharmacy")
    hold = await f.reserve(who, 20_000, (OWN,), description="inpatient deposit")
    await accounts.Debit(pb.DebitRequest(request_id=rid(), reservation_id=hold.reservation_id, amount_fen=15_000))
    captured, paid = (await _all(accounts, psn_no=who.psn_no))[:2]
    assert (captured.reservation_id, captured.description, captured.total_fen) == (
        hold.reservation_id,
        "inpatient deposit",
        15_000,
    )
    assert (paid.reservation_id, paid.description) == (one_shot.reservation_id, "pharmacy")
    assert _after(captured) == (32_000, 0, 32_000)


# ---------------------------------------------------------------- 3. each person's records are their money


async def test_each_persons_records_hold_their_money_and_not_a_relatives_own_account(accounts) -> None:
    f = Family(accounts)
    creator, member, pool_id = await _family(f, own_fen=3_000)
    child = await f.person(insurance=RESIDENT)
    await f.bind(pool_id, child, cpb.RELATION_CHILD)
    await f.reserve(member, 8_000, debit_immediately=True)  # 3,000 her own, 5,000 the pool
    await f.reserve(child, 1_500, debit_immediately=True)  # all the pool
    await f.reserve(creator, 1_000, (OWN,), debit_immediately=True)  # the creator's own account
    await f.credit(member, 4_000)

    members = await _all(accounts, psn_no=member.psn_no)
    assert [(r.kind, _lines(r)) for r in members] == [
        (pb.TRANSACTION_KIND_CONTRIBUTION, [(OWN, 4_000, member.psn_no, "")]),
        (pb.TRANSACTION_KIND_PAYMENT, [(OWN, -3_000, member.psn_no, ""), (POOL, -5_000, "", pool_id)]),
        (pb.TRANSACTION_KIND_CONTRIBUTION, [(OWN, 3_000, member.psn_no, "")]),
    ]  # none of the creator's contributions, transfers or payments, none of the child's
    assert [_after(r) for r in members] == [(4_000, 0, 4_000), (0, 0, 0), (3_000, 0, 3_000)]

    creators = await _all(accounts, psn_no=creator.psn_no)
    assert [(r.kind, r.payer_psn_no, r.total_fen, _lines(r)) for r in creators] == [
        (pb.TRANSACTION_KIND_PAYMENT, creator.psn_no, 1_000, [(OWN, -1_000, creator.psn_no, "")]),
        (pb.TRANSACTION_KIND_PAYMENT, child.psn_no, 1_500, [(POOL, -1_500, "", pool_id)]),
        (pb.TRANSACTION_KIND_PAYMENT, member.psn_no, 5_000, [(POOL, -5_000, "", pool_id)]),  # not her own 3,000
        (
            pb.TRANSACTION_KIND_POOL_TRANSFER,
            "",
            50_000,
            [(OWN, -50_000, creator.psn_no, ""), (POOL, 50_000, "", pool_id)],
        ),
        (pb.TRANSACTION_KIND_CONTRIBUTION, "", 100_000, [(OWN, 100_000, creator.psn_no, "")]),
    ]
    assert [_after(r) for r in creators] == [(49_000, 0, 49_000)] + [(50_000, 0, 50_000)] * 3 + [(100_000, 0, 100_000)]
    # a creator's record that moved the pool carries the pool's balance after it too
    assert [r.pool_balance_after.balance_fen if r.HasField("pool_balance_after") else None for r in creators] == [
        None,
        43_500,
        45_000,
        50_000,
        None,
    ]
    childs = await _all(accounts, psn_no=child.psn_no)
    assert [(r.kind, _lines(r)) for r in childs] == [(pb.TRANSACTION_KIND_PAYMENT, [(POOL, -1_500, "", pool_id)])]
    assert not childs[0].HasField("personal_balance_after")  # resident-insured: no personal account


# ---------------------------------------------------------------- 4. the balance after, as of, the annual statement


async def _age_current_year_part(database_url: str, who: Insured) -> None:
    """Makes the person's current-year part hold last year's money, as at a year's end: their next movement rolls it
    over (a ROLLOVER record) — the test cannot wait for New Year."""
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "UPDATE accounts.ledger_accounts SET current_year = current_year - 1 "
            "WHERE psn_no = $1 AND part = 'CURRENT'",
            who.psn_no,
        )
    finally:
        await conn.close()


def _ts(at: dt.datetime) -> Timestamp:
    out = Timestamp()
    out.FromDatetime(at)
    return out


async def _as_of(accounts, who: Insured, at: Timestamp | dt.datetime) -> pb.GetBalancesResponse:  # type: ignore[no-untyped-def]
    stamp = at if isinstance(at, Timestamp) else _ts(at)
    return await accounts.GetBalances(pb.GetBalancesRequest(psn_no=who.psn_no, as_of=stamp))


async def test_a_statement_reads_like_a_bank_statement_across_both_parts(accounts, database_url) -> None:
    f = Family(accounts)
    child = await f.person(insurance=RESIDENT)
    who = await f.person(credit_fen=50_000)
    await _age_current_year_part(database_url, who)  # the 50,000 is last year's now
    await f.reserve(who, 10_000, (OWN,), debit_immediately=True)  # rolls over first, then pays from prior years
    await f.credit(who, 20_000)  # this year's
    big = await f.reserve(who, 55_000, (OWN,), debit_immediately=True)  # 40,000 prior years, 15,000 this year
    await accounts.Refund(pb.RefundRequest(request_id=rid(), reservation_id=big.reservation_id, amount_fen=5_000))
    await f.credit(who, 40_000)
    premium = await accounts.PayResidentPremium(
        pb.PayResidentPremiumRequest(
            request_id=rid(),
            payer_psn_no=who.psn_no,
            beneficiary_psn_no=child.psn_no,
            relation=cpb.RELATION_CHILD,
            premium_year=THIS_YEAR + 1,
        )
    )
    assert premium.amount_fen == 40_000  # the standard (config/policy.toml)

    records = await _all(accounts, psn_no=who.psn_no)
    assert [(r.kind, _after(r)) for r in records] == [
        (pb.TRANSACTION_KIND_RESIDENT_PREMIUM, (10_000, 0, 10_000)),  # prior years first
        (pb.TRANSACTION_KIND_CONTRIBUTION, (45_000, 5_000, 50_000)),
        (pb.TRANSACTION_KIND_REFUND, (5_000, 5_000, 10_000)),  # back to the parts it came from, prior years first
        (pb.TRANSACTION_KIND_PAYMENT, (5_000, 0, 5_000)),
        (pb.TRANSACTION_KIND_CONTRIBUTION, (20_000, 40_000, 60_000)),
        (pb.TRANSACTION_KIND_PAYMENT, (0, 40_000, 40_000)),
        (pb.TRANSACTION_KIND_ROLLOVER, (0, 50_000, 50_000)),
        (pb.TRANSACTION_KIND_CONTRIBUTION, (50_000, 0, 50_000)),
    ]
    now = (await f.balances(who)).personal
    assert _after(records[0]) == (now.current_year_fen, now.prior_years_fen, now.balance_fen)
    # the same statement in pages of two: the balances after do not depend on the page
    assert [_after(r) for r in await _all(accounts, page_size=2, psn_no=who.psn_no)] == [_after(r) for r in records]

    # as of the moment of each record, GetBalances says what the record says; before the first, nothing
    for r in records:
        b = (await _as_of(accounts, who, r.booked_at)).personal
        assert (b.current_year_fen, b.prior_years_fen, b.balance_fen, b.held_fen) == (*_after(r), 0)
    first = records[-1].booked_at.ToDatetime(dt.UTC)
    assert (await _as_of(accounts, who, first - dt.timedelta(microseconds=1))).personal.balance_fen == 0

    # the annual statement: opening + every movement = closing, for each part and for both
    statement = await accounts.GetAnnualStatement(pb.GetAnnualStatementRequest(psn_no=who.psn_no, year=THIS_YEAR))
    current, prior, total = statement.current_year, statement.prior_years, statement.total
    assert (current.opening_fen, current.contributions_fen, current.rollover_fen, current.payments_fen) == (
        0,
        110_000,
        -50_000,
        -15_000,
    )
    assert (current.refunds_fen, current.premiums_fen, current.closing_fen) == (0, -35_000, 10_000)
    assert (prior.opening_fen, prior.rollover_fen, prior.payments_fen, prior.refunds_fen, prior.premiums_fen) == (
        0,
        50_000,
        -50_000,
        5_000,
        -5_000,
    )
    assert prior.closing_fen == 0
    for lines in (current, prior, total):
        movements = (
            lines.contributions_fen
            + lines.payments_fen
            + lines.transfers_to_pool_fen
            + lines.refunds_fen
            + lines.premiums_fen
            + lines.rollover_fen
            + lines.pool_returns_fen
        )
        assert lines.opening_fen + movements == lines.closing_fen
    assert (current.closing_fen, prior.closing_fen, total.closing_fen) == (
        now.current_year_fen,
        now.prior_years_fen,
        now.balance_fen,
    )
    assert (total.rollover_fen, total.payments_fen, total.refunds_fen, total.premiums_fen) == (
        0,
        -65_000,
        5_000,
        -40_000,
    )
    assert (statement.psn_no, statement.year) == (who.psn_no, THIS_YEAR)
    assert statement.period_start.ToDatetime(dt.UTC) == dt.datetime(THIS_YEAR - 1, 12, 31, 16, tzinfo=dt.UTC)
    # last year, before any of it: nothing; its closing is this year's opening
    last = await accounts.GetAnnualStatement(pb.GetAnnualStatementRequest(psn_no=who.psn_no, year=THIS_YEAR - 1))
    assert (last.total.opening_fen, last.total.closing_fen, last.total.contributions_fen) == (0, 0, 0)


async def test_balances_as_of_a_moment_show_the_pool_of_that_moment(accounts) -> None:
    f = Family(accounts)
    creator, member, pool_id = await _family(f)
    await f.reserve(member, 12_000, debit_immediately=True)  # 2,000 own, 10,000 pool
    while_bound = (await _all(accounts, psn_no=member.psn_no))[0]
    await accounts.DissolvePool(pb.DissolvePoolRequest(request_id=rid(), pool_id=pool_id))

    then = await _as_of(accounts, member, while_bound.booked_at)
    assert (then.pool_id, then.pool.balance_fen, then.personal.balance_fen) == (pool_id, 40_000, 0)
    assert while_bound.personal_balance_after.balance_fen == 0
    now = await _as_of(accounts, member, dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    assert (now.pool_id, now.HasField("pool")) == ("", False)  # the pool was dissolved since
    creator_now = await _as_of(accounts, creator, dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    assert creator_now.personal.balance_fen == await f.own_balance(creator) == 90_000


async def test_a_pools_records_carry_its_balance_after_each(accounts) -> None:
    f = Family(accounts)
    creator, member, pool_id = await _family(f)
    await f.credit(creator, 100_000)  # the creator keeps the 500-yuan minimum (rule 6): the pool may pay
    await f.transfer(pool_id, 50_000)
    await f.reserve(member, 7_000, debit_immediately=True)  # 2,000 own, 5,000 pool
    hold = await f.reserve(member, 3_000)  # the pool holds 3,000: booked balance unchanged
    await accounts.DissolvePool(pb.DissolvePoolRequest(request_id=rid(), pool_id=pool_id))
    await accounts.Release(pb.ReleaseRequest(request_id=rid(), reservation_id=hold.reservation_id))  # to the creator
    records = await _all(accounts, pool_id=pool_id)
    assert [(r.kind, r.pool_balance_after.balance_fen) for r in records] == [
        (pb.TRANSACTION_KIND_POOL_RETURN, 0),  # the released hold, on to the creator
        (pb.TRANSACTION_KIND_POOL_RETURN, 3_000),  # what was not held came back at once
        (pb.TRANSACTION_KIND_PAYMENT, 95_000),
        (pb.TRANSACTION_KIND_POOL_TRANSFER, 100_000),
        (pb.TRANSACTION_KIND_POOL_TRANSFER, 50_000),
    ]
    assert not any(r.HasField("personal_balance_after") for r in records)
    assert await f.own_balance(creator) == 200_000 - 100_000 + 92_000 + 3_000


@pytest.mark.parametrize(
    ("make", "code", "reason"),
    [
        (lambda who, child: {"psn_no": child.psn_no, "year": THIS_YEAR}, "FAILED_PRECONDITION", "NO_PERSONAL_ACCOUNT"),
        (lambda who, child: {"psn_no": "NOBODY", "year": THIS_YEAR}, "NOT_FOUND", "PERSON_NOT_FOUND"),
        (lambda who, child: {"psn_no": who.psn_no, "year": 1999}, "INVALID_ARGUMENT", "INVALID_ARGUMENT"),
        (lambda who, child: {"psn_no": who.psn_no}, "INVALID_ARGUMENT", "INVALID_ARGUMENT"),
    ],
    ids=["resident", "unknown", "year-1999", "no-year"],
)
async def test_bad_statement_requests(accounts, make: Any, code: str, reason: str) -> None:
    f = Family(accounts)
    who, child = await f.person(credit_fen=1_000), await f.person(insurance=RESIDENT)
    await fails(
        accounts.GetAnnualStatement(pb.GetAnnualStatementRequest(**make(who, child))),
        reason,
        getattr(grpc.StatusCode, code),
    )


async def test_a_balance_as_of_an_impossible_moment_is_invalid_argument(accounts) -> None:
    who = await Family(accounts).person(credit_fen=1_000)
    bad = Timestamp(seconds=-62_135_596_801)  # before the year 1
    await fails(_as_of(accounts, who, bad), "INVALID_ARGUMENT", grpc.StatusCode.INVALID_ARGUMENT)


# ---------------------------------------------------------------- 5. an invitation of a dissolved pool


@pytest.mark.parametrize("how", ["creator-dissolves", "creator-dies"])
async def test_every_invitation_rpc_of_a_dissolved_pool_says_pool_dissolved(accounts, how: str) -> None:
    f = Family(accounts)
    creator = await f.person(credit_fen=60_000)
    invited, declining, later = await f.person(), await f.person(), await f.person()
    pool_id = await f.create_pool(creator)
    accepting_id = await f.invite(pool_id, invited)
    declining_id = await f.invite(pool_id, declining, cpb.RELATION_CHILD)
    if how == "creator-dissolves":
        await accounts.DissolvePool(pb.DissolvePoolRequest(request_id=rid(), pool_id=pool_id))
    else:
        await accounts.RecordLifeEvent(pb.RecordLifeEventRequest(request_id=rid(), psn_no=creator.psn_no, died={}))
    failed = grpc.StatusCode.FAILED_PRECONDITION
    await fails(accounts.AcceptInvitation(accept_request(accepting_id, invited)), "POOL_DISSOLVED", failed)
    await fails(
        accounts.DeclineInvitation(pb.DeclineInvitationRequest(request_id=rid(), invitation_id=declining_id)),
        "POOL_DISSOLVED",
        failed,
    )
    await fails(f.invite(pool_id, later, cpb.RELATION_PARENT), "POOL_DISSOLVED", failed)
    for who in (invited, declining):
        assert (await f.balances(who)).pool_id == ""  # nobody joined
