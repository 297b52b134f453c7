"""Queries over the journal: consumption records (rule 12), premiums for relatives (rule 11), ledger verification."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from services.accounts.domain import commands as cmd
from services.accounts.domain import rules
from services.accounts.domain.journal import PREMIUM_COLLECTION, TxnKind, spend_own
from services.accounts.storage import journal, personal, persons, pools, premiums, verification
from services.accounts.usecases.env import Env
from services.accounts.views import LedgerReport, PremiumPaid, RecordView
from services.common.errors import DomainError, Reason


async def list_records(conn: AsyncConnection, c: cmd.ListTransactions) -> tuple[list[RecordView], int | None]:
    """A page of records, newest first, and the id to continue before (None on the last page)."""
    if c.owner.pool_id is not None:
        await pools.get_row(conn, c.owner.pool_id)
    else:
        await persons.get(conn, c.owner.psn_no)
    rows = await journal.records(
        conn, psn_no=c.owner.psn_no or None, pool_id=c.owner.pool_id, before_id=c.before_id, limit=c.page_size + 1
    )
    more = len(rows) > c.page_size
    rows = rows[: c.page_size]
    return rows, (rows[-1].journal_txn_id if more else None)


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


async def verify(conn: AsyncConnection) -> LedgerReport:
    return await verification.verify(conn)
