"""What a person or a pool sees of the journal (rule 12): which lines of a record are theirs, the balance after each
record (a statement reads like a bank statement), and a year of one personal account summed by kind of movement.

A person's records are their money:
- every movement of their own personal account, both parts (contributions, payments, transfers into their pool,
  refunds, premiums, rollovers, a dissolved pool's money coming back);
- their own payments and refunds (they are the payer), whoever paid: they see every source that paid for them and
  where each part of a refund went — a dissolved pool's part shows as its creator's personal account, named;
- for a creator, every movement of the pools they created: what each paid and for whom, transfers, returns;
- the resident premiums a relative paid for them (rule 11), with what paid it.
Of a record they see the lines of their own account and of their pools, and, as its payer, all of a payment or
refund; never another person's own account otherwise (a member's own-account part of a payment does not show in the
creator's records, nor the creator's own movements in a member's).

A pool's records are every record that moved its account, and a refund of what it paid that went to its creator
because it was dissolved meanwhile; of each it shows the pool's lines and its creator's own-account lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from services.accounts.domain.journal import TxnKind
from services.accounts.domain.model import Part, Source

CONSUMPTION = frozenset({TxnKind.PAYMENT.value, TxnKind.REFUND.value})


@dataclass(frozen=True)
class Line:
    """One posting of a record: an account, the signed amount (negative: money left it), and whose account it is."""

    account_id: int
    amount_fen: int
    source: Source | None = None  # None: an external account (contribution fund, institution clearing, premiums)
    part: Part | None = None  # a personal account's part
    psn_no: str = ""  # a personal account's owner
    pool_id: int | None = None  # a pool's account: the pool


@dataclass(frozen=True)
class Reader:
    """Whose records are read: a person, with the accounts of the pools they created (account id -> pool id), or a
    pool (its account) with its creator."""

    psn_no: str = ""
    pool_id: int | None = None
    pools: Mapping[int, int] = field(default_factory=dict)
    creator_psn_no: str = ""

    @property
    def is_pool(self) -> bool:
        return self.pool_id is not None

    def sees(self, kind: str, payer_psn_no: str, line: Line, beneficiary_psn_no: str = "") -> bool:
        if line.source is None:
            return False
        if line.account_id in self.pools:
            return True
        if self.is_pool:
            return bool(line.psn_no) and line.psn_no == self.creator_psn_no
        if kind in CONSUMPTION and payer_psn_no == self.psn_no:
            return True
        if kind == TxnKind.RESIDENT_PREMIUM.value and beneficiary_psn_no == self.psn_no:
            return True  # the relative sees what paid their premium (rule 11)
        return line.psn_no == self.psn_no

    def lines(self, kind: str, payer_psn_no: str, lines: Iterable[Line], beneficiary_psn_no: str = "") -> list[Line]:
        return [line for line in lines if self.sees(kind, payer_psn_no, line, beneficiary_psn_no)]


def total_fen(lines: Iterable[Line]) -> int:
    """What moved, as the reader sees it: money out of the sources, or, when nothing left them, money into them."""
    amounts = [line.amount_fen for line in lines]
    return sum(-a for a in amounts if a < 0) or sum(a for a in amounts if a > 0)


def balances_after(newest_first: Sequence[Sequence[Line]], upto_newest: Mapping[int, int]) -> list[dict[int, int]]:
    """The balance of each tracked account right after each record of a page, newest first. `upto_newest` is each
    tracked account's balance after the page's newest record; every record that moved a tracked account in between is
    on the page (a person's or pool's records include every movement of their accounts), so walking back subtracts
    each record's own postings."""
    state = dict(upto_newest)
    out: list[dict[int, int]] = []
    for lines in newest_first:
        out.append(dict(state))
        for line in lines:
            if line.account_id in state:
                state[line.account_id] -= line.amount_fen
    return out


# The annual statement's lines, by kind of journal transaction.
STATEMENT_LINES = {
    TxnKind.CONTRIBUTION.value: "contributions_fen",
    TxnKind.PAYMENT.value: "payments_fen",
    TxnKind.POOL_TRANSFER.value: "transfers_to_pool_fen",
    TxnKind.REFUND.value: "refunds_fen",
    TxnKind.RESIDENT_PREMIUM.value: "premiums_fen",
    TxnKind.ROLLOVER.value: "rollover_fen",
    TxnKind.POOL_RETURN.value: "pool_returns_fen",
}


@dataclass(frozen=True)
class StatementLines:
    """One part of a personal account over a year; every movement signed, so opening + movements = closing."""

    opening_fen: int = 0
    contributions_fen: int = 0
    payments_fen: int = 0
    transfers_to_pool_fen: int = 0
    refunds_fen: int = 0
    premiums_fen: int = 0
    rollover_fen: int = 0
    pool_returns_fen: int = 0
    closing_fen: int = 0

    @classmethod
    def of(cls, opening_fen: int, by_kind: Mapping[str, int], closing_fen: int) -> StatementLines:
        unknown = set(by_kind) - set(STATEMENT_LINES)
        if unknown:
            raise ValueError(f"no statement line for journal kinds {sorted(unknown)}")
        lines = {STATEMENT_LINES[kind]: amount for kind, amount in by_kind.items()}
        return cls(opening_fen=opening_fen, closing_fen=closing_fen, **lines)

    def __add__(self, other: StatementLines) -> StatementLines:
        return StatementLines(
            *(getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__)  # noqa: B009
        )
