"""对账: the institution's totals and rows against ours, field by field and row by row."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class Totals:
    count: int = 0
    amount_fen: int = 0
    acct_pay_fen: int = 0
    acct_mulaid_pay_fen: int = 0
    psn_cash_pay_fen: int = 0
    refund_count: int = 0
    refund_fen: int = 0
    acct_refund_fen: int = 0
    acct_mulaid_refund_fen: int = 0
    psn_cash_refund_fen: int = 0
    mulaid_count: int = 0

    def __add__(self, other: Totals) -> Totals:
        return Totals(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


def clr_type(med_type: str) -> str:
    """The clearing type (clr_type) gongji derives from the medical type: 21 inpatient (2x, 52), 41 pharmacy, 11
    outpatient; "" for a settlement without a visit."""
    if not med_type:
        return ""
    if med_type.startswith("2") or med_type == "52":
        return "21"
    return "41" if med_type == "41" else "11"


@dataclass(frozen=True)
class TypeTotals:
    insutype: str
    clr_type: str
    totals: Totals


def total(by_type: Iterable[TypeTotals]) -> Totals:
    out = Totals()
    for t in by_type:
        out = out + t.totals
    return out


@dataclass(frozen=True)
class Item:
    """One row as the institution or we have it: a payment, a refund (by its refund_pos_txn_id) or a reversal (by the
    reversed request's pos_txn_id), with its amounts by source."""

    pos_txn_id: str
    acct_pay_fen: int
    acct_mulaid_pay_fen: int
    psn_cash_pay_fen: int
    kind: str = "PAYMENT"

    def amounts(self) -> tuple[int, int, int]:
        return self.acct_pay_fen, self.acct_mulaid_pay_fen, self.psn_cash_pay_fen

    @property
    def key(self) -> tuple[str, str]:
        return self.kind, self.pos_txn_id


@dataclass(frozen=True)
class DetailRow:
    """A row of the detail file (3202)."""

    item: Item
    settlement_id: str
    mdtrt_id: str
    setl_id: str
    insutype: str
    clr_type: str
    completed_at: dt.datetime

    @property
    def line(self) -> str:
        i = self.item
        when = self.completed_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        parts = (i.kind, i.pos_txn_id, self.settlement_id, self.mdtrt_id, self.setl_id, self.insutype, self.clr_type)
        return "|".join((*parts, *(str(a) for a in i.amounts()), when))


def checksum(lines: Iterable[str]) -> str:
    """SHA-256 (hex) of every line followed by a line feed."""
    h = hashlib.sha256()
    for line in lines:
        h.update(line.encode() + b"\n")
    return h.hexdigest()


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
    """Every row that does not match (theirs in their order, then ours they lack), and the number that match. A row
    is identified by its kind and id: a refund and a reversal are rows of their own."""
    ours_by_id = {i.key: i for i in ours}
    seen: set[tuple[str, str]] = set()
    rows: list[Row] = []
    matched = 0
    for item in theirs:
        seen.add(item.key)
        mine = ours_by_id.get(item.key)
        if mine is None:
            rows.append(Row(item.pos_txn_id, "MISSING_HERE", item, None))
        elif mine.amounts() != item.amounts():
            rows.append(Row(item.pos_txn_id, "AMOUNT_DIFFERS", item, mine))
        else:
            matched += 1
    rows += [Row(i.pos_txn_id, "MISSING_THERE", None, i) for i in ours if i.key not in seen]
    return rows, matched


@dataclass(frozen=True)
class Reconciliation:
    balanced: bool
    ours: Totals
    differing: list[str]
    rows: list[Row]
    matched: int
    by_type: tuple[TypeTotals, ...] = ()


def reconcile_with(
    theirs: Totals,
    ours: Totals,
    their_items: Sequence[Item] | None,
    our_items: Sequence[Item] | None,
    by_type: tuple[TypeTotals, ...] = (),
) -> Reconciliation:
    """Balanced when every total and (if the institution sent its rows) every row matches."""
    differing = differing_totals(theirs, ours)
    rows: list[Row] = []
    matched = 0
    if their_items is not None:
        rows, matched = compare_rows(their_items, our_items or [])
    return Reconciliation(not differing and not rows, ours, differing, rows, matched, by_type)
