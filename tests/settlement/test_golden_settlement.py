"""Golden contract of gongji.settlement.v1.SettlementService: one file per RPC under tests/contract/golden/."""

from __future__ import annotations

from typing import Any

import pytest

from gongji.settlement.v1 import settlement_pb2, settlement_pb2_grpc
from tests.contract.golden import GoldenFile, call, check, fill
from tests.settlement.conftest import TOKEN_A
from tools.kit import Family, rid

SERVICE = settlement_pb2.DESCRIPTOR.services_by_name["SettlementService"]
METHODS = [m.name for m in SERVICE.methods]
EMPTY_DAY = {"periodStart": "2001-01-01T00:00:00Z", "periodEnd": "2001-01-02T00:00:00Z"}
# The visit every charge belongs to: an outpatient (11) employee-insured (310) visit of 5000 yuan, 1000 of them paid
# by the pooled fund.
VISIT = {
    "visit": {
        "mdtrtId": "MDTRT-GOLDEN-1",
        "insutype": "310",
        "medType": "11",
        "medfeeSumamtFen": "500000",
        "fundPaySumamtFen": "100000",
    }
}
MEMBER_CARD = {"mdtrtCertType": "MDTRT_CERT_TYPE_ID_CARD", "mdtrtCertNo": "{member_id}", **VISIT}  # the payer's own
CREATOR_CARD = {"mdtrtCertType": "MDTRT_CERT_TYPE_ID_CARD", "mdtrtCertNo": "{creator_id}", **VISIT}  # another's
SOCIAL_SECURITY_CARD = {"mdtrtCertType": "MDTRT_CERT_TYPE_SOCIAL_SECURITY_CARD", "mdtrtCertNo": "A12345678", **VISIT}
ELECTRONIC_CREDENTIAL = {
    "mdtrtCertType": "MDTRT_CERT_TYPE_ELECTRONIC_CREDENTIAL",
    "mdtrtCertNo": "ecToken-0123456789",
    **VISIT,
}


class Recorder:
    def __init__(self, stub: Any) -> None:
        self.stub = stub
        self.files = {m: GoldenFile("settlement", m) for m in METHODS}
        self.values: dict[str, str] = {}
        self.metadata = [("authorization", f"Bearer {TOKEN_A}")]

    async def case(self, method: str, case: str, request: dict[str, Any], authenticated: bool = True) -> dict:  # type: ignore[type-arg]
        outcome, _ = await call(
            self.stub, SERVICE, method, fill(request, self.values), self.metadata if authenticated else None
        )
        self.files[method].record(case, request, outcome, self.values)
        return outcome.get("response", {})  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
