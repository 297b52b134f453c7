"""Clearing like the national platform's 3203, and the reversal window of 2601, end to end: closing a period freezes
its totals and pays the institution out of the clearing account (the ledger's movement of it equals what the periods
owed); later refunds land in the next period; reversals into a closed period, or after the settlement day, are
refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
from google.protobuf.timestamp_pb2 import Timestamp

from gongji.common.v1 import common_pb2 as cpb
from gongji.settlement.v1 import settlement_pb2 as pb
from tests.settlement.conftest import INSTITUTION_C, TOKEN_C
from tools.kit import Family, fails, rid


def _now() -> Timestamp:
    t = Timestamp()
    t.FromDatetime(dt.datetime.now(dt.UTC))
    return t


async def _clearing_fen(stack: Any, kinds: tuple[str, ...]) -> int:
    """What the ledger moved through the institution clearing account for institution C, by journal kind."""
    conn = await asyncpg.connect(stack.database_url)
    try:
        return int(
            await conn.fetchval(
                "SELECT coalesce(sum(p.amount_fen), 0) FROM accounts.postings p JOIN accounts.journal_txns t "
                "ON t.id = p.txn_id WHERE p.account_id = 2 AND t.fixmedins_code = $1 AND t.kind = ANY($2::text[])",
                INSTITUTION_C,
                list(kinds),
            )
        )
    finally:
        await conn.close()


async def test_a_closed_period_pays_out_what_the_ledger_moved_and_later_activity_is_the_next(stack) -> None:  # type: ignore[no-untyped-def]
    pos = stack.pos(TOKEN_C)
    try:
        f = Family(stack.accounts)
        creator = await f.person(credit_fen=200_000)
        member = await f.person(credit_fen=10_000)
        pool_id = await f.create_pool(creator, transfer_fen=60_000)
        await f.bind(pool_id, member, cpb.RELATION_SPOUSE)
        sale = (
            await pos(
                "Settle",
                pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, amount_fen=30_000, **member.charge()),
            )
        ).settlement
        await pos(
            "Refund", pb.RefundRequest(refund_pos_txn_id=rid(), settlement_id=sale.settlement_id, amount_fen=4_000)
        )
        auth = (
            await pos(
                "Authorize",
                pb.AuthorizeRequest(
                    pos_txn_id=rid(), payer_psn_no=creator.psn_no, amount_fen=9_000, **creator.charge()
                ),
            )
        ).settlement
        await pos("Capture", pb.CaptureRequest(settlement_id=auth.settlement_id, amount_fen=7_000))
        reversed_ = (
            await pos(
                "Settle",
                pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=member.psn_no, amount_fen=2_000, **member.charge()),
            )
        ).settlement
        await pos("Reverse", pb.ReverseRequest(pos_txn_id=reversed_.pos_txn_id))

        end = _now()
        closed = (await pos("ClosePeriod", pb.ClosePeriodRequest(period_end=end))).period
        assert (closed.acct_pay_fen, closed.acct_mulaid_pay_fen) == (10_000 + 7_000, 20_000 + 2_000)
        assert (closed.acct_refund_fen, closed.acct_mulaid_refund_fen) == (0, 4_000 + 2_000)
        assert closed.owed_fen == 33_000 and closed.paid_out
        # What the fund owes is what the ledger moved into the clearing account for the institution, and the payout
        # took exactly that out of it.
        assert await _clearing_fen(stack, ("PAYMENT", "REFUND")) == closed.owed_fen
        assert await _clearing_fen(stack, ("CLEARING_PAYOUT",)) == -closed.owed_fen
        again = (await pos("ClosePeriod", pb.ClosePeriodRequest(period_end=end))).period
        assert again == closed  # the same close answers the same, and pays nothing more
        assert await _clearing_fen(stack, ("CLEARING_PAYOUT",)) == -closed.owed_fen

        # The closed period's settlement cannot be reversed; a refund is fine and belongs to the next period.
        await fails(pos("Reverse", pb.ReverseRequest(pos_txn_id=sale.pos_txn_id)), "PERIOD_CLOSED")
        late = await pos(
            "Refund", pb.RefundRequest(refund_pos_txn_id=rid(), settlement_id=sale.settlement_id, amount_fen=1_000)
        )
        assert late.refund.completed
        await fails(
            pos("ClosePeriod", pb.ClosePeriodRequest(period_end=Timestamp(seconds=end.seconds - 60))), "PERIOD_CLOSED"
        )
        nxt = (await pos("ClosePeriod", pb.ClosePeriodRequest(period_end=_now()))).period
        assert nxt.period_start == closed.period_end and nxt.acct_mulaid_refund_fen == 1_000
        assert nxt.owed_fen == -1_000 and nxt.paid_out  # the institution owes the fund: nothing is paid out
        assert await _clearing_fen(stack, ("PAYMENT", "REFUND", "CLEARING_PAYOUT")) == -1_000
    finally:
        await pos.channel.close()


async def test_a_request_of_an_earlier_day_is_not_reversed_but_refunded(stack, pos_a) -> None:  # type: ignore[no-untyped-def]
    f = Family(stack.accounts)
    payer = await f.person(credit_fen=10_000)
    sale = (
        await pos_a(
            "Settle", pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=payer.psn_no, amount_fen=3_000, **payer.charge())
        )
    ).settlement
    conn = await asyncpg.connect(stack.database_url)
    try:  # as if it had been paid yesterday (in China)
        await conn.execute(
            "UPDATE settlement.settlements SET created_at = created_at - interval '1 day', "
            "completed_at = completed_at - interval '1 day' WHERE id = $1",
            sale.settlement_id,
        )
    finally:
        await conn.close()
    await fails(pos_a("Reverse", pb.ReverseRequest(pos_txn_id=sale.pos_txn_id)), "REVERSAL_WINDOW_CLOSED")
    out = await pos_a("Refund", pb.RefundRequest(refund_pos_txn_id=rid(), pos_txn_id=sale.pos_txn_id, whole_bill=True))
    assert out.refund.acct_refund_fen == 3_000 and await f.own_balance(payer) == 10_000
