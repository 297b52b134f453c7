"""Resident premiums paid for relatives (rule 11): at most one per beneficiary and insurance year, whoever pays — the
database's unique constraint says so, not only a check before it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from services.accounts.storage import sql


@dataclass(frozen=True)
class Premium:
    beneficiary_psn_no: str
    premium_year: int
    payer_psn_no: str
    amount_fen: int
    journal_txn_id: int


async def paid(conn: AsyncConnection, beneficiary_psn_no: str, premium_year: int) -> bool:
    """Whether the beneficiary's premium of that year is paid (committed, or by this transaction)."""
    row = await conn.execute(
        sql(
            "SELECT 1 FROM accounts.resident_premiums "
            "WHERE beneficiary_psn_no = :beneficiary_psn_no AND premium_year = :premium_year"
        ),
        {"beneficiary_psn_no": beneficiary_psn_no, "premium_year": premium_year},
    )
    return row.first() is not None


async def insert(conn: AsyncConnection, p: Premium) -> bool:
    """Records the payment; False when the beneficiary's premium of that year is paid already (another payer won: the
    caller's transaction must not commit)."""
    row = await conn.execute(
        sql(
            "INSERT INTO accounts.resident_premiums (beneficiary_psn_no, premium_year, payer_psn_no, amount_fen, "
            "journal_txn_id) VALUES (:beneficiary_psn_no, :premium_year, :payer_psn_no, :amount_fen, "
            ":journal_txn_id) ON CONFLICT (beneficiary_psn_no, premium_year) DO NOTHING RETURNING id"
        ),
        {
            "beneficiary_psn_no": p.beneficiary_psn_no,
            "premium_year": p.premium_year,
            "payer_psn_no": p.payer_psn_no,
            "amount_fen": p.amount_fen,
            "journal_txn_id": p.journal_txn_id,
        },
    )
    return row.first() is not None
