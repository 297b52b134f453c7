"""Queries over the journal: consumption records (rule 12), premiums for relatives (rule 11), ledger verification."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncConnection

from services.accounts.domain import commands as cmd
from services.accounts.domain import records, rules
from services.accounts.domain.journal import PREMIUM_COLLECTION, TxnKind, spend_own
from services.accounts.domain.model import Part
from services.accounts.storage import journal, personal, persons, pools, premiums, verification
from services.accounts.usecases.env import CHINA, Env
from services.accounts.views import (
    BalancesView,
    BalanceView,
    LedgerReport,
    PersonalBalanceView,
    PremiumPaid,
    RecordView,
    StatementView,
)
from services.common.errors import DomainError, Reason


async def list_records(conn: AsyncConnection, c: cmd.ListTransactions) -> tuple[list[RecordView], int | None]:
    """A page of records, newest first, each with the balances after it, and the id to continue before (None on the
    last page). Who sees what: domain/records.py."""
    if c.owner.pool_id is not None:
        pool = await pools.get_row(conn, c.owner.pool_id)
        reader = records.Reader(
            pool_id=pool.pool_id, pools={pool.account_id: pool.pool_id}, creator_psn_no=pool.creator_psn_no
        )
        own = None
    else:
        await persons.get(conn, c.owner.psn_no)
        created = await pools.created_by(conn, c.owner.psn_no)
        reader = records.Reader(psn_no=c.owner.psn_no, pools={p.account_id: p.pool_id for p in created})
        own = await personal.of(conn, c.owner.psn_no)
    rows, upto = await journal.records(
        conn, psn_no=c.owner.psn_no or None, pool_id=c.owner.pool_id, before_id=c.before_id, limit=c.page_size + 1
    )
    more = len(rows) > c.page_size
    rows = rows[: c.page_size]
    afters = records.balances_after([r.lines for r in rows], upto)
    return [_record(r, reader, own, after) for r, after in zip(rows, afters, strict=True)], (
        rows[-1].journal_txn_id if more else None
    )


def _record(
    r: journal.RecordRow, reader: records.Reader, own: personal.PersonalAccount | None, after: dict[int, int]
) -> RecordView:
    personal_after = None
    if own is not None:
        personal_after = PersonalBalanceView(
            BalanceView(after.get(own.current_id, 0), 0), BalanceView(after.get(own.prior_id, 0), 0)
        )
    moved_pools = [line.account_id for line in r.lines if line.account_id in reader.pools]
    pool_account = next(iter(reader.pools)) if reader.is_pool else next(iter(moved_pools), None)
    pool_after = BalanceView(after.get(pool_account, 0), 0) if pool_account is not None else None
    return RecordView(
        r.journal_txn_id,
        r.kind,
        r.booked_at,
        r.psn_no,
        r.pool_id,
        r.fixmedins_code,
        r.reservation_id,
        r.description,
        reader.lines(r.kind, r.psn_no, r.lines, r.beneficiary_psn_no),
        r.booked_by,
        personal_after,
        pool_after,
        r.beneficiary_psn_no,
        r.premium_year,
    )


async def annual_statement(conn: AsyncConnection, c: cmd.AnnualStatement) -> StatementView:
    """Rule 12: a person's personal account over a calendar year (Asia/Shanghai), per part, as booked."""
    await persons.get(conn, c.psn_no)
    if await personal.of(conn, c.psn_no) is None:
        raise DomainError(Reason.NO_PERSONAL_ACCOUNT, metadata={"psn_no": c.psn_no})
    start = dt.datetime(c.year, 1, 1, tzinfo=CHINA)
    end = dt.datetime(c.year + 1, 1, 1, tzinfo=CHINA)
    sums = await journal.year_of(conn, c.psn_no, start, end)

    def part(p: Part) -> records.StatementLines:
        by_kind = {line: fen for (part, line), fen in sums.items() if part == p.value}
        opening, closing = by_kind.pop("OPENING", 0), by_kind.pop("CLOSING", 0)
        return records.StatementLines.of(opening, by_kind, closing)

    return StatementView(c.psn_no, c.year, start, end, part(Part.CURRENT), part(Part.PRIOR))


async def pay_resident_premium(conn: AsyncConnection, env: Env, c: cmd.PayResidentPremium) -> PremiumPaid:
    """Rule 11: an employee pays a near relative's resident premium — the standard of that insurance year and the
    relative's region — from the personal account (its parts in the policy's order), once per relative and year
    whoever pays. Both people's records show it."""
    await persons.lock(conn, [c.payer_psn_no, c.beneficiary_psn_no])
    payer = await persons.get(conn, c.payer_psn_no)
    beneficiary = await persons.get(conn, c.beneficiary_psn_no)
    policy = env.policy()
    standard = env.policies.for_insurance_year(c.premium_year).resident_premium_for(beneficiary.person.region_code)
    ask = rules.PremiumRequest(c.relation, c.premium_year, c.amount_fen, standard, env.today().year)
    rules.first(rules.premium_violations(payer.person, beneficiary.person, ask, policy))
    if await premiums.paid(conn, c.beneficiary_psn_no, c.premium_year):
        raise _already_paid(c)
    own = await personal.lock(conn, c.payer_psn_no, env.today().year)
    if own is None:
        raise DomainError(Reason.NO_PERSONAL_ACCOUNT, "(payer)")
    if own.available_fen < standard:
        raise DomainError(Reason.INSUFFICIENT_FUNDS, "(payer's personal account)")
    parts = [(account, available) for _, account, available in own.parts_in(policy.own_account_order)]
    txn = await journal.book(
        conn,
        spend_own(
            TxnKind.RESIDENT_PREMIUM,
            parts,
            PREMIUM_COLLECTION,
            standard,
            psn_no=c.payer_psn_no,
            description=f"resident premium {c.premium_year} for {c.beneficiary_psn_no}",
        ),
    )
    # The unique constraint decides between two payers at the same moment: the second finds the row and rolls back.
    if not await premiums.insert(
        conn, premiums.Premium(c.beneficiary_psn_no, c.premium_year, c.payer_psn_no, standard, txn)
    ):
        raise _already_paid(c)
    return PremiumPaid(txn, standard, own.balance_fen - standard)


def _already_paid(c: cmd.PayResidentPremium) -> DomainError:
    return DomainError(Reason.PREMIUM_ALREADY_PAID, metadata={"premium_year": str(c.premium_year)})


async def balances_as_of(conn: AsyncConnection, c: cmd.BalancesQuery) -> BalancesView:
    """A person's balances as booked at a past moment (rule 12): both parts of the own account, and the pool they
    created or belonged to then. Holds are not kept per moment: held is 0."""
    assert c.as_of is not None
    await persons.get(conn, c.psn_no)
    own = await personal.of(conn, c.psn_no)
    pool = await pools.of_person_at(conn, c.psn_no, c.as_of)
    found = await journal.balances_as_of(
        conn, [*((own.current_id, own.prior_id) if own else ()), pool.account_id if pool else None], c.as_of
    )
    return BalancesView(
        c.psn_no,
        PersonalBalanceView(BalanceView(found[own.current_id], 0), BalanceView(found[own.prior_id], 0))
        if own
        else None,
        pool.pool_id if pool else None,
        BalanceView(found[pool.account_id], 0) if pool else None,
    )


async def verify(conn: AsyncConnection) -> LedgerReport:
    return await verification.verify(conn)
