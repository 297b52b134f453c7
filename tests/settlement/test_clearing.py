"""Clearing like the national platform's 3203, and the reversal window of 2601, end to end: closing a period freezes
its totals and pays the institution out of the clearing account (the ledger's movement of it equals what the periods
owed); later refunds land in the next period; reversals into a closed period, or after the settlement day, are
refused."""

from __future__ import annotations

import datetime as dt
import hashlib
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


async def test_reconciliation_by_type_and_detail_rows_with_refunds_reversals_and_a_detail_file(stack, pos_b) -> None:  # type: ignore[no-untyped-def]
    f = Family(stack.accounts)
    creator = await f.person(credit_fen=200_000)
    member = await f.person(credit_fen=10_000)
    pool_id = await f.create_pool(creator, transfer_fen=60_000)
    await f.bind(pool_id, member, cpb.RELATION_SPOUSE)
    start = _now()
    start.seconds -= 1
    mdtrt = f"MD-{rid()[:10]}"
    outpatient = (
        await pos_b(
            "Settle",
            pb.SettleRequest(
                pos_txn_id=rid(), payer_psn_no=member.psn_no, amount_fen=30_000, **member.charge(mdtrt_id=mdtrt)
            ),
        )
    ).settlement  # own 10000, pool 20000
    refund_id = rid()
    await pos_b(
        "Refund",
        pb.RefundRequest(refund_pos_txn_id=refund_id, settlement_id=outpatient.settlement_id, amount_fen=5_000),
    )
    pharmacy = (
        await pos_b(
            "Settle",
            pb.SettleRequest(
                pos_txn_id=rid(),
                payer_psn_no=creator.psn_no,
                amount_fen=4_000,
                **creator.charge(insutype="310", med_type="41"),
            ),
        )
    ).settlement
    reversed_ = (
        await pos_b(
            "Settle",
            pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=creator.psn_no, amount_fen=1_500, **creator.charge()),
        )
    ).settlement
    await pos_b("Reverse", pb.ReverseRequest(pos_txn_id=reversed_.pos_txn_id))
    end = _now()
    end.seconds += 1
    period = {"period_start": start, "period_end": end}

    out = await pos_b("Reconcile", pb.ReconcileRequest(**period, insutype="310", clr_type="41"))
    assert (out.ours.count, out.ours.acct_pay_fen, out.ours.mulaid_count) == (1, 4_000, 0)
    whole = await pos_b("Reconcile", pb.ReconcileRequest(**period))
    by_type = {(t.insutype, t.clr_type): t.totals for t in whole.by_type}
    assert by_type["310", "41"].acct_pay_fen >= 4_000
    ours = whole.ours
    assert ours.acct_mulaid_refund_fen >= 5_000 and ours.mulaid_count >= 1  # refunds by source; mutual aid apart

    # 3202: the rows as the institution kept them, with the refund and the reversal as rows of their own.
    def item(kind: int, pos_txn_id: str, own: int, pool: int, cash: int = 0) -> pb.ReconcileItem:
        return pb.ReconcileItem(
            kind=kind, pos_txn_id=pos_txn_id, acct_pay_fen=own, acct_mulaid_pay_fen=pool, psn_cash_pay_fen=cash
        )

    theirs = [
        item(pb.RECONCILE_ITEM_KIND_PAYMENT, outpatient.pos_txn_id, 10_000, 20_000),
        item(pb.RECONCILE_ITEM_KIND_REFUND, refund_id, 0, 5_000),
        item(pb.RECONCILE_ITEM_KIND_PAYMENT, pharmacy.pos_txn_id, 4_000, 1),  # differs
        item(pb.RECONCILE_ITEM_KIND_REFUND, "NOT-OURS", 1, 0),  # missing here
        # the reversal is left out: missing there
    ]
    rows = await pos_b("Reconcile", pb.ReconcileRequest(**period, items=theirs))
    results = {(r.theirs.kind or r.ours.kind, r.pos_txn_id): r.result for r in rows.rows}
    assert results[pb.RECONCILE_ITEM_KIND_PAYMENT, pharmacy.pos_txn_id] == pb.RECONCILE_ROW_RESULT_AMOUNT_DIFFERS
    assert results[pb.RECONCILE_ITEM_KIND_REFUND, "NOT-OURS"] == pb.RECONCILE_ROW_RESULT_MISSING_HERE
    assert results[pb.RECONCILE_ITEM_KIND_REVERSAL, reversed_.pos_txn_id] == pb.RECONCILE_ROW_RESULT_MISSING_THERE
    assert results[pb.RECONCILE_ITEM_KIND_PAYMENT, reversed_.pos_txn_id] == pb.RECONCILE_ROW_RESULT_MISSING_THERE
    assert (pb.RECONCILE_ITEM_KIND_REFUND, refund_id) not in results and rows.matched_rows >= 2

    # The detail file: rows, then their count and checksum, which a reader can recompute from the lines.
    got = [m async for m in pos_b.stub.DetailFile(pb.DetailFileRequest(**period), metadata=pos_b.metadata)]
    lines, summary = [m.row for m in got[:-1]], got[-1].summary
    assert all(m.HasField("row") for m in got[:-1]) and got[-1].HasField("summary")
    assert summary.row_count == len(lines) >= 5
    assert summary.sha256 == hashlib.sha256("".join(r.line + "\n" for r in lines).encode()).hexdigest()
    mine = [r for r in lines if r.settlement_id == outpatient.settlement_id]
    assert [r.item.kind for r in mine] == [pb.RECONCILE_ITEM_KIND_PAYMENT, pb.RECONCILE_ITEM_KIND_REFUND]
    assert mine[0].mdtrt_id == mdtrt and mine[0].line.startswith(f"PAYMENT|{outpatient.pos_txn_id}|")
    assert [r.item.kind for r in lines if r.item.pos_txn_id == reversed_.pos_txn_id] == [
        pb.RECONCILE_ITEM_KIND_PAYMENT,
        pb.RECONCILE_ITEM_KIND_REVERSAL,
    ]
