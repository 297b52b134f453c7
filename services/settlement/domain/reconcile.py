"""对账: the institution's totals and rows against ours, field by field and row by row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Totals:
    count: int = 0
    amount_fen: int = 0
    acct_pay_fen: int = 0
    acct_mulaid_pay_fen: int = 0
    psn_cash_pay_fen: int = 0
    refund_count: int = 0
    refund_fen: int = 0


@dataclass(frozen=True)
class Item:
    pos_txn_id: str
    acct_pay_fen: int
    acct_mulaid_pay_fen: int
    psn_cash_pay_fen: int

    def amounts(self) -> tuple[int, int, int]:
        return self.acct_pay_fen, self.acct_mulaid_pay_fen, self.psn_cash_pay_fen


@dataclass(frozen=True)
class Row:
    pos_txn_id: str
    result: str  # MATCH | MISSING_HERE | MISSING_THERE | AMOUNT_DIFFERS
    theirs: Item | None
    ours: Item | None


def differing_totals(theirs: Totals, ours: Totals) -> list[str]:
    a, b = asdict(theirs), asdict(ours)
    return [name for name in a if a[name] != b[name]]


def compare_rows(theirs: Sequence[Item], ours: Sequence[Item]) -> tuple[list[Row], int]:
    """Every row that does not match (theirs in their order, then ours they lack), and the number that match."""
    ours_by_id = {i.pos_txn_id: i for i in ours}
    seen: set[str] = set()
    rows: list[Row] = []
    matched = 0
    for item in theirs:
        seen.add(item.pos_txn_id)
        mine = ours_by_id.get(item.pos_txn_id)
        if mine is None:
            rows.append(Row(item.pos_txn_id, "MISSING_HERE", item, None))
        elif mine.amounts() != item.amounts():
            rows.append(Row(item.pos_txn_id, "AMOUNT_DIFFERS", item, mine))
        else:
            matched += 1
    rows += [Row(i.pos_txn_id, "MISSING_THERE", None, i) for i in ours if i.pos_txn_id not in seen]
    return rows, matched


@dataclass(frozen=True)
class Reconciliation:
    balanced: bool
    ours: Totals
    differing: list[str]
    rows: list[Row]
    matched: int


def reconcile_with(
    theirs: Totals, ours: Totals, their_items: Sequence[Item] | None, our_items: Sequence[Item] | None
) -> Reconciliation:
    """Balanced when every total and (if the institution sent its rows) every row matches."""
    differing = differing_totals(theirs, ours)
    rows: list[Row] = []
    matched = 0
    if their_items is not None:
        rows, matched = compare_rows(their_items, our_items or [])
    return Reconciliation(not differing and not rows, ours, differing, rows, matched)
