"""Settlement's pure parts: what is refundable, and reconciliation totals and rows."""

from __future__ import annotations

from services.settlement.domain.model import Kind, Refund, Settlement, Split, Status
from services.settlement.domain.reconcile import Item, Totals, compare_rows, differing_totals


def test_refundable_is_what_accounts_paid_less_refunds_taken_or_under_way() -> None:
    s = Settlement("s", "H1", "p", Kind.SALE, Status.COMPLETED, amount_fen=10_000,
                   split=Split(3_000, 5_000, 2_000))
    assert s.refundable_fen == 8_000  # cash is the institution's to give back
    s.refunds = [Refund(1, "s", "r1", 1_000, False, "COMPLETED"), Refund(2, "s", "r2", 2_000, False, "PENDING"),
                 Refund(3, "s", "r3", 4_000, False, "DECLINED")]
    assert s.refundable_fen == 5_000 and s.refunded_fen == 1_000
    s.status = Status.REVERSED
    assert s.refundable_fen == 0


def test_totals_differences_are_named() -> None:
    ours = Totals(2, 300, 100, 150, 50, 1, 20)
    assert differing_totals(ours, ours) == []
    assert differing_totals(Totals(2, 300, 100, 151, 49, 1, 20), ours) == ["acct_mulaid_pay_fen", "psn_cash_pay_fen"]


def test_rows_match_differ_or_go_missing_on_either_side() -> None:
    ours = [Item("a", 1, 2, 3), Item("b", 1, 0, 0), Item("c", 5, 0, 0)]
    theirs = [Item("a", 1, 2, 3), Item("b", 2, 0, 0), Item("z", 9, 0, 0)]
    rows, matched = compare_rows(theirs, ours)
    assert matched == 1
    assert [(r.pos_txn_id, r.result) for r in rows] == [("b", "AMOUNT_DIFFERS"), ("z", "MISSING_HERE"),
                                                        ("c", "MISSING_THERE")]
