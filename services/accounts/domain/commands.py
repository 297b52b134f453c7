"""What each accounts RPC asks for, once its request has been parsed: frozen, typed, free of gRPC.

The transport's parsers build these (services/accounts/transport/parse.py); the use cases take them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services.accounts.domain.model import Acceptor, Change, Person, Relation, Source
from services.common.credentials import Credential

# ---------------------------------------------------------------- registry


@dataclass(frozen=True)
class RegisterPerson:
    person: Person
    name: str
    id_number: str


@dataclass(frozen=True)
class RecordLifeEvent:
    psn_no: str
    change: Change


@dataclass(frozen=True)
class CreditPersonalAccount:
    psn_no: str
    amount_fen: int
    memo: str


@dataclass(frozen=True)
class RollOverYear:
    year: int
    max_accounts: int  # 0: all


# ---------------------------------------------------------------- family pools


@dataclass(frozen=True)
class PersonRef:
    psn_no: str


@dataclass(frozen=True)
class PoolRef:
    """A pool, by id or by a person in it (exactly one is set)."""

    pool_id: int | None = None
    psn_no: str = ""


@dataclass(frozen=True)
class CreatePool:
    creator_psn_no: str
    agreement_version: str


@dataclass(frozen=True)
class InviteMember:
    pool_id: int
    member_name: str
    member_id_number: str
    relation: Relation


@dataclass(frozen=True)
class InvitationRef:
    invitation_id: str  # the unguessable id InviteMember returned


@dataclass(frozen=True)
class AcceptInvitation:
    """The invited person accepts in person, or a guardian for a minor: either way named by name and ID number."""

    invitation_id: str
    acceptor: Acceptor
    name: str
    id_number: str


@dataclass(frozen=True)
class RemoveMember:
    pool_id: int
    member_psn_no: str


@dataclass(frozen=True)
class DissolvePool:
    pool_id: int


@dataclass(frozen=True)
class TransferToPool:
    pool_id: int
    amount_fen: int


@dataclass(frozen=True)
class CreatePoolCheck:
    """Rules 1, 4 and 6 for a prospective creator."""


@dataclass(frozen=True)
class BindMemberCheck:
    """Rules 2 to 5 for a prospective member."""

    member_name: str
    member_id_number: str
    relation: Relation


@dataclass(frozen=True)
class TransferCheck:
    """Rule 6 for a prospective transfer."""

    amount_fen: int


@dataclass(frozen=True)
class CheckEligibility:
    creator_psn_no: str
    action: CreatePoolCheck | BindMemberCheck | TransferCheck
    on_date: dt.date | None = None  # whose policy applies; None: today


@dataclass(frozen=True)
class ListTransactions:
    owner: PoolRef
    before_id: int | None
    page_size: int


@dataclass(frozen=True)
class BalancesQuery:
    """A person's balances now, or as booked at `as_of`."""

    psn_no: str
    as_of: dt.datetime | None = None


@dataclass(frozen=True)
class AnnualStatement:
    psn_no: str
    year: int


@dataclass(frozen=True)
class PayResidentPremium:
    payer_psn_no: str
    beneficiary_psn_no: str
    relation: Relation
    amount_fen: int  # 0: the standard of that year and region; otherwise it must be that standard
    premium_year: int


# ---------------------------------------------------------------- payments


@dataclass(frozen=True)
class Reserve:
    payer_psn_no: str
    amount_fen: int
    sources: tuple[Source, ...]
    credential: Credential  # what the payer presented: an ID card must be theirs
    hold_ttl_seconds: int = 0  # 0: the policy default
    all_or_nothing: bool = False
    debit_immediately: bool = False
    fixmedins_code: str = ""
    description: str = ""
    visit_region: str = ""  # where the patient is treated (就医地): the pool pays only within the policy's scope


@dataclass(frozen=True)
class Quote:
    payer_psn_no: str
    amount_fen: int
    sources: tuple[Source, ...]
    credential: Credential
    visit_region: str = ""


@dataclass(frozen=True)
class ReservationRef:
    reservation_id: int


@dataclass(frozen=True)
class Debit:
    reservation_id: int
    amount_fen: int


@dataclass(frozen=True)
class Refund:
    reservation_id: int
    amount_fen: int


@dataclass(frozen=True)
class Fence:
    request_id: str


@dataclass(frozen=True)
class ReverseRefund:
    reservation_id: int
    personal_account_fen: int
    family_pool_fen: int


@dataclass(frozen=True)
class PayOutClearing:
    fixmedins_code: str
    period: str
    amount_fen: int


@dataclass(frozen=True)
class NoArguments:
    """A request with nothing to parse (VerifyLedger)."""
