"""Read models the use cases return and the transport turns into protobuf: frozen, no behaviour beyond arithmetic."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from services.accounts.domain.model import Acceptor, Part, Person, Relation
from services.accounts.domain.records import Line, StatementLines, total_fen
from services.accounts.domain.reservation import Leg, RefundPart, Reservation


class PoolRole(StrEnum):
    CREATOR = "CREATOR"
    MEMBER = "MEMBER"


@dataclass(frozen=True)
class PersonView:
    person: Person
    name_masked: str
    id_number_masked: str
    pool_id: int | None = None
    pool_role: PoolRole | None = None


@dataclass(frozen=True)
class MemberView:
    membership_id: int  # internal
    invitation_id: str  # public and unguessable: the invited person answers with it
    pool_id: int
    psn_no: str
    name_masked: str
    relation: Relation
    status: str
    invited_at: dt.datetime
    invitation_expires_at: dt.datetime
    joined_at: dt.datetime | None
    accepted_by: Acceptor | None = None
    guardian_name_masked: str = ""


@dataclass(frozen=True)
class PoolView:
    pool_id: int
    creator_psn_no: str
    status: str
    agreement_version: str
    balance_fen: int
    held_fen: int
    created_at: dt.datetime
    dissolved_at: dt.datetime | None
    dissolution_reason: str
    members: tuple[MemberView, ...] = ()
    paused: bool = False  # active, but its creator's insurance is suspended: it cannot pay, be funded or grow


@dataclass(frozen=True)
class BalanceView:
    balance_fen: int
    held_fen: int

    @property
    def available_fen(self) -> int:
        return self.balance_fen - self.held_fen


@dataclass(frozen=True)
class PersonalBalanceView:
    """The personal account's two parts (rule 8): this year's money and the prior years'."""

    current_year: BalanceView
    prior_years: BalanceView

    @classmethod
    def of(cls, by_part: dict[Part, BalanceView], stale: bool = False) -> PersonalBalanceView:
        """`stale`: the current-year part still holds an earlier year (not rolled over yet): it is prior years."""
        current, prior = by_part[Part.CURRENT], by_part[Part.PRIOR]
        if stale:
            return cls(
                BalanceView(0, 0),
                BalanceView(current.balance_fen + prior.balance_fen, current.held_fen + prior.held_fen),
            )
        return cls(current, prior)

    @property
    def balance_fen(self) -> int:
        return self.current_year.balance_fen + self.prior_years.balance_fen

    @property
    def held_fen(self) -> int:
        return self.current_year.held_fen + self.prior_years.held_fen

    @property
    def available_fen(self) -> int:
        return self.balance_fen - self.held_fen


@dataclass(frozen=True)
class BalancesView:
    psn_no: str
    personal: PersonalBalanceView | None
    pool_id: int | None
    pool: BalanceView | None

    @property
    def personal_available_fen(self) -> int:
        return self.personal.available_fen if self.personal else 0

    @property
    def pool_available_fen(self) -> int:
        return self.pool.available_fen if self.pool else 0


@dataclass(frozen=True)
class ReservationView:
    """A reservation with the payer's available balances after the call (the national platform's balc)."""

    reservation: Reservation
    payer_personal_available_fen: int
    payer_pool_available_fen: int
    refund_parts: tuple[RefundPart, ...] = ()


@dataclass(frozen=True)
class QuoteView:
    """The split a payment would take now, holding nothing."""

    legs: tuple[Leg, ...]
    requested_fen: int
    payer_personal_available_fen: int
    payer_pool_available_fen: int

    @property
    def uncovered_fen(self) -> int:
        return self.requested_fen - sum(leg.reserved_fen for leg in self.legs)


@dataclass(frozen=True)
class RecordView:
    """One record as its reader sees it (domain/records.py): the lines that are theirs, and the balances after it."""

    journal_txn_id: int
    kind: str
    booked_at: dt.datetime
    psn_no: str
    pool_id: int | None
    fixmedins_code: str
    reservation_id: int | None
    description: str
    split: list[Line]  # signed fen per account: negative when money left it
    booked_by: str = ""  # who did it: "CHANNEL:identity"
    personal_after: PersonalBalanceView | None = None  # a person's own account right after it
    pool_after: BalanceView | None = None  # the pool's (in a pool's records, or a creator's record moving their pool)
    beneficiary_psn_no: str = ""  # a resident premium: whose it paid (rule 11)
    premium_year: int = 0  # a resident premium: for which insurance year

    @property
    def total_fen(self) -> int:
        """What moved, as the reader sees it: money out of the sources, or, when nothing left them, money into them."""
        return total_fen(self.split)


@dataclass(frozen=True)
class StatementView:
    """A person's personal account over one calendar year (Asia/Shanghai), per part."""

    psn_no: str
    year: int
    period_start: dt.datetime
    period_end: dt.datetime
    current_year: StatementLines
    prior_years: StatementLines

    @property
    def total(self) -> StatementLines:
        return self.current_year + self.prior_years


@dataclass(frozen=True)
class LedgerReport:
    problems: list[str]
    accounts_checked: int
    transactions_checked: int


@dataclass(frozen=True)
class LifeEventOutcome:
    person: PersonView
    dissolved_pool_id: int | None = None
    returned_fen: int = 0
    left_pool_id: int | None = None


@dataclass(frozen=True)
class YearOpened:
    """What a year-end rollover call moved, and how many accounts still hold an earlier year."""

    accounts: int
    moved_fen: int
    remaining: int


@dataclass(frozen=True)
class Booked:
    """A money movement into or out of one personal account: its journal transaction and the balance after it."""

    journal_txn_id: int
    balance_fen: int


@dataclass(frozen=True)
class PremiumPaid:
    """A resident premium paid (rule 11): its journal transaction, the amount, the payer's balance after it."""

    journal_txn_id: int
    amount_fen: int
    payer_balance_fen: int


@dataclass(frozen=True)
class Transferred:
    """A transfer into a pool (划拨) and both balances after it."""

    journal_txn_id: int
    pool_balance_fen: int
    creator_balance_fen: int