async def recorded(stack) -> Recorder:  # type: ignore[no-untyped-def]
    pos = stack.pos(TOKEN_A)
    r = Recorder(settlement_pb2_grpc.SettlementServiceStub(pos.channel))
    f = Family(stack.accounts)
    creator = await f.person(credit_fen=200_000)
    member = await f.person(credit_fen=10_000)
    pool_id = await f.create_pool(creator, transfer_fen=60_000)
    await f.bind(pool_id, member)
    r.values.update(
        member=member.psn_no, pos1=rid(), pos2=rid(), pos3=rid(), pos4=rid(), refund1=rid(), refund2=rid(), never=rid()
    )
    r.values.update(pos5=rid(), pos6=rid(), pos7=rid(), member_id=member.id_number, creator_id=creator.id_number)
    r.values.update(pos8=rid(), refund3=rid(), cap1=rid())
    # What a settlement shows of a card: its last four behind stars (the number itself would show as {..._id}).
    r.values.update(
        member_id_masked="*" * 14 + member.id_number[-4:], creator_id_masked="*" * 14 + creator.id_number[-4:]
    )
    await r.case(
        "PreSettle", "own_then_pool_then_cash", {"payerPsnNo": "{member}", "amountFen": "80000", **MEMBER_CARD}
    )
    await r.case("PreSettle", "bad_input", {"payerPsnNo": "", "amountFen": "0"})
    await r.case(
        "PreSettle",
        "own_only_declines_the_pool",
        {"payerPsnNo": "{member}", "amountFen": "80000", "acctUsedFlag": "ACCT_USED_FLAG_OWN_ONLY", **MEMBER_CARD},
    )
    await r.case(
        "PreSettle",
        "bill_smaller_than_its_parts",
        {"payerPsnNo": "{member}", "amountFen": "400001", **MEMBER_CARD},
    )
    await r.case("PreSettle", "id_card_of_another", {"payerPsnNo": "{member}", "amountFen": "100", **CREATOR_CARD})
    paid = await r.case(
        "Settle",
        "own_then_pool",
        {
            "posTxnId": "{pos1}",
            "payerPsnNo": "{member}",
            "amountFen": "30000",
            "description": "pharmacy",
            **MEMBER_CARD,
        },
    )
    r.values["settlement1"] = paid["settlement"]["settlementId"]
    await r.case(
        "Settle",
        "replay",
        {
            "posTxnId": "{pos1}",
            "payerPsnNo": "{member}",
            "amountFen": "30000",
            "description": "pharmacy",
            **MEMBER_CARD,
        },
    )
    await r.case(
        "Settle",
        "same_id_other_amount",
        {"posTxnId": "{pos1}", "payerPsnNo": "{member}", "amountFen": "1", **MEMBER_CARD},
    )
    await r.case(
        "Settle",
        "same_id_other_credential",
        {
            "posTxnId": "{pos1}",
            "payerPsnNo": "{member}",
            "amountFen": "30000",
            "description": "pharmacy",
            **SOCIAL_SECURITY_CARD,
        },
    )
    await r.case(
        "Settle", "unknown_payer", {"posTxnId": "{pos2}", "payerPsnNo": "NOBODY", "amountFen": "100", **MEMBER_CARD}
    )
    await r.case(
        "Settle",
        "no_token",
        {"posTxnId": "{pos2}", "payerPsnNo": "{member}", "amountFen": "100", **MEMBER_CARD},
        authenticated=False,
    )
    await r.case("Settle", "bad_input", {"posTxnId": "has space", "payerPsnNo": "{member}", "amountFen": "-1"})
    await r.case(
        "Settle",
        "all_cash_no_account_used",
        {
            "posTxnId": "{pos8}",
            "payerPsnNo": "{member}",
            "amountFen": "5000",
            "acctUsedFlag": "ACCT_USED_FLAG_NONE",
            **MEMBER_CARD,
        },
    )
    await r.case(
        "Settle",
        "malformed_credential",
        {
            "posTxnId": "{pos2}",
            "payerPsnNo": "{member}",
            "amountFen": "100",
            "mdtrtCertType": "MDTRT_CERT_TYPE_ID_CARD",
            "mdtrtCertNo": "630102198001010018",
        },
    )
    mismatch = {"posTxnId": "{pos5}", "payerPsnNo": "{member}", "amountFen": "100", **CREATOR_CARD}
    await r.case("Settle", "id_card_of_another", mismatch)
    await r.case("Settle", "id_card_of_another_replay", mismatch)
    auth = await r.case(
        "Authorize",
        "authorized",
        {"posTxnId": "{pos3}", "payerPsnNo": "{member}", "amountFen": "20000", "holdTtlSeconds": 600, **MEMBER_CARD},
    )
    r.values["settlement3"] = auth["settlement"]["settlementId"]
    await r.case("Capture", "more_than_authorized", {"settlementId": "{settlement3}", "amountFen": "20001"})
    await r.case("Capture", "zero_is_a_void", {"settlementId": "{settlement3}", "amountFen": "0"})
    await r.case(
        "Capture", "captured_less", {"settlementId": "{settlement3}", "amountFen": "15000", "capturePosTxnId": "{cap1}"}
    )
    await r.case("Void", "after_capture", {"settlementId": "{settlement3}"})
    await r.case(
        "Authorize", "second", {"posTxnId": "{pos4}", "payerPsnNo": "{member}", "amountFen": "1000", **MEMBER_CARD}
    )
    await r.case("Authorize", "no_credential", {"posTxnId": "{pos6}", "payerPsnNo": "{member}", "amountFen": "1000"})
    await r.case("Void", "voided", {"posTxnId": "{pos4}"})
    await r.case(
        "Refund", "partial", {"refundPosTxnId": "{refund1}", "settlementId": "{settlement1}", "amountFen": "25000"}
    )
    await r.case(
        "Refund",
        "more_than_left",
        {"refundPosTxnId": "{refund2}", "settlementId": "{settlement1}", "amountFen": "10000"},
    )
    await r.case(
        "Refund", "the_rest_as_the_whole_bill", {"refundPosTxnId": "{refund3}", "posTxnId": "{pos1}", "wholeBill": True}
    )
    await r.case("GetSettlement", "by_pos_txn_id", {"posTxnId": "{pos1}"})
    await r.case("GetSettlement", "unknown", {"posTxnId": "{never}"})
    await r.case("GetSettlement", "declined_id_card_of_another", {"posTxnId": "{pos5}"})
    await r.case("Reverse", "a_refund_by_its_own_id", {"posTxnId": "{refund1}"})
    await r.case("Reverse", "a_capture_by_its_own_id", {"posTxnId": "{cap1}"})
    await r.case("Reverse", "completed_payment", {"posTxnId": "{pos1}"})
    await r.case("Reverse", "never_seen", {"posTxnId": "{never}"})
    await r.case("ListSettlements", "empty_day", {**EMPTY_DAY, "pageSize": 10})
    await r.case("ListSettlements", "no_period", {"pageSize": 10})
    await r.case("ListSettlements", "unknown_visit", {"mdtrtId": "MDTRT-NEVER", "pageSize": 10})
    await r.case("Reconcile", "balanced_empty_day", {**EMPTY_DAY, "totals": {}})
    await r.case("DetailFile", "empty_day", EMPTY_DAY)
    await r.case("DetailFile", "no_period", {})
    await r.case("ClosePeriod", "no_end", {})
    await r.case("ClosePeriod", "ending_in_the_future", {"periodEnd": "2999-01-01T00:00:00Z"})
    await r.case(
        "Reconcile",
        "unbalanced",
        {**EMPTY_DAY, "totals": {"count": "1", "amountFen": "100"}, "items": [{"posTxnId": "X1", "acctPayFen": "100"}]},
    )
    # Cards accounts can check for their format only: recorded with the payment, not proved to be the payer's. (pos6
    # is free: the Authorize without a credential wrote nothing.)
    await r.case(
        "Settle",
        "social_security_card",
        {"posTxnId": "{pos6}", "payerPsnNo": "{member}", "amountFen": "100", **SOCIAL_SECURITY_CARD},
    )
    await r.case(
        "Authorize",
        "electronic_credential",
        {"posTxnId": "{pos7}", "payerPsnNo": "{member}", "amountFen": "100", **ELECTRONIC_CREDENTIAL},
    )
    await pos.channel.close()
    return r


@pytest.mark.parametrize("method", METHODS)
async def test_wire_contract(recorded: Recorder, method: str) -> None:
    check(recorded.files, method)
