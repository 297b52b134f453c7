"""Double entry: a movement of money is one journal transaction whose postings sum to zero (rules 6-11 all book
through it). The domain says what to book; storage/journal.py books it and moves the cached balances."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.accounts.domain.allocation import fill_in_order
from services.accounts.domain.model import Source

# External accounts: the other side of money entering or leaving the system (created by the first migration).
CONTRIBUTION_FUND = 1
INSTITUTION_CLEARING = 2
PREMIUM_COLLECTION = 3
INSTITUTION_PAYOUT = 4  # what the fund paid out of institution clearing for closed periods (migration 0006)


class TxnKind(StrEnum):
    CONTRIBUTION = "CONTRIBUTION"
    POOL_TRANSFER = "POOL_TRANSFER"
    PAYMENT = "PAYMENT"
    REFUND = "REFUND"
    POOL_RETURN = "POOL_RETURN"
    RESIDENT_PREMIUM = "RESIDENT_PREMIUM"
    ROLLOVER = "ROLLOVER"  # booked by storage/personal.py: the current year's money becomes prior years'
    CLEARING_PAYOUT = "CLEARING_PAYOUT"
    REFUND_REVERSAL = "REFUND_REVERSAL"


@dataclass(frozen=True)
class Posting:
    account_id: int
    amount_fen: int  # signed: negative leaves the account
    source: Source | None = None  # which of the payer's sources, for the records (rule 12)


@dataclass(frozen=True)
class JournalEntry:
    """One journal transaction to book. `psn_no` and `pool_id` say whose records show it."""

    kind: TxnKind
    postings: tuple[Posting, ...]
    psn_no: str | None = None
    pool_id: int | None = None
    reservation_id: int | None = None  # None on a new reservation: storage fills in its id
    fixmedins_code: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        if sum(p.amount_fen for p in self.postings) != 0:
            raise ValueError(f"{self.kind} journal entry does not balance")


def transfer(
    kind: TxnKind,
    from_account: int,
    to_account: int,
    amount_fen: int,
    *,
    from_source: Source | None = None,
    to_source: Source | None = None,
    psn_no: str | None = None,
    pool_id: int | None = None,
    description: str = "",
) -> JournalEntry:
    """The common two-posting entry: `amount_fen` from one account to another."""
    return JournalEntry(
        kind,
        (Posting(from_account, -amount_fen, from_source), Posting(to_account, amount_fen, to_source)),
        psn_no=psn_no,
        pool_id=pool_id,
        description=description,
    )


def spend_own(
    kind: TxnKind,
    parts: list[tuple[int, int]],
    to_account: int,
    amount_fen: int,
    *,
    to_source: Source | None = None,
    psn_no: str | None = None,
    pool_id: int | None = None,
    description: str = "",
) -> JournalEntry:
    """`amount_fen` out of a personal account, drawing its parts — (account, available) in the policy's order
    (rule 8: prior years first) — one after the other. The caller has checked that they cover it."""
    amounts = fill_in_order(amount_fen, [available for _, available in parts])
    out = [
        Posting(account, -taken, Source.PERSONAL_ACCOUNT) for (account, _), taken in zip(parts, amounts, strict=True)
    ]
    return JournalEntry(
        kind,
        (*out, Posting(to_account, amount_fen, to_source)),
        psn_no=psn_no,
        pool_id=pool_id,
        description=description,
    )


def clearing_payout(fixmedins_code: str, period: str, amount_fen: int) -> JournalEntry:
    """The fund pays an institution what its clearing held for a closed period (3203)."""
    return JournalEntry(
        TxnKind.CLEARING_PAYOUT,
        (Posting(INSTITUTION_CLEARING, -amount_fen), Posting(INSTITUTION_PAYOUT, amount_fen)),
        fixmedins_code=fixmedins_code,
        description=f"clearing payout {period}",
    )
