"""Read models the use cases return and the transport turns into protobuf: plain data, no behaviour."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from services.accounts.domain.model import Person, Relation, Source


@dataclass
class PersonView:
    person: Person
    name_masked: str
    id_number_masked: str
    pool_id: int | None = None
    pool_role: str = ""  # CREATOR | MEMBER | ""


@dataclass
class MemberView:
    invitation_id: int
    psn_no: str
    name_masked: str
    relation: Relation
    status: str
    invited_at: dt.datetime
    invitation_expires_at: dt.datetime
    joined_at: dt.datetime | None


@dataclass
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
    members: list[MemberView] = field(default_factory=list)


@dataclass
class LegView:
    seq: int
    source: Source
    account_id: int | None
    pool_id: int | None
    reserved_fen: int
    debited_fen: int
    refunded_fen: int
    shortfall_reason: str


@dataclass
class ReservationView:
    reservation_id: int
    payer_psn_no: str
    status: str
    requested_fen: int
    expires_at: dt.datetime
    fixmedins_code: str
    legs: list[LegView]
    payer_personal_available_fen: int = 0
    payer_pool_available_fen: int = 0

    @property
    def reserved_fen(self) -> int:
        return sum(leg.reserved_fen for leg in self.legs)

    @property
    def debited_fen(self) -> int:
        return sum(leg.debited_fen for leg in self.legs)

    @property
    def refunded_fen(self) -> int:
        return sum(leg.refunded_fen for leg in self.legs)


@dataclass
class RefundPartView:
    source: Source
    destination: str  # PERSONAL_ACCOUNT | FAMILY_POOL | CREATOR_PERSONAL_ACCOUNT
    amount_fen: int


@dataclass
class BalanceView:
    balance_fen: int
    held_fen: int

    @property
    def available_fen(self) -> int:
        return self.balance_fen - self.held_fen


@dataclass
class BalancesView:
    psn_no: str
    personal: BalanceView | None
    pool_id: int | None
    pool: BalanceView | None


@dataclass
class RecordView:
    journal_txn_id: int
    kind: str
    booked_at: dt.datetime
    psn_no: str
    pool_id: int | None
    fixmedins_code: str
    reservation_id: int | None
    description: str
    split: list[tuple[Source, int]]  # signed fen per source: negative when money left it

    @property
    def total_fen(self) -> int:
        """What moved: money out of the sources, or, when nothing left them, money into them."""
        out = sum(-amount for _, amount in self.split if amount < 0)
        return out or sum(amount for _, amount in self.split if amount > 0)


@dataclass
class LedgerReport:
    problems: list[str]
    accounts_checked: int
    transactions_checked: int
