"""冲正 (2601) of every request, end to end: a Settle racing its own Reverse, round after round, leaves a record that
shows exactly what was paid and what was given back, and a ledger that verifies."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from gongji.common.v1 import common_pb2 as cpb
from gongji.settlement.v1 import settlement_pb2 as pb
from tools.kit import Family, reason_of, rid
from tools.kit import accounts_v1 as apb

ROUNDS = 20


async def test_a_settle_racing_its_own_reverse_round_after_round(stack, pos_a) -> None:  # type: ignore[no-untyped-def]
    f = Family(stack.accounts)
    creator = await f.person(credit_fen=200_000)
    member = await f.person(credit_fen=10_000)
    pool_id = await f.create_pool(creator, transfer_fen=60_000)
    await f.bind(pool_id, member, cpb.RELATION_SPOUSE)

    async def quietly(method: str, request: Any) -> Any:
        try:
            return await pos_a(method, request)
        except Exception as err:  # noqa: BLE001 - either may lose: SETTLEMENT_REVERSED, ACCOUNTS_UNAVAILABLE
            return err

    start = Timestamp()
    start.FromDatetime(dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    paid_by_round: dict[str, int] = {}
    for n in range(ROUNDS):
        pos_txn_id = rid()
        settle = pb.SettleRequest(
            pos_txn_id=pos_txn_id, payer_psn_no=member.psn_no, amount_fen=15_000, **member.charge()
        )
        reverse = pb.ReverseRequest(pos_txn_id=pos_txn_id)
        first, second = (settle, reverse) if n % 2 else (reverse, settle)
        await asyncio.gather(
            quietly("Settle" if first is settle else "Reverse", first),
            quietly("Settle" if second is settle else "Reverse", second),
        )
        await quietly("Reverse", reverse)  # the POS, not knowing, reverses again: harmless
        s = (await pos_a("GetSettlement", pb.GetSettlementRequest(pos_txn_id=pos_txn_id))).settlement
        assert s.status == pb.SETTLEMENT_STATUS_REVERSED, s
        paid = s.split.acct_pay_fen + s.split.acct_mulaid_pay_fen
        assert s.refunded_fen == paid, s  # every fen paid was given back, and nothing else
        assert sum(r.amount_fen for r in s.refunds if r.completed) == paid
        paid_by_round[pos_txn_id] = paid
    assert await f.own_balance(member) == 10_000 and await f.pool_balance(pool_id) == 60_000
    assert (await f.balances(member)).personal.held_fen == 0
    # The detail file shows each payment that happened, and its reversal giving all of it back.
    end = Timestamp()
    end.FromDatetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    rows = await pos_a("DetailFile", pb.DetailFileRequest(period_start=start, period_end=end))
    by_kind: dict[tuple[int, str], int] = {}
    for m in rows[:-1]:
        i = m.row.item
        by_kind[i.kind, i.pos_txn_id] = i.acct_pay_fen + i.acct_mulaid_pay_fen
    for pos_txn_id, paid in paid_by_round.items():
        payment = by_kind.get((pb.RECONCILE_ITEM_KIND_PAYMENT, pos_txn_id), 0)
        reversal = by_kind.get((pb.RECONCILE_ITEM_KIND_REVERSAL, pos_txn_id), 0)
        assert payment == reversal == paid, (pos_txn_id, payment, reversal, paid)
    report = await stack.accounts.VerifyLedger(apb.VerifyLedgerRequest())
    assert report.ok, list(report.problems)


async def test_every_request_is_reversed_by_its_own_id_and_a_late_original_is_refused(stack, pos_a) -> None:  # type: ignore[no-untyped-def]
    f = Family(stack.accounts)
    creator = await f.person(credit_fen=200_000)
    member = await f.person(credit_fen=10_000)
    pool_id = await f.create_pool(creator, transfer_fen=60_000)
    await f.bind(pool_id, member, cpb.RELATION_SPOUSE)
    charge = dict(payer_psn_no=member.psn_no, **member.charge())

    # Authorize, reversed by its pos_txn_id: the hold is released.
    auth = (await pos_a("Authorize", pb.AuthorizeRequest(pos_txn_id=rid(), amount_fen=5_000, **charge))).settlement
    out = (await pos_a("Reverse", pb.ReverseRequest(pos_txn_id=auth.pos_txn_id))).settlement
    assert out.status == pb.SETTLEMENT_STATUS_REVERSED and (await f.balances(member)).personal.held_fen == 0

    # Capture, reversed by its capture_pos_txn_id: what it captured goes back.
    auth = (await pos_a("Authorize", pb.AuthorizeRequest(pos_txn_id=rid(), amount_fen=15_000, **charge))).settlement
    capture_id = rid()
    done = (
        await pos_a(
            "Capture",
            pb.CaptureRequest(settlement_id=auth.settlement_id, amount_fen=12_000, capture_pos_txn_id=capture_id),
        )
    ).settlement
    assert done.capture_pos_txn_id == capture_id
    out = (await pos_a("Reverse", pb.ReverseRequest(pos_txn_id=capture_id))).settlement
    assert (out.settlement_id, out.status, out.refunded_fen) == (
        auth.settlement_id,
        pb.SETTLEMENT_STATUS_REVERSED,
        12_000,
    )
    assert await f.own_balance(member) == 10_000 and await f.pool_balance(pool_id) == 60_000

    # Refund, reversed by its refund_pos_txn_id: what it gave back is taken back; the payment stands.
    paid = (await pos_a("Settle", pb.SettleRequest(pos_txn_id=rid(), amount_fen=30_000, **charge))).settlement
    refund_id = rid()
    await pos_a(
        "Refund", pb.RefundRequest(refund_pos_txn_id=refund_id, settlement_id=paid.settlement_id, amount_fen=25_000)
    )
    assert await f.pool_balance(pool_id) == 60_000
    out = (await pos_a("Reverse", pb.ReverseRequest(pos_txn_id=refund_id))).settlement
    assert out.status == pb.SETTLEMENT_STATUS_COMPLETED and out.refunded_fen == 0
    assert [(r.refund_pos_txn_id, r.reversed, r.completed) for r in out.refunds] == [(refund_id, True, False)]
    assert await f.own_balance(member) == 0 and await f.pool_balance(pool_id) == 40_000
    twice = (await pos_a("Reverse", pb.ReverseRequest(pos_txn_id=refund_id))).settlement
    assert twice.refunded_fen == 0 and await f.pool_balance(pool_id) == 40_000
    records = await stack.accounts.ListTransactions(apb.ListTransactionsRequest(psn_no=member.psn_no))
    assert apb.TRANSACTION_KIND_REFUND_REVERSAL in {r.kind for r in records.records}

    # Late originals: a Reverse that came first bars a Settle, a Capture and a Refund with its id.
    a, b, c = late_ids = [rid(), rid(), rid()]
    for late in late_ids:
        await pos_a("Reverse", pb.ReverseRequest(pos_txn_id=late))
    await _refused(pos_a("Settle", pb.SettleRequest(pos_txn_id=a, amount_fen=1_000, **charge)))
    auth = (await pos_a("Authorize", pb.AuthorizeRequest(pos_txn_id=rid(), amount_fen=1_000, **charge))).settlement
    await _refused(
        pos_a("Capture", pb.CaptureRequest(settlement_id=auth.settlement_id, amount_fen=1_000, capture_pos_txn_id=b))
    )
    await _refused(
        pos_a("Refund", pb.RefundRequest(refund_pos_txn_id=c, settlement_id=paid.settlement_id, amount_fen=1))
    )
    await pos_a("Void", pb.VoidRequest(settlement_id=auth.settlement_id))
    assert await f.own_balance(member) == 0 and await f.pool_balance(pool_id) == 40_000


async def _refused(call: Any) -> None:
    try:
        await call
    except grpc.aio.AioRpcError as err:
        assert reason_of(err) == "SETTLEMENT_REVERSED", err.details()
        return
    raise AssertionError("a late original was let through")
