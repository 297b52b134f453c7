"""Queries over the journal: consumption records (rule 12), premiums for relatives (rule 11), ledger verification."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from services.accounts.domain.model import InsuranceType, PersonStatus, Relation, Source
from services.accounts.storage import repository as repo
from services.accounts.usecases.env import Env
from services.accounts.views import LedgerReport, RecordView
from services.common.errors import DomainError


async def list_records(conn: AsyncConnection, psn_no: str, pool_id: int | None, before_id: int | None,
                       limit: int) -> tuple[list[RecordView], int | None]:
    """A page of records, newest first, and the id to continue before (None on the last page)."""
    if pool_id is not None:
        await repo.get_pool_row(conn, pool_id)
    else:
        await repo.get_person(conn, psn_no)
    rows = await repo.records(conn, psn_no=psn_no or None, pool_id=pool_id, before_id=before_id, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].journal_txn_id if more else None)


async def pay_resident_premium(conn: AsyncConnection, env: Env, payer_psn_no: str, beneficiary_psn_no: str,
                               relation: Relation, amount_fen: int, premium_year: int) -> tuple[int, int]:
    """Rule 11. Returns (payer balance after, journal txn id)."""
    await repo.lock_persons(conn, [payer_psn_no, beneficiary_psn_no])
    payer = await repo.get_person(conn, payer_psn_no)
    beneficiary = await repo.get_person(conn, beneficiary_psn_no)
    if not payer.person.insured:
        raise DomainError("PERSON_NOT_INSURED", "(payer)")
    account = await repo.personal_account_id(conn, payer_psn_no)
    if account is None:
        raise DomainError("NO_PERSONAL_ACCOUNT", "(payer)")
    if beneficiary.person.insurance_type is not InsuranceType.RESIDENT:
        raise DomainError("NOT_RESIDENT_INSURED")
    if beneficiary.person.status is PersonStatus.DECEASED or beneficiary_psn_no == payer_psn_no:
        raise DomainError("PERSON_NOT_INSURED", "(beneficiary)")
    if relation not in env.policy().relations:
        raise DomainError("RELATION_NOT_ALLOWED", f"({relation.value})", {"relation": relation.value})
    locked = await repo.lock_accounts(conn, [account])
    if locked[account].available_fen < amount_fen:
        raise DomainError("INSUFFICIENT_FUNDS", "(payer's personal account)")
    txn = await repo.post(conn, "RESIDENT_PREMIUM", [
        repo.Entry(account, -amount_fen, Source.PERSONAL_ACCOUNT),
        repo.Entry(repo.PREMIUM_COLLECTION, amount_fen)], psn_no=payer_psn_no,
        description=f"resident premium {premium_year} for {beneficiary_psn_no}")
    return locked[account].balance_fen - amount_fen, txn


async def verify(conn: AsyncConnection) -> LedgerReport:
    problems, accounts, txns = await repo.ledger_problems(conn)
    return LedgerReport(problems, accounts, txns)
