"""The reason codes are a contract: every one the issue names exists, and README.md documents every one."""

from __future__ import annotations

import re
from pathlib import Path

import grpc

from services.common.errors import REASONS, DomainError

README = Path(__file__).resolve().parents[2] / "README.md"

REQUIRED = """
PERSON_NOT_FOUND PERSON_NOT_INSURED CREATOR_NOT_ELIGIBLE RELATION_NOT_ALLOWED IDENTITY_MISMATCH ALREADY_BOUND
MEMBER_LIMIT_REACHED DIFFERENT_REGION TRANSFER_BELOW_MINIMUM CREATOR_BALANCE_BELOW_MINIMUM INSUFFICIENT_FUNDS
POOL_NOT_FOUND POOL_DISSOLVED NOT_A_MEMBER INVITATION_NOT_FOUND INVITATION_EXPIRED RESERVATION_NOT_FOUND
RESERVATION_EXPIRED RESERVATION_ALREADY_FINAL AMOUNT_EXCEEDS_RESERVED REFUND_EXCEEDS_DEBITED REQUEST_ID_REUSED
""".split()


def test_every_required_reason_exists() -> None:
    assert set(REQUIRED) <= set(REASONS)


def test_readme_documents_every_reason_with_its_status() -> None:
    rows = dict(re.findall(r"^\| `([A-Z_]+)` \| `([A-Z_]+)` \|", README.read_text(encoding="utf-8"), re.M))
    assert rows == {reason: code.name for reason, (code, _) in REASONS.items()}


def test_messages_are_for_people_and_codes_say_what_to_do() -> None:
    for reason, (code, message) in REASONS.items():
        assert message.endswith(".") and len(message) > 20, reason
        assert code is not grpc.StatusCode.UNKNOWN
    err = DomainError("MEMBER_LIMIT_REACHED", "(at most 5)")
    assert err.code is grpc.StatusCode.FAILED_PRECONDITION
    assert err.message.endswith("(at most 5)")
