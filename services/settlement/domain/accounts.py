"""What settlement asks of accounts and what it learns back, as settlement's own types, free of gRPC and protobuf.

The accounts client (clients/accounts.py) turns each answer of gongji.accounts.v1.PaymentService into one of these,
reading only the fields it declares in CONSUMER_CONTRACT; use cases and the fake accounts of the unit tests speak
nothing else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from services.common.credentials import Credential
from services.common.errors import DomainError, Reason
from services.settlement.domain.model import ACCOUNT_SOURCES, Shortfall, Source


class HoldStatus(StrEnum):
    """An accounts reservation's status."""

    UNSPECIFIED = "UNSPECIFIED"
    HELD = "HELD"
    DEBITED = "DEBITED"
    RELEASED = "RELEASED"
    EXPIRED = "EXPIRED"


@dataclass(frozen=True)
class Parts:
    """An amount by funding source: the payer's own personal account, and the family pool."""

    own_fen: int = 0
    pool_fen: int = 0

    @property
    def total_fen(self) -> int:
        return self.own_fen + self.pool_fen


@dataclass(frozen=True)
class Balances:
    """The payer's available balances after a call (balc_fen, pool_balc_fen); 0 where the payer has none."""

    own_available_fen: int = 0
    pool_available_fen: int = 0


@dataclass(frozen=True)
class ReserveCall:
    """One Reserve: own account first, then the pool (rule 8); a sale debits at once, an authorization holds."""

    request_id: str
    payer_psn_no: str
    amount_fen: int
    credential: Credential  # the POS request's own: settlement keeps only its type and keyed hash
    debit_immediately: bool
    hold_ttl_seconds: int = 0
    fixmedins_code: str = ""
    description: str = ""
    sources: tuple[Source, ...] = ACCOUNT_SOURCES  # the ones the patient allows (acct_used_flag), in rule 8's order
    visit_region: str = ""  # where the care happens (the institution's region): the pool pays only in scope


@dataclass(frozen=True)
class Hold:
    """Reserve's answer: the reservation, what it holds and (for a sale) debited, by source."""

    reservation_id: str
    reserved: Parts
    debited: Parts
    expires_at: dt.datetime | None
    payer: Balances
    shortfalls: tuple[Shortfall, ...] = ()  # why a requested source gave less than was still needed


@dataclass(frozen=True)
class Payment:
    """Debit's answer: what the capture took, by source (the rest of the hold was released)."""

    debited: Parts
    payer: Balances


@dataclass(frozen=True)
class HoldState:
    """GetReservation's answer: enough to drive an undo to its end."""

    status: HoldStatus
    debited_fen: int
    refunded_fen: int
    debited: Parts = Parts()  # by source: what the reservation paid (for the record of an undone payment)

    @property
    def unrefunded_fen(self) -> int:
        return self.debited_fen - self.refunded_fen


@dataclass(frozen=True)
class RefundOutcome:
    """Refund's answer: where this refund went back to, by source; of the pool's part, what went to its creator's
    own account because the pool had been dissolved."""

    own_fen: int
    pool_fen: int
    to_creator_fen: int = 0


@dataclass(frozen=True)
class FenceOutcome:
    """Fence's answer: whether a call with the barred request id had already succeeded (it stands), and for a
    Reserve that had, the reservation it made."""

    already_executed: bool
    reservation_id: str = ""


@dataclass(frozen=True)
class Quote:
    """Quote's answer: what a Reserve would hold now, by source, and the payer's available balances."""

    reserved: Parts
    payer: Balances
    shortfalls: tuple[Shortfall, ...] = ()


class AccountsDeclined(Exception):
    """Accounts said no, definitely (a business rule, or a bad request): nothing happened."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message


class AccountsUnreachable(DomainError):
    """No definite answer after the retries: the outcome is unknown until the same call is made again. The POS
    gets UNAVAILABLE (retry with the same pos_txn_id, or reverse)."""

    def __init__(self, step: str) -> None:
        super().__init__(Reason.ACCOUNTS_UNAVAILABLE, metadata={"step": step})
