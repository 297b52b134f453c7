"""An institution sees and changes only its own settlements, whichever way it is named: institution B's certificate
(or token) cannot read, list, capture, void, refund or reconcile institution A's settlements, and B's Reverse of A's
pos_txn_id only writes a tombstone of B's own — A's payment stays paid. Where both a certificate and a token arrive,
the certificate decides."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from gongji.settlement.v1 import settlement_pb2 as pb
from gongji.settlement.v1 import settlement_pb2_grpc
from tests import processes
from tests.security.boundary import Channels, moved, snapshot
from tests.security.conftest import INSTITUTION_A, INSTITUTION_B, TOKEN_A, TOKEN_B
from tools.kit import Accounts, Family, fails, rid
from tools.kit import accounts_v1 as apb


class Pos:
    """One institution's POS: a stub and the metadata every call carries."""

    def __init__(self, channel: grpc.aio.Channel, metadata: Sequence[tuple[str, str]] = ()) -> None:
        self.stub = settlement_pb2_grpc.SettlementServiceStub(channel)
        self.metadata = tuple(metadata)

    def __call__(self, method: str, request: Any) -> Any:
        return getattr(self.stub, method)(request, metadata=self.metadata, timeout=10)


def _bearer(token: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {token}"),)


@pytest.fixture(params=["certificates", "tokens"])
async def pos_pair(
    request: pytest.FixtureRequest,
    channels: Channels,
    certs: Path,
    settlement_tokens: processes.Process,
    settlement_certificates: processes.Process,
) -> tuple[Pos, Pos]:
    """Institutions A and B, named by their certificates (mutual TLS) or by their tokens. Async, so that a channel it
    opens first belongs to the tests' event loop (a plain fixture running first has none)."""
    if request.param == "certificates":
        address = settlement_certificates.address
        return Pos(channels.get(address, certs, INSTITUTION_A)), Pos(channels.get(address, certs, INSTITUTION_B))
    tls = channels.get(settlement_tokens.address, processes.pki(), None)
    return Pos(tls, _bearer(TOKEN_A)), Pos(tls, _bearer(TOKEN_B))


def _period() -> tuple[Timestamp, Timestamp]:
    start, end = Timestamp(), Timestamp()
    now = dt.datetime.now(dt.UTC)
    start.FromDatetime(now - dt.timedelta(minutes=10))
    end.FromDatetime(now + dt.timedelta(minutes=10))
    return start, end


NOT_FOUND = ("SETTLEMENT_NOT_FOUND", grpc.StatusCode.NOT_FOUND)


async def test_b_sees_and_moves_nothing_of_a(pos_pair: tuple[Pos, Pos], accounts: Accounts, security_db: str) -> None:
    a, b = pos_pair
    family = Family(accounts)
    payer = await family.person(credit_fen=100_000)
    sale = (
        await a(
            "Settle", pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=payer.psn_no, **payer.charge(), amount_fen=10_000)
        )
    ).settlement
    hold = (
        await a(
            "Authorize",
            pb.AuthorizeRequest(pos_txn_id=rid(), payer_psn_no=payer.psn_no, **payer.charge(), amount_fen=4_000),
        )
    ).settlement
    assert (sale.fixmedins_code, hold.fixmedins_code) == (INSTITUTION_A, INSTITUTION_A)
    before = await snapshot(security_db)
    start, end = _period()

    for ref in ({"settlement_id": sale.settlement_id}, {"pos_txn_id": sale.pos_txn_id}):
        await fails(b("GetSettlement", pb.GetSettlementRequest(**ref)), *NOT_FOUND)
        await fails(b("Refund", pb.RefundRequest(refund_pos_txn_id=rid(), amount_fen=1_000, **ref)), *NOT_FOUND)
    for ref in ({"settlement_id": hold.settlement_id}, {"pos_txn_id": hold.pos_txn_id}):
        await fails(b("Capture", pb.CaptureRequest(amount_fen=4_000, **ref)), *NOT_FOUND)
        await fails(b("Void", pb.VoidRequest(**ref)), *NOT_FOUND)
    listed = (await b("ListSettlements", pb.ListSettlementsRequest(period_start=start, period_end=end))).settlements
    assert {s.fixmedins_code for s in listed} <= {INSTITUTION_B}
    assert not {sale.settlement_id, hold.settlement_id} & {s.settlement_id for s in listed}
    theirs = pb.ReconcileItem(pos_txn_id=sale.pos_txn_id, acct_pay_fen=10_000)
    report = await b(
        "Reconcile",
        pb.ReconcileRequest(
            period_start=start,
            period_end=end,
            totals=pb.ReconcileTotals(count=1, amount_fen=10_000, acct_pay_fen=10_000),
            items=[theirs],
        ),
    )
    assert not report.balanced
    ours = report.ours
    assert (ours.count, ours.amount_fen, ours.acct_pay_fen, ours.acct_mulaid_pay_fen, ours.refund_fen) == (0,) * 5
    assert [(r.pos_txn_id, r.result) for r in report.rows] == [(sale.pos_txn_id, pb.RECONCILE_ROW_RESULT_MISSING_HERE)]

    # B's Reverse of A's transaction ids: a tombstone in B's own namespace, A's settlements untouched.
    for original in (sale, hold):
        tomb = (await b("Reverse", pb.ReverseRequest(pos_txn_id=original.pos_txn_id))).settlement
        assert (tomb.kind, tomb.fixmedins_code) == (pb.SETTLEMENT_KIND_TOMBSTONE, INSTITUTION_B)
        assert tomb.settlement_id != original.settlement_id
    # Not a fen, a hold or a request in accounts; in settlement, B's two tombstones and nothing else.
    rows = before["settlement.settlements"][0]
    assert moved(before, await snapshot(security_db)) == {"settlement.settlements": (rows, rows + 2)}
    got_sale = (await a("GetSettlement", pb.GetSettlementRequest(settlement_id=sale.settlement_id))).settlement
    got_hold = (await a("GetSettlement", pb.GetSettlementRequest(settlement_id=hold.settlement_id))).settlement
    assert (got_sale.status, got_sale.refunded_fen) == (pb.SETTLEMENT_STATUS_COMPLETED, 0)
    assert got_hold.status == pb.SETTLEMENT_STATUS_AUTHORIZED
    assert await family.own_balance(payer) == 90_000

    # A still owns both: it can capture what it held (the reversal tombstone of B did not bar it).
    captured = (await a("Capture", pb.CaptureRequest(settlement_id=hold.settlement_id, amount_fen=4_000))).settlement
    assert captured.status == pb.SETTLEMENT_STATUS_COMPLETED
    report_a = await accounts.VerifyLedger(apb.VerifyLedgerRequest())
    assert report_a.ok, list(report_a.problems)


async def test_with_a_certificate_a_token_names_nobody_else(
    channels: Channels, certs: Path, settlement_certificates: processes.Process, accounts: Accounts
) -> None:
    """Mutual TLS: the certificate decides who calls; a token of another institution sent along changes nothing."""
    address = settlement_certificates.address
    a_with_b_token = Pos(channels.get(address, certs, INSTITUTION_A), _bearer(TOKEN_B))
    b_with_a_token = Pos(channels.get(address, certs, INSTITUTION_B), _bearer(TOKEN_A))
    payer = await Family(accounts).person(credit_fen=10_000)
    paid = (
        await a_with_b_token(
            "Settle", pb.SettleRequest(pos_txn_id=rid(), payer_psn_no=payer.psn_no, **payer.charge(), amount_fen=1_000)
        )
    ).settlement
    assert paid.fixmedins_code == INSTITUTION_A
    await fails(b_with_a_token("GetSettlement", pb.GetSettlementRequest(settlement_id=paid.settlement_id)), *NOT_FOUND)
