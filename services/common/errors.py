"""The one reason table: every stable reason code and the message a clerk can act on. Free of gRPC.

Domain code raises `DomainError(Reason.X)`; bad input raises `InvalidArgument` with every field violation. The
transport edge (`services/common/grpc_errors.py`) gives each reason its gRPC status code and an `ErrorInfo`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, unique

DOMAIN = "gongji"

# A limit on every amount (10 billion yuan): sums of amounts can never overflow a 64-bit integer.
MAX_FEN = 10**12


@unique
class Reason(Enum):
    """A stable reason code (the member's name, as in ErrorInfo.reason) and its message for the clerk.

    Keep README.md's table in step (`make docs`; a test checks it)."""

    # registry
    PERSON_NOT_FOUND = "No insured person with this person number or ID number is registered."
    PERSON_ALREADY_REGISTERED = "This person number or ID number is already registered."
    PERSON_NOT_INSURED = "The person is not actively insured (suspended, exited or deceased)."
    NO_PERSONAL_ACCOUNT = "The person is resident-insured and has no personal account."
    NOT_RESIDENT_INSURED = "The relative is not resident-insured; only resident premiums can be paid this way."
    # pool and bindings
    CREATOR_NOT_ELIGIBLE = (
        "The creator may not run a family pool: must be actively employee-insured in this "
        "province, without chronic/special disease, retired-cadre or disabled-veteran benefits."
    )
    RELATION_NOT_ALLOWED = "This relation may not join a family pool under the policy in force."
    IDENTITY_MISMATCH = "The name and ID number do not match a registered insured person; check both."
    GUARDIAN_NOT_ALLOWED = (
        "A guardian may answer only for a member under 18, and must be an adult other than the "
        "member; otherwise the member answers in person."
    )
    ALREADY_BOUND = "The person already creates or belongs to a family pool; a person may be in only one."
    MEMBER_LIMIT_REACHED = "The family pool already has the maximum number of members."
    DIFFERENT_REGION = "The relative is insured in another coordinating region; mutual aid is not allowed."
    TRANSFER_BELOW_MINIMUM = "A transfer into the family pool must be at least the minimum."
    CREATOR_BALANCE_BELOW_MINIMUM = "The creator's personal-account balance is below the minimum for mutual aid."
    INSUFFICIENT_FUNDS = "The account balance is not enough for this amount."
    POOL_NOT_FOUND = "No family pool with this id (or none for this person)."
    POOL_DISSOLVED = "The family pool has been dissolved."
    NOT_A_MEMBER = "The person is not a member of this family pool."
    INVITATION_NOT_FOUND = "No open invitation with this id."
    INVITATION_EXPIRED = "The invitation has expired; the creator must invite again."
    # money movements
    CREDENTIAL_MISMATCH = (
        "The ID card presented is not the payer's own: a payment needs the payer's own ID card, social-security card "
        "or electronic medical-insurance credential (the money can be shared, the card cannot)."
    )
    RESERVATION_NOT_FOUND = "No reservation with this id."
    RESERVATION_EXPIRED = "The hold expired and its money was released; start the payment again."
    RESERVATION_ALREADY_FINAL = "The reservation was already debited, released or expired."
    AMOUNT_EXCEEDS_RESERVED = "The amount is more than was reserved."
    REFUND_EXCEEDS_DEBITED = "The refund is more than was paid and not yet refunded."
    # callers
    UNAUTHENTICATED = (
        "No known caller: present a client certificate this service trusts, or send "
        "'authorization: Bearer <token>' where tokens are configured."
    )
    PERMISSION_DENIED = "This caller's role may not use this method; ask the operators for the right credentials."
    # settlement (POS)
    SETTLEMENT_NOT_FOUND = "This institution has no settlement with this id."
    SETTLEMENT_REVERSED = "This transaction was reversed (冲正); start a new payment with a new transaction id."
    PAYMENT_ABANDONED = (
        "This payment got no answer in time and was cancelled; nothing was paid. Start a new "
        "payment with a new transaction id."
    )
    PAYMENT_DECLINED = "The payment was declined by the accounts service."
    SETTLEMENT_ALREADY_FINAL = "The settlement was already captured, voided, reversed or expired."
    NOT_AN_AUTHORIZATION = "Only an authorization (Authorize) can be captured or voided."
    ACCOUNTS_UNAVAILABLE = (
        "The accounts service did not answer in time; retry with the same transaction id "
        "(it will not be paid twice) or reverse it."
    )
    # idempotency
    REQUEST_ID_REUSED = "This request id was already used for a different request; use a new request id."
    REQUEST_CANCELLED = "This request was cancelled before it ran (its sender stopped waiting); nothing was done."
    # infrastructure: nothing was written, retry the same call with the same request id
    DATABASE_UNAVAILABLE = "The database cannot be reached right now; retry shortly."
    CONCURRENT_UPDATE = "Another operation changed the same accounts at the same moment; retry."
    # transport
    INVALID_ARGUMENT = "The request is incomplete or malformed; see the field violations."
    INTERNAL = "Internal error; the request may be retried with the same request id."

    @property
    def message(self) -> str:
        return str(self.value)

    @classmethod
    def parse(cls, name: str) -> Reason | None:
        """The reason with this code (as stored or received), or None for a code this build does not know."""
        return cls.__members__.get(name)


@dataclass
class DomainError(Exception):
    """A business rule said no."""

    reason: Reason
    detail: str = ""
    metadata: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.reason.name)

    @property
    def message(self) -> str:
        return f"{self.reason.message} {self.detail}".strip()


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


class InvalidArgument(Exception):
    """Bad input: one or more fields are missing or malformed."""

    def __init__(self, violations: list[FieldViolation]) -> None:
        super().__init__("; ".join(f"{v.field}: {v.description}" for v in violations))
        self.violations = violations
