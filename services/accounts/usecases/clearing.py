"""Clearing (清算, 3203): the fund pays an institution what its clearing account holds for a closed period. The
institution clearing account received every payment and gave back every refund; a payout is one journal transaction
out of it, never more than the institution's share of it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from services.accounts.domain import commands as cmd
from services.accounts.domain.journal import clearing_payout
from services.accounts.storage import journal
from services.accounts.views import Booked
from services.common.errors import DomainError, Reason


async def pay_out(conn: AsyncConnection, c: cmd.PayOutClearing) -> Booked:
    """Books the payout; answers with its journal transaction and what the institution's clearing holds after it."""
    held = await journal.institution_clearing(conn, c.fixmedins_code, lock=True)
    if c.amount_fen > held:
        raise DomainError(Reason.INSUFFICIENT_FUNDS, f"(the institution's clearing holds {held} fen)")
    txn = await journal.book(conn, clearing_payout(c.fixmedins_code, c.period, c.amount_fen))
    return Booked(txn, held - c.amount_fen)
