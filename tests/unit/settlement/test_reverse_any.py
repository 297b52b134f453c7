"""冲正 of any request on the fakes: a Capture by its capture_pos_txn_id, a Refund by its refund_pos_txn_id; a late
original barred by a Reverse that came first; reversing twice is harmless."""

from __future__ import annotations

from services.common.errors import Reason
from services.settlement.domain.model import RefundStatus, Status
from tests.unit.settlement.world import World, fails, split


async def test_a_capture_is_reversed_by_its_own_id_and_everything_captured_goes_back(w: World) -> None:
    payer = w.payer(own_fen=10_000, pool_fen=60_000)
    auth = await w.authorize(payer, 30_000)
    done = await w.capture(auth, 25_000, capture_pos_txn_id="CAP-1")
    assert done.capture_pos_txn_id == "CAP-1" and split(done) == (10_000, 15_000, 0)
    undone = await w.reverse("CAP-1")
    assert (undone.id, undone.status, undone.refunded_fen) == (auth.id, Status.REVERSED, 25_000)
    assert (w.own(payer).balance_fen, w.pool(payer).balance_fen) == (10_000, 60_000)
    assert (await w.reverse("CAP-1")).status is Status.REVERSED  # twice: harmless
    assert w.accounts.count("Refund") == 1


async def test_a_capture_whose_id_was_reversed_first_is_refused(w: World) -> None:
    payer = w.payer()
    auth = await w.authorize(payer, 5_000)
    tomb = await w.reverse("CAP-LATE")  # the POS reversed a capture that had not arrived yet
    assert tomb.status is Status.REVERSED
    assert await fails(w.capture(auth, 5_000, capture_pos_txn_id="CAP-LATE")) is Reason.SETTLEMENT_REVERSED
    assert (await w.get(auth)).status is Status.AUTHORIZED and w.own(payer).balance_fen == 10_000


async def test_a_refund_is_reversed_by_its_own_id_and_its_money_taken_back(w: World) -> None:
    payer = w.payer(own_fen=10_000, pool_fen=60_000)
    paid = await w.settle(payer, 30_000)  # own 10000, pool 20000
    s, refund = await w.refund(paid, 25_000, "REF-1", cash_fen=0)
    assert (refund.acct_mulaid_refund_fen, refund.acct_refund_fen) == (20_000, 5_000)
    undone = await w.reverse("REF-1")
    assert undone.id == paid.id and undone.status is Status.COMPLETED and undone.refunded_fen == 0
    assert [r.status for r in undone.refunds] == [RefundStatus.REVERSED]
    assert (w.own(payer).balance_fen, w.pool(payer).balance_fen) == (0, 40_000)  # as after the payment
    assert (await w.reverse("REF-1")).refunded_fen == 0 and w.accounts.count("ReverseRefund") == 1
    s, again = await w.refund(paid, 30_000, whole_bill=True)  # all of it is refundable again
    assert again.amount_fen == 30_000


async def test_a_refund_whose_money_was_spent_is_not_reversed(w: World) -> None:
    payer = w.payer(own_fen=10_000, pool_fen=None)
    paid = await w.settle(payer, 10_000)
    await w.refund(paid, 4_000, "REF-2")
    await w.settle(payer, 3_000)  # 1000 of the refund is left
    assert await fails(w.reverse("REF-2")) is Reason.INSUFFICIENT_FUNDS
    got = await w.get(paid)
    assert [r.status for r in got.refunds] == [RefundStatus.COMPLETED] and got.refunded_fen == 4_000


async def test_a_refund_whose_id_was_reversed_first_is_refused(w: World) -> None:
    payer = w.payer()
    paid = await w.settle(payer, 5_000)
    await w.reverse("REF-LATE")
    assert await fails(w.refund(paid, 1_000, "REF-LATE")) is Reason.SETTLEMENT_REVERSED
    assert w.own(payer).balance_fen == 5_000


async def test_a_refund_that_never_reached_accounts_is_reversed_by_fencing_it(w: World) -> None:
    payer = w.payer()
    paid = await w.settle(payer, 5_000)
    w.accounts.on("Refund", unreachable=True)
    assert await fails(w.refund(paid, 2_000, "REF-3")) is Reason.ACCOUNTS_UNAVAILABLE
    undone = await w.reverse("REF-3")
    assert [r.status for r in undone.refunds] == [RefundStatus.REVERSED] and undone.refunded_fen == 0
    assert w.own(payer).balance_fen == 5_000 and w.accounts.count("ReverseRefund") == 0
