"""The one error table: every stable reason code, its gRPC status and the message a clerk can act on.

Domain code raises `DomainError(reason)`; the transport turns it into a gRPC status carrying a `google.rpc.ErrorInfo`
(domain "gongji"). Bad input raises `InvalidArgument` with `BadRequest` field violations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc

DOMAIN = "gongji"

C = grpc.StatusCode

# reason -> (status code, message for the clerk). Keep README.md's table in step (a test checks it).
REASONS: dict[str, tuple[grpc.StatusCode, str]] = {
    # registry
    "PERSON_NOT_FOUND": (C.NOT_FOUND, "No insured person with this person number or ID number is registered."),
    "PERSON_ALREADY_REGISTERED": (C.ALREADY_EXISTS, "This person number or ID number is already registered."),
    "PERSON_NOT_INSURED": (C.FAILED_PRECONDITION,
                           "The person is not actively insured (suspended, exited or deceased)."),
    "NO_PERSONAL_ACCOUNT": (C.FAILED_PRECONDITION,
                            "The person is resident-insured and has no personal account."),
    "NOT_RESIDENT_INSURED": (C.FAILED_PRECONDITION,
                             "The relative is not resident-insured; only resident premiums can be paid this way."),
    # pool and bindings
    "CREATOR_NOT_ELIGIBLE": (C.FAILED_PRECONDITION,
                             "The creator may not run a family pool: must be actively employee-insured in this "
                             "province, without chronic/special disease, retired-cadre or disabled-veteran benefits."),
    "RELATION_NOT_ALLOWED": (C.FAILED_PRECONDITION,
                             "This relation may not join a family pool under the policy in force."),
    "IDENTITY_MISMATCH": (C.FAILED_PRECONDITION,
                          "The name does not match the ID number in the insurance registry; check both."),
    "ALREADY_BOUND": (C.FAILED_PRECONDITION,
                      "The person already creates or belongs to a family pool; a person may be in only one."),
    "MEMBER_LIMIT_REACHED": (C.FAILED_PRECONDITION, "The family pool already has the maximum number of members."),
    "DIFFERENT_REGION": (C.FAILED_PRECONDITION,
                         "The relative is insured in another coordinating region; mutual aid is not allowed."),
    "TRANSFER_BELOW_MINIMUM": (C.INVALID_ARGUMENT, "A transfer into the family pool must be at least the minimum."),
    "CREATOR_BALANCE_BELOW_MINIMUM": (C.FAILED_PRECONDITION,
                                      "The creator's personal-account balance is below the minimum for mutual aid."),
    "INSUFFICIENT_FUNDS": (C.FAILED_PRECONDITION, "The account balance is not enough for this amount."),
    "POOL_NOT_FOUND": (C.NOT_FOUND, "No family pool with this id (or none for this person)."),
    "POOL_DISSOLVED": (C.FAILED_PRECONDITION, "The family pool has been dissolved."),
    "NOT_A_MEMBER": (C.FAILED_PRECONDITION, "The person is not a member of this family pool."),
    "INVITATION_NOT_FOUND": (C.NOT_FOUND, "No open invitation with this id."),
    "INVITATION_EXPIRED": (C.FAILED_PRECONDITION, "The invitation has expired; the creator must invite again."),
    # money movements
    "RESERVATION_NOT_FOUND": (C.NOT_FOUND, "No reservation with this id."),
    "RESERVATION_EXPIRED": (C.FAILED_PRECONDITION,
                            "The hold expired and its money was released; start the payment again."),
    "RESERVATION_ALREADY_FINAL": (C.FAILED_PRECONDITION,
                                  "The reservation was already debited, released or expired."),
    "AMOUNT_EXCEEDS_RESERVED": (C.FAILED_PRECONDITION, "The amount is more than was reserved."),
    "REFUND_EXCEEDS_DEBITED": (C.FAILED_PRECONDITION, "The refund is more than was paid and not yet refunded."),
    # settlement (POS)
    "UNAUTHENTICATED": (C.UNAUTHENTICATED,
                        "Missing or unknown institution token: send 'authorization: Bearer <token>'."),
    "SETTLEMENT_NOT_FOUND": (C.NOT_FOUND, "This institution has no settlement with this id."),
    "SETTLEMENT_REVERSED": (C.FAILED_PRECONDITION,
                            "This transaction was reversed (冲正); start a new payment with a new transaction id."),
    "PAYMENT_ABANDONED": (C.FAILED_PRECONDITION,
                          "This payment got no answer in time and was cancelled; nothing was paid. Start a new "
                          "payment with a new transaction id."),
    "PAYMENT_DECLINED": (C.FAILED_PRECONDITION, "The payment was declined by the accounts service."),
    "SETTLEMENT_ALREADY_FINAL": (C.FAILED_PRECONDITION,
                                 "The settlement was already captured, voided, reversed or expired."),
    "NOT_AN_AUTHORIZATION": (C.FAILED_PRECONDITION,
                             "Only an authorization (Authorize) can be captured or voided."),
    "ACCOUNTS_UNAVAILABLE": (C.UNAVAILABLE,
                             "The accounts service did not answer in time; retry with the same transaction id "
                             "(it will not be paid twice) or reverse it."),
    # idempotency
    "REQUEST_ID_REUSED": (C.ALREADY_EXISTS,
                          "This request id was already used for a different request; use a new request id."),
    "REQUEST_CANCELLED": (C.FAILED_PRECONDITION,
                          "This request was cancelled before it ran (its sender stopped waiting); nothing was done."),
    # infrastructure: nothing was written, retry the same call with the same request id
    "DATABASE_UNAVAILABLE": (C.UNAVAILABLE, "The database cannot be reached right now; retry shortly."),
    "CONCURRENT_UPDATE": (C.ABORTED, "Another operation changed the same accounts at the same moment; retry."),
    # transport
    "INVALID_ARGUMENT": (C.INVALID_ARGUMENT, "The request is incomplete or malformed; see the field violations."),
    "INTERNAL": (C.INTERNAL, "Internal error; the request may be retried with the same request id."),
}


# A limit on every amount (10 billion yuan): sums of amounts can never overflow a 64-bit integer.
MAX_FEN = 10**12


@dataclass
class DomainError(Exception):
    """A business rule said no. `reason` is a key of REASONS."""

    reason: str
    detail: str = ""
    metadata: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise KeyError(f"unknown reason {self.reason}")
        super().__init__(self.reason)

    @property
    def code(self) -> grpc.StatusCode:
        return REASONS[self.reason][0]

    @property
    def message(self) -> str:
        base = REASONS[self.reason][1]
        return f"{base} {self.detail}".strip()


@dataclass
class FieldViolation:
    field: str
    description: str


class InvalidArgument(Exception):
    """Bad input: one or more fields are missing or malformed."""

    def __init__(self, violations: list[FieldViolation]) -> None:
        super().__init__("; ".join(f"{v.field}: {v.description}" for v in violations))
        self.violations = violations


class Validator:
    """Collects every field violation of a request, then raises them together."""

    def __init__(self) -> None:
        self.violations: list[FieldViolation] = []

    def check(self, ok: bool, field_name: str, description: str) -> None:
        if not ok:
            self.violations.append(FieldViolation(field_name, description))

    def request_id(self, value: str) -> None:
        self.check(0 < len(value) <= 128 and value.isprintable(), "request_id", "required, 1 to 128 characters")

    def positive_fen(self, value: int, field_name: str = "amount_fen") -> None:
        self.check(0 < value <= MAX_FEN, field_name, f"must be a positive amount in fen, at most {MAX_FEN}")

    def done(self) -> None:
        if self.violations:
            raise InvalidArgument(self.violations)
