"""Queries over the journal: consumption records (rule 12), premiums for relatives (rule 11), ledger verification."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from services.accounts.domain import commands as cmd
from services.accounts.domain.journal import PREMIUM_COLLECTION, TxnKind, spend_own
from services.accounts.domain.model import InsuranceType, PersonStatus
from services.accounts.storage import journal, personal, persons, pools, verification
from services.accounts.usecases.env import Env
from services.accounts.views import Booked, LedgerReport, RecordView
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


async def pay_resident_premium(conn: AsyncConnection, env: Env, c: cmd.PayResidentPremium) -> Booked:
    """Rule 11: an employee-insured person pays a near relative's resident-insurance premium."""
    await persons.lock(conn, [c.payer_psn_no, c.beneficiary_psn_no])
    payer = await persons.get(conn, c.payer_psn_no)
    beneficiary = await persons.get(conn, c.beneficiary_psn_no)
    if not payer.person.insured:
        raise DomainError(Reason.PERSON_NOT_INSURED, "(payer)")
    if await personal.of(conn, c.payer_psn_no) is None:
        raise DomainError(Reason.NO_PERSONAL_ACCOUNT, "(payer)")
    if beneficiary.person.insurance_type is not InsuranceType.RESIDENT:
        raise DomainError(Reason.NOT_RESIDENT_INSURED)
    if beneficiary.person.status is PersonStatus.DECEASED or c.beneficiary_psn_no == c.payer_psn_no:
        raise DomainError(Reason.PERSON_NOT_INSURED, "(beneficiary)")
    if c.relation not in env.policy().relations:
        raise DomainError(Reason.RELATION_NOT_ALLOWED, f"({c.relation.value})", {"relation": c.relation.value})
    own = await personal.lock(conn, c.payer_psn_no, env.today().year)
    assert own is not None
    if own.available_fen < c.amount_fen:
        raise DomainError(Reason.INSUFFICIENT_FUNDS, "(payer's personal account)")
    parts = [(account, available) for _, account, available in own.parts_in(env.policy().own_account_order)]
    txn = await journal.book(
        conn,
        spend_own(
            TxnKind.RESIDENT_PREMIUM,
            parts,
            PREMIUM_COLLECTION,
            c.amount_fen,
            psn_no=c.payer_psn_no,
            description=f"resident premium {c.premium_year} for {c.beneficiary_psn_no}",
        ),
    )
    return Booked(txn, own.balance_fen - c.amount_fen)


async def verify(conn: AsyncConnection) -> LedgerReport:
    return await verification.verify(conn)
