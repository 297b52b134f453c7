"""The reason codes are a contract: every one the issue names exists, each has a status code chosen by what the
client should do next, and README.md documents every one."""

from __future__ import annotations

import re
from pathlib import Path

import grpc

from services.common.errors import DomainError, Reason
from services.common.rpc import STATUS

README = Path(__file__).resolve().parents[2] / "README.md"

REQUIRED = """
PERSON_NOT_FOUND PERSON_NOT_INSURED CREATOR_NOT_ELIGIBLE RELATION_NOT_ALLOWED IDENTITY_MISMATCH ALREADY_BOUND
MEMBER_LIMIT_REACHED DIFFERENT_REGION TRANSFER_BELOW_MINIMUM CREATOR_BALANCE_BELOW_MINIMUM INSUFFICIENT_FUNDS
POOL_NOT_FOUND POOL_DISSOLVED NOT_A_MEMBER INVITATION_NOT_FOUND INVITATION_EXPIRED RESERVATION_NOT_FOUND
RESERVATION_EXPIRED RESERVATION_ALREADY_FINAL AMOUNT_EXCEEDS_RESERVED REFUND_EXCEEDS_DEBITED REQUEST_ID_REUSED
CREDENTIAL_MISMATCH
""".split()


def test_every_required_reason_exists() -> None:
    assert set(REQUIRED) <= {r.name for r in Reason}


def test_readme_documents_every_reason_with_its_status() -> None:
    rows = dict(re.findall(r"^\| `([A-Z_]+)` \| `([A-Z_]+)` \|", README.read_text(encoding="utf-8"), re.M))
    assert rows == {reason.name: STATUS[reason].name for reason in Reason}


def test_messages_are_for_people_and_codes_say_what_to_do() -> None:
    for reason in Reason:
        assert reason.message.endswith(".") and len(reason.message) > 20, reason
        assert STATUS[reason] not in (grpc.StatusCode.UNKNOWN, grpc.StatusCode.OK), reason
    err = DomainError(Reason.MEMBER_LIMIT_REACHED, "(at most 5)")
    assert STATUS[err.reason] is grpc.StatusCode.FAILED_PRECONDITION
    assert err.message == "The family pool already has the maximum number of members. (at most 5)"


def test_every_reason_speaks_chinese_too() -> None:
    for reason in Reason:
        assert re.search(r"[\u4e00-\u9fff]", reason.message_zh) and reason.message_zh.endswith("。"), reason


def test_a_stored_or_received_reason_code_reads_back() -> None:
    assert Reason.parse("POOL_DISSOLVED") is Reason.POOL_DISSOLVED
    assert Reason.parse("SOMETHING_A_NEWER_BUILD_SAYS") is None
