"""Institution clearing (清算, 3203): the fund pays an institution what its clearing account holds for a closed period
(the institution clearing account received every payment and gave back every refund; a payout is one journal
transaction out of it, never more than the institution's share of it); and a refund settlement reversed is taken back
into it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from services.accounts.domain import commands as cmd
from services.accounts.domain.journal import clearing_payout
from services.accounts.domain.model import Source
from services.accounts.domain.refund_reversal import take_back
from services.accounts.storage import journal, reservations
from services.accounts.usecases import payments
from services.accounts.usecases.env import Env
from services.accounts.views import Booked, ReservationView
from services.common.errors import DomainError, Reason


async def pay_out(conn: AsyncConnection, c: cmd.PayOutClearing) -> Booked:
    """Books the payout; answers with its journal transaction and what the institution's clearing holds after it."""
    held = await journal.institution_clearing(conn, c.fixmedins_code, lock=True)
    if c.amount_fen > held:
        raise DomainError(Reason.INSUFFICIENT_FUNDS, f"(the institution's clearing holds {held} fen)")
    txn = await journal.book(conn, clearing_payout(c.fixmedins_code, c.period, c.amount_fen))
    return Booked(txn, held - c.amount_fen)


async def reverse_refund(conn: AsyncConnection, env: Env, c: cmd.ReverseRefund) -> ReservationView:
    """Takes back what refunds gave, by source, if the money is still there (locked: the reservation, its accounts
    and its pools' creators' accounts)."""
    r, pools = await reservations.lock_and_load(conn, c.reservation_id, env.today().year)
    ids = [leg.account_id for leg in r.legs] + [p.creator_account_id for p in pools.values()]
    available = {k: v.available_fen for k, v in (await journal.balances(conn, ids)).items()}
    amounts = {Source.PERSONAL_ACCOUNT: c.personal_account_fen, Source.FAMILY_POOL: c.family_pool_fen}
    effects, parts = take_back(r, amounts, pools, available)
    await reservations.save(conn, r, effects)
    after = await payments.get_balances(conn, env, cmd.PersonRef(r.payer_psn_no))
    return ReservationView(r, after.personal_available_fen, after.pool_available_fen, tuple(parts))
